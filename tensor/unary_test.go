package tensor_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// unaryInputs are the values each op is checked on: signs, zero, fractions
// and larger magnitudes for the whole real line, positives for Log and Sqrt.
// Both have 8 values, shaped (2, 4) so the shape must survive too.
var (
	realLine  = []float64{-3, -0.5, 0, 0.25, 1, 2, 7.5, 40}
	positives = []float64{1e-8, 0.1, 0.25, 1, 2, 9, 100, 1e8}
)

// TestUnaryOps compares each op with the scalar function it documents,
// written out here independently of the package's own scalar helpers.
func TestUnaryOps(t *testing.T) {
	// Ops that call the same math function on the same value must agree
	// exactly. The stable forms (Sigmoid, Softplus) and PowScalar's fast
	// paths take a different route to the same number, a few roundings
	// apart: 1e-15 relative is about 4 ulps.
	near := cmpopts.EquateApprox(1e-15, 0)
	pow := func(p float64) func(*tensor.Tensor) *tensor.Tensor {
		return func(x *tensor.Tensor) *tensor.Tensor { return tensor.PowScalar(x, p) }
	}
	powRef := func(p float64) func(float64) float64 {
		return func(x float64) float64 { return math.Pow(x, p) }
	}
	tests := []struct {
		name   string
		f      func(*tensor.Tensor) *tensor.Tensor
		ref    func(float64) float64
		domain []float64
		opt    cmp.Option
	}{
		{"Neg", tensor.Neg, func(x float64) float64 { return -x }, realLine, exact},
		{"Exp", tensor.Exp, math.Exp, realLine, exact},
		{"Log", tensor.Log, math.Log, positives, exact},
		{"Sqrt", tensor.Sqrt, math.Sqrt, positives, exact},
		{"Abs", tensor.Abs, math.Abs, realLine, exact},
		{"Square", tensor.Square, func(x float64) float64 { return x * x }, realLine, exact},
		{"Sign", tensor.Sign, func(x float64) float64 { return b2f(x > 0) - b2f(x < 0) }, realLine, exact},
		{"Tanh", tensor.Tanh, math.Tanh, realLine, exact},
		{"Sigmoid", tensor.Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, realLine, near},
		{"ReLU", tensor.ReLU, func(x float64) float64 { return math.Max(x, 0) }, realLine, exact},
		{"Step", tensor.Step, func(x float64) float64 { return b2f(x > 0) }, realLine, exact},
		// log1p: log(1 + eˣ) would lose ~1e-15 relative to 1's rounding at x = −3.
		{"Softplus", tensor.Softplus, func(x float64) float64 { return math.Log1p(math.Exp(x)) }, realLine, near},
		{"LeakyReLU", func(x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLU(x, 0.1) },
			func(x float64) float64 { return math.Max(x, 0.1*x) }, realLine, exact},
		{"Clamp", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Clamp(x, -1, 2) },
			func(x float64) float64 { return math.Min(math.Max(x, -1), 2) }, realLine, exact},
		{"Scale", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Scale(x, -1.5) },
			func(x float64) float64 { return -1.5 * x }, realLine, exact},
		{"AddScalar", func(x *tensor.Tensor) *tensor.Tensor { return tensor.AddScalar(x, 0.75) },
			func(x float64) float64 { return x + 0.75 }, realLine, exact},
		{"Map", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Map(x, math.Cos) }, math.Cos, realLine, exact},
		{"PowScalar 1", pow(1), powRef(1), realLine, exact},
		{"PowScalar 2", pow(2), powRef(2), realLine, near},
		{"PowScalar 3", pow(3), powRef(3), realLine, exact},
		{"PowScalar 0", pow(0), powRef(0), realLine, exact},
		{"PowScalar -1", pow(-1), powRef(-1), positives, near},
		{"PowScalar 0.5", pow(0.5), powRef(0.5), positives, near},
		{"PowScalar -0.5", pow(-0.5), powRef(-0.5), positives, exact},
		{"PowScalar 1.7", pow(1.7), powRef(1.7), positives, exact},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.New(append([]float64(nil), tc.domain...), 2, 4)
			x0 := x.Copy()
			want := tensor.Zeros(2, 4)
			for i, v := range tc.domain {
				want.Data()[i] = tc.ref(v)
			}
			got := tc.f(x)
			if d := tapegradtest.Diff(want, got, tc.opt); d != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tc.name, d)
			}
			if d := tapegradtest.Diff(x0, x, exact); d != "" {
				t.Errorf("%s changed its operand (-before +after):\n%s", tc.name, d)
			}
		})
	}
}

