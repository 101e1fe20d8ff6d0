package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// Every test here moves values without arithmetic, or sums small integers,
// so results compare exactly.

func TestReshape(t *testing.T) {
	x := seq(2, 3, 4)
	tests := []struct {
		name  string
		x     *tensor.Tensor
		shape []int
		want  []int
	}{
		{"explicit", x, []int{4, 6}, []int{4, 6}},
		{"-1 first", x, []int{-1, 4}, []int{6, 4}},
		{"-1 middle", x, []int{2, -1, 3}, []int{2, 4, 3}},
		{"-1 alone flattens", x, []int{-1}, []int{24}},
		{"add axes", x, []int{1, 24, 1}, []int{1, 24, 1}},
		{"to 0-d", tensor.New([]float64{5}, 1, 1), nil, []int{}},
		{"from 0-d", tensor.Scalar(5), []int{1, 1}, []int{1, 1}},
		{"0-d with -1", tensor.Scalar(5), []int{-1}, []int{1}},
		{"empty", tensor.Zeros(0, 3), []int{3, 0}, []int{3, 0}},
		{"empty with -1", tensor.Zeros(0, 3), []int{-1}, []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.Reshape(tc.x, tc.shape...)
			want := tensor.New(append([]float64{}, tc.x.Data()...), tc.want...)
			if tc.x.Len() == 1 && len(tc.want) == 0 {
				want = tensor.Scalar(tc.x.Data()[0])
			}
			if d := tapegradtest.Diff(want, got, exact); d != "" {
				t.Errorf("Reshape(%v → %v) mismatch (-want +got):\n%s", tc.x.Shape(), tc.shape, d)
			}
			if got.Len() > 0 && &got.Data()[0] == &tc.x.Data()[0] {
				t.Errorf("Reshape shares storage with its operand")
			}
		})
	}
	t.Run("Flatten", func(t *testing.T) {
		if d := tapegradtest.Diff(seq(24), tensor.Flatten(x), exact); d != "" {
			t.Errorf("Flatten mismatch (-want +got):\n%s", d)
		}
	})
}

// naivePermute is Transpose by its definition: out[j] = x[i] where i[perm[k]] = j[k].
func naivePermute(x *tensor.Tensor, perm []int) *tensor.Tensor {
	s := x.Shape()
	out := make([]int, len(perm))
	for k, p := range perm {
		out[k] = s[p]
	}
	dst := tensor.Zeros(out...)
	j, i := make([]int, len(out)), make([]int, len(out))
	for o := range dst.Data() {
		unravel(o, out, j)
		for k, p := range perm {
			i[p] = j[k]
		}
		dst.Data()[o] = x.At(i...)
	}
	return dst
}

// permutations returns every permutation of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// TestTransposeKeepLastAxis covers Transpose's fast path for permutations
// that keep the last axis (whole runs copied): it must give exactly what
// the element-by-element permutation gives, in both element types.
func TestTransposeKeepLastAxis(t *testing.T) {
	for _, tc := range []struct {
		shape, perm []int
	}{
		{[]int{2, 3, 4}, []int{1, 0, 2}},
		{[]int{2, 3, 4, 5}, []int{0, 2, 1, 3}},
		{[]int{2, 3, 4, 5}, []int{2, 0, 1, 3}},
		{[]int{3, 1, 2, 2, 3}, []int{3, 2, 0, 1, 4}},
		{[]int{2, 0, 3, 2}, []int{1, 0, 2, 3}},
		{[]int{4, 2, 1}, []int{1, 0, 2}}, // runs of one element: the general path
		{[]int{2, 2, 2, 2, 2, 2, 2, 2, 2, 3}, []int{8, 7, 6, 5, 4, 3, 2, 1, 0, 9}},
	} {
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%v/perm=%v/%v", tc.shape, tc.perm, dt), func(t *testing.T) {
				x := seq(tc.shape...)
				want := naivePermute(x, tc.perm).To(dt)
				got := tensor.Transpose(x.To(dt), tc.perm...)
				if d := tapegradtest.Diff(want, got, exact); d != "" {
					t.Errorf("mismatch (-want +got):\n%s", d)
				}
				if got.DType() != dt {
					t.Errorf("result has type %v, want %v", got.DType(), dt)
				}
			})
		}
	}
}

// TestTapeTransposeMatches checks that autograd's Transpose, which has its
// own copying kernel (writing into the tape's buffers, merging axes that
// stay adjacent and copying runs), gives exactly tensor.Transpose's result
// for every permutation of shapes up to rank 5, size-1 and empty axes
// included, in both element types.
func TestTapeTransposeMatches(t *testing.T) {
	tp := autograd.NewTape()
	for _, shape := range [][]int{{}, {5}, {2, 3}, {2, 3, 4}, {2, 1, 3, 2}, {3, 2, 1, 4, 2}, {2, 0, 3}, {1, 1, 3}} {
		for _, perm := range permutations(len(shape)) {
			for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
				x := seq(shape...).To(dt)
				want := tensor.Transpose(x, perm...)
				got := tp.Transpose(tp.Const(x), perm...).Value()
				if d := tapegradtest.Diff(want, got, exact); d != "" || got.DType() != dt {
					t.Errorf("%v perm %v %v: (-tensor +tape):\n%s", shape, perm, dt, d)
				}
			}
		}
	}
}

