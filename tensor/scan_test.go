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

// naiveScan returns y with y[…, k, …] = f(x[…, 0..k, …]) along axis,
// by the definition: each output gathers its prefix afresh.
func naiveScan(x *tensor.Tensor, axis int, f func(prefix []float64) float64) *tensor.Tensor {
	s := x.Shape()
	axis = (axis + len(s)) % len(s)
	dst := tensor.Zeros(s...)
	idx := make([]int, len(s))
	for o := range dst.Data() {
		unravel(o, s, idx)
		k := idx[axis]
		var prefix []float64
		for j := 0; j <= k; j++ {
			idx[axis] = j
			prefix = append(prefix, x.Data()[ravel(idx, s)])
		}
		dst.Data()[o] = f(prefix)
	}
	return dst
}

// scanAxes are the axes every scan runs along, for a (2, 3, 4)
// operand: the contiguous last axis, the strided ones, negative forms.
var scanAxes = []int{0, 1, 2, -1, -2, -3}

// TestScansNaive compares CumSum and LogCumSumExp, and their To forms in
// place and not, with the prefix definitions along each axis. CumSum runs
// on small integers, where every partial sum is exact in any order.
// LogCumSumExp's running logaddexp rounds once or twice per step (at most 3
// steps here), the reference's log Σ exp a few times: 1e-15 absolute on
// results of size ~1 plus 1e-15 relative is about 5 ulps.
func TestScansNaive(t *testing.T) {
	ints := randU(3, 2, 3, 4)
	for i, v := range ints.Data() {
		ints.Data()[i] = math.Round(5 * v) // integers in [−10, 10]
	}
	tests := []struct {
		name string
		x    *tensor.Tensor
		f    func(x *tensor.Tensor, axis int) *tensor.Tensor
		to   func(dst, x *tensor.Tensor, axis int) *tensor.Tensor
		ref  func(prefix []float64) float64
		opt  cmp.Option
	}{
		{"CumSum", ints, tensor.CumSum, tensor.CumSumTo, func(p []float64) float64 {
			s := 0.0
			for _, v := range p {
				s += v
			}
			return s
		}, cmp.Options{}},
		{"LogCumSumExp", randU(4, 2, 3, 4), tensor.LogCumSumExp, tensor.LogCumSumExpTo, func(p []float64) float64 {
			s := 0.0
			for _, v := range p {
				s += math.Exp(v)
			}
			return math.Log(s)
		}, cmpopts.EquateApprox(1e-15, 1e-15)},
	}
	for _, tc := range tests {
		for _, axis := range scanAxes {
			t.Run(fmt.Sprintf("%s axis %d", tc.name, axis), func(t *testing.T) {
				x0 := tc.x.Copy()
				want := naiveScan(tc.x, axis, tc.ref)
				got := tc.f(tc.x, axis)
				if d := tapegradtest.Diff(want, got, tc.opt); d != "" {
					t.Errorf("mismatch (-want +got):\n%s", d)
				}
				if d := tapegradtest.Diff(x0, tc.x); d != "" {
					t.Errorf("changed its operand (-before +after):\n%s", d)
				}
				dst := tensor.Full(math.NaN(), tc.x.Shape()...)
				if r := tc.to(dst, tc.x, axis); r != dst {
					t.Errorf("To did not return dst")
				}
				if d := tapegradtest.Diff(got, dst); d != "" {
					t.Errorf("To differs (-pure +To):\n%s", d)
				}
				y := tc.x.Copy()
				tc.to(y, y, axis)
				if d := tapegradtest.Diff(got, y); d != "" {
					t.Errorf("To in place differs (-pure +in place):\n%s", d)
				}
			})
		}
	}
}