// TestUnaryEdges pins the values at the edges of each op's domain: the
// stable forms at ±1000 (where the naive formulas overflow to Inf or NaN),
// NaN propagation, and the IEEE results of Log and Sqrt outside the domain.
// Each want is the exact float64 answer.
func TestUnaryEdges(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	v := func(xs ...float64) *tensor.Tensor { return tensor.New(xs) }
	tests := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"Sigmoid ±1000", tensor.Sigmoid(v(-1000, 1000, -inf, inf)), v(0, 1, 0, 1)},
		{"Sigmoid 0", tensor.Sigmoid(v(0)), v(0.5)},
		{"Softplus ±1000", tensor.Softplus(v(-1000, 1000)), v(0, 1000)},
		{"Softplus 0 is log 2", tensor.Softplus(v(0)), v(math.Ln2)},
		{"Sign NaN and zero", tensor.Sign(v(nan, 0, -7, inf)), v(nan, 0, -1, 1)},
		{"Log 0 and negative", tensor.Log(v(0, -1)), v(-inf, nan)},
		{"Sqrt negative", tensor.Sqrt(v(-1)), v(nan)},
		{"Exp overflow", tensor.Exp(v(1000, -1000)), v(inf, 0)},
		{"ReLU NaN propagates (PyTorch)", tensor.ReLU(v(nan)), v(nan)},
		{"Step 0", tensor.Step(v(0, math.Copysign(0, -1))), v(0, 0)},
		{"Clamp NaN", tensor.Clamp(v(nan), 0, 1), v(nan)},
		{"LeakyReLU slope 0 is ReLU", tensor.LeakyReLU(v(-2, 3), 0), v(0, 3)},
		{"PowScalar 2 fast path", tensor.PowScalar(v(-3), 2), v(9)},
		{"PowScalar -1 at 0", tensor.PowScalar(v(0), -1), v(inf)},
		{"0-d", tensor.Exp(tensor.Scalar(0)), tensor.Scalar(1)},
		{"empty", tensor.Tanh(tensor.Zeros(0, 3)), tensor.Zeros(0, 3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestUnaryTo checks each To form writes into dst, returns it, and may run
// in place (dst = x).
func TestUnaryTo(t *testing.T) {
	tests := []struct {
		name string
		to   func(dst, x *tensor.Tensor) *tensor.Tensor
		f    func(x *tensor.Tensor) *tensor.Tensor
	}{
		{"MapTo", func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.MapTo(d, x, math.Sin) },
			func(x *tensor.Tensor) *tensor.Tensor { return tensor.Map(x, math.Sin) }},
		{"LeakyReLUTo", func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLUTo(d, x, 0.2) },
			func(x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLU(x, 0.2) }},
		{"ClampTo", func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.ClampTo(d, x, 0, 1) },
			func(x *tensor.Tensor) *tensor.Tensor { return tensor.Clamp(x, 0, 1) }},
		{"ScaleTo", func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.ScaleTo(d, x, 3) },
			func(x *tensor.Tensor) *tensor.Tensor { return tensor.Scale(x, 3) }},
		{"AddScalarTo", func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.AddScalarTo(d, x, -1) },
			func(x *tensor.Tensor) *tensor.Tensor { return tensor.AddScalar(x, -1) }},
		{"PowScalarTo 1", func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.PowScalarTo(d, x, 1) },
			func(x *tensor.Tensor) *tensor.Tensor { return tensor.PowScalar(x, 1) }},
		{"PowScalarTo 3", func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.PowScalarTo(d, x, 3) },
			func(x *tensor.Tensor) *tensor.Tensor { return tensor.PowScalar(x, 3) }},
		{"ReLUTo", tensor.ReLUTo, tensor.ReLU},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.New(append([]float64(nil), realLine...), 4, 2)
			want := tc.f(x)
			dst := tensor.Full(math.NaN(), 4, 2)
			if got := tc.to(dst, x); got != dst {
				t.Errorf("%s did not return dst", tc.name)
			}
			if d := tapegradtest.Diff(want, dst, exact); d != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tc.name, d)
			}
			tc.to(x, x)
			if d := tapegradtest.Diff(want, x, exact); d != "" {
				t.Errorf("%s in place mismatch (-want +got):\n%s", tc.name, d)
			}
		})
	}
}

