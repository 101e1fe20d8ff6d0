package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGELUSliceMatchesErfcForm compares geluSlice, the fast kernel, with
// specialGELU, the one-element ½·x·erfc(−x/√2) with Go's math.Erfc, over
// points of every range (the rational function's |x| < 1.193, the tails,
// subnormals) and the special values, in both element types. Where the
// kernel takes the rational function it rounds differently from
// math.Erfc: against 40-digit values (mpmath) both are within 2 ulps
// there, so they may differ by up to 3; elsewhere it evaluates
// math.Erfc's own formulas (geluFar) and must agree bit for bit. Lengths 0 to 9 cover the blocks of four and
// the remainder.
func TestGELUSliceMatchesErfcForm(t *testing.T) {
	const maxULPs = 3
	r := rand.New(rand.NewPCG(3, 4))
	xs := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		1.1932, -1.1932, 1.1933, -1.1933, 5e-324, -5e-324, 0x1p-1022, -0x1p-1022,
		-38, -40, 40, 1e300, -1e300, math.MaxFloat64, -math.MaxFloat64}
	for i := range 400000 {
		switch i % 4 {
		case 0:
			xs = append(xs, r.NormFloat64()*0.6) // a transformer's hidden units
		case 1:
			xs = append(xs, (r.Float64()*2-1)*1.2) // the rational function's range
		case 2:
			xs = append(xs, r.NormFloat64()*8) // the tails
		default:
			xs = append(xs, math.Ldexp(r.Float64()-0.5, -r.IntN(1100))) // tiny and subnormal
		}
	}
	got := make([]float64, len(xs))
	geluSlice(got, xs)
	for i, x := range xs {
		want := specialGELU(x)
		if math.Float64bits(got[i]) == math.Float64bits(want) {
			continue
		}
		ulp := math.Nextafter(math.Abs(want), math.Inf(1)) - math.Abs(want)
		if d := math.Abs(got[i]-want) / ulp; !(d <= maxULPs) || math.Abs(x) >= 1.1933 {
			t.Errorf("geluSlice(%v) = %v, want %v (%.3g ulps)", x, got[i], want, d)
		}
	}
	for n := range 10 {
		in := xs[20 : 20+n]
		d := make([]float64, n)
		geluSlice(d, in)
		for i := range d {
			if d[i] != got[20+i] {
				t.Errorf("length %d: element %d = %v, want %v", n, i, d[i], got[20+i])
			}
		}
	}
	x32 := make([]float32, len(xs))
	for i, v := range xs {
		x32[i] = float32(v)
	}
	g32 := make([]float32, len(xs))
	geluSlice32(g32, x32)
	for i, v := range x32 {
		want := float32(specialGELU(float64(v)))
		if g32[i] != want && !(math.IsNaN(float64(v)) && g32[i] != g32[i]) {
			// the float64 results differ by a few ulps, so their
			// roundings to float32 by at most one float32 ulp
			if d := math.Abs(float64(g32[i] - want)); d > float64(math.Nextafter32(float32(math.Abs(float64(want))), float32(math.Inf(1)))-float32(math.Abs(float64(want)))) {
				t.Errorf("float32 geluSlice(%v) = %v, want %v", v, g32[i], want)
			}
		}
	}
}
