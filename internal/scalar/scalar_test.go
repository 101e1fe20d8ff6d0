package scalar

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpForFloat32 compares ExpForFloat32 with math.Exp over (−750, 750)
// and at the special values: within 2⁻³⁵ relative (its documented 2⁻³⁶
// with a margin for math.Exp's own rounding) inside (−700, 700), where it
// evaluates its polynomial, and bit for bit outside, where it calls
// math.Exp (0 at −Inf, +Inf at +Inf, NaN at NaN, subnormals below −708).
func TestExpForFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 699.9, -699.9, 700, -700, 709, -745,
		math.Ln2 / 2, -math.Ln2 / 2, 5e-324, math.Inf(1), math.Inf(-1), math.NaN()}
	for range 200000 {
		xs = append(xs, (r.Float64()*2-1)*750, (r.Float64()*2-1)*20)
	}
	got := append([]float64(nil), xs...)
	ExpForFloat32(got)
	for i, x := range xs {
		want := math.Exp(x)
		if !(x > -700 && x < 700) {
			if math.Float64bits(got[i]) != math.Float64bits(want) {
				t.Errorf("ExpForFloat32(%v) = %v, want math.Exp's %v", x, got[i], want)
			}
			continue
		}
		if rel := math.Abs(got[i]-want) / want; !(rel <= 0x1p-35) {
			t.Errorf("ExpForFloat32(%v) = %v, want %v (relative error %.3g)", x, got[i], want, rel)
		}
	}
}