func TestUnaryPanics(t *testing.T) {
	x, dst := tensor.Zeros(2, 3), tensor.Zeros(3, 2)
	msg := func(op string) []string { return []string{op, "[3 2]", "[2 3]"} }
	runPanics(t, []panicRow{
		{"MapTo", func() { tensor.MapTo(dst, x, math.Exp) }, tensor.ErrShape, msg("tensor.Map")},
		{"MapTo rank", func() { tensor.MapTo(tensor.Zeros(6), x, math.Exp) }, tensor.ErrShape, []string{"tensor.Map", "[6]", "[2 3]"}},
		{"LeakyReLUTo", func() { tensor.LeakyReLUTo(dst, x, 0.1) }, tensor.ErrShape, msg("tensor.LeakyReLU")},
		{"ClampTo", func() { tensor.ClampTo(dst, x, 0, 1) }, tensor.ErrShape, msg("tensor.Clamp")},
		{"ScaleTo", func() { tensor.ScaleTo(dst, x, 2) }, tensor.ErrShape, msg("tensor.Scale")},
		{"AddScalarTo", func() { tensor.AddScalarTo(dst, x, 2) }, tensor.ErrShape, msg("tensor.AddScalar")},
		{"PowScalarTo", func() { tensor.PowScalarTo(dst, x, 2) }, tensor.ErrShape, msg("tensor.PowScalar")},
		{"ReLUTo", func() { tensor.ReLUTo(dst, x) }, tensor.ErrShape, msg("tensor.ReLU")},
		{"ReLUBackwardTo dst", func() { tensor.ReLUBackwardTo(dst, x, x) }, tensor.ErrShape, msg("tensor.ReLUBackward")},
		{"ReLUBackwardTo dst count", func() { tensor.ReLUBackwardTo(tensor.Zeros(5), tensor.Zeros(6), tensor.Zeros(6)) },
			tensor.ErrShape, []string{"tensor.ReLUBackward", "[5]", "[6]"}},
		{"ReLUBackwardTo y and g", func() { tensor.ReLUBackwardTo(x, x, dst) }, tensor.ErrShape,
			[]string{"tensor.ReLUBackward", "y [2 3] and g [3 2] differ in shape (dst [2 3])"}},
		{"ReLUBackwardTo y and g, same count", func() { tensor.ReLUBackwardTo(tensor.Zeros(6), tensor.Zeros(6), x) }, tensor.ErrShape,
			[]string{"tensor.ReLUBackward", "y [6] and g [2 3] differ"}},
	})
}

// bitwise compares float64s bit for bit, so that a NaN's sign and payload
// and a zero's sign count (cmp's default == has −0 = +0 and NaN ≠ NaN).
var bitwise = cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })

// bits returns the float64 with the given bits.
func bits(b uint64) float64 { return math.Float64frombits(b) }