// TestTapeShapeOpsMatch checks that autograd's Slice, Pad, Concat,
// IndexSelect and IndexAdd, which copy into the tape's buffers with their
// own loops, give exactly the tensor functions' results, in both types and
// on a reused tape (whose buffers hold the previous pass's values).
func TestTapeShapeOpsMatch(t *testing.T) {
	tp := autograd.NewTape()
	for pass := range 2 {
		tp.Reset()
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			x := seq(2, 3, 4).To(dt)
			y := seq(2, 1, 4).To(dt)
			c := func(x *tensor.Tensor) autograd.Var { return tp.Const(x) }
			for _, tc := range []struct {
				name      string
				want, got *tensor.Tensor
			}{
				{"slice", tensor.Slice(x, 1, 1, 3), tp.Slice(c(x), 1, 1, 3).Value()},
				{"slice last", tensor.Slice(x, -1, 0, 2), tp.Slice(c(x), -1, 0, 2).Value()},
				{"slice empty", tensor.Slice(x, 0, 1, 1), tp.Slice(c(x), 0, 1, 1).Value()},
				{"pad", tensor.Pad(x, 1, 2, 1), tp.Pad(c(x), 1, 2, 1).Value()},
				{"pad first", tensor.Pad(x, 0, 0, 3), tp.Pad(c(x), 0, 0, 3).Value()},
				{"concat", tensor.Concat(1, x, y, x), tp.Concat(1, c(x), c(y), c(x)).Value()},
				{"stack", tensor.Stack(0, x, x), tp.Stack(0, c(x), c(x)).Value()},
				{"index_select", tensor.IndexSelect(x, 2, []int{3, 0, 3}), tp.IndexSelect(c(x), 2, []int{3, 0, 3}).Value()},
				{"index_add", tensor.IndexAdd(x, 1, []int{2, 0, 2}, 4), tp.IndexAdd(c(x), 1, []int{2, 0, 2}, 4).Value()},
			} {
				if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" || tc.got.DType() != dt {
					t.Errorf("pass %d %s %v: (-tensor +tape):\n%s", pass, tc.name, dt, d)
				}
			}
		}
	}
}

// TestTapeShapeOpsAllocateNothing: on a reused tape, the shape ops and
// their gradients take every buffer from the tape's pool, so a steady-state
// pass makes no heap allocation (the W5/W7 target).
func TestTapeShapeOpsAllocateNothing(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		p := autograd.NewParam(seq(2, 3, 4).To(dt))
		idx := []int{3, 0, 3}
		tp := autograd.NewTape()
		pass := func() {
			p.ZeroGrad()
			tp.Reset()
			x := tp.Transpose(p, 1, 0, 2)                                     // (3, 2, 4)
			x = tp.Concat(0, tp.Slice(x, 0, 1, 3), tp.Pad(x, 0, 1, 0))        // (6, 2, 4)
			x = tp.Stack(1, x, x)                                             // (6, 2, 2, 4)
			x = tp.Unsqueeze(tp.Squeeze(tp.Unsqueeze(x, 0), 0), -1)           // (6, 2, 2, 4, 1)
			x = tp.IndexAdd(tp.IndexSelect(tp.Squeeze(x), 3, idx), 3, idx, 4) // (6, 2, 2, 4)
			tp.Backward(tp.Sum(tp.T(x)))
		}
		pass()
		pass()
		if a := testing.AllocsPerRun(5, pass); a != 0 {
			t.Errorf("%v: a pass makes %v heap allocations, want 0", dt, a)
		}
	}
}

