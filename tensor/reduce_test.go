package tensor_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// naiveReduce folds x over axes (all when none; negative count from the end)
// with f from init, group by group (naiveGroups): the definition the
// stride-walking kernel must agree with. The result keeps the reduced axes
// as 1 when keepDims is set.
func naiveReduce(x *tensor.Tensor, keepDims bool, axes []int, init float64, f func(acc, v float64) float64) *tensor.Tensor {
	groups, shape := naiveGroups(x, keepDims, axes)
	dst := tensor.Zeros(shape...)
	for i, g := range groups {
		acc := init
		for _, v := range g {
			acc = f(acc, v)
		}
		dst.Data()[i] = acc
	}
	return dst
}

// naiveGroups gathers the elements of x that a reduction over axes (all when
// none; negative count from the end) folds into each output, in x's order,
// by visiting every element and zeroing its reduced coordinates. It returns
// the groups in the result's order and the result's shape, which keeps the
// reduced axes as 1 when keepDims is set.
func naiveGroups(x *tensor.Tensor, keepDims bool, axes []int) (groups [][]float64, shape []int) {
	s := x.Shape()
	red := make([]bool, len(s))
	for i := range red {
		red[i] = len(axes) == 0
	}
	for _, a := range axes {
		red[(a+len(s))%len(s)] = true
	}
	kshape := []int{}
	shape = []int{}
	for i, d := range s {
		if red[i] {
			kshape = append(kshape, 1)
			if keepDims {
				shape = append(shape, 1)
			}
			continue
		}
		kshape = append(kshape, d)
		shape = append(shape, d)
	}
	groups = make([][]float64, numel(kshape))
	idx := make([]int, len(s))
	for o, v := range x.Data() {
		unravel(o, s, idx)
		for i := range idx {
			if red[i] {
				idx[i] = 0
			}
		}
		g := ravel(idx, kshape)
		groups[g] = append(groups[g], v)
	}
	return groups, shape
}

var (
	addF = func(a, v float64) float64 { return a + v }
	// maxF and minF propagate NaN, as Max and Min document.
	maxF = func(a, v float64) float64 {
		if math.IsNaN(a) || math.IsNaN(v) {
			return math.NaN()
		}
		return math.Max(a, v)
	}
	minF = func(a, v float64) float64 {
		if math.IsNaN(a) || math.IsNaN(v) {
			return math.NaN()
		}
		return math.Min(a, v)
	}
)

// withKeep joins a reduction and its KeepDims form into one function of a
// keepDims flag, so each table below runs both forms over every axis list.
func withKeep(f, keepDims func(*tensor.Tensor, ...int) *tensor.Tensor) func(*tensor.Tensor, bool, ...int) *tensor.Tensor {
	return func(x *tensor.Tensor, keep bool, axes ...int) *tensor.Tensor {
		if keep {
			return keepDims(x, axes...)
		}
		return f(x, axes...)
	}
}

// reduceAxes are the axis lists every reduction runs over, for a (2, 3, 4) operand.
var reduceAxes = [][]int{nil, {0}, {1}, {2}, {-1}, {-3}, {0, 2}, {2, 0}, {1, 2}, {0, 1, 2}}

