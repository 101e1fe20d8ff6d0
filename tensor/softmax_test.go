package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// naiveSoftmax is exp(x) / Σ exp(x) along axis without the max shift: right
// on moderate inputs, Inf/Inf = NaN on large ones.
func naiveSoftmax(x *tensor.Tensor, axis int) *tensor.Tensor {
	e := tensor.Exp(x)
	return tensor.Div(e, tensor.SumKeepDims(e, axis))
}

// TestSoftmaxNaive compares with the unshifted formula on N(0, 1) logits,
// along every axis of a 3-d tensor (the contiguous-row path for the last
// axis, the broadcast path for the others). The two differ by a few
// roundings of values ≤ 1: 1e-15 absolute (about 5 ulps of 1) plus 1e-14
// relative for the small probabilities.
func TestSoftmaxNaive(t *testing.T) {
	near := cmpopts.EquateApprox(1e-14, 1e-15)
	x := tensor.RandN(tapegradtest.NewRNG(), 2, 3, 5)
	for _, axis := range []int{0, 1, 2, -1, -2} {
		t.Run(fmt.Sprintf("axis %d", axis), func(t *testing.T) {
			x0 := x.Copy()
			want := naiveSoftmax(x, axis)
			got := tensor.Softmax(x, axis)
			if d := tapegradtest.Diff(want, got, near); d != "" {
				t.Errorf("Softmax mismatch (-naive +got):\n%s", d)
			}
			logWant := tensor.Log(want)
			if d := tapegradtest.Diff(logWant, tensor.LogSoftmax(x, axis), near); d != "" {
				t.Errorf("LogSoftmax mismatch (-log naive +got):\n%s", d)
			}
			if d := tapegradtest.Diff(x0, x, exact); d != "" {
				t.Errorf("Softmax changed its operand")
			}
		})
	}
}

// TestSoftmaxStable feeds logits of ±1000, where eˣ overflows: the results
// must be finite, each row must sum to 1, and the values must be the exact
// answers. Sums of n probabilities are within n ulps of 1: 1e-15 absolute.
func TestSoftmaxStable(t *testing.T) {
	near := cmpopts.EquateApprox(0, 1e-15)
	tests := []struct {
		name        string
		x           *tensor.Tensor
		axis        int
		want        *tensor.Tensor // Softmax
		wantLogSoft *tensor.Tensor // LogSoftmax
	}{
		{"+1000 row", tensor.New([]float64{1000, 1000}), 0,
			tensor.New([]float64{0.5, 0.5}), tensor.New([]float64{-math.Ln2, -math.Ln2})},
		{"-1000 row", tensor.New([]float64{-1000, -1000, -1000, -1000}), 0,
			tensor.Full(0.25, 4), tensor.Full(-2*math.Ln2, 4)},
		{"±1000 row", tensor.New([]float64{1000, -1000}), -1,
			tensor.New([]float64{1, 0}), tensor.New([]float64{0, -2000})},
		{"rows", tensor.New([]float64{1000, 0, -1000, -1000, 0, 1000}, 2, 3), 1,
			tensor.New([]float64{1, 0, 0, 0, 0, 1}, 2, 3), tensor.New([]float64{0, -1000, -2000, -2000, -1000, 0}, 2, 3)},
		{"columns (broadcast path)", tensor.New([]float64{1000, -1000, 1000, 1000}, 2, 2), 0,
			tensor.New([]float64{0.5, 0, 0.5, 1}, 2, 2), tensor.New([]float64{-math.Ln2, -2000, -math.Ln2, 0}, 2, 2)},
		{"middle axis of 3-d", tensor.New([]float64{-1000, 1000, -1000, -1000}, 1, 2, 2), 1,
			tensor.New([]float64{0.5, 1, 0.5, 0}, 1, 2, 2), tensor.New([]float64{-math.Ln2, 0, -math.Ln2, -2000}, 1, 2, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.Softmax(tc.x, tc.axis)
			if d := tapegradtest.Diff(tc.want, got, near); d != "" {
				t.Errorf("Softmax mismatch (-want +got):\n%s", d)
			}
			// LogSoftmax is (x − m) − log Σ: x − m is exact and log Σ is
			// within an ulp, so 1e-15 relative (about 4 ulps).
			if d := tapegradtest.Diff(tc.wantLogSoft, tensor.LogSoftmax(tc.x, tc.axis), cmpopts.EquateApprox(1e-15, 0)); d != "" {
				t.Errorf("LogSoftmax mismatch (-want +got):\n%s", d)
			}
			for i, v := range got.Data() {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("got Softmax[%d] = %v, want finite", i, v)
				}
			}
			ones := tensor.Ones(tensor.SumKeepDims(got, tc.axis).Shape()...)
			if d := tapegradtest.Diff(ones, tensor.SumKeepDims(got, tc.axis), near); d != "" {
				t.Errorf("Softmax rows do not sum to 1 (-want +got):\n%s", d)
			}
		})
	}
}