func TestTranspose(t *testing.T) {
	for _, shape := range [][]int{{}, {5}, {2, 3}, {1, 4}, {2, 3, 4}, {2, 1, 3, 2}, {0, 3}, {2, 0, 3}} {
		x := seq(shape...)
		for _, perm := range permutations(len(shape)) {
			t.Run(fmt.Sprintf("%v/perm=%v", shape, perm), func(t *testing.T) {
				got := tensor.Transpose(x, perm...)
				if d := tapegradtest.Diff(naivePermute(x, perm), got, exact); d != "" {
					t.Errorf("Transpose mismatch (-want +got):\n%s", d)
				}
				back := tensor.Transpose(got, shapes.InversePerm(perm)...)
				if d := tapegradtest.Diff(x, back, exact); d != "" {
					t.Errorf("Transpose by InversePerm did not restore x (-x +got):\n%s", d)
				}
			})
		}
	}
	x := seq(2, 3, 4)
	tests := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"no perm reverses", tensor.Transpose(x), naivePermute(x, []int{2, 1, 0})},
		{"negative axes", tensor.Transpose(x, -1, 0, -2), naivePermute(x, []int{2, 0, 1})},
		{"matrix values", tensor.Transpose(seq(2, 3)), tensor.New([]float64{0, 3, 1, 4, 2, 5}, 3, 2)},
		{"T of a matrix", tensor.T(seq(2, 3)), tensor.New([]float64{0, 3, 1, 4, 2, 5}, 3, 2)},
		{"T swaps the last two", tensor.T(x), naivePermute(x, []int{0, 2, 1})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestSqueezeUnsqueeze(t *testing.T) {
	tests := []struct {
		name string
		got  []int
		want []int
	}{
		{"Squeeze all", tensor.Squeeze(tensor.Zeros(1, 3, 1, 2, 1)).Shape(), []int{3, 2}},
		{"Squeeze one", tensor.Squeeze(tensor.Zeros(1, 3, 1), 0).Shape(), []int{3, 1}},
		{"Squeeze negative", tensor.Squeeze(tensor.Zeros(1, 3, 1), -1).Shape(), []int{1, 3}},
		{"Squeeze two", tensor.Squeeze(tensor.Zeros(1, 3, 1), 0, 2).Shape(), []int{3}},
		{"Squeeze to 0-d", tensor.Squeeze(tensor.Zeros(1, 1)).Shape(), []int{}},
		{"Squeeze nothing to do", tensor.Squeeze(tensor.Zeros(2, 3)).Shape(), []int{2, 3}},
		{"Unsqueeze front", tensor.Unsqueeze(tensor.Zeros(2, 3), 0).Shape(), []int{1, 2, 3}},
		{"Unsqueeze middle", tensor.Unsqueeze(tensor.Zeros(2, 3), 1).Shape(), []int{2, 1, 3}},
		{"Unsqueeze end", tensor.Unsqueeze(tensor.Zeros(2, 3), 2).Shape(), []int{2, 3, 1}},
		{"Unsqueeze -1 is the end", tensor.Unsqueeze(tensor.Zeros(2, 3), -1).Shape(), []int{2, 3, 1}},
		{"Unsqueeze -3 is the front", tensor.Unsqueeze(tensor.Zeros(2, 3), -3).Shape(), []int{1, 2, 3}},
		{"Unsqueeze 0-d", tensor.Unsqueeze(tensor.Scalar(1), 0).Shape(), []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, tc.got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("shape mismatch (-want +got):\n%s", d)
			}
		})
	}
	t.Run("values survive", func(t *testing.T) {
		x := seq(3, 1, 2)
		if d := tapegradtest.Diff(seq(3, 2), tensor.Squeeze(x), exact); d != "" {
			t.Errorf("Squeeze mismatch (-want +got):\n%s", d)
		}
		if d := tapegradtest.Diff(x, tensor.Unsqueeze(tensor.Squeeze(x), 1), exact); d != "" {
			t.Errorf("Unsqueeze(Squeeze(x)) ≠ x (-want +got):\n%s", d)
		}
	})
}

func TestSlicePad(t *testing.T) {
	x := seq(2, 3, 4)
	tests := []struct {
		name                   string
		axis, start, end, size int
		want                   *tensor.Tensor
	}{
		{"axis 0", 0, 1, 2, 2, tensor.Reshape(tensor.Arange(12, 24, 1), 1, 3, 4)},
		{"axis 1", 1, 1, 3, 3, tensor.New([]float64{4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23}, 2, 2, 4)},
		{"axis 2", 2, 0, 1, 4, tensor.New([]float64{0, 4, 8, 12, 16, 20}, 2, 3, 1)},
		{"axis -1", -1, 3, 4, 4, tensor.New([]float64{3, 7, 11, 15, 19, 23}, 2, 3, 1)},
		{"whole axis", 1, 0, 3, 3, x},
		{"empty range", 2, 2, 2, 4, tensor.Zeros(2, 3, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.Slice(x, tc.axis, tc.start, tc.end)
			if d := tapegradtest.Diff(tc.want, got, exact); d != "" {
				t.Errorf("Slice(axis %d, [%d, %d)) mismatch (-want +got):\n%s", tc.axis, tc.start, tc.end, d)
			}
			// Pad puts the slice back where it came from, zero elsewhere.
			padded := tensor.Pad(got, tc.axis, tc.start, tc.size-tc.end)
			mask := tensor.Pad(tensor.OnesLike(got), tc.axis, tc.start, tc.size-tc.end)
			if d := tapegradtest.Diff(tensor.Mul(x, mask), padded, exact); d != "" {
				t.Errorf("Pad(Slice(x)) ≠ x outside the cut (-want +got):\n%s", d)
			}
		})
	}
	t.Run("Pad values", func(t *testing.T) {
		got := tensor.Pad(tensor.New([]float64{1, 2, 3, 4}, 2, 2), 1, 1, 2)
		want := tensor.New([]float64{0, 1, 2, 0, 0, 0, 3, 4, 0, 0}, 2, 5)
		if d := tapegradtest.Diff(want, got, exact); d != "" {
			t.Errorf("Pad mismatch (-want +got):\n%s", d)
		}
	})
}

// TestSlicePadAdjoint checks ⟨Slice(x), y⟩ = ⟨x, Pad(y)⟩: Pad is the
// transpose of Slice, which makes it Slice's gradient.
func TestSlicePadAdjoint(t *testing.T) {
	rng := tapegradtest.NewRNG()
	for _, tc := range []struct {
		shape            []int
		axis, start, end int
	}{
		{[]int{7}, 0, 2, 5},
		{[]int{3, 5}, 1, 0, 5},
		{[]int{3, 5}, 0, 1, 3},
		{[]int{2, 3, 4}, 1, 1, 2},
		{[]int{2, 3, 4}, -1, 2, 4},
		{[]int{2, 3, 4}, 2, 1, 1},
	} {
		t.Run(fmt.Sprintf("%v/axis=%d/[%d,%d)", tc.shape, tc.axis, tc.start, tc.end), func(t *testing.T) {
			x := randInts(rng, tc.shape...)
			s := tensor.Slice(x, tc.axis, tc.start, tc.end)
			y := randInts(rng, s.Shape()...)
			n := x.Dim(tc.axis)
			// Small integers: both inner products are exact.
			if lhs, rhs := dot(s, y), dot(x, tensor.Pad(y, tc.axis, tc.start, n-tc.end)); lhs != rhs {
				t.Errorf("got ⟨x, Pad(y)⟩ = %v, want ⟨Slice(x), y⟩ = %v", rhs, lhs)
			}
		})
	}
}

