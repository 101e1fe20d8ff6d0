package tensor_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// This file holds the helpers shared by the package's tests, then the tests
// of tensor.go and errors.go. The scaffolding every package's tests share
// (Catch, CheckPanic, Diff, NewRNG) is in internal/tapegradtest.

// exact compares bit-for-bit values, for results computed by the same
// floating-point operations as the reference, or on small integers where
// every partial sum is exact.
var exact = cmp.Options{}

// randInts returns a tensor of integers in [-5, 5] as float64: sums and
// products of a few of them are exact, so laws can be checked with ==.
func randInts(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	for i := range t.Data() {
		t.Data()[i] = float64(rng.IntN(11) - 5)
	}
	return t
}

// randU returns values uniform on [−2, 2) in the given shape, drawn from a
// generator seeded with seed, so operands of one test differ but replay.
func randU(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandU(rand.New(rand.NewPCG(seed, seed)), -2, 2, shape...)
}

// vec is the 1-d tensor of xs.
func vec(xs ...float64) *tensor.Tensor { return tensor.New(xs) }

// seq returns 0, 1, 2, … in the given shape.
func seq(shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	for i := range t.Data() {
		t.Data()[i] = float64(i)
	}
	return t
}

// numel is the product of shape's dimensions.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// unravel writes the multi-index of flat offset off in shape into idx.
func unravel(off int, shape, idx []int) {
	for i := len(shape) - 1; i >= 0; i-- {
		idx[i] = off % shape[i]
		off /= shape[i]
	}
}

// ravel is the flat offset of multi-index idx in shape (unravel's inverse).
func ravel(idx, shape []int) int {
	off := 0
	for i, d := range shape {
		off = off*d + idx[i]
	}
	return off
}

// bcastAt reads x at the multi-index idx of a broadcast shape: x's axes are
// aligned at the end and its size-1 axes repeat. It is the textbook
// definition the kernels' stride tricks must agree with.
func bcastAt(x *tensor.Tensor, idx []int) float64 {
	s := x.Shape()
	off := 0
	for i, d := range s {
		j := idx[len(idx)-len(s)+i]
		if d == 1 {
			j = 0
		}
		off = off*d + j
	}
	return x.Data()[off]
}

// dot is Σ a·b over the elements of two tensors of equal length.
func dot(a, b *tensor.Tensor) float64 {
	s := 0.0
	for i, v := range a.Data() {
		s += v * b.Data()[i]
	}
	return s
}

// wide shows a tensor of either element type to tapegradtest.Diff, whose
// Data must be []float64: a Float32 tensor's elements widen exactly, so a
// diff of wide views is as exact as one of the float32 values.
type wide struct{ *tensor.Tensor }

// Data returns the tensor's elements widened to float64.
func (w wide) Data() []float64 { return w.Float64s() }

// diffTyped is tapegradtest.Diff for tensors of either element type: ""
// when the types are equal and the shapes and values agree under opts.
func diffTyped(want, got *tensor.Tensor, opts ...cmp.Option) string {
	if want.DType() != got.DType() {
		return "element type: want " + want.DType().String() + ", got " + got.DType().String()
	}
	return tapegradtest.Diff(wide{want}, wide{got}, opts...)
}

// dtypes is both element types, for tests run once per type.
var dtypes = []tensor.DType{tensor.Float64, tensor.Float32}

// panicRow is one misuse that must panic.
type panicRow struct {
	name string
	f    func()
	err  error    // the sentinel: tensor.ErrShape or tensor.ErrIndex
	msg  []string // substrings of the message: the op and the shapes
}