// TestReductions runs Sum, Mean, Max and Min over each axis list, with and
// without keepDims, against the naive fold. The operand holds small integers,
// so every partial sum is exact whatever the order; Mean divides that exact
// sum by the count as the reference does.
func TestReductions(t *testing.T) {
	rng := tapegradtest.NewRNG()
	x := randInts(rng, 2, 3, 4)
	ops := []struct {
		name string
		f    func(*tensor.Tensor, bool, ...int) *tensor.Tensor
		ref  func(keepDims bool, axes []int) *tensor.Tensor
	}{
		{"Sum", withKeep(tensor.Sum, tensor.SumKeepDims), func(k bool, ax []int) *tensor.Tensor { return naiveReduce(x, k, ax, 0, addF) }},
		{"Mean", withKeep(tensor.Mean, tensor.MeanKeepDims), func(k bool, ax []int) *tensor.Tensor {
			s := naiveReduce(x, k, ax, 0, addF)
			return tensor.Scale(s, 1/float64(x.Len()/s.Len()))
		}},
		{"Max", withKeep(tensor.Max, tensor.MaxKeepDims), func(k bool, ax []int) *tensor.Tensor { return naiveReduce(x, k, ax, math.Inf(-1), maxF) }},
		{"Min", withKeep(tensor.Min, tensor.MinKeepDims), func(k bool, ax []int) *tensor.Tensor { return naiveReduce(x, k, ax, math.Inf(1), minF) }},
	}
	for _, op := range ops {
		for _, axes := range reduceAxes {
			for _, keep := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/axes=%v/keepDims=%v", op.name, axes, keep), func(t *testing.T) {
					x0 := x.Copy()
					got := op.f(x, keep, axes...)
					// Mean's reference multiplies by 1/n where Mean divides by n:
					// one rounding apart, so 1e-15 relative.
					if d := tapegradtest.Diff(op.ref(keep, axes), got, cmpopts.EquateApprox(1e-15, 0)); d != "" {
						t.Errorf("%s(keepDims=%v, %v) mismatch (-want +got):\n%s", op.name, keep, axes, d)
					}
					if d := tapegradtest.Diff(x0, x, exact); d != "" {
						t.Errorf("%s changed its operand", op.name)
					}
				})
			}
		}
	}
}

func TestReduceValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	m := tensor.New([]float64{1, 5, 5, 2, -1, 0}, 2, 3)
	tests := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"Sum all", tensor.Sum(m), tensor.Scalar(12)},
		{"Sum all keepDims", tensor.SumKeepDims(m), tensor.New([]float64{12}, 1, 1)},
		{"Sum axis 0", tensor.Sum(m, 0), tensor.New([]float64{3, 4, 5})},
		{"Sum axis 1 keepDims", tensor.SumKeepDims(m, 1), tensor.New([]float64{11, 1}, 2, 1)},
		{"Sum 0-d", tensor.Sum(tensor.Scalar(3)), tensor.Scalar(3)},
		{"Mean axis -1", tensor.Mean(m, -1), tensor.New([]float64{11.0 / 3, 1.0 / 3})},
		{"Max ties", tensor.Max(m, 1), tensor.New([]float64{5, 2})},
		{"Min ties", tensor.Min(tensor.New([]float64{2, -1, -1, 3})), tensor.Scalar(-1)},
		{"Max NaN first", tensor.Max(tensor.New([]float64{nan, 1, 2})), tensor.Scalar(nan)},
		{"Max NaN last", tensor.Max(tensor.New([]float64{1, 2, nan})), tensor.Scalar(nan)},
		{"Max NaN in one row", tensor.Max(tensor.New([]float64{1, nan, 3, 4}, 2, 2), 1), tensor.New([]float64{nan, 4})},
		{"Min NaN in one column", tensor.Min(tensor.New([]float64{1, nan, 3, 4}, 2, 2), 0), tensor.New([]float64{1, nan})},
		{"Max infinities", tensor.Max(tensor.New([]float64{-inf, -inf})), tensor.Scalar(-inf)},
		{"Sum empty", tensor.Sum(tensor.Zeros(0, 3), 0), tensor.Zeros(3)},
		{"Sum empty all", tensor.Sum(tensor.Zeros(0)), tensor.Scalar(0)},
		{"Mean empty is NaN", tensor.Mean(tensor.Zeros(2, 0), 1), tensor.New([]float64{nan, nan})},
		{"Max empty is -Inf", tensor.Max(tensor.Zeros(2, 0), 1), tensor.New([]float64{-inf, -inf})},
		{"Min empty is +Inf", tensor.Min(tensor.Zeros(0)), tensor.Scalar(inf)},
		{"Sum of empty rows", tensor.SumKeepDims(tensor.Zeros(0, 3), 1), tensor.Zeros(0, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestArgMax(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := tensor.New([]float64{
		1, 9, 3, 9,
		7, 2, 7, 0,
		-1, -1, -1, -1,

		4, 4, 8, 1,
		0, 5, 2, 6,
		3, 3, 3, 3,
	}, 2, 3, 4)
	tests := []struct {
		name string
		x    *tensor.Tensor
		axis int
		want *tensor.Tensor
	}{
		{"last axis, first of ties", x, 2, tensor.New([]float64{1, 0, 0, 2, 3, 0}, 2, 3)},
		{"axis -1", x, -1, tensor.New([]float64{1, 0, 0, 2, 3, 0}, 2, 3)},
		{"middle axis", x, 1, tensor.New([]float64{1, 0, 1, 0, 0, 1, 0, 1}, 2, 4)},
		{"first axis", x, 0, tensor.New([]float64{1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1}, 3, 4)},
		{"1-d gives 0-d", tensor.New([]float64{3, 1, 4, 1, 5}), 0, tensor.Scalar(4)},
		{"all -Inf", tensor.New([]float64{-inf, -inf}), 0, tensor.Scalar(0)},
		{"+Inf wins", tensor.New([]float64{1, inf, 2}), 0, tensor.Scalar(1)},
		// NaN is the maximum, as in Max: the first NaN's index, wherever it is.
		{"NaN first", tensor.New([]float64{nan, 1, 3}), 0, tensor.Scalar(0)},
		{"NaN middle", tensor.New([]float64{1, nan, 3}), 0, tensor.Scalar(1)},
		{"NaN last", tensor.New([]float64{1, 3, nan, nan}), 0, tensor.Scalar(2)},
		{"empty outer", tensor.Zeros(0, 3), 1, tensor.Zeros(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.ArgMax(tc.x, tc.axis)
			if d := tapegradtest.Diff(tc.want, got, exact); d != "" {
				t.Errorf("ArgMax(axis %d) mismatch (-want +got):\n%s", tc.axis, d)
			}
		})
	}
	t.Run("agrees with Max", func(t *testing.T) {
		for axis := range x.Rank() {
			am, mx := tensor.ArgMax(x, axis), tensor.Max(x, axis)
			picked := tensor.Gather(x, axis, toInts(am))
			if d := tapegradtest.Diff(mx, picked, exact); d != "" {
				t.Errorf("x at ArgMax(axis %d) ≠ Max (-Max +picked):\n%s", axis, d)
			}
		}
	})
}

// toInts converts a tensor of whole numbers (indices) to []int.
func toInts(x *tensor.Tensor) []int {
	out := make([]int, x.Len())
	for i, v := range x.Data() {
		out[i] = int(v)
	}
	return out
}

func TestLogSumExp(t *testing.T) {
	inf := math.Inf(1)
	// LogSumExp shifts by the maximum before exponentiating; the naive
	// log Σ eˣ does not. On moderate inputs both are within a few ulps of
	// the truth: 1e-14 relative.
	near := cmpopts.EquateApprox(1e-14, 0)
	rng := tapegradtest.NewRNG()
	x := tensor.RandN(rng, 2, 3, 4)
	for _, axes := range reduceAxes {
		for _, keep := range []bool{false, true} {
			t.Run(fmt.Sprintf("naive/axes=%v/keepDims=%v", axes, keep), func(t *testing.T) {
				want := tensor.Log(naiveReduce(tensor.Exp(x), keep, axes, 0, addF))
				got := withKeep(tensor.LogSumExp, tensor.LogSumExpKeepDims)(x, keep, axes...)
				if d := tapegradtest.Diff(want, got, near); d != "" {
					t.Errorf("LogSumExp mismatch (-naive +got):\n%s", d)
				}
			})
		}
	}
	tests := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		// Here eˣ overflows (or underflows) and the naive form gives ±Inf or −Inf.
		{"+1000 twice", tensor.LogSumExp(tensor.New([]float64{1000, 1000})), tensor.Scalar(1000 + math.Ln2)},
		{"-1000 twice", tensor.LogSumExp(tensor.New([]float64{-1000, -1000})), tensor.Scalar(-1000 + math.Ln2)},
		{"±1000", tensor.LogSumExp(tensor.New([]float64{1000, -1000})), tensor.Scalar(1000)},
		{"rows", tensor.LogSumExpKeepDims(tensor.New([]float64{1000, 1000, -1000, -1000}, 2, 2), 1),
			tensor.New([]float64{1000 + math.Ln2, -1000 + math.Ln2}, 2, 1)},
		{"all -Inf", tensor.LogSumExp(tensor.Full(-inf, 3)), tensor.Scalar(-inf)},
		{"+Inf", tensor.LogSumExp(tensor.New([]float64{1, inf})), tensor.Scalar(inf)},
		{"empty is -Inf", tensor.LogSumExp(tensor.Zeros(2, 0), 1), tensor.Full(-inf, 2)},
		{"0-d", tensor.LogSumExp(tensor.Scalar(3)), tensor.Scalar(3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, near); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestReducePanics(t *testing.T) {
	x := tensor.Zeros(2, 3)
	rows := []panicRow{}
	for _, op := range []struct {
		name string
		f    func(*tensor.Tensor, bool, ...int) *tensor.Tensor
	}{
		{"Sum", withKeep(tensor.Sum, tensor.SumKeepDims)},
		{"Mean", withKeep(tensor.Mean, tensor.MeanKeepDims)},
		{"Max", withKeep(tensor.Max, tensor.MaxKeepDims)},
		{"Min", withKeep(tensor.Min, tensor.MinKeepDims)},
		{"LogSumExp", withKeep(tensor.LogSumExp, tensor.LogSumExpKeepDims)},
	} {
		rows = append(rows,
			panicRow{op.name + " axis", func() { op.f(x, false, 2) }, tensor.ErrShape, []string{"tensor." + op.name, "[2 3]", "axis 2"}},
			panicRow{op.name + " negative axis", func() { op.f(x, true, -3) }, tensor.ErrShape, []string{"tensor." + op.name, "[2 3]"}},
			panicRow{op.name + " twice", func() { op.f(x, false, 1, -1) }, tensor.ErrShape, []string{"tensor." + op.name, "[2 3]", "twice"}},
			panicRow{op.name + " 0-d axis", func() { op.f(tensor.Scalar(1), false, 0) }, tensor.ErrShape, []string{"tensor." + op.name, "[]"}},
		)
	}
	rows = append(rows,
		panicRow{"ArgMax axis", func() { tensor.ArgMax(x, 2) }, tensor.ErrShape, []string{"tensor.ArgMax", "[2 3]", "axis 2"}},
		panicRow{"ArgMax 0-d", func() { tensor.ArgMax(tensor.Scalar(1), 0) }, tensor.ErrShape, []string{"tensor.ArgMax", "[]"}},
		panicRow{"ArgMax empty axis", func() { tensor.ArgMax(tensor.Zeros(3, 0), 1) }, tensor.ErrShape, []string{"tensor.ArgMax", "[3 0]", "empty"}},
	)
	runPanics(t, rows)
}

func benchSum(b *testing.B, n int) {
	x := tensor.RandN(tapegradtest.NewRNG(), n, n)
	b.ReportAllocs()
	for b.Loop() {
		tensor.Sum(x, 0)
	}
}

// Sum over axis 0 of an (n, n) matrix: the strided case, rows added into one.
func BenchmarkSumAxisSmall(b *testing.B)  { benchSum(b, 8) }
func BenchmarkSumAxisMedium(b *testing.B) { benchSum(b, 64) }
func BenchmarkSumAxisLarge(b *testing.B)  { benchSum(b, 256) }