func TestConcatStack(t *testing.T) {
	a, b := seq(2, 2), tensor.AddScalar(seq(2, 3), 10)
	tests := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"Concat axis 1", tensor.Concat(1, a, b), tensor.New([]float64{0, 1, 10, 11, 12, 2, 3, 13, 14, 15}, 2, 5)},
		{"Concat axis -1", tensor.Concat(-1, a, b), tensor.New([]float64{0, 1, 10, 11, 12, 2, 3, 13, 14, 15}, 2, 5)},
		{"Concat axis 0", tensor.Concat(0, a, a), tensor.New([]float64{0, 1, 2, 3, 0, 1, 2, 3}, 4, 2)},
		{"Concat one", tensor.Concat(0, a), a},
		{"Concat with an empty piece", tensor.Concat(1, a, tensor.Zeros(2, 0), a), tensor.New([]float64{0, 1, 0, 1, 2, 3, 2, 3}, 2, 4)},
		{"Concat 1-d", tensor.Concat(0, seq(2), seq(3)), tensor.New([]float64{0, 1, 0, 1, 2})},
		{"Stack axis 0", tensor.Stack(0, seq(3), tensor.Ones(3)), tensor.New([]float64{0, 1, 2, 1, 1, 1}, 2, 3)},
		{"Stack axis 1", tensor.Stack(1, seq(3), tensor.Ones(3)), tensor.New([]float64{0, 1, 1, 1, 2, 1}, 3, 2)},
		{"Stack axis -1", tensor.Stack(-1, seq(3), tensor.Ones(3)), tensor.New([]float64{0, 1, 1, 1, 2, 1}, 3, 2)},
		{"Stack 0-d", tensor.Stack(0, tensor.Scalar(1), tensor.Scalar(2)), tensor.New([]float64{1, 2})},
		{"Stack middle", tensor.Stack(1, a, a), tensor.New([]float64{0, 1, 0, 1, 2, 3, 2, 3}, 2, 2, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestIndexSelectAdd(t *testing.T) {
	x := seq(3, 2)
	tests := []struct {
		name string
		got  *tensor.Tensor
		want *tensor.Tensor
	}{
		{"IndexSelect rows with repeats", tensor.IndexSelect(x, 0, []int{2, 0, 2}), tensor.New([]float64{4, 5, 0, 1, 4, 5}, 3, 2)},
		{"IndexSelect columns", tensor.IndexSelect(x, 1, []int{1}), tensor.New([]float64{1, 3, 5}, 3, 1)},
		{"IndexSelect axis -1", tensor.IndexSelect(x, -1, []int{1, 0}), tensor.New([]float64{1, 0, 3, 2, 5, 4}, 3, 2)},
		{"IndexSelect none", tensor.IndexSelect(x, 0, nil), tensor.Zeros(0, 2)},
		{"IndexAdd repeats add up", tensor.IndexAdd(tensor.Ones(3, 2), 0, []int{1, 1, 0}, 4), tensor.New([]float64{1, 1, 2, 2, 0, 0, 0, 0}, 4, 2)},
		{"IndexAdd columns", tensor.IndexAdd(seq(2, 2), 1, []int{2, 0}, 3), tensor.New([]float64{1, 0, 0, 3, 0, 2}, 2, 3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestIndexSelectAddAdjoint checks ⟨IndexSelect(x, idx), y⟩ = ⟨x, IndexAdd(y, idx)⟩,
// repeated indices included: IndexAdd is IndexSelect's gradient.
func TestIndexSelectAddAdjoint(t *testing.T) {
	rng := tapegradtest.NewRNG()
	for _, tc := range []struct {
		shape []int
		axis  int
		idx   []int
	}{
		{[]int{5}, 0, []int{4, 0, 4, 2}},
		{[]int{4, 3}, 0, []int{3, 3, 3}},
		{[]int{4, 3}, 1, []int{0, 2, 1, 2, 0}},
		{[]int{2, 5, 3}, 1, []int{1, 4}},
		{[]int{2, 5, 3}, -1, []int{2, 2}},
		{[]int{2, 5, 3}, 0, nil},
	} {
		t.Run(fmt.Sprintf("%v/axis=%d/%v", tc.shape, tc.axis, tc.idx), func(t *testing.T) {
			x := randInts(rng, tc.shape...)
			s := tensor.IndexSelect(x, tc.axis, tc.idx)
			y := randInts(rng, s.Shape()...)
			back := tensor.IndexAdd(y, tc.axis, tc.idx, x.Dim(tc.axis))
			if !tensor.SameShape(back, x) {
				t.Fatalf("got IndexAdd shape %v, want %v", back.Shape(), x.Shape())
			}
			// Small integers: both inner products are exact.
			if lhs, rhs := dot(s, y), dot(x, back); lhs != rhs {
				t.Errorf("got ⟨x, IndexAdd(y)⟩ = %v, want ⟨IndexSelect(x), y⟩ = %v", rhs, lhs)
			}
		})
	}
}

func TestGatherScatter(t *testing.T) {
	logits := seq(3, 4)
	tests := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"Gather labels", tensor.Gather(logits, 1, []int{3, 0, 2}), tensor.New([]float64{3, 4, 10})},
		{"Gather axis -1", tensor.Gather(logits, -1, []int{3, 0, 2}), tensor.New([]float64{3, 4, 10})},
		{"Gather axis 0", tensor.Gather(logits, 0, []int{2, 0, 1, 2}), tensor.New([]float64{8, 1, 6, 11})},
		{"Gather 3-d middle", tensor.Gather(seq(2, 3, 2), 1, []int{2, 0, 1, 1}), tensor.New([]float64{4, 1, 8, 9}, 2, 2)},
		{"Gather 1-d to 0-d", tensor.Gather(seq(5), 0, []int{3}), tensor.Scalar(3)},
		{"Scatter labels", tensor.Scatter(tensor.New([]float64{1, 2, 3}), 1, []int{3, 0, 2}, 4),
			tensor.New([]float64{0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 3, 0}, 3, 4)},
		{"Scatter axis 0", tensor.Scatter(tensor.New([]float64{1, 2}), 0, []int{1, 1}, 2), tensor.New([]float64{0, 0, 1, 2}, 2, 2)},
		{"Scatter 0-d", tensor.Scatter(tensor.Scalar(5), 0, []int{2}, 3), tensor.New([]float64{0, 0, 5})},
		{"Scatter axis -1", tensor.Scatter(tensor.New([]float64{1, 2}), -1, []int{0, 2}, 3), tensor.New([]float64{1, 0, 0, 0, 0, 2}, 2, 3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestGatherScatterAdjoint checks ⟨Gather(x, idx), y⟩ = ⟨x, Scatter(y, idx)⟩:
// Scatter is Gather's gradient (the cross-entropy pick).
func TestGatherScatterAdjoint(t *testing.T) {
	rng := tapegradtest.NewRNG()
	for _, tc := range []struct {
		shape []int
		axis  int
	}{{[]int{6}, 0}, {[]int{4, 5}, 1}, {[]int{4, 5}, 0}, {[]int{2, 3, 4}, 1}, {[]int{2, 3, 4}, -1}, {[]int{2, 3, 4}, 0}} {
		t.Run(fmt.Sprintf("%v/axis=%d", tc.shape, tc.axis), func(t *testing.T) {
			x := randInts(rng, tc.shape...)
			n := x.Dim(tc.axis)
			idx := make([]int, x.Len()/n)
			for i := range idx {
				idx[i] = rng.IntN(n)
			}
			g := tensor.Gather(x, tc.axis, idx)
			y := randInts(rng, g.Shape()...)
			back := tensor.Scatter(y, tc.axis, idx, n)
			if !tensor.SameShape(back, x) {
				t.Fatalf("got Scatter shape %v, want %v", back.Shape(), x.Shape())
			}
			if lhs, rhs := dot(g, y), dot(x, back); lhs != rhs {
				t.Errorf("got ⟨x, Scatter(y)⟩ = %v, want ⟨Gather(x), y⟩ = %v", rhs, lhs)
			}
		})
	}
}

func TestOneHot(t *testing.T) {
	tests := []struct {
		labels []int
		n      int
		want   *tensor.Tensor
	}{
		{[]int{2, 0, 1}, 3, tensor.New([]float64{0, 0, 1, 1, 0, 0, 0, 1, 0}, 3, 3)},
		{[]int{0}, 1, tensor.New([]float64{1}, 1, 1)},
		{nil, 4, tensor.Zeros(0, 4)},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.labels), func(t *testing.T) {
			got := tensor.OneHot(tc.labels, tc.n)
			if d := tapegradtest.Diff(tc.want, got, exact); d != "" {
				t.Errorf("OneHot mismatch (-want +got):\n%s", d)
			}
			// Gather picks the one back out.
			if len(tc.labels) > 0 {
				if d := tapegradtest.Diff(tensor.Ones(len(tc.labels)), tensor.Gather(got, 1, tc.labels), exact); d != "" {
					t.Errorf("Gather(OneHot) is not ones (-want +got):\n%s", d)
				}
			}
		})
	}
}

func TestShapePanics(t *testing.T) {
	x := tensor.Zeros(2, 3)
	runPanics(t, []panicRow{
		{"Reshape count", func() { tensor.Reshape(x, 4, 2) }, tensor.ErrShape, []string{"tensor.Reshape", "[2 3]", "[4 2]"}},
		{"Reshape two -1", func() { tensor.Reshape(x, -1, -1) }, tensor.ErrShape, []string{"tensor.Reshape", "[2 3]", "[-1 -1]"}},
		{"Reshape negative", func() { tensor.Reshape(x, -2, -3) }, tensor.ErrShape, []string{"tensor.Reshape", "[2 3]"}},
		{"Reshape -1 does not divide", func() { tensor.Reshape(x, -1, 4) }, tensor.ErrShape, []string{"tensor.Reshape", "[2 3]", "[-1 4]"}},
		{"Reshape -1 beside 0", func() { tensor.Reshape(tensor.Zeros(0), 0, -1) }, tensor.ErrShape, []string{"tensor.Reshape", "[0]"}},
		{"Transpose perm length", func() { tensor.Transpose(x, 0) }, tensor.ErrShape, []string{"tensor.Transpose", "[2 3]", "[0]"}},
		{"Transpose repeat", func() { tensor.Transpose(x, 1, -1) }, tensor.ErrShape, []string{"tensor.Transpose", "[2 3]", "repeats"}},
		{"Transpose range", func() { tensor.Transpose(x, 0, 2) }, tensor.ErrShape, []string{"tensor.Transpose", "[2 3]", "axis 2"}},
		{"T rank 1", func() { tensor.T(tensor.Zeros(3)) }, tensor.ErrShape, []string{"tensor.T", "[3]"}},
		{"Squeeze not 1", func() { tensor.Squeeze(x, 1) }, tensor.ErrShape, []string{"tensor.Squeeze", "[2 3]", "size 3"}},
		{"Squeeze range", func() { tensor.Squeeze(x, 2) }, tensor.ErrShape, []string{"tensor.Squeeze", "[2 3]"}},
		{"Unsqueeze range", func() { tensor.Unsqueeze(x, 3) }, tensor.ErrShape, []string{"tensor.Unsqueeze", "[2 3]"}},
		{"Unsqueeze negative range", func() { tensor.Unsqueeze(x, -4) }, tensor.ErrShape, []string{"tensor.Unsqueeze", "[2 3]"}},
		{"Slice end", func() { tensor.Slice(x, 1, 0, 4) }, tensor.ErrShape, []string{"tensor.Slice", "[2 3]", "[0, 4)"}},
		{"Slice reversed", func() { tensor.Slice(x, 0, 2, 1) }, tensor.ErrShape, []string{"tensor.Slice", "[2 3]"}},
		{"Slice negative start", func() { tensor.Slice(x, 0, -1, 1) }, tensor.ErrShape, []string{"tensor.Slice", "[2 3]"}},
		{"Slice axis", func() { tensor.Slice(x, 2, 0, 1) }, tensor.ErrShape, []string{"tensor.Slice", "[2 3]", "axis 2"}},
		{"Pad negative", func() { tensor.Pad(x, 0, -1, 0) }, tensor.ErrShape, []string{"tensor.Pad", "[2 3]"}},
		{"Pad axis", func() { tensor.Pad(x, 5, 0, 0) }, tensor.ErrShape, []string{"tensor.Pad", "[2 3]"}},
		{"Concat none", func() { tensor.Concat(0) }, tensor.ErrShape, []string{"tensor.Concat"}},
		{"Concat rank", func() { tensor.Concat(0, x, tensor.Zeros(3)) }, tensor.ErrShape, []string{"tensor.Concat", "[2 3]", "[3]"}},
		{"Concat dims", func() { tensor.Concat(0, x, tensor.Zeros(2, 4)) }, tensor.ErrShape, []string{"tensor.Concat", "[2 3]", "[2 4]"}},
		{"Concat axis", func() { tensor.Concat(2, x, x) }, tensor.ErrShape, []string{"tensor.Concat", "[2 3]"}},
		{"Concat 0-d", func() { tensor.Concat(0, tensor.Scalar(1)) }, tensor.ErrShape, []string{"tensor.Concat", "[]"}},
		{"Stack none", func() { tensor.Stack(0) }, tensor.ErrShape, []string{"tensor.Stack"}},
		{"Stack shapes", func() { tensor.Stack(0, x, tensor.Zeros(3, 2)) }, tensor.ErrShape, []string{"tensor.Stack", "[2 3]", "[3 2]"}},
		{"Stack axis", func() { tensor.Stack(3, x, x) }, tensor.ErrShape, []string{"tensor.Stack", "[2 3]"}},
		{"IndexSelect index", func() { tensor.IndexSelect(x, 1, []int{0, 3}) }, tensor.ErrIndex, []string{"tensor.IndexSelect", "[2 3]", "index 3"}},
		{"IndexSelect negative", func() { tensor.IndexSelect(x, 0, []int{-1}) }, tensor.ErrIndex, []string{"tensor.IndexSelect", "[2 3]"}},
		{"IndexSelect axis", func() { tensor.IndexSelect(x, 2, nil) }, tensor.ErrShape, []string{"tensor.IndexSelect", "[2 3]"}},
		{"IndexAdd count", func() { tensor.IndexAdd(x, 0, []int{0}, 4) }, tensor.ErrShape, []string{"tensor.IndexAdd", "[2 3]", "1 indices"}},
		{"IndexAdd index", func() { tensor.IndexAdd(x, 0, []int{0, 4}, 4) }, tensor.ErrIndex, []string{"tensor.IndexAdd", "[2 3]", "index 4"}},
		{"Gather count", func() { tensor.Gather(x, 1, []int{0}) }, tensor.ErrShape, []string{"tensor.Gather", "[2 3]", "1 indices for 2"}},
		{"Gather index", func() { tensor.Gather(x, 1, []int{0, 3}) }, tensor.ErrIndex, []string{"tensor.Gather", "[2 3]", "index 3"}},
		{"Gather axis", func() { tensor.Gather(x, -3, nil) }, tensor.ErrShape, []string{"tensor.Gather", "[2 3]"}},
		{"Scatter count", func() { tensor.Scatter(x, 0, []int{0}, 2) }, tensor.ErrShape, []string{"tensor.Scatter", "[2 3]", "1 indices for 6"}},
		{"Scatter index", func() { tensor.Scatter(tensor.Zeros(2), 1, []int{0, 2}, 2) }, tensor.ErrIndex, []string{"tensor.Scatter", "[2]", "index 2"}},
		{"Scatter axis", func() { tensor.Scatter(x, 3, make([]int, 6), 2) }, tensor.ErrShape, []string{"tensor.Scatter", "[2 3]"}},
		{"OneHot label", func() { tensor.OneHot([]int{0, 3}, 3) }, tensor.ErrIndex, []string{"tensor.OneHot", "[2]", "label 3 at row 1"}},
		{"OneHot negative", func() { tensor.OneHot([]int{-1}, 3) }, tensor.ErrIndex, []string{"tensor.OneHot", "[1]"}},
	})
}

// TestShapeFloat32 runs every function of shape.go on a Float32 operand and
// compares it with the same function on the operand widened to float64,
// the result rounded back: moving values involves no arithmetic, so the
// two agree exactly and the result stays Float32. IndexAdd and Scatter add;
// their rows use small integers (randInts), whose sums are exact in both
// types, so they compare exactly too.
func TestShapeFloat32(t *testing.T) {
	rng := tapegradtest.NewRNG()
	x := randU(3, 2, 3, 4).To(tensor.Float32) // values of float32 precision
	ints := randInts(rng, 2, 3, 4).To(tensor.Float32)
	tests := []struct {
		name string
		x    *tensor.Tensor
		f    func(x *tensor.Tensor) *tensor.Tensor
	}{
		{"Reshape", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Reshape(x, 4, -1) }},
		{"Flatten", x, tensor.Flatten},
		{"Transpose", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Transpose(x, 2, 0, 1) }},
		{"Transpose reverses", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Transpose(x) }},
		{"Transpose matrix", tensor.Reshape(x, 6, 4), func(x *tensor.Tensor) *tensor.Tensor { return tensor.Transpose(x) }},
		{"T", x, tensor.T},
		{"Squeeze", tensor.Reshape(x, 1, 24, 1), func(x *tensor.Tensor) *tensor.Tensor { return tensor.Squeeze(x) }},
		{"Unsqueeze", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Unsqueeze(x, 1) }},
		{"Slice", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Slice(x, 1, 1, 3) }},
		{"Pad", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Pad(x, -1, 2, 1) }},
		{"Concat", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Concat(1, x, tensor.Slice(x, 1, 0, 1), x) }},
		{"Stack", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Stack(2, x, x) }},
		{"IndexSelect", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.IndexSelect(x, 2, []int{3, 0, 0}) }},
		{"IndexAdd repeated", ints, func(x *tensor.Tensor) *tensor.Tensor { return tensor.IndexAdd(x, 1, []int{1, 0, 1}, 2) }},
		{"Gather", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Gather(x, 1, []int{0, 1, 2, 0, 2, 1, 1, 0}) }},
		{"Scatter", ints, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Scatter(x, 1, make([]int, 24), 2) }},
		{"Flip", x, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Flip(x, 0, 2) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x0 := tc.x.Copy()
			got := tc.f(tc.x)
			want := tc.f(tc.x.To(tensor.Float64)).To(tensor.Float32)
			if d := diffTyped(want, got, exact); d != "" {
				t.Errorf("float32 result ≠ float64 result rounded (-want +got):\n%s", d)
			}
			if d := diffTyped(x0, tc.x, exact); d != "" {
				t.Errorf("changed its operand (-before +after):\n%s", d)
			}
		})
	}
	t.Run("To functions", func(t *testing.T) {
		idx := []int{0, 1, 2, 0, 2, 1, 1, 0}
		got := tensor.GatherTo(tensor.Float32.Zeros(8), x, 1, idx)
		if d := diffTyped(tensor.Reshape(tensor.Gather(x, 1, idx), 8), got, exact); d != "" {
			t.Errorf("GatherTo mismatch (-Gather +GatherTo):\n%s", d)
		}
		g := tensor.Gather(x, 1, idx) // (2, 4)
		s := tensor.ScatterTo(tensor.Float32.Full(9, 2, 3, 4), g, 1, idx)
		if d := diffTyped(tensor.Scatter(g, 1, idx, 3), s, exact); d != "" {
			t.Errorf("ScatterTo mismatch (-Scatter +ScatterTo):\n%s", d)
		}
	})
	t.Run("OneHot", func(t *testing.T) {
		labels := []int{2, 0, 1, 2}
		for _, d := range dtypes {
			got := d.OneHot(labels, 3)
			if diff := diffTyped(tensor.OneHot(labels, 3).To(d), got, exact); diff != "" {
				t.Errorf("%v.OneHot ≠ OneHot converted (-want +got):\n%s", d, diff)
			}
		}
	})
}

