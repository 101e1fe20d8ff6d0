package tensor_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// specialInputs span the real line: signs, zero, fractions, the region
// where the activations bend, and larger magnitudes. Shaped (2, 4).
var specialInputs = []float64{-3, -1.5, -0.25, 0, 0.5, 1, 3, 40}

// TestSpecialOps compares each element-wise op and its To form with the
// formula it documents, written out here with the math package.
func TestSpecialOps(t *testing.T) {
	// GELU's reference is the literal ½x(1+erf(x/√2)); the kernel uses
	// erfc. At x = −3, 1+erf is 2.7e-3, so erf's rounding (an ulp of 1,
	// 1.1e-16) costs the literal form 4e-14 relative; GELUTanh's literal
	// ½x(1+tanh(u)) has 1+tanh(u) = 2.4e-3 there, the same 5e-14. 1e-13
	// covers both; the far left tails, where the literal forms lose every
	// digit, are pinned in TestSpecialKnownValues.
	geluTol := cmpopts.EquateApprox(1e-13, 0)
	// SiLU's reference x/(1+e^(−x)) differs from x·σ(x) by a rounding or
	// two: 1e-15 relative is about 4 ulps.
	near := cmpopts.EquateApprox(1e-15, 0)
	tests := []struct {
		name string
		f    func(x *tensor.Tensor) *tensor.Tensor
		to   func(dst, x *tensor.Tensor) *tensor.Tensor
		ref  func(float64) float64
		opt  cmp.Option
	}{
		{"Sin", tensor.Sin, tensor.SinTo, math.Sin, exact},
		{"Cos", tensor.Cos, tensor.CosTo, math.Cos, exact},
		{"Tan", tensor.Tan, tensor.TanTo, math.Tan, exact},
		{"Atan", tensor.Atan, tensor.AtanTo, math.Atan, exact},
		{"Asinh", tensor.Asinh, tensor.AsinhTo, math.Asinh, exact},
		{"Log1p", tensor.Log1p, tensor.Log1pTo, math.Log1p, exact},
		{"Expm1", tensor.Expm1, tensor.Expm1To, math.Expm1, exact},
		{"Erf", tensor.Erf, tensor.ErfTo, math.Erf, exact},
		{"Erfc", tensor.Erfc, tensor.ErfcTo, math.Erfc, exact},
		{"GELU", tensor.GELU, tensor.GELUTo,
			func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, geluTol},
		{"GELUTanh", tensor.GELUTanh, tensor.GELUTanhTo, func(x float64) float64 {
			return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
		}, geluTol},
		{"SiLU", tensor.SiLU, tensor.SiLUTo, func(x float64) float64 { return x / (1 + math.Exp(-x)) }, near},
		{"Softsign", tensor.Softsign, tensor.SoftsignTo, func(x float64) float64 { return x / (1 + math.Abs(x)) }, exact},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.New(append([]float64(nil), specialInputs...), 2, 4)
			want := tensor.Zeros(2, 4)
			for i, v := range specialInputs {
				want.Data()[i] = tc.ref(v)
			}
			got := tc.f(x)
			if d := tapegradtest.Diff(want, got, tc.opt); d != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tc.name, d)
			}
			if d := tapegradtest.Diff(tensor.New(specialInputs, 2, 4), x); d != "" {
				t.Errorf("%s changed its operand (-before +after):\n%s", tc.name, d)
			}
			dst := tensor.Full(math.NaN(), 2, 4)
			if r := tc.to(dst, x); r != dst {
				t.Errorf("%sTo did not return dst", tc.name)
			}
			if d := tapegradtest.Diff(got, dst); d != "" {
				t.Errorf("%sTo differs from %s (-%s +%sTo):\n%s", tc.name, tc.name, tc.name, tc.name, d)
			}
			tc.to(x, x)
			if d := tapegradtest.Diff(got, x); d != "" {
				t.Errorf("%sTo in place differs (-%s +in place):\n%s", tc.name, tc.name, d)
			}
		})
	}
}

