package tensor

import "math"

// GELU's forward kernel. GELU(x) = ½·x·erfc(t), t = −x/√2, for every
// element; in a transformer's feed-forward layers almost every x lies in
// |t| < 0.84375 (|x| < 1.193), where erfc is a rational function of t
// without an exp. geluSlice evaluates that rational function for four
// elements at a time, without branches, so the four run in parallel on
// the FPU (Go's math.Erfc, one element at a time, waits for each
// operation's latency: about 25 ns an element on the Zen 3 host, against
// about 8 here); the elements outside the range take geluFar. Float32
// elements take geluSlice32, a cheaper polynomial that suffices for a
// float32 result.
//
// The rational function is fdlibm's (FreeBSD msun s_erf.c, as Go's
// math/erf.go): erf(t) = t + t·y, y = P(t²)/Q(t²), accurate to 2⁻⁵⁷ on
// |t| < 0.84375. erfc(t) = 1 − t − t·y is formed as h − (t·y + (t − (1−h)))
// with h = ½ for t ≥ 0 and h = 1 for t < 0: t − ½ is exact for t in
// [¼, 1] (below ¼ its rounding is under half an ulp of the result, which
// is above 0.72) and t − 0 always, so for t < 0 (erfc in (1, 1.77)) and
// t ≥ 0 (erfc in (0.23, 1], where 1 − erf cancels) the result is within
// about an ulp of erfc(t), as math.Erfc's (against mpmath, at most 2
// ulps of GELU over 30,000 points of this range, for both).
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

// geluSlice sets d[i] = GELU(xs[i]). d may be xs.
func geluSlice(d, xs []float64) {
	d = d[:len(xs)]
	i := 0
	for ; i+4 <= len(xs); i += 4 {
		x0, x1, x2, x3 := xs[i], xs[i+1], xs[i+2], xs[i+3]
		t0, t1, t2, t3 := -x0/math.Sqrt2, -x1/math.Sqrt2, -x2/math.Sqrt2, -x3/math.Sqrt2
		// four independent calls, which overlap in the FPU
		e0, e1, e2, e3 := geluErfcNear(t0), geluErfcNear(t1), geluErfcNear(t2), geluErfcNear(t3)
		d[i], d[i+1], d[i+2], d[i+3] = 0.5*x0*e0, 0.5*x1*e1, 0.5*x2*e2, 0.5*x3*e3
		// NaN fails the test too, and takes geluFar.
		if !(math.Abs(t0) < geluNear) {
			d[i] = geluFar(x0, t0)
		}
		if !(math.Abs(t1) < geluNear) {
			d[i+1] = geluFar(x1, t1)
		}
		if !(math.Abs(t2) < geluNear) {
			d[i+2] = geluFar(x2, t2)
		}
		if !(math.Abs(t3) < geluNear) {
			d[i+3] = geluFar(x3, t3)
		}
	}
	for ; i < len(xs); i++ {
		x := xs[i]
		if t := -x / math.Sqrt2; math.Abs(t) < geluNear {
			d[i] = 0.5 * x * geluErfcNear(t)
		} else {
			d[i] = geluFar(x, t)
		}
	}
}

// erf(t)/t ≈ Σ gelu32Cᵢ·zⁱ, z = t², on |t| < gelu32Near: a least-squares
// fit (numpy, against mpmath's erf) weighted so that erfc(t) = 1 − t·P(z)
// is within 5e-12 (2⁻³⁷) relative on the whole range, t > 0 included,
// where 1 − erf cancels down to erfc(1.25) = 0.077.
const (
	gelu32C0   = 1.1283791670475016
	gelu32C1   = -0.3761263874050031
	gelu32C2   = 0.1128378986787335
	gelu32C3   = -0.026866073536018317
	gelu32C4   = 0.005223678672591034
	gelu32C5   = -0.0008542625181122143
	gelu32C6   = 0.00011985315236150151
	gelu32C7   = -1.4366835427367941e-05
	gelu32C8   = 1.3615200248895398e-06
	gelu32C9   = -7.58268105527371e-08
	gelu32Near = 1.25
)

// geluSlice32 is geluSlice for float32 elements, whose results need 2⁻²⁴
// rather than 2⁻⁵³: on |x| < 1.768 (|t| < 1.25, all but about one
// element in 300 of a transformer's) erfc(t) = 1 − t·P(t²) with the
// degree-9 polynomial above, without a division; elsewhere specialGELU.
// Each result is the float64 value rounded once. d may be xs.
func geluSlice32(d, xs []float32) {
	d = d[:len(xs)]
	for i, v := range xs {
		x := float64(v)
		t := -x / math.Sqrt2
		if !(math.Abs(t) < gelu32Near) { // NaN too
			d[i] = float32(specialGELU(x))
			continue
		}
		// Estrin's scheme: four levels of products rather than nine
		z := t * t
		z2 := z * z
		z4 := z2 * z2
		q0 := (gelu32C0 + z*gelu32C1) + z2*(gelu32C2+z*gelu32C3)
		q1 := (gelu32C4 + z*gelu32C5) + z2*(gelu32C6+z*gelu32C7)
		p := (q0 + z4*q1) + z4*z4*(gelu32C8+z*gelu32C9)
		d[i] = float32(0.5 * x * (1 - t*p))
	}
}