// TestScanKnownValues pins the stable LogCumSumExp at ±1000 (where exp
// overflows or underflows), its infinities and NaN as PyTorch treats them,
// and the 0-d and empty cases. Each want is the exact float64 answer: the
// kernel computes 1000 + log1p(1) = 1000 + ln 2 by the same roundings.
func TestScanKnownValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"LogCumSumExp +1000", tensor.LogCumSumExp(vec(1000, 1000), 0), vec(1000, 1000+math.Ln2)},
		{"LogCumSumExp −1000", tensor.LogCumSumExp(vec(-1000, -1000), 0), vec(-1000, -1000+math.Ln2)},
		{"LogCumSumExp far apart", tensor.LogCumSumExp(vec(-1000, 1000, -1000), 0), vec(-1000, 1000, 1000)},
		// −Inf adds exp(−Inf) = 0: log(0) = −Inf until a finite element.
		{"LogCumSumExp −Inf first", tensor.LogCumSumExp(vec(-inf, -inf, 0, -inf), 0), vec(-inf, -inf, 0, 0)},
		{"LogCumSumExp +Inf", tensor.LogCumSumExp(vec(1, inf, 2, inf, -inf), 0), vec(1, inf, inf, inf, inf)},
		{"LogCumSumExp −Inf then +Inf", tensor.LogCumSumExp(vec(-inf, inf), 0), vec(-inf, inf)},
		{"LogCumSumExp NaN", tensor.LogCumSumExp(vec(1, nan, 2, -inf), 0), vec(1, nan, nan, nan)},
		{"LogCumSumExp strided ±1000", tensor.LogCumSumExp(tensor.New([]float64{1000, -1000, 1000, -1000}, 2, 2), 0),
			tensor.New([]float64{1000, -1000, 1000 + math.Ln2, -1000 + math.Ln2}, 2, 2)},
		{"CumSum 0-d", tensor.CumSum(tensor.Scalar(3), 0), tensor.Scalar(3)},
		{"LogCumSumExp 0-d axis -1", tensor.LogCumSumExp(tensor.Scalar(3), -1), tensor.Scalar(3)},
		{"CumSum empty axis", tensor.CumSum(tensor.Zeros(2, 0), 1), tensor.Zeros(2, 0)},
		{"CumSum empty other axis", tensor.CumSum(tensor.Zeros(0, 3), 1), tensor.Zeros(0, 3)},
		{"LogCumSumExp empty", tensor.LogCumSumExp(tensor.Zeros(3, 0, 2), 0), tensor.Zeros(3, 0, 2)},
		{"CumSum Inf", tensor.CumSum(vec(inf, -inf, 1), 0), vec(inf, nan, nan)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestFlip compares Flip and FlipTo (fresh and in place) with the index
// definition y[i] = x[i'], i' reversing i along the flipped axes. Flip only
// moves values, so they agree exactly.
func TestFlip(t *testing.T) {
	x := seq(2, 3, 4)
	naive := func(axes []int) *tensor.Tensor {
		s := x.Shape()
		flip := make([]bool, len(s))
		for i := range flip {
			flip[i] = len(axes) == 0
		}
		for _, a := range axes {
			flip[(a+len(s))%len(s)] = true
		}
		dst := tensor.Zeros(s...)
		idx := make([]int, len(s))
		for o := range dst.Data() {
			unravel(o, s, idx)
			for i := range idx {
				if flip[i] {
					idx[i] = s[i] - 1 - idx[i]
				}
			}
			dst.Data()[o] = x.Data()[ravel(idx, s)]
		}
		return dst
	}
	for _, axes := range [][]int{nil, {0}, {1}, {2}, {-1}, {-3}, {0, 2}, {2, 0}, {0, 1}, {1, 2}, {0, 1, 2}} {
		t.Run(fmt.Sprintf("axes %v", axes), func(t *testing.T) {
			want := naive(axes)
			if d := tapegradtest.Diff(want, tensor.Flip(x, axes...)); d != "" {
				t.Errorf("Flip mismatch (-want +got):\n%s", d)
			}
			if d := tapegradtest.Diff(seq(2, 3, 4), x); d != "" {
				t.Errorf("Flip changed its operand")
			}
			dst := tensor.Full(math.NaN(), 2, 3, 4)
			if r := tensor.FlipTo(dst, x, axes...); r != dst {
				t.Errorf("FlipTo did not return dst")
			}
			if d := tapegradtest.Diff(want, dst); d != "" {
				t.Errorf("FlipTo mismatch (-want +got):\n%s", d)
			}
			y := x.Copy()
			tensor.FlipTo(y, y, axes...)
			if d := tapegradtest.Diff(want, y); d != "" {
				t.Errorf("FlipTo in place mismatch (-want +got):\n%s", d)
			}
			if d := tapegradtest.Diff(x, tensor.Flip(want, axes...)); d != "" {
				t.Errorf("Flip twice is not the identity (-x +got):\n%s", d)
			}
		})
	}
	for _, tc := range []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"0-d", tensor.Flip(tensor.Scalar(3)), tensor.Scalar(3)},
		{"0-d axis 0", tensor.Flip(tensor.Scalar(3), 0), tensor.Scalar(3)},
		{"1-d", tensor.Flip(vec(1, 2, 3)), vec(3, 2, 1)},
		{"empty", tensor.Flip(tensor.Zeros(2, 0), 0), tensor.Zeros(2, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestScanPanics(t *testing.T) {
	x := tensor.Zeros(2, 3)
	runPanics(t, []panicRow{
		{"CumSum axis 2", func() { tensor.CumSum(x, 2) }, tensor.ErrShape,
			[]string{"tensor.CumSum", "axis 2 out of range for rank 2", "[2 3]"}},
		{"CumSum axis -3", func() { tensor.CumSum(x, -3) }, tensor.ErrShape, []string{"tensor.CumSum", "axis -3"}},
		{"CumSum 0-d axis 1", func() { tensor.CumSum(tensor.Scalar(1), 1) }, tensor.ErrShape, []string{"tensor.CumSum", "rank 0"}},
		{"CumSumTo dst", func() { tensor.CumSumTo(tensor.Zeros(3, 2), x, 0) }, tensor.ErrShape,
			[]string{"tensor.CumSum", "destination has shape [3 2], want [2 3]"}},
		{"LogCumSumExp axis 5", func() { tensor.LogCumSumExp(x, 5) }, tensor.ErrShape, []string{"tensor.LogCumSumExp", "axis 5"}},
		{"LogCumSumExpTo dst", func() { tensor.LogCumSumExpTo(tensor.Zeros(6), x, 1) }, tensor.ErrShape,
			[]string{"tensor.LogCumSumExp", "[6]", "[2 3]"}},
		{"Flip axis 2", func() { tensor.Flip(x, 2) }, tensor.ErrShape, []string{"tensor.Flip", "axis 2"}},
		{"Flip axis twice", func() { tensor.Flip(x, 1, -1) }, tensor.ErrShape, []string{"tensor.Flip", "given twice"}},
		{"FlipTo dst", func() { tensor.FlipTo(tensor.Zeros(3, 2), x) }, tensor.ErrShape,
			[]string{"tensor.Flip", "destination has shape [3 2], want [2 3]"}},
	})
}
