package tensor

import "math"

// GELU's forward kernel. GELU(x) = ½·x·erfc(t), t = −x/√2, for every
// element; in a transformer's feed-forward layers almost every x lies in
// |t| < 0.84375 (|x| < 1.193), where erfc is a rational function of t
// without an exp. geluSlice evaluates that rational function for four
// elements at a time, without branches, so the four run in parallel on
// the FPU (Go's math.Erfc, one element at a time, waits for each
// operation's latency: about 20 ns an element, against about 3 here);
// the elements outside the range take math.Erfc (specialGELU).
//
// The rational function is fdlibm's (FreeBSD msun s_erf.c, as Go's
// math/erf.go): erf(t) = t + t·y, y = P(t²)/Q(t²), accurate to 2⁻⁵⁷ on
// |t| < 0.84375. erfc(t) = 1 − t − t·y is formed as h − (t·y + (t − (1−h)))
// with h = ½ for t ≥ 0 and h = 1 for t < 0: t − ½ is exact for t in
// [¼, 1] and t − 0 always, so for t < 0 (erfc in (1, 1.77)) and t ≥ 0
// (erfc in (0.23, 1], where 1 − erf cancels) the result is within about
// an ulp of erfc(t), as math.Erfc's.
const (
	geluPP0 = 1.28379167095512558561e-01
	geluPP1 = -3.25042107247001499370e-01
	geluPP2 = -2.84817495755985104766e-02
	geluPP3 = -5.77027029648944159157e-03
	geluPP4 = -2.37630166566501626084e-05
	geluQQ1 = 3.97917223959155352819e-01
	geluQQ2 = 6.50222499887672944485e-02
	geluQQ3 = 5.08130628187576562776e-03
	geluQQ4 = 1.32494738004321644526e-04
	geluQQ5 = -3.96022827877536812320e-06
	// geluNear is the bound on |t| = |x|/√2 of the rational function.
	geluNear = 0.84375
)

// geluErfcNear is erfc(t) for |t| < geluNear, without a branch (see
// above); outside that range its result is meaningless but finite or NaN.
func geluErfcNear(t float64) float64 {
	z := t * t
	r := geluPP0 + z*(geluPP1+z*(geluPP2+z*(geluPP3+z*geluPP4)))
	s := 1 + z*(geluQQ1+z*(geluQQ2+z*(geluQQ3+z*(geluQQ4+z*geluQQ5))))
	q := math.Copysign(0.25, t) // h = ¾ − q, 1 − h = ¼ + q
	return (0.75 - q) - (t*(r/s) + (t - (0.25 + q)))
}

// geluSlice sets d[i] = GELU(xs[i]), computed in float64 (float32
// elements are widened and the result rounded once). d may be xs.
func geluSlice[T float32 | float64](d, xs []T) {
	d = d[:len(xs)]
	i := 0
	for ; i+4 <= len(xs); i += 4 {
		x0, x1, x2, x3 := float64(xs[i]), float64(xs[i+1]), float64(xs[i+2]), float64(xs[i+3])
		t0, t1, t2, t3 := -x0/math.Sqrt2, -x1/math.Sqrt2, -x2/math.Sqrt2, -x3/math.Sqrt2
		// geluErfcNear inlines; the four calls are independent.
		e0, e1, e2, e3 := geluErfcNear(t0), geluErfcNear(t1), geluErfcNear(t2), geluErfcNear(t3)
		d[i], d[i+1], d[i+2], d[i+3] = T(0.5*x0*e0), T(0.5*x1*e1), T(0.5*x2*e2), T(0.5*x3*e3)
		// NaN fails the test too, and takes specialGELU.
		if !(math.Abs(t0) < geluNear) {
			d[i] = T(specialGELU(x0))
		}
		if !(math.Abs(t1) < geluNear) {
			d[i+1] = T(specialGELU(x1))
		}
		if !(math.Abs(t2) < geluNear) {
			d[i+2] = T(specialGELU(x2))
		}
		if !(math.Abs(t3) < geluNear) {
			d[i+3] = T(specialGELU(x3))
		}
	}
	for ; i < len(xs); i++ {
		x := float64(xs[i])
		if t := -x / math.Sqrt2; math.Abs(t) < geluNear {
			d[i] = T(0.5 * x * geluErfcNear(t))
		} else {
			d[i] = T(specialGELU(x))
		}
	}
}