func TestShapeDTypePanics(t *testing.T) {
	x, y := tensor.Zeros(2, 3), tensor.Float32.Zeros(2, 3)
	runPanics(t, []panicRow{
		{"Concat", func() { tensor.Concat(0, x, y) }, tensor.ErrDType, []string{"tensor.Concat", "float64 and float32", "[2 3]"}},
		{"Concat third", func() { tensor.Concat(1, y, y, x) }, tensor.ErrDType, []string{"tensor.Concat", "float32 and float64"}},
		{"Stack", func() { tensor.Stack(0, y, x) }, tensor.ErrDType, []string{"tensor.Stack", "float32 and float64"}},
		{"GatherTo", func() { tensor.GatherTo(tensor.Zeros(2), y, 1, []int{0, 0}) }, tensor.ErrDType, []string{"tensor.Gather", "float64 and float32"}},
		{"ScatterTo", func() { tensor.ScatterTo(tensor.Float32.Zeros(2, 2, 3), x, 1, make([]int, 6)) }, tensor.ErrDType, []string{"tensor.Scatter", "float32 and float64"}},
		{"Float32.OneHot label", func() { tensor.Float32.OneHot([]int{3}, 3) }, tensor.ErrIndex, []string{"tensor.OneHot", "label 3"}},
		{"float32 Slice end", func() { tensor.Slice(y, 1, 0, 4) }, tensor.ErrShape, []string{"tensor.Slice", "[2 3]"}},
		{"float32 Gather index", func() { tensor.Gather(y, 1, []int{0, 3}) }, tensor.ErrIndex, []string{"tensor.Gather", "index 3"}},
	})
}