// runPanics runs each row as a subtest through tapegradtest.CheckPanic.
func runPanics(t *testing.T, rows []panicRow) {
	t.Helper()
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, tc.err, tc.msg...) })
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name  string
		data  []float64
		shape []int
		want  []int
	}{
		{"no shape is 1-d", []float64{1, 2, 3}, nil, []int{3}},
		{"matrix", []float64{1, 2, 3, 4, 5, 6}, []int{2, 3}, []int{2, 3}},
		{"3-d", make([]float64, 24), []int{2, 3, 4}, []int{2, 3, 4}},
		{"one element", []float64{7}, nil, []int{1}},
		{"empty 1-d", []float64{}, nil, []int{0}},
		{"empty matrix", nil, []int{0, 3}, []int{0, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.New(tc.data, tc.shape...)
			want := tapegradtest.View{Shape: tc.want, Data: tc.data}
			if d := cmp.Diff(want, tapegradtest.ViewOf(got), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("New mismatch (-want +got):\n%s", d)
			}
		})
	}
	t.Run("shares data, clones shape", func(t *testing.T) {
		data, shape := []float64{1, 2, 3, 4}, []int{2, 2}
		x := tensor.New(data, shape...)
		data[0], shape[0] = 9, 4
		if got := x.At(0, 0); got != 9 {
			t.Errorf("got x[0,0] = %v after writing data, want 9 (New does not copy)", got)
		}
		if got := x.Shape(); !cmp.Equal(got, []int{2, 2}) {
			t.Errorf("got shape %v after writing the shape argument, want [2 2]", got)
		}
	})
}

