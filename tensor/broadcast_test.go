package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// naiveBroadcast materialises x in the broadcast shape by reading every
// element through bcastAt: the definition BroadcastTo must agree with.
func naiveBroadcast(x *tensor.Tensor, shape []int) *tensor.Tensor {
	dst := tensor.Zeros(shape...)
	idx := make([]int, len(shape))
	for o := range dst.Data() {
		unravel(o, shape, idx)
		dst.Data()[o] = bcastAt(x, idx)
	}
	return dst
}

// naiveBinary applies f element-wise to a and b in their broadcast shape,
// one multi-index at a time.
func naiveBinary(a, b *tensor.Tensor, f func(x, y float64) float64) *tensor.Tensor {
	shape, ok := tensor.BroadcastShapes(a.Shape(), b.Shape())
	if !ok {
		panic("naiveBinary: shapes do not broadcast")
	}
	dst := tensor.Zeros(shape...)
	idx := make([]int, len(shape))
	for o := range dst.Data() {
		unravel(o, shape, idx)
		dst.Data()[o] = f(bcastAt(a, idx), bcastAt(b, idx))
	}
	return dst
}

// broadcastPairs are the operand shapes every broadcasting test runs over:
// equal shapes, a 0-d and a (1) scalar, a bias row, a column, a middle axis,
// both operands broadcast, leading 1s, and empty axes.
var broadcastPairs = []struct {
	name string
	a, b []int
}{
	{"same shape", []int{2, 3}, []int{2, 3}},
	{"0-d both", []int{}, []int{}},
	{"0-d scalar right", []int{2, 3}, []int{}},
	{"0-d scalar left", []int{}, []int{2, 3}},
	{"(1) scalar", []int{2, 3}, []int{1}},
	{"bias row", []int{4, 3}, []int{3}},
	{"bias row (1,3)", []int{4, 3}, []int{1, 3}},
	{"row on the left", []int{3}, []int{4, 3}},
	{"column", []int{2, 3}, []int{2, 1}},
	{"middle axis", []int{2, 1, 3}, []int{4, 1}},
	{"middle axis reversed", []int{4, 1}, []int{2, 1, 3}},
	{"outer product", []int{3, 1}, []int{1, 4}},
	{"leading 1s", []int{1, 1, 3}, []int{2, 3}},
	{"3-d bias", []int{2, 4, 3}, []int{4, 3}},
	{"interior 1 on both", []int{2, 1, 4, 1}, []int{3, 1, 5}},
	{"empty with row", []int{0, 3}, []int{3}},
	{"empty against 1", []int{2, 0}, []int{2, 1}},
}

func TestBroadcastShapes(t *testing.T) {
	tests := []struct {
		name string
		a, b []int
		want []int
		ok   bool
	}{
		{"equal", []int{2, 3}, []int{2, 3}, []int{2, 3}, true},
		{"0-d", []int{}, []int{}, []int{}, true},
		{"0-d and matrix", []int{}, []int{2, 3}, []int{2, 3}, true},
		{"row", []int{4, 3}, []int{3}, []int{4, 3}, true},
		{"middle axis", []int{2, 1, 3}, []int{4, 1}, []int{2, 4, 3}, true},
		{"both broadcast", []int{3, 1}, []int{1, 4}, []int{3, 4}, true},
		{"1 against 0", []int{1}, []int{0}, []int{0}, true},
		{"0 against 1", []int{0, 2}, []int{1, 2}, []int{0, 2}, true},
		{"trailing mismatch", []int{2, 3}, []int{4}, nil, false},
		{"leading mismatch", []int{2, 3}, []int{4, 3}, nil, false},
		{"0 against 2", []int{0}, []int{2}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range [][2][]int{{tc.a, tc.b}, {tc.b, tc.a}} {
				got, ok := tensor.BroadcastShapes(args[0], args[1])
				if ok != tc.ok {
					t.Fatalf("BroadcastShapes(%v, %v) got ok %v, want %v", args[0], args[1], ok, tc.ok)
				}
				if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); ok && d != "" {
					t.Errorf("BroadcastShapes(%v, %v) mismatch (-want +got):\n%s", args[0], args[1], d)
				}
			}
		})
	}
}

func TestCanBroadcastTo(t *testing.T) {
	tests := []struct {
		s, to []int
		want  bool
	}{
		{[]int{}, []int{2, 3}, true},
		{[]int{3}, []int{2, 3}, true},
		{[]int{1, 3}, []int{2, 3}, true},
		{[]int{2, 1}, []int{2, 3}, true},
		{[]int{2, 3}, []int{2, 3}, true},
		{[]int{1}, []int{0}, true},
		{[]int{2, 3}, []int{3}, false}, // would change the target
		{[]int{2, 3}, []int{1, 3}, false},
		{[]int{4}, []int{2, 3}, false},
		{[]int{1, 1}, []int{}, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v to %v", tc.s, tc.to), func(t *testing.T) {
			if got := tensor.CanBroadcastTo(tc.s, tc.to); got != tc.want {
				t.Errorf("CanBroadcastTo(%v, %v) = %v, want %v", tc.s, tc.to, got, tc.want)
			}
		})
	}
}