// TestSoftmaxShiftInvariant checks Softmax(x + c) = Softmax(x): the shift by
// the maximum makes the result independent of c up to the rounding of x + c.
// With c = 1000 that rounding is 1000·ε ≈ 1e-13 on each logit, hence 1e-12.
func TestSoftmaxShiftInvariant(t *testing.T) {
	x := tensor.RandN(tapegradtest.NewRNG(), 4, 6)
	for _, c := range []float64{-1000, -10, 10, 1000} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			want, got := tensor.Softmax(x, 1), tensor.Softmax(tensor.AddScalar(x, c), 1)
			if d := tapegradtest.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); d != "" {
				t.Errorf("Softmax(x%+v) ≠ Softmax(x) (-want +got):\n%s", c, d)
			}
		})
	}
}

func TestSoftmaxEdges(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"one class", tensor.Softmax(tensor.New([]float64{5, -7}, 2, 1), 1), tensor.Ones(2, 1)},
		{"-Inf logit is 0", tensor.Softmax(tensor.New([]float64{0, -inf}), 0), tensor.New([]float64{1, 0})},
		{"NaN spreads", tensor.Softmax(tensor.New([]float64{0, nan}), 0), tensor.New([]float64{nan, nan})},
		{"empty rows", tensor.Softmax(tensor.Zeros(3, 0), 1), tensor.Zeros(3, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestSoftmaxPanics(t *testing.T) {
	x := tensor.Zeros(2, 3)
	runPanics(t, []panicRow{
		{"Softmax axis", func() { tensor.Softmax(x, 2) }, tensor.ErrShape, []string{"tensor.Softmax", "[2 3]", "axis 2"}},
		{"Softmax 0-d", func() { tensor.Softmax(tensor.Scalar(1), 0) }, tensor.ErrShape, []string{"tensor.Softmax", "[]"}},
		{"LogSoftmax axis", func() { tensor.LogSoftmax(x, -3) }, tensor.ErrShape, []string{"tensor.LogSoftmax", "[2 3]"}},
	})
}

func benchSoftmax(b *testing.B, rows, classes int) {
	x := tensor.RandN(tapegradtest.NewRNG(), rows, classes)
	b.ReportAllocs()
	for b.Loop() {
		tensor.Softmax(x, -1)
	}
}

func BenchmarkSoftmaxSmall(b *testing.B)  { benchSoftmax(b, 8, 10) }
func BenchmarkSoftmaxMedium(b *testing.B) { benchSoftmax(b, 64, 100) }
func BenchmarkSoftmaxLarge(b *testing.B)  { benchSoftmax(b, 256, 1000) }

// TestCausalSoftmax compares CausalSoftmax with Softmax(x + M, −1), M the
// causal mask, on shapes with L < S, L = S and L > S and in both element
// types, bit for bit (the same row kernel runs on the same entries), and
// checks that the masked entries are never read and a NaN row stays NaN.
func TestCausalSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sh := range [][]int{{3, 5}, {2, 4, 4}, {2, 1, 5, 3}, {1, 1}} {
		l, s := sh[len(sh)-2], sh[len(sh)-1]
		m := tensor.Zeros(l, s)
		for i := range l {
			for u := i + 1; u < s; u++ {
				m.Set(math.Inf(-1), i, u)
			}
		}
		x := tensor.RandN(rng, sh...)
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			xd := x.To(dt)
			want := tensor.Softmax(tensor.Add(xd, m.To(dt)), -1)
			got := tensor.CausalSoftmax(xd)
			if d := tapegradtest.Diff(want, got); d != "" {
				t.Errorf("%v %v: CausalSoftmax differs from Softmax(x + M) (-want +got):\n%s", sh, dt, d)
			}
			// the masked entries are not read: NaN there changes nothing
			poisoned := xd.Copy()
			for r := 0; r < poisoned.Len()/s; r++ {
				for u := r%l + 1; u < s; u++ {
					if dt == tensor.Float32 {
						poisoned.Data32()[r*s+u] = float32(math.NaN())
					} else {
						poisoned.Data()[r*s+u] = math.NaN()
					}
				}
			}
			if d := tapegradtest.Diff(got, tensor.CausalSoftmaxTo(poisoned, poisoned)); d != "" {
				t.Errorf("%v %v: CausalSoftmax read a masked entry (-clean +poisoned):\n%s", sh, dt, d)
			}
		}
	}
	// a NaN among a row's entries u ≤ t makes the whole row NaN, as with the mask
	x := tensor.New([]float64{1, 2, 3, math.NaN(), 5, 6}, 2, 3)
	got := tensor.CausalSoftmax(x).Data()
	for i, v := range got {
		if (i >= 3) != math.IsNaN(v) {
			t.Errorf("element %d = %v; want NaN exactly in row 1", i, v)
		}
	}
}
