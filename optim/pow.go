package optim

import "math"

// powInt returns xⁿ for n ≥ 0, correctly rounded in all but rare cases, as
// glibc's pow (which PyTorch's bias corrections and closed-form schedules
// call) is. math.Pow squares repeatedly in float64 and is a few ulps off
// for integer exponents past 3, which alone made Adam drift 2e-15 from
// PyTorch in 30 steps. Here the squaring runs in double-double arithmetic
// (an unevaluated sum hi + lo, products split exactly with math.FMA), whose
// relative error ~n·2⁻¹⁰⁴ is far below half an ulp.
func powInt(x float64, n int) float64 {
	rh, rl := 1.0, 0.0 // the result
	bh, bl := x, 0.0   // x^(2^k)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			rh, rl = mul2(rh, rl, bh, bl)
		}
		bh, bl = mul2(bh, bl, bh, bl)
	}
	return rh + rl
}

// mul2 returns the double-double product of (ah + al) and (bh + bl).
func mul2(ah, al, bh, bl float64) (hi, lo float64) {
	p := ah * bh
	e := math.FMA(ah, bh, -p) // the exact rounding error of ah·bh
	e += ah*bl + al*bh
	hi = p + e
	lo = e - (hi - p)
	return hi, lo
}