func TestBroadcastTo(t *testing.T) {
	tests := []struct {
		name  string
		x     *tensor.Tensor
		shape []int
		want  *tensor.Tensor
	}{
		{"0-d to matrix", tensor.Scalar(2), []int{2, 2}, tensor.Full(2, 2, 2)},
		{"0-d to 0-d", tensor.Scalar(2), nil, tensor.Scalar(2)},
		{"row", tensor.New([]float64{1, 2, 3}), []int{2, 3}, tensor.New([]float64{1, 2, 3, 1, 2, 3}, 2, 3)},
		{"column", tensor.New([]float64{1, 2}, 2, 1), []int{2, 3}, tensor.New([]float64{1, 1, 1, 2, 2, 2}, 2, 3)},
		{"middle axis", tensor.New([]float64{1, 2, 3, 4}, 2, 1, 2), []int{2, 3, 2},
			tensor.New([]float64{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}, 2, 3, 2)},
		{"same shape copies", seq(2, 2), []int{2, 2}, seq(2, 2)},
		{"new leading 1", seq(3), []int{1, 3}, seq(1, 3)},
		{"to empty", tensor.Scalar(5), []int{0, 3}, tensor.Zeros(0, 3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.x.Copy()
			got := tensor.BroadcastTo(tc.x, tc.shape...)
			if d := tapegradtest.Diff(tc.want, got, exact); d != "" {
				t.Errorf("BroadcastTo mismatch (-want +got):\n%s", d)
			}
			if d := tapegradtest.Diff(naiveBroadcast(tc.x, tc.shape), got, exact); d != "" {
				t.Errorf("BroadcastTo disagrees with the naive broadcast (-naive +got):\n%s", d)
			}
			if d := tapegradtest.Diff(before, tc.x, exact); d != "" {
				t.Errorf("BroadcastTo changed its operand (-before +after):\n%s", d)
			}
			if len(got.Data()) > 0 && len(tc.x.Data()) > 0 && &got.Data()[0] == &tc.x.Data()[0] {
				t.Errorf("BroadcastTo result shares storage with its operand")
			}
		})
	}
}

