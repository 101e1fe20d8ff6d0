package optim

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestPowInt checks powInt against xⁿ computed exactly with math/big and
// rounded once to float64: it must be the correctly rounded value. (Its
// double-double error, ~n·2⁻¹⁰⁴ relative, could only matter for a power
// within that distance of a rounding midpoint: never in practice.)
func TestPowInt(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type tc struct {
		x float64
		n int
	}
	cases := []tc{{0.9, 0}, {0.9, 1}, {0.9, 2}, {0.999, 30}, {0.5, 1074}, {2, 10}, {1, 5000}, {0, 0}, {0, 3}, {-0.9, 3}}
	for range 2000 {
		cases = append(cases, tc{rng.Float64(), rng.IntN(300)})
	}
	for _, c := range cases {
		base := new(big.Float).SetFloat64(c.x)
		prod := new(big.Float).SetPrec(uint(53*c.n + 64)).SetInt64(1) // room for the exact power
		for range c.n {
			prod.Mul(prod, base)
		}
		want, _ := prod.Float64()
		if got := powInt(c.x, c.n); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("powInt(%v, %d) = %v, want %v (math.Pow gives %v)", c.x, c.n, got, want, math.Pow(c.x, float64(c.n)))
		}
	}
}