// TestReLUBits pins ReLU's results bit for bit where max(x, 0) has a
// choice: a NaN of either sign passes through unchanged (0xFFF8… is the
// NaN x86 produces for 0·Inf), −0 and −Inf become +0.
func TestReLUBits(t *testing.T) {
	negNaN, payloadNaN := bits(0xFFF8000000000000), bits(0x7FF000000000BEEF)
	inf, negZero := math.Inf(1), math.Copysign(0, -1)
	x := tensor.New([]float64{negNaN, payloadNaN, negZero, -inf, inf, -2, 3, 0x1p-1074}, 2, 4)
	want := tensor.New([]float64{negNaN, payloadNaN, 0, 0, inf, 0, 3, 0x1p-1074}, 2, 4)
	if d := cmp.Diff(tapegradtest.ViewOf(want), tapegradtest.ViewOf(tensor.ReLU(x)), bitwise); d != "" {
		t.Errorf("ReLU (-want +got):\n%s", d)
	}
}

// TestReLUBackwardTo checks ReLUBackwardTo(dst, y, g) = g where y > 0, else
// +0, bit for bit, out of place and in place over g and over y.
func TestReLUBackwardTo(t *testing.T) {
	nan, inf, negZero := math.NaN(), math.Inf(1), math.Copysign(0, -1)
	negNaN := bits(0xFFF8000000000000)
	v := func(xs ...float64) *tensor.Tensor { return tensor.New(xs) }
	// random: y = ReLU(x) for normal x of shape (37, 29) (1073 elements:
	// the vector loops and a tail), where g where y > 0 is
	// Where(Step(x), g, 0), an oracle written with other ops.
	rng := tapegradtest.NewRNG()
	x, g := tensor.Zeros(37, 29), tensor.Zeros(37, 29)
	for i := range x.Data() {
		x.Data()[i], g.Data()[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	tests := []struct {
		name       string
		y, g, want *tensor.Tensor
	}{
		{"ReLU outputs", tensor.New([]float64{2, 0, nan, 0.5, 3, 0}, 2, 3), tensor.New([]float64{1, 2, 3, negZero, negNaN, inf}, 2, 3),
			tensor.New([]float64{1, 0, 0, negZero, negNaN, 0}, 2, 3)},
		{"negative NaN y", v(negNaN, 1), v(5, 6), v(0, 6)},
		{"negative and −0 y", v(-1, negZero, -inf, inf, 0x1p-1074), v(1, 2, 3, 4, 5), v(0, 0, 0, 4, 5)},
		{"0-d", tensor.Scalar(4), tensor.Scalar(-7), tensor.Scalar(-7)},
		{"empty", tensor.Zeros(0, 3), tensor.Zeros(0, 3), tensor.Zeros(0, 3)},
		{"random", tensor.ReLU(x), g, tensor.Where(tensor.Step(x), g, tensor.Zeros(37, 29))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y0, g0 := tc.y.Copy(), tc.g.Copy()
			dst := tensor.Full(nan, tc.y.Shape()...)
			if got := tensor.ReLUBackwardTo(dst, tc.y, tc.g); got != dst {
				t.Errorf("ReLUBackwardTo did not return dst")
			}
			if d := cmp.Diff(tapegradtest.ViewOf(tc.want), tapegradtest.ViewOf(dst), bitwise, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tapegradtest.ViewOf(y0), tapegradtest.ViewOf(tc.y), bitwise, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("y changed (-before +after):\n%s", d)
			}
			if d := cmp.Diff(tapegradtest.ViewOf(g0), tapegradtest.ViewOf(tc.g), bitwise, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("g changed (-before +after):\n%s", d)
			}
			gIn := tc.g.Copy()
			tensor.ReLUBackwardTo(gIn, tc.y, gIn)
			if d := cmp.Diff(tapegradtest.ViewOf(tc.want), tapegradtest.ViewOf(gIn), bitwise, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("in place over g (-want +got):\n%s", d)
			}
			yIn := tc.y.Copy()
			tensor.ReLUBackwardTo(yIn, yIn, tc.g)
			if d := cmp.Diff(tapegradtest.ViewOf(tc.want), tapegradtest.ViewOf(yIn), bitwise, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("in place over y (-want +got):\n%s", d)
			}
		})
	}
}
