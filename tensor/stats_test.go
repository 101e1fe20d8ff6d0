package tensor_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// naiveStat applies f to the elements of x reduced into each output over
// axes (naiveGroups): the definition the row-walking kernels must agree
// with. The result keeps the reduced axes as 1 when keepDims is set.
func naiveStat(x *tensor.Tensor, keepDims bool, axes []int, f func(v []float64) float64) *tensor.Tensor {
	groups, shape := naiveGroups(x, keepDims, axes)
	dst := tensor.Zeros(shape...)
	for i, g := range groups {
		dst.Data()[i] = f(g)
	}
	return dst
}

// naiveVar is the textbook two-pass variance Σ (v − v̄)² / (N − c).
func naiveVar(c int) func(v []float64) float64 {
	return func(v []float64) float64 {
		m := 0.0
		for _, x := range v {
			m += x
		}
		m /= float64(len(v))
		s := 0.0
		for _, x := range v {
			s += (x - m) * (x - m)
		}
		return s / float64(len(v)-c)
	}
}

// naiveNorm is √Σ v², unscaled: right for moderate values.
func naiveNorm(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// statAxes are the axis lists every statistic runs over, for a (2, 3, 4)
// operand: none (all), each axis, negative axes, pairs in either order
// (adjacent and not, so the kernel's axis merging is exercised) and all.
var statAxes = [][]int{nil, {0}, {1}, {2}, {-1}, {-3}, {0, 2}, {2, 0}, {0, 1}, {1, 2}, {0, 1, 2}}

// TestStatsNaive compares Variance, Std and Norm in all three forms with the
// naive definitions over each axis list. Both sum at most 24 values of
// size ≤ 2 in different orders: a few ulps of the result each, so 1e-14
// relative plus 1e-15 absolute (for variances near 0) covers them.
func TestStatsNaive(t *testing.T) {
	near := cmpopts.EquateApprox(1e-14, 1e-15)
	x := randU(11, 2, 3, 4)
	x0 := x.Copy()
	type form struct {
		name string
		drop func(x *tensor.Tensor, axes ...int) *tensor.Tensor
		keep func(x *tensor.Tensor, axes ...int) *tensor.Tensor
		to   func(dst, x *tensor.Tensor, axes ...int) *tensor.Tensor
		ref  func(v []float64) float64
	}
	var forms []form
	for _, c := range []tensor.Correction{tensor.Biased, tensor.Unbiased} {
		variance := naiveVar(int(c))
		forms = append(forms,
			form{fmt.Sprintf("Variance c=%d", c),
				func(x *tensor.Tensor, axes ...int) *tensor.Tensor { return tensor.Variance(x, c, axes...) },
				func(x *tensor.Tensor, axes ...int) *tensor.Tensor { return tensor.VarianceKeepDims(x, c, axes...) },
				func(d, x *tensor.Tensor, axes ...int) *tensor.Tensor { return tensor.VarianceTo(d, x, c, axes...) },
				variance},
			form{fmt.Sprintf("Std c=%d", c),
				func(x *tensor.Tensor, axes ...int) *tensor.Tensor { return tensor.Std(x, c, axes...) },
				func(x *tensor.Tensor, axes ...int) *tensor.Tensor { return tensor.StdKeepDims(x, c, axes...) },
				func(d, x *tensor.Tensor, axes ...int) *tensor.Tensor { return tensor.StdTo(d, x, c, axes...) },
				func(v []float64) float64 { return math.Sqrt(variance(v)) }})
	}
	forms = append(forms, form{"Norm", tensor.Norm, tensor.NormKeepDims, tensor.NormTo, naiveNorm})
	for _, f := range forms {
		for _, axes := range statAxes {
			t.Run(fmt.Sprintf("%s axes %v", f.name, axes), func(t *testing.T) {
				want := naiveStat(x, false, axes, f.ref)
				wantKeep := naiveStat(x, true, axes, f.ref)
				if d := tapegradtest.Diff(want, f.drop(x, axes...), near); d != "" {
					t.Errorf("mismatch (-want +got):\n%s", d)
				}
				if d := tapegradtest.Diff(wantKeep, f.keep(x, axes...), near); d != "" {
					t.Errorf("KeepDims mismatch (-want +got):\n%s", d)
				}
				for _, w := range []*tensor.Tensor{want, wantKeep} {
					dst := tensor.Full(math.NaN(), w.Shape()...)
					if r := f.to(dst, x, axes...); r != dst {
						t.Errorf("To did not return dst")
					}
					if d := tapegradtest.Diff(w, dst, near); d != "" {
						t.Errorf("To into %v mismatch (-want +got):\n%s", w.Shape(), d)
					}
				}
				if d := tapegradtest.Diff(x0, x); d != "" {
					t.Errorf("changed its operand (-before +after):\n%s", d)
				}
			})
		}
	}
}

// TestStatsKnownValues pins the numerically hard cases and the edges: a
// large common offset, elements whose squares overflow or underflow, and
// the divisor and special values PyTorch documents.
func TestStatsKnownValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	// Scaling by the largest element rounds twice more than √Σx²: 3e-16
	// relative is about 2 ulps.
	ulps := cmpopts.EquateApprox(3e-16, 0)
	offset := vec(1e9+1, 1e9+2, 1e9+3, 1e9+4)
	tests := []struct {
		name      string
		got, want *tensor.Tensor
		opt       cmp.Option
	}{
		// 1e9 + [1 2 3 4]: the deviations are exact, Σ d² = 5; a one-pass
		// Σx² − (Σx)²/N would cancel 1.6e19-sized terms and be off by ~1e3.
		{"Variance offset unbiased", tensor.Variance(offset, tensor.Unbiased), tensor.Scalar(1.6666666666666667), exact},
		{"Variance offset biased", tensor.Variance(offset, tensor.Biased), tensor.Scalar(1.25), exact},
		{"Std offset biased", tensor.Std(offset, tensor.Biased), tensor.Scalar(math.Sqrt(1.25)), exact},
		{"Variance correction 2", tensor.Variance(vec(1, 2, 3, 4), tensor.Correction(2)), tensor.Scalar(2.5), exact},
		// PyTorch: var of one element with correction 1 is NaN (0/0); a
		// divisor max(N − c, 0) = 0 with spread data is +Inf; no elements NaN.
		{"Variance one element unbiased", tensor.Variance(vec(7), tensor.Unbiased), tensor.Scalar(nan), exact},
		{"Variance one element biased", tensor.Variance(vec(7), tensor.Biased), tensor.Scalar(0), exact},
		{"Variance divisor below 0", tensor.Variance(vec(1, 2), tensor.Correction(3)), tensor.Scalar(inf), exact},
		{"Variance empty", tensor.Variance(tensor.Zeros(0), tensor.Biased), tensor.Scalar(nan), exact},
		{"Variance empty axis", tensor.Variance(tensor.Zeros(2, 0), tensor.Biased, 1), vec(nan, nan), exact},
		{"Variance Inf and NaN", tensor.Variance(tensor.New([]float64{1, inf, 1, nan}, 2, 2), tensor.Biased, 1), vec(nan, nan), exact},
		{"Variance constant", tensor.Variance(vec(0.1, 0.1, 0.1), tensor.Unbiased), tensor.Scalar(0), exact},
		{"Std one element unbiased", tensor.Std(vec(7), tensor.Unbiased), tensor.Scalar(nan), exact},
		{"Variance 0-d", tensor.Variance(tensor.Scalar(5), tensor.Biased), tensor.Scalar(0), exact},
		{"Variance 0-d axis -1", tensor.VarianceKeepDims(tensor.Scalar(5), tensor.Unbiased, -1), tensor.Scalar(nan), exact},
		// ‖[3e200 4e200]‖ = 5e200: 9e400 overflows unscaled.
		{"Norm huge", tensor.Norm(vec(3e200, -4e200)), tensor.Scalar(5e200), ulps},
		{"Norm tiny", tensor.Norm(vec(3e-200, 4e-200)), tensor.Scalar(5e-200), ulps},
		{"Norm subnormal", tensor.Norm(vec(5e-324, 0)), tensor.Scalar(5e-324), exact},
		{"Norm zeros", tensor.Norm(tensor.Zeros(3)), tensor.Scalar(0), exact},
		{"Norm empty", tensor.Norm(tensor.Zeros(0)), tensor.Scalar(0), exact},
		{"Norm Inf", tensor.Norm(vec(1, -inf)), tensor.Scalar(inf), exact},
		{"Norm NaN", tensor.Norm(vec(nan, inf)), tensor.Scalar(nan), exact},
		{"Norm Inf then NaN", tensor.Norm(vec(inf, nan)), tensor.Scalar(nan), exact},
		// The Frobenius norm of [[1 2] [3 4]] is √30; its columns' norms
		// are √10 and √20, its rows' √5 and 5.
		{"Norm Frobenius", tensor.Norm(tensor.New([]float64{1, 2, 3, 4}, 2, 2)), tensor.Scalar(math.Sqrt(30)), ulps},
		{"Norm columns", tensor.Norm(tensor.New([]float64{1, 2, 3, 4}, 2, 2), 0), vec(math.Sqrt(10), math.Sqrt(20)), ulps},
		{"Norm rows kept", tensor.NormKeepDims(tensor.New([]float64{1, 2, 3, 4}, 2, 2), -1),
			tensor.New([]float64{math.Sqrt(5), 5}, 2, 1), ulps},
		{"Norm rows huge", tensor.Norm(tensor.New([]float64{3e300, 4e300, 0, 1e-300}, 2, 2), 1), vec(5e300, 1e-300), ulps},
		{"Norm 0-d", tensor.Norm(tensor.Scalar(-2)), tensor.Scalar(2), exact},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, tc.opt); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestVarianceOffset adds 1e9 to values uniform on [−2, 2): the shifted
// data are exact multiples of 2⁻²³ (an ulp of 1e9), and subtracting 1e9
// back is exact, so the variance of the shifted data must match that of
// the unshifted copies. The mean's rounding (~1e-7) enters the corrected
// two-pass result only squared (~1e-14): 1e-12 relative is a safe bound,
// where a one-pass formula would be wrong in the first digit.
func TestVarianceOffset(t *testing.T) {
	x := randU(5, 3, 1000)
	for i := range x.Data() {
		x.Data()[i] += 1e9
	}
	base := x.Copy()
	for i := range base.Data() {
		base.Data()[i] -= 1e9
	}
	want := naiveStat(base, false, []int{1}, naiveVar(1))
	if d := tapegradtest.Diff(want, tensor.Variance(x, tensor.Unbiased, 1), cmpopts.EquateApprox(1e-12, 0)); d != "" {
		t.Errorf("Variance with offset 1e9 mismatch (-unshifted +got):\n%s", d)
	}
}

func TestStatsPanics(t *testing.T) {
	x := tensor.Zeros(2, 3)
	runPanics(t, []panicRow{
		{"Variance axis 2", func() { tensor.Variance(x, tensor.Biased, 2) }, tensor.ErrShape,
			[]string{"tensor.Variance", "axis 2 out of range", "[2 3]"}},
		{"VarianceKeepDims axis -3", func() { tensor.VarianceKeepDims(x, tensor.Unbiased, -3) }, tensor.ErrShape,
			[]string{"tensor.Variance", "axis -3"}},
		{"Variance axis twice", func() { tensor.Variance(x, tensor.Biased, 1, -1) }, tensor.ErrShape,
			[]string{"tensor.Variance", "given twice"}},
		{"Std axis 5", func() { tensor.Std(x, tensor.Unbiased, 5) }, tensor.ErrShape, []string{"tensor.Std"}},
		{"StdKeepDims axis twice", func() { tensor.StdKeepDims(x, tensor.Unbiased, 0, 0) }, tensor.ErrShape, []string{"tensor.Std"}},
		{"Norm axis 2", func() { tensor.Norm(x, 2) }, tensor.ErrShape, []string{"tensor.Norm", "[2 3]"}},
		{"NormKeepDims axis twice", func() { tensor.NormKeepDims(x, -2, 0) }, tensor.ErrShape, []string{"tensor.Norm", "twice"}},
		{"Norm 0-d axis 1", func() { tensor.Norm(tensor.Scalar(1), 1) }, tensor.ErrShape, []string{"tensor.Norm", "rank 0"}},
		{"VarianceTo dst", func() { tensor.VarianceTo(tensor.Zeros(3), x, tensor.Biased, 1) }, tensor.ErrShape,
			[]string{"tensor.Variance", "destination has shape [3], want [2] or [2 1]"}},
		{"StdTo dst same count", func() { tensor.StdTo(tensor.Zeros(1, 2), x, tensor.Biased, 1) }, tensor.ErrShape,
			[]string{"tensor.Std", "[1 2]"}},
		{"NormTo dst", func() { tensor.NormTo(tensor.Zeros(2), x) }, tensor.ErrShape,
			[]string{"tensor.Norm", "destination has shape [2], want [] or [1 1]"}},
		{"NormTo bad axis", func() { tensor.NormTo(tensor.Zeros(2), x, 7) }, tensor.ErrShape, []string{"tensor.Norm", "axis 7"}},
	})
}