// TestSpecialKnownValues pins values from outside Go's math package and the
// edges of each op's domain: the tails where naive formulas cancel or
// overflow, infinities and NaN.
func TestSpecialKnownValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	// ulps allows a few roundings: 1e-15 relative is about 4 ulps.
	ulps := cmpopts.EquateApprox(1e-15, 0)
	tests := []struct {
		name      string
		got, want *tensor.Tensor
		opt       cmp.Option
	}{
		// erf(0.5) = 0.52049987781304653768… (mpmath).
		{"Erf 0.5", tensor.Erf(vec(0.5, -0.5, 0, inf, -inf)),
			vec(0.5204998778130465, -0.5204998778130465, 0, 1, -1), ulps},
		// erfc(10) = 2.0884875837625447570e-45 (mpmath), where 1 − erf(10) is 0.
		{"Erfc tail", tensor.Erfc(vec(10, 0, -inf, inf)), vec(2.0884875837625446e-45, 1, 2, 0), ulps},
		// log1p(x) = x − x²/2 + x³/3 …: 1e-10 − 5e-21 to within 3e-31, far
		// below an ulp (1.3e-26); log(1+1e-10) would be off by 8e-18.
		{"Log1p tiny", tensor.Log1p(vec(1e-10, -1, -2)), vec(1e-10-5e-21, -inf, nan), ulps},
		// expm1(x) = x + x²/2 + …
		{"Expm1 tiny", tensor.Expm1(vec(1e-10, -inf, 1000)), vec(1e-10+5e-21, -1, inf), ulps},
		// GELU(1) = Φ(1) = 0.84134474606854294858… (the normal CDF; mpmath).
		// erfc's result is 1 ulp off the nearest double: 3e-16 is 2 ulps.
		{"GELU 1", tensor.GELU(vec(1, 0, 1000)), vec(0.8413447460685429, 0, 1000), cmpopts.EquateApprox(3e-16, 0)},
		// GELU(−10) = −10·Φ(−10) = −7.6198530241605260…e-23 (mpmath).
		// erfc's relative error this far out is a few ulps, and the
		// argument −x/√2 is itself rounded (×14 at erfc(7.07)): 1e-14.
		{"GELU left tail", tensor.GELU(vec(-10)), vec(-7.619853024160526e-23), cmpopts.EquateApprox(1e-14, 0)},
		{"GELU −Inf and NaN", tensor.GELU(vec(-inf, inf, nan)), vec(0, inf, nan), exact},
		// PyTorch: F.gelu(torch.tensor(1., dtype=float64), approximate='tanh').
		{"GELUTanh 1", tensor.GELUTanh(vec(1)), vec(0.8411919906082768), ulps},
		{"GELUTanh large", tensor.GELUTanh(vec(1000, -1000, 1e200, -1e200, inf, -inf, nan)),
			vec(1000, 0, 1e200, 0, inf, 0, nan), exact},
		{"SiLU ±1000", tensor.SiLU(vec(-1000, 1000, 0, inf, -inf, nan)), vec(0, 1000, 0, inf, 0, nan), exact},
		// σ(1) = 1/(1+e^(−1)) = 0.7310585786300049.
		{"SiLU 1", tensor.SiLU(vec(1, -1)), vec(0.7310585786300049, -0.2689414213699951), ulps},
		{"Softsign", tensor.Softsign(vec(1, -3, 0, 1e300, inf, -inf)), vec(0.5, -0.75, 0, 1, nan, nan), exact},
		{"Tan π/4", tensor.Tan(vec(math.Pi / 4)), vec(1), ulps},
		{"Atan ±Inf", tensor.Atan(vec(inf, -inf, 1)), vec(math.Pi/2, -math.Pi/2, math.Pi/4), exact},
		// asinh(x) = log(2x) + 1/(4x²) …; log(2e300) = ln 2 + 300 ln 10.
		{"Asinh large and negative", tensor.Asinh(vec(1e300, -1e300, -1e-300)),
			vec(math.Ln2+300*math.Ln10, -(math.Ln2 + 300*math.Ln10), -1e-300), ulps},
		{"Sin Cos 0-d", tensor.Cos(tensor.Sin(tensor.Zeros())), tensor.Scalar(1), exact},
		{"empty", tensor.SiLU(tensor.Zeros(0, 3)), tensor.Zeros(0, 3), exact},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, tc.opt); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
	// The signs of the zeros in the left tails: the limits are −0, as the
	// literal formulas give where they do not overflow.
	for _, tc := range []struct {
		name string
		got  float64
	}{
		{"SiLU(−1000)", tensor.SiLU(vec(-1000)).Data()[0]},
		{"SiLU(−Inf)", tensor.SiLU(vec(-inf)).Data()[0]},
		{"GELU(−1000)", tensor.GELU(vec(-1000)).Data()[0]},
		{"GELU(−Inf)", tensor.GELU(vec(-inf)).Data()[0]},
		{"GELUTanh(−1000)", tensor.GELUTanh(vec(-1000)).Data()[0]},
		{"GELUTanh(−Inf)", tensor.GELUTanh(vec(-inf)).Data()[0]},
	} {
		if tc.got != 0 || !math.Signbit(tc.got) {
			t.Errorf("%s = %v (sign bit %v), want −0", tc.name, tc.got, math.Signbit(tc.got))
		}
	}
}