func TestConstructors(t *testing.T) {
	tests := []struct {
		name  string
		got   *tensor.Tensor
		shape []int     // the expected shape
		data  []float64 // and data
	}{
		{"Zeros", tensor.Zeros(2, 3), []int{2, 3}, make([]float64, 6)},
		{"Zeros 0-d", tensor.Zeros(), nil, []float64{0}},
		{"Zeros empty", tensor.Zeros(2, 0), []int{2, 0}, nil},
		{"Ones", tensor.Ones(3), []int{3}, []float64{1, 1, 1}},
		{"Full", tensor.Full(2.5, 2, 1), []int{2, 1}, []float64{2.5, 2.5}},
		{"Full 0-d", tensor.Full(-1), nil, []float64{-1}},
		{"Scalar", tensor.Scalar(4), nil, []float64{4}},
		{"ZerosLike", tensor.ZerosLike(tensor.Ones(1, 2)), []int{1, 2}, []float64{0, 0}},
		{"OnesLike", tensor.OnesLike(tensor.Zeros(2)), []int{2}, []float64{1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tapegradtest.View{Shape: tc.shape, Data: tc.data}
			if d := cmp.Diff(want, tapegradtest.ViewOf(tc.got), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestArange(t *testing.T) {
	// start + i·step is one rounding from the exact value; 1e-15 absolute
	// covers that for the magnitudes below (all ≤ 5).
	approx := cmpopts.EquateApprox(0, 1e-15)
	tests := []struct {
		name              string
		start, stop, step float64
		want              []float64
	}{
		{"integers", 0, 5, 1, []float64{0, 1, 2, 3, 4}},
		{"stop excluded", 1, 3, 0.5, []float64{1, 1.5, 2, 2.5}},
		{"step does not divide", 0, 1, 0.3, []float64{0, 0.3, 0.6, 0.9}},
		{"descending", 5, 0, -1.5, []float64{5, 3.5, 2, 0.5}},
		{"empty, start = stop", 2, 2, 1, []float64{}},
		{"empty, wrong direction", 3, 0, 1, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.Arange(tc.start, tc.stop, tc.step)
			want := tensor.New(tc.want)
			if d := tapegradtest.Diff(want, got, approx); d != "" {
				t.Errorf("Arange(%v, %v, %v) mismatch (-want +got):\n%s", tc.start, tc.stop, tc.step, d)
			}
		})
	}
}

func TestLinspace(t *testing.T) {
	// Interior points are start + (stop−start)·i/(n−1): a few roundings of
	// values ≤ 10, so 1e-14 absolute; the endpoints are exact by construction.
	approx := cmpopts.EquateApprox(0, 1e-14)
	tests := []struct {
		name        string
		start, stop float64
		n           int
		want        []float64
	}{
		{"zero points", 0, 1, 0, []float64{}},
		{"one point is start", 3, 7, 1, []float64{3}},
		{"two points", 3, 7, 2, []float64{3, 7}},
		{"five points", 0, 1, 5, []float64{0, 0.25, 0.5, 0.75, 1}},
		{"descending", 10, -2, 4, []float64{10, 6, 2, -2}},
		{"tenths", 0, 1, 11, []float64{0, .1, .2, .3, .4, .5, .6, .7, .8, .9, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.Linspace(tc.start, tc.stop, tc.n)
			if d := tapegradtest.Diff(tensor.New(tc.want), got, approx); d != "" {
				t.Errorf("Linspace(%v, %v, %d) mismatch (-want +got):\n%s", tc.start, tc.stop, tc.n, d)
			}
			if tc.n > 0 && (got.Data()[0] != tc.start || (tc.n > 1 && got.Data()[tc.n-1] != tc.stop)) {
				t.Errorf("got endpoints %v, %v, want exactly %v, %v", got.Data()[0], got.Data()[tc.n-1], tc.start, tc.stop)
			}
		})
	}
}

func TestRandom(t *testing.T) {
	const n = 20000
	// The sample mean of n draws has standard error σ/√n; 5 standard errors
	// make a false failure practically impossible (and the seed is fixed).
	se := 5 / math.Sqrt(n)
	t.Run("RandN", func(t *testing.T) {
		x := tensor.RandN(tapegradtest.NewRNG(), 4, n/4)
		if got := x.Shape(); !cmp.Equal(got, []int{4, n / 4}) {
			t.Fatalf("got shape %v, want [4 %d]", got, n/4)
		}
		again := tensor.RandN(tapegradtest.NewRNG(), 4, n/4)
		if d := tapegradtest.Diff(x, again, exact); d != "" {
			t.Errorf("same seed, different samples (-first +second):\n%s", d)
		}
		mean := tensor.Mean(x).Item()
		variance := tensor.Mean(tensor.Square(tensor.AddScalar(x, -mean))).Item()
		if math.Abs(mean) > se {
			t.Errorf("got mean %v, want 0 ± %v", mean, se)
		}
		// The sample variance of a normal has standard error σ²·√(2/n).
		if tol := 5 * math.Sqrt(2.0/n); math.Abs(variance-1) > tol {
			t.Errorf("got variance %v, want 1 ± %v", variance, tol)
		}
	})
	t.Run("RandU", func(t *testing.T) {
		lo, hi := -2.0, 3.0
		x := tensor.RandU(tapegradtest.NewRNG(), lo, hi, n)
		for i, v := range x.Data() {
			if v < lo || v >= hi {
				t.Fatalf("got x[%d] = %v, want it in [%v, %v)", i, v, lo, hi)
			}
		}
		// Uniform on [lo, hi) has mean (lo+hi)/2 and σ = (hi−lo)/√12.
		mean := tensor.Mean(x).Item()
		if tol := se * (hi - lo) / math.Sqrt(12); math.Abs(mean-(lo+hi)/2) > tol {
			t.Errorf("got mean %v, want %v ± %v", mean, (lo+hi)/2, tol)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if got := tensor.RandN(tapegradtest.NewRNG(), 0, 3).Len(); got != 0 {
			t.Errorf("got %d elements, want 0", got)
		}
	})
}

func TestAccessors(t *testing.T) {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	s := tensor.Scalar(7)
	tests := []struct {
		name      string
		got, want any
	}{
		{"Shape", x.Shape(), []int{2, 3}},
		{"Rank", x.Rank(), 2},
		{"Rank 0-d", s.Rank(), 0},
		{"Len", x.Len(), 6},
		{"Len 0-d", s.Len(), 1},
		{"Dim 0", x.Dim(0), 2},
		{"Dim -1", x.Dim(-1), 3},
		{"Dim -2", x.Dim(-2), 2},
		{"At", x.At(1, 2), 6.0},
		{"At first", x.At(0, 0), 1.0},
		{"At 0-d", s.At(), 7.0},
		{"Item 0-d", s.Item(), 7.0},
		{"Item (1,1)", tensor.Full(3, 1, 1).Item(), 3.0},
		{"Data", x.Data(), []float64{1, 2, 3, 4, 5, 6}},
		{"SameShape", tensor.SameShape(x, tensor.Zeros(2, 3)), true},
		{"SameShape transposed", tensor.SameShape(x, tensor.Zeros(3, 2)), false},
		{"SameShape 0-d vs (1)", tensor.SameShape(s, tensor.Zeros(1)), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, tc.got); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestMutation(t *testing.T) {
	t.Run("Set", func(t *testing.T) {
		x := tensor.Zeros(2, 3)
		x.Set(5, 1, 0)
		want := tensor.New([]float64{0, 0, 0, 5, 0, 0}, 2, 3)
		if d := tapegradtest.Diff(want, x, exact); d != "" {
			t.Errorf("Set mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("Copy is deep", func(t *testing.T) {
		x := tensor.New([]float64{1, 2}, 2)
		c := x.Copy()
		c.Set(9, 0)
		if got := x.At(0); got != 1 {
			t.Errorf("got x[0] = %v after writing the copy, want 1", got)
		}
	})
	t.Run("CopyFrom", func(t *testing.T) {
		x, src := tensor.Zeros(2, 2), seq(2, 2)
		x.CopyFrom(src)
		if d := tapegradtest.Diff(src, x, exact); d != "" {
			t.Errorf("CopyFrom mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("Reuse shrinks in place", func(t *testing.T) {
		x := tensor.Zeros(4, 4)
		before := &x.Data()[0]
		if got := shapes.Reuse(x, []int{2, 3}); got != x {
			t.Errorf("Reuse returned a different tensor")
		}
		if got := x.Shape(); !cmp.Equal(got, []int{2, 3}) {
			t.Errorf("got shape %v, want [2 3]", got)
		}
		if x.Len() != 6 || &x.Data()[0] != before {
			t.Errorf("got %d elements at a new address, want 6 in the old storage", x.Len())
		}
	})
	t.Run("Reuse grows", func(t *testing.T) {
		x := tensor.Zeros(2)
		shapes.Reuse(x, []int{3, 5})
		if x.Len() != 15 || !cmp.Equal(x.Shape(), []int{3, 5}) {
			t.Errorf("got shape %v with %d elements, want [3 5] with 15", x.Shape(), x.Len())
		}
	})
	t.Run("Reuse to 0-d", func(t *testing.T) {
		x := tensor.Zeros(2)
		shapes.Reuse(x, nil)
		if x.Rank() != 0 || x.Len() != 1 {
			t.Errorf("got rank %d with %d elements, want a scalar", x.Rank(), x.Len())
		}
	})
}

func TestTensorPanics(t *testing.T) {
	x := tensor.Zeros(2, 3)
	runPanics(t, []panicRow{
		{"New count", func() { tensor.New([]float64{1, 2, 3}, 2, 2) }, tensor.ErrShape, []string{"tensor.New", "[2 2]", "4 elements", "3"}},
		{"New nil data no shape", func() { tensor.New(nil) }, tensor.ErrShape, []string{"tensor.New"}},
		{"New negative", func() { tensor.New(nil, 2, -1) }, tensor.ErrShape, []string{"tensor.New", "[2 -1]", "negative"}},
		{"Zeros negative", func() { tensor.Zeros(-3) }, tensor.ErrShape, []string{"tensor.Zeros", "[-3]"}},
		{"Arange step 0", func() { tensor.Arange(0, 1, 0) }, tensor.ErrShape, []string{"tensor.Arange", "step 0"}},
		{"Arange step NaN", func() { tensor.Arange(0, 1, math.NaN()) }, tensor.ErrShape, []string{"tensor.Arange", "NaN"}},
		{"Arange step Inf", func() { tensor.Arange(0, 1, math.Inf(1)) }, tensor.ErrShape, []string{"tensor.Arange", "+Inf"}},
		{"Linspace negative", func() { tensor.Linspace(0, 1, -2) }, tensor.ErrShape, []string{"tensor.Linspace", "[-2]"}},
		{"Dim", func() { x.Dim(2) }, tensor.ErrShape, []string{"tensor.Dim", "[2 3]", "axis 2"}},
		{"Dim negative", func() { x.Dim(-3) }, tensor.ErrShape, []string{"tensor.Dim", "[2 3]"}},
		{"Item", func() { x.Item() }, tensor.ErrShape, []string{"tensor.Item", "[2 3]"}},
		{"Item empty", func() { tensor.Zeros(0).Item() }, tensor.ErrShape, []string{"tensor.Item", "[0]"}},
		{"At count", func() { x.At(1) }, tensor.ErrIndex, []string{"tensor.At", "[2 3]", "1 indices"}},
		{"At range", func() { x.At(0, 3) }, tensor.ErrIndex, []string{"tensor.At", "[2 3]", "[0 3]"}},
		{"At negative", func() { x.At(-1, 0) }, tensor.ErrIndex, []string{"tensor.At", "[2 3]"}},
		{"Set range", func() { x.Set(1, 2, 0) }, tensor.ErrIndex, []string{"tensor.Set", "[2 3]", "[2 0]"}},
		{"CopyFrom", func() { x.CopyFrom(tensor.Zeros(3, 2)) }, tensor.ErrShape, []string{"tensor.CopyFrom", "[2 3]", "[3 2]"}},
		{"Reuse negative", func() { shapes.Reuse(tensor.Zeros(1), []int{-1}) }, tensor.ErrShape, []string{"tensor.Reuse", "[-1]"}},
	})
}

func TestShapeError(t *testing.T) {
	tests := []struct {
		name string
		err  *tensor.ShapeError
		want string
		is   error
	}{
		{"two shapes", &tensor.ShapeError{Op: "tensor.Add", Shapes: [][]int{{2, 3}, {4}}, Msg: "bad", Err: tensor.ErrShape},
			"tensor.Add: [2 3] and [4]: bad", tensor.ErrShape},
		{"one shape", &tensor.ShapeError{Op: "tensor.At", Shapes: [][]int{{2}}, Msg: "oops", Err: tensor.ErrIndex},
			"tensor.At: [2]: oops", tensor.ErrIndex},
		{"no shapes", &tensor.ShapeError{Op: "tensor.Concat", Msg: "none", Err: tensor.ErrShape},
			"tensor.Concat: none", tensor.ErrShape},
		{"0-d shape", &tensor.ShapeError{Op: "tensor.Dim", Shapes: [][]int{{}}, Msg: "m", Err: tensor.ErrShape},
			"tensor.Dim: []: m", tensor.ErrShape},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if !errors.Is(tc.err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false, want true", tc.err, tc.is)
			}
		})
	}
	t.Run("panic value is a *ShapeError holding copies of the shapes", func(t *testing.T) {
		a := tensor.Zeros(2, 3)
		err := tapegradtest.Catch(func() { tensor.Add(a, tensor.Zeros(4)) })
		var se *tensor.ShapeError
		if !errors.As(err, &se) {
			t.Fatalf("got panic %v, want a *tensor.ShapeError", err)
		}
		want := &tensor.ShapeError{Op: "tensor.Add", Shapes: [][]int{{2, 3}, {4}}, Err: tensor.ErrShape}
		if d := cmp.Diff(want, se, cmpopts.IgnoreFields(tensor.ShapeError{}, "Msg", "Err", "Site")); d != "" {
			t.Errorf("ShapeError mismatch (-want +got):\n%s", d)
		}
		// The site is the test's own line that called Add, not a library frame.
		if !strings.Contains(se.Site, "tensor_test.go:") {
			t.Errorf("Site = %q, want this test file's line", se.Site)
		}
		se.Shapes[0][0] = 99
		if a.Dim(0) != 2 {
			t.Errorf("writing the error's shape changed the operand to %v", a.Shape())
		}
	})
}

// TestFloat32Tensor checks tensor.go's functions on Float32 tensors: the
// accessors read and write float64 values (Set rounds to float32), and
// Copy, CopyFrom, ZerosLike and OnesLike keep the element type.
func TestFloat32Tensor(t *testing.T) {
	x := tensor.New32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	tests := []struct {
		name      string
		got, want any
	}{
		{"Shape", x.Shape(), []int{2, 3}},
		{"Rank", x.Rank(), 2},
		{"Len", x.Len(), 6},
		{"Dim -1", x.Dim(-1), 3},
		{"At", x.At(1, 2), 6.0},
		{"Item", tensor.Float32.Scalar(7).Item(), 7.0},
		{"Item of 0.1 is float32(0.1) widened", tensor.Float32.Scalar(0.1).Item(), float64(float32(0.1))},
		{"SameShape across types", tensor.SameShape(x, tensor.Zeros(2, 3)), true},
		{"Copy keeps the type", x.Copy().DType(), tensor.Float32},
		{"ZerosLike keeps the type", tensor.ZerosLike(x).DType(), tensor.Float32},
		{"OnesLike keeps the type", tensor.OnesLike(x).Data32(), []float32{1, 1, 1, 1, 1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, tc.got); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
	t.Run("Set rounds to float32", func(t *testing.T) {
		y := tensor.Float32.Zeros(2)
		y.Set(0.1, 1)
		if got, want := y.Data32()[1], float32(0.1); got != want {
			t.Errorf("got %v after Set(0.1), want %v", got, want)
		}
	})
	t.Run("Copy is deep", func(t *testing.T) {
		c := x.Copy()
		c.Set(9, 0, 0)
		if got := x.At(0, 0); got != 1 {
			t.Errorf("got x[0,0] = %v after writing the copy, want 1", got)
		}
	})
	t.Run("CopyFrom", func(t *testing.T) {
		y := tensor.Float32.Zeros(2, 3)
		y.CopyFrom(x)
		if d := diffTyped(x, y, exact); d != "" {
			t.Errorf("CopyFrom mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("Reuse keeps float32 storage", func(t *testing.T) {
		y := tensor.Float32.Zeros(4, 4)
		shapes.Reuse(y, []int{2, 3})
		if y.DType() != tensor.Float32 || y.Len() != 6 || len(y.Data32()) != 6 {
			t.Errorf("got %v tensor of %d elements, want float32 with 6", y.DType(), y.Len())
		}
	})
	runPanics(t, []panicRow{
		{"CopyFrom float64 into float32", func() { tensor.Float32.Zeros(2, 3).CopyFrom(tensor.Zeros(2, 3)) },
			tensor.ErrDType, []string{"tensor.CopyFrom", "float32", "float64"}},
		{"CopyFrom shape before type", func() { tensor.Float32.Zeros(2, 3).CopyFrom(tensor.Zeros(3, 2)) },
			tensor.ErrShape, []string{"tensor.CopyFrom", "[2 3]", "[3 2]"}},
		{"At out of range", func() { x.At(2, 0) }, tensor.ErrIndex, []string{"tensor.At", "[2 3]"}},
		{"Item of 6", func() { x.Item() }, tensor.ErrShape, []string{"tensor.Item", "[2 3]"}},
	})
}