// fuzzPerm turns seed into a permutation of n axes.
func fuzzPerm(seed uint64, n int) []int {
	return rand.New(rand.NewPCG(seed, 3)).Perm(n)
}

// FuzzReshapeTranspose checks round trips for any shape: Transpose by a
// permutation then by its inverse restores x; T twice restores x; Reshape to
// flat and back restores x, with −1 standing for any non-zero dimension.
func FuzzReshapeTranspose(f *testing.F) {
	for _, s := range [][]int{{}, {5}, {2, 3}, {2, 3, 1}, {2, 1, 3, 2}, {0, 3}, {3, 0, 2}} {
		f.Add(shapeBytes(s), uint64(1))
	}
	f.Fuzz(func(t *testing.T, sb []byte, seed uint64) {
		s := fuzzShape(sb)
		x := seq(s...)
		perm := fuzzPerm(seed, len(s))
		y := tensor.Transpose(x, perm...)
		if d := tapegradtest.Diff(naivePermute(x, perm), y, exact); d != "" {
			t.Fatalf("Transpose(%v, %v) disagrees with the definition (-want +got):\n%s", s, perm, d)
		}
		if d := tapegradtest.Diff(x, tensor.Transpose(y, shapes.InversePerm(perm)...), exact); d != "" {
			t.Fatalf("Transpose by InversePerm(%v) did not restore %v (-want +got):\n%s", perm, s, d)
		}
		if len(s) >= 2 {
			if d := tapegradtest.Diff(x, tensor.T(tensor.T(x)), exact); d != "" {
				t.Fatalf("T(T(x)) ≠ x for %v (-want +got):\n%s", s, d)
			}
		}
		flat := tensor.Reshape(x, -1)
		if d := tapegradtest.Diff(x, tensor.Reshape(flat, s...), exact); d != "" {
			t.Fatalf("Reshape(Reshape(x, -1), %v) ≠ x (-want +got):\n%s", s, d)
		}
		for i := range s {
			// −1 is ambiguous beside a zero dimension; skip those.
			if rest := numel(s) / max(s[i], 1); s[i] == 0 || rest == 0 {
				continue
			}
			free := append([]int{}, s...)
			free[i] = -1
			if d := tapegradtest.Diff(x, tensor.Reshape(flat, free...), exact); d != "" {
				t.Fatalf("Reshape(flat, %v) ≠ x (-want +got):\n%s", free, d)
			}
		}
	})
}

