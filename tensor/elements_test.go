package tensor

import (
	"math"
	"math/bits"
	"testing"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
)

// Sizes whose products overflow int arithmetic wherever int has 32 or 64
// bits: quarter·4 wraps to 0 and (quarter+1)·4 to 4; root·root wraps to 0.
// Each alone is a valid dimension where the others are 0 (quarter only
// where int has 64 bits).
const (
	quarter = math.MaxInt/2 + 1        // 2^62 where int has 64 bits
	root    = 1 << (bits.UintSize / 2) // 2^32 where int has 64 bits
)

// TestElementCountChecked covers the element-count check (shapes.Numel)
// at every place that computes a count: shapes whose count overflows an
// int, exceeds MaxElements, or holds a zero that hides an overflow of the
// other dimensions, negative sizes, and Arange counts that are not finite.
// Each must panic with ErrShape naming the op the caller called. The sizes
// are chosen so that no row allocates: the valid operands have 0 or a few
// elements.
func TestElementCountChecked(t *testing.T) {
	data4 := []float64{1, 2, 3, 4}
	half := MaxElements/2 + 1 // two of these add to more than MaxElements
	rows := []struct {
		name string
		f    func()
		msg  []string // substrings of the message: the op and what is wrong
	}{
		{"New wrapping to len(data)", func() { New(data4, quarter+1, 4) }, []string{"tensor.New", "MaxElements"}},
		{"Zeros wrapping to 0", func() { Zeros(root, root) }, []string{"tensor.Zeros", "MaxElements"}},
		{"Zeros too large to allocate", func() { Zeros(quarter) }, []string{"tensor.Zeros", "MaxElements"}},
		{"Zeros above MaxElements", func() { Zeros(MaxElements + 1) }, []string{"tensor.Zeros", "MaxElements"}},
		{"Zeros with a 0 hiding an overflow", func() { Zeros(0, quarter, quarter) }, []string{"tensor.Zeros", "MaxElements"}},
		{"Full", func() { Full(2, quarter) }, []string{"tensor.Full", "MaxElements"}},
		{"Full negative", func() { Full(2, -1) }, []string{"tensor.Full", "negative"}},
		{"Ones", func() { Ones(root, root) }, []string{"tensor.Ones", "MaxElements"}},
		{"RandN", func() { RandN(tapegradtest.NewRNG(), root, root) }, []string{"tensor.RandN", "MaxElements"}},
		{"RandU", func() { RandU(tapegradtest.NewRNG(), 0, 1, -3) }, []string{"tensor.RandU", "negative"}},
		{"Reshape wrapping to len(x)", func() { Reshape(New(data4), quarter+1, 4) }, []string{"tensor.Reshape", "cannot reshape"}},
		{"Reshape −1 wrapping", func() { Reshape(New(data4), -1, quarter+1, 4) }, []string{"tensor.Reshape", "cannot infer"}},
		{"Reshape with a 0 hiding an overflow", func() { Reshape(Zeros(0), 0, quarter, quarter) }, []string{"tensor.Reshape", "cannot reshape"}},
		{"Arange NaN", func() { Arange(0, math.NaN(), 1) }, []string{"tensor.Arange", "finite"}},
		{"Arange +Inf", func() { Arange(0, math.Inf(1), 1) }, []string{"tensor.Arange", "finite"}},
		{"Arange 1e19 elements", func() { Arange(0, 1e19, 1) }, []string{"tensor.Arange", "MaxElements"}},
		{"Arange tiny step", func() { Arange(0, 1, 1e-300) }, []string{"tensor.Arange", "MaxElements"}},
		{"Arange range overflowing", func() { Arange(-math.MaxFloat64, math.MaxFloat64, 1) }, []string{"tensor.Arange", "MaxElements"}},
		{"Linspace", func() { Linspace(0, 1, quarter) }, []string{"tensor.Linspace", "MaxElements"}},
		{"Pad wrapping to negative", func() { Pad(Ones(2), 0, math.MaxInt, 1) }, []string{"tensor.Pad", "MaxElements"}},
		{"Pad too large", func() { Pad(Zeros(0, root), 0, root, 0) }, []string{"tensor.Pad", "MaxElements"}},
		{"OneHot negative", func() { OneHot([]int{0}, -1) }, []string{"tensor.OneHot", "negative"}},
		{"OneHot wrapping to 0", func() { OneHot([]int{0, 1, 2, 3}, quarter) }, []string{"tensor.OneHot", "MaxElements"}},
		{"Scatter negative", func() { Scatter(Ones(2), 0, []int{0, 0}, -1) }, []string{"tensor.Scatter", "negative"}},
		{"IndexAdd negative", func() { IndexAdd(Ones(2), 0, []int{0, 0}, -1) }, []string{"tensor.IndexAdd", "negative"}},
		{"IndexAdd too large", func() { IndexAdd(Zeros(0, root), 0, nil, root) }, []string{"tensor.IndexAdd", "MaxElements"}},
		{"Concat", func() { Concat(0, Zeros(half, 0), Zeros(half, 0)) }, []string{"tensor.Concat", "MaxElements"}},
		{"broadcast result", func() { Add(Zeros(0, root, 1), Zeros(0, 1, root)) }, []string{"tensor.Add", "MaxElements"}},
		{"Where broadcast result", func() { Where(Zeros(0, root, 1), Zeros(0, 1, root), Scalar(0)) }, []string{"tensor.Where", "MaxElements"}},
		{"BroadcastTo", func() { BroadcastTo(Scalar(1), root, root) }, []string{"tensor.BroadcastTo", "MaxElements"}},
		{"SumTo negative", func() { SumTo(Ones(2), -2) }, []string{"tensor.SumTo", "negative"}},
		{"MatMul", func() { MatMul(Zeros(root, 0), Zeros(0, root)) }, []string{"tensor.MatMul", "MaxElements"}},
		{"MatMulT", func() { MatMulT(Zeros(0, root), Zeros(root, 0), Trans, Trans) }, []string{"tensor.MatMulT", "MaxElements"}},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			tapegradtest.NoRuntimePanic(t, tc.name, tc.f)
			tapegradtest.CheckPanic(t, tc.f, ErrShape, tc.msg...)
		})
	}
}