// TestHypot checks Hypot against math.Hypot applied through the textbook
// broadcast index map, for each broadcasting pattern the kernel
// distinguishes (equal shapes, a one-element operand, a repeated row,
// general strides). Both call math.Hypot on the same pairs, so they agree
// exactly.
func TestHypot(t *testing.T) {
	tests := []struct {
		name   string
		as, bs []int
	}{
		{"equal", []int{2, 3}, []int{2, 3}},
		{"scalar b", []int{2, 3}, []int{}},
		{"scalar a", []int{}, []int{4}},
		{"one-element b", []int{2, 3}, []int{1, 1}},
		{"row", []int{2, 3}, []int{3}},
		{"column", []int{2, 3}, []int{2, 1}},
		{"outer", []int{2, 1}, []int{1, 3}},
		{"rank 3", []int{4, 1, 3}, []int{2, 1}},
		{"empty", []int{0, 3}, []int{3}},
		{"0-d", []int{}, []int{}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := randU(uint64(2*i+1), tc.as...), randU(uint64(2*i+2), tc.bs...)
			got := tensor.Hypot(a, b)
			want := naiveBinary(a, b, math.Hypot)
			if d := tapegradtest.Diff(want, got); d != "" {
				t.Errorf("Hypot mismatch (-want +got):\n%s", d)
			}
			dst := tensor.Full(math.NaN(), want.Shape()...)
			if r := tensor.HypotTo(dst, a, b); r != dst {
				t.Errorf("HypotTo did not return dst")
			}
			if d := tapegradtest.Diff(want, dst); d != "" {
				t.Errorf("HypotTo mismatch (-want +got):\n%s", d)
			}
		})
	}
	t.Run("in place", func(t *testing.T) {
		a, b := randU(7, 2, 3), randU(8, 3)
		want := tensor.Hypot(a, b)
		tensor.HypotTo(a, a, b)
		if d := tapegradtest.Diff(want, a); d != "" {
			t.Errorf("HypotTo(a, a, b) mismatch (-want +got):\n%s", d)
		}
	})
	nan, inf := math.NaN(), math.Inf(1)
	// 5e200 and 5e-200: the squares overflow and underflow, math.Hypot
	// scales; 3-4-5 within an ulp or two of the inexact decimals: 1e-15.
	got := tensor.Hypot(vec(3e200, 3e-200, inf, nan, -3, 0), vec(4e200, 4e-200, nan, -inf, 4, 0))
	want := vec(5e200, 5e-200, inf, inf, 5, 0)
	if d := tapegradtest.Diff(want, got, cmpopts.EquateApprox(1e-15, 0)); d != "" {
		t.Errorf("Hypot known values mismatch (-want +got):\n%s", d)
	}
}

func TestSpecialPanics(t *testing.T) {
	x, dst := tensor.Zeros(2, 3), tensor.Zeros(3, 2)
	msg := func(op string) []string { return []string{op, "[3 2]", "[2 3]", "destination"} }
	runPanics(t, []panicRow{
		{"SinTo", func() { tensor.SinTo(dst, x) }, tensor.ErrShape, msg("tensor.Sin")},
		{"GELUTo", func() { tensor.GELUTo(dst, x) }, tensor.ErrShape, msg("tensor.GELU")},
		{"SiLUTo rank", func() { tensor.SiLUTo(tensor.Zeros(6), x) }, tensor.ErrShape, []string{"tensor.SiLU", "[6]", "[2 3]"}},
		{"SoftsignTo", func() { tensor.SoftsignTo(dst, x) }, tensor.ErrShape, msg("tensor.Softsign")},
		{"Hypot no broadcast", func() { tensor.Hypot(x, dst) }, tensor.ErrShape,
			[]string{"tensor.Hypot", "[2 3]", "[3 2]", "broadcast"}},
		{"HypotTo no broadcast", func() { tensor.HypotTo(x, x, dst) }, tensor.ErrShape,
			[]string{"tensor.Hypot", "[2 3]", "[3 2]", "broadcast"}},
		{"HypotTo dst", func() { tensor.HypotTo(tensor.Zeros(3), x, tensor.Zeros(3)) }, tensor.ErrShape,
			[]string{"tensor.Hypot", "[3]", "[2 3]", "destination"}},
	})
}