// FuzzSliceConcat checks that cutting any axis at any point and concatenating
// the two slices restores x, and that Pad of each slice sums back to x.
func FuzzSliceConcat(f *testing.F) {
	for _, tc := range []struct {
		s         []int
		axis, cut uint8
	}{{[]int{5}, 0, 2}, {[]int{2, 3}, 1, 0}, {[]int{2, 3}, 0, 2}, {[]int{2, 3, 3}, 2, 1}, {[]int{0, 3}, 1, 1}} {
		f.Add(shapeBytes(tc.s), tc.axis, tc.cut)
	}
	f.Fuzz(func(t *testing.T, sb []byte, axis, cut uint8) {
		s := fuzzShape(sb)
		if len(s) == 0 {
			return
		}
		ax := int(axis) % len(s)
		n := s[ax]
		c := int(cut) % (n + 1)
		x := seq(s...)
		lo, hi := tensor.Slice(x, ax, 0, c), tensor.Slice(x, ax, c, n)
		if d := tapegradtest.Diff(x, tensor.Concat(ax, lo, hi), exact); d != "" {
			t.Fatalf("Concat(Slice(x, %d, 0, %d), Slice(x, %d, %d, %d)) ≠ x of %v (-want +got):\n%s", ax, c, ax, c, n, s, d)
		}
		// Values are whole numbers < 64, so the sum is exact.
		sum := tensor.Add(tensor.Pad(lo, ax, 0, n-c), tensor.Pad(hi, ax, c, 0))
		if d := tapegradtest.Diff(x, sum, exact); d != "" {
			t.Fatalf("Pad(lo) + Pad(hi) ≠ x of %v (-want +got):\n%s", s, d)
		}
	})
}