// TestElementCountLimits checks the valid side of the limits: MaxElements
// fits an allocation's byte count, empty shapes with large dimensions are
// accepted while the non-zero dimensions stay within it, and Arange's
// count is ⌈(stop − start)/step⌉, none when that is negative.
func TestElementCountLimits(t *testing.T) {
	if MaxElements > math.MaxInt/8 {
		t.Errorf("MaxElements = %d: its byte count overflows an int", MaxElements)
	}
	if got := Zeros(0, MaxElements, 1).Len(); got != 0 {
		t.Errorf("Zeros(0, MaxElements, 1).Len() = %d, want 0", got)
	}
	if got := Reshape(Zeros(0, MaxElements), MaxElements, 0).Len(); got != 0 {
		t.Errorf("Reshape to (MaxElements, 0) has %d elements, want 0", got)
	}
	for _, tc := range []struct {
		start, stop, step float64
		want              int
	}{
		{0, 5, 1, 5},
		{0, 5, 2, 3},
		{5, 0, 1, 0},
		{0, -1e300, 1, 0}, // a negative count is no elements, as in NumPy
		{0, 1, 0.25, 4},
	} {
		if got := Arange(tc.start, tc.stop, tc.step).Len(); got != tc.want {
			t.Errorf("Arange(%v, %v, %v).Len() = %d, want %d", tc.start, tc.stop, tc.step, got, tc.want)
		}
	}
}

// TestPlanes: the runs over which a broadcast operand is constant, for the
// binary kernels' channel-bias fast path; 0 where the path does not apply.
func TestPlanes(t *testing.T) {
	out := []int{2, 3, 4, 5}
	for _, tc := range []struct {
		bs   []int
		want int
	}{
		{[]int{3, 1, 1}, 20},
		{[]int{1, 3, 1, 1}, 20},
		{[]int{2, 3, 1, 1}, 20},
		{[]int{3, 4, 1}, 5},
		{[]int{1, 1, 4, 1}, 5},
		{[]int{5}, 0},          // varies along the last axis: the bias-row case
		{[]int{4, 5}, 0},       // likewise
		{[]int{2, 1, 4, 1}, 0}, // two blocks
		{[]int{3, 2, 1}, 0},    // not out's size
		{[]int{1, 1, 1, 1}, 0}, // a scalar: another case
		{[]int{1, 2, 3, 4, 5}, 0},
	} {
		if got := planes(tc.bs, out); got != tc.want {
			t.Errorf("planes(%v, %v) = %d, want %d", tc.bs, out, got, tc.want)
		}
	}
}
