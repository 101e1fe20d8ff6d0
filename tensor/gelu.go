package tensor

import "math"

// GELU's forward kernel. GELU(x) = ½·x·erfc(t), t = −x/√2, for every
// element; in a transformer's feed-forward layers almost every x lies in
// |t| < 0.84375 (|x| < 1.193), where erfc is a rational function of t
// without an exp. geluSlice evaluates that rational function for four
// elements at a time, without branches, so the four run in parallel on
// the FPU (Go's math.Erfc, one element at a time, waits for each
// operation's latency: about 20 ns an element, against about 3 here);
// the elements outside the range take geluFar.
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
	// erf(t) = erx + P(s)/Q(s), s = |t| − 1, on 0.84375 ≤ |t| < 1.25
	// (fdlibm's second range; erx and 1 − erx are exact).
	geluErx = 8.45062911510467529297e-01
	geluPA0 = -2.36211856075265944077e-03
	geluPA1 = 4.14856118683748331666e-01
	geluPA2 = -3.72207876035701323847e-01
	geluPA3 = 3.18346619901161753674e-01
	geluPA4 = -1.10894694282396677476e-01
	geluPA5 = 3.54783043256182359371e-02
	geluPA6 = -2.16637559486879084300e-03
	geluQA1 = 1.06420880400844228286e-01
	geluQA2 = 5.40397917702171048937e-01
	geluQA3 = 7.18286544141962662868e-02
	geluQA4 = 1.26171219808761642112e-01
	geluQA5 = 1.36370839120290507362e-02
	geluQA6 = 1.19844998467991074170e-02
)

// geluFar is GELU(x) for t = −x/√2 outside geluNear: fdlibm's second
// range (0.84375 ≤ |t| < 1.25, 1.19 ≤ |x| < 1.77, about one element in 25
// of a transformer's) as math.Erfc computes it, and specialGELU beyond.
func geluFar(x, t float64) float64 {
	a := math.Abs(t)
	if !(a < 1.25) { // NaN too
		return specialGELU(x)
	}
	s := a - 1
	p := geluPA0 + s*(geluPA1+s*(geluPA2+s*(geluPA3+s*(geluPA4+s*(geluPA5+s*geluPA6)))))
	q := 1 + s*(geluQA1+s*(geluQA2+s*(geluQA3+s*(geluQA4+s*(geluQA5+s*geluQA6)))))
	if t < 0 {
		return 0.5 * x * (1 + geluErx + p/q)
	}
	return 0.5 * x * ((1 - geluErx) - p/q)
}

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
		// NaN fails the test too, and takes geluFar.
		if !(math.Abs(t0) < geluNear) {
			d[i] = T(geluFar(x0, t0))
		}
		if !(math.Abs(t1) < geluNear) {
			d[i+1] = T(geluFar(x1, t1))
		}
		if !(math.Abs(t2) < geluNear) {
			d[i+2] = T(geluFar(x2, t2))
		}
		if !(math.Abs(t3) < geluNear) {
			d[i+3] = T(geluFar(x3, t3))
		}
	}
	for ; i < len(xs); i++ {
		x := float64(xs[i])
		if t := -x / math.Sqrt2; math.Abs(t) < geluNear {
			d[i] = T(0.5 * x * geluErfcNear(t))
		} else {
			d[i] = T(geluFar(x, t))
		}
	}
}