func TestSumTo(t *testing.T) {
	x := seq(2, 3) // [[0 1 2] [3 4 5]]
	tests := []struct {
		name  string
		x     *tensor.Tensor
		shape []int
		want  *tensor.Tensor
	}{
		{"to 0-d", x, nil, tensor.Scalar(15)},
		{"to (1)", x, []int{1}, tensor.New([]float64{15})},
		{"to (1,1)", x, []int{1, 1}, tensor.New([]float64{15}, 1, 1)},
		{"to row", x, []int{3}, tensor.New([]float64{3, 5, 7})},
		{"to (1,3)", x, []int{1, 3}, tensor.New([]float64{3, 5, 7}, 1, 3)},
		{"to column", x, []int{2, 1}, tensor.New([]float64{3, 12}, 2, 1)},
		{"same shape", x, []int{2, 3}, x},
		{"middle axis", seq(2, 3, 2), []int{2, 1, 2}, tensor.New([]float64{6, 9, 24, 27}, 2, 1, 2)},
		{"leading and middle", seq(2, 3, 2), []int{1, 2}, tensor.New([]float64{30, 36}, 1, 2)},
		{"from empty", tensor.Zeros(0, 3), []int{3}, tensor.Zeros(3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.SumTo(tc.x, tc.shape...)
			if d := tapegradtest.Diff(tc.want, got, exact); d != "" {
				t.Errorf("SumTo mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestSumToAdjoint checks ⟨BroadcastTo(x, s), y⟩ = ⟨x, SumTo(y, shape(x))⟩:
// SumTo is the transpose of BroadcastTo, which is what makes it the right
// gradient of a broadcast operand.
func TestSumToAdjoint(t *testing.T) {
	rng := tapegradtest.NewRNG()
	for _, tc := range broadcastPairs {
		s, _ := tensor.BroadcastShapes(tc.a, tc.b)
		for _, xs := range [][]int{tc.a, tc.b} {
			if !tensor.CanBroadcastTo(xs, s) {
				continue
			}
			t.Run(tc.name, func(t *testing.T) {
				// Small integers: both sides are exact, so compare with ==.
				x, y := randInts(rng, xs...), randInts(rng, s...)
				lhs := dot(tensor.BroadcastTo(x, s...), y)
				rhs := dot(x, tensor.SumTo(y, xs...))
				if lhs != rhs {
					t.Errorf("got ⟨SumTo(y), x⟩ = %v, want ⟨y, BroadcastTo(x)⟩ = %v for %v → %v", rhs, lhs, xs, s)
				}
			})
		}
	}
}

func TestExpandToReduceSumTo(t *testing.T) {
	t.Run("ExpandTo overwrites", func(t *testing.T) {
		dst := tensor.Full(9, 2, 3)
		if got := tensor.ExpandTo(dst, tensor.New([]float64{1, 2}, 2, 1)); got != dst {
			t.Errorf("ExpandTo did not return dst")
		}
		want := tensor.New([]float64{1, 1, 1, 2, 2, 2}, 2, 3)
		if d := tapegradtest.Diff(want, dst, exact); d != "" {
			t.Errorf("ExpandTo mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("ReduceSumTo overwrites", func(t *testing.T) {
		dst := tensor.Full(9, 3)
		if got := tensor.ReduceSumTo(dst, seq(2, 3)); got != dst {
			t.Errorf("ReduceSumTo did not return dst")
		}
		want := tensor.New([]float64{3, 5, 7})
		if d := tapegradtest.Diff(want, dst, exact); d != "" {
			t.Errorf("ReduceSumTo mismatch (-want +got):\n%s", d)
		}
	})
}

func TestBroadcastPanics(t *testing.T) {
	runPanics(t, []panicRow{
		{"BroadcastTo", func() { tensor.BroadcastTo(tensor.Zeros(2, 3), 4, 3) }, tensor.ErrShape, []string{"tensor.BroadcastTo", "[2 3]", "[4 3]"}},
		{"BroadcastTo shrink", func() { tensor.BroadcastTo(tensor.Zeros(2, 3), 3) }, tensor.ErrShape, []string{"tensor.BroadcastTo", "[2 3]", "[3]"}},
		{"BroadcastTo negative", func() { tensor.BroadcastTo(tensor.Zeros(1), -1) }, tensor.ErrShape, []string{"[-1]"}},
		{"ExpandTo", func() { tensor.ExpandTo(tensor.Zeros(2), tensor.Zeros(3)) }, tensor.ErrShape, []string{"tensor.BroadcastTo", "[3]", "[2]"}},
		{"SumTo", func() { tensor.SumTo(tensor.Zeros(2, 3), 2) }, tensor.ErrShape, []string{"tensor.SumTo", "[2 3]", "[2]"}},
		{"SumTo grow", func() { tensor.SumTo(tensor.Zeros(3), 2, 3) }, tensor.ErrShape, []string{"tensor.SumTo", "[3]", "[2 3]"}},
		{"ReduceSumTo", func() { tensor.ReduceSumTo(tensor.Zeros(4), tensor.Zeros(2, 3)) }, tensor.ErrShape, []string{"tensor.SumTo", "[2 3]", "[4]"}},
	})
}

// fuzzShape decodes a shape of rank ≤ 4 with dimensions in [0, 3] from bytes,
// small enough that every fuzz input runs in microseconds.
func fuzzShape(b []byte) []int {
	s := make([]int, 0, 4)
	for i := 0; i < len(b) && i < 4; i++ {
		s = append(s, int(b[i]%4))
	}
	return s
}

// shapeBytes encodes a shape for fuzzShape, to seed fuzzers from table cases.
func shapeBytes(s []int) []byte {
	b := make([]byte, len(s))
	for i, d := range s {
		b[i] = byte(d)
	}
	return b
}

// FuzzBroadcastLaws checks, for any two shapes: BroadcastShapes is symmetric;
// when they broadcast, BroadcastTo agrees with the definition and
// SumTo(BroadcastTo(x, s), shape(x)) = x·(numel(s)/numel(x)).
func FuzzBroadcastLaws(f *testing.F) {
	for _, tc := range broadcastPairs {
		f.Add(shapeBytes(tc.a), shapeBytes(tc.b), uint64(1))
	}
	f.Fuzz(func(t *testing.T, ab, bb []byte, seed uint64) {
		a, b := fuzzShape(ab), fuzzShape(bb)
		s1, ok1 := tensor.BroadcastShapes(a, b)
		s2, ok2 := tensor.BroadcastShapes(b, a)
		if ok1 != ok2 || !cmp.Equal(s1, s2, cmpopts.EquateEmpty()) {
			t.Fatalf("BroadcastShapes(%v, %v) = %v, %v but BroadcastShapes(%v, %v) = %v, %v", a, b, s1, ok1, b, a, s2, ok2)
		}
		if !ok1 {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 2))
		for _, xs := range [][]int{a, b} {
			if !tensor.CanBroadcastTo(xs, s1) {
				t.Fatalf("CanBroadcastTo(%v, %v) = false for an operand of the broadcast", xs, s1)
			}
			x := randInts(rng, xs...)
			bx := tensor.BroadcastTo(x, s1...)
			if d := tapegradtest.Diff(naiveBroadcast(x, s1), bx, exact); d != "" {
				t.Fatalf("BroadcastTo(%v → %v) disagrees with the definition (-naive +got):\n%s", xs, s1, d)
			}
			if numel(xs) == 0 {
				continue
			}
			// Each element of x is repeated count times; integer sums are exact.
			count := float64(numel(s1) / numel(xs))
			got := tensor.SumTo(bx, xs...)
			if d := tapegradtest.Diff(tensor.Scale(x, count), got, exact); d != "" {
				t.Fatalf("SumTo(BroadcastTo(x, %v), %v) ≠ %v·x (-want +got):\n%s", s1, xs, count, d)
			}
		}
	})
}
