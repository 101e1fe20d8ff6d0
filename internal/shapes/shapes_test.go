package shapes

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
)

func TestReduceShape(t *testing.T) {
	s := []int{2, 3, 4}
	tests := []struct {
		keep bool
		axes []int
		want []int
	}{
		{false, nil, []int{}},
		{true, nil, []int{1, 1, 1}},
		{false, []int{1}, []int{2, 4}},
		{true, []int{1}, []int{2, 1, 4}},
		{false, []int{-1, 0}, []int{3}},
		{true, []int{-1, 0}, []int{1, 3, 1}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("keep=%v/axes=%v", tc.keep, tc.axes), func(t *testing.T) {
			got := ReduceShape("test", s, tc.keep, tc.axes...)
			if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("ReduceShape mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestMarkAxes checks the axis masks of MarkAxes, and NormAxisScalar
// through it: as ReducedAxes for rank ≥ 1, and PyTorch's 0-d rule (axis 0
// or −1 names the single element; the mask is empty).
func TestMarkAxes(t *testing.T) {
	tests := []struct {
		shape, axes []int
		want        []bool
	}{
		{[]int{2, 3, 4}, nil, []bool{true, true, true}},
		{[]int{2, 3, 4}, []int{-1, 0}, []bool{true, false, true}},
		{[]int{}, nil, []bool{}},
		{[]int{}, []int{0}, []bool{}},
		{[]int{}, []int{-1}, []bool{}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.shape, tc.axes), func(t *testing.T) {
			var buf [4]bool
			got := MarkAxes(buf[:0], "test", tc.shape, tc.axes)
			if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("MarkAxes mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestResolveShape(t *testing.T) {
	tests := []struct {
		n     int
		shape []int
		want  []int
	}{
		{12, []int{3, 4}, []int{3, 4}},
		{12, []int{-1, 4}, []int{3, 4}},
		{12, []int{2, -1, 2}, []int{2, 3, 2}},
		{1, []int{}, []int{}},
		{0, []int{0, 5}, []int{0, 5}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.shape), func(t *testing.T) {
			got := ResolveShape("test", nil, tc.n, tc.shape)
			if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("ResolveShape(%d, %v) mismatch (-want +got):\n%s", tc.n, tc.shape, d)
			}
		})
	}
}

func TestPermShape(t *testing.T) {
	tests := []struct {
		shape, perm, wantP, wantOut []int
	}{
		{[]int{2, 3, 4}, nil, []int{2, 1, 0}, []int{4, 3, 2}},
		{[]int{2, 3, 4}, []int{1, -1, 0}, []int{1, 2, 0}, []int{3, 4, 2}},
		{[]int{}, nil, []int{}, []int{}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.shape, tc.perm), func(t *testing.T) {
			p, out := PermShape(tc.shape, tc.perm)
			if d := cmp.Diff([2][]int{tc.wantP, tc.wantOut}, [2][]int{p, out}, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("PermShape mismatch (-want +got):\n%s", d)
			}
		})
	}
	t.Run("InversePerm", func(t *testing.T) {
		if got, want := InversePerm([]int{2, 0, 1}), []int{1, 2, 0}; !cmp.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestSqueezeUnsqueezeShape(t *testing.T) {
	tests := []struct {
		name      string
		got, want []int
	}{
		{"SqueezeShape all", SqueezeShape([]int{1, 0, 1}), []int{0}},
		{"SqueezeShape one", SqueezeShape([]int{1, 3, 1}, -1), []int{1, 3}},
		{"UnsqueezeShape front", UnsqueezeShape([]int{4}, 0), []int{1, 4}},
		{"UnsqueezeShape end", UnsqueezeShape([]int{4}, -1), []int{4, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, tc.got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("shape mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestMatMulShapes(t *testing.T) {
	t.Run("MatMulShape", func(t *testing.T) {
		if got, want := MatMulShape([]int{3, 1, 5, 4}, []int{2, 6, 5}, true, true), []int{3, 2, 4, 6}; !cmp.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	tests := []struct {
		name                 string
		a, b                 []int
		wantA, wantB, wantAB []int
		want                 []int
	}{
		{"vector·matrix", []int{3}, []int{3, 4}, []int{1, 3}, []int{3, 4}, []int{1, 4}, []int{4}},
		{"matrix·vector", []int{2, 3}, []int{3}, []int{2, 3}, []int{3, 1}, []int{2, 1}, []int{2}},
		{"vector·vector", []int{3}, []int{3}, []int{1, 3}, []int{3, 1}, []int{1, 1}, []int{}},
		{"vector·batch", []int{3}, []int{2, 3, 4}, []int{1, 3}, []int{2, 3, 4}, []int{2, 1, 4}, []int{2, 4}},
		{"batch·vector", []int{2, 5, 3}, []int{3}, []int{2, 5, 3}, []int{3, 1}, []int{2, 5, 1}, []int{2, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a2, b2, prod, out := MatMulVectorShapes(tc.a, tc.b)
			want := [][]int{tc.wantA, tc.wantB, tc.wantAB, tc.want}
			if d := cmp.Diff(want, [][]int{a2, b2, prod, out}, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("MatMulVectorShapes(%v, %v) mismatch (-want +got):\n%s", tc.a, tc.b, d)
			}
		})
	}
}

// Sizes whose products overflow int arithmetic wherever int has 32 or 64
// bits: quarter·4 wraps to 0 and (quarter+1)·4 to 4; root·root wraps to 0.
const (
	quarter = math.MaxInt/2 + 1        // 2^62 where int has 64 bits
	root    = 1 << (bits.UintSize / 2) // 2^32 where int has 64 bits
)

// fakeBuf stands in for *tensor.Tensor (which imports this package) in the
// tests of Reuse.
type fakeBuf struct {
	shape []int
	data  []float64
}

func init() {
	RegisterReuse(func(b *fakeBuf) (*[]int, *[]float64, *[]float32) {
		if b == nil {
			return nil, nil, nil
		}
		return &b.shape, &b.data, nil
	})
}

// TestNumel checks element counts at the limits: zero dimensions, the 0-d
// shape, MaxElements itself and shapes whose zero hides no overflow.
func TestNumel(t *testing.T) {
	if MaxElements > math.MaxInt/8 {
		t.Errorf("MaxElements = %d: its byte count overflows an int", MaxElements)
	}
	tests := []struct {
		shape []int
		want  int
	}{
		{nil, 1},
		{[]int{2, 3}, 6},
		{[]int{0, 5}, 0},
		{[]int{MaxElements}, MaxElements},
		{[]int{0, MaxElements}, 0},
		{[]int{1, MaxElements, 1}, MaxElements},
	}
	for _, tc := range tests {
		if got := Numel("test", tc.shape); got != tc.want {
			t.Errorf("Numel(%v) = %d, want %d", tc.shape, got, tc.want)
		}
	}
}

// TestReuse checks that Reuse reshapes a buffer in place, growing its
// storage only when it must.
func TestReuse(t *testing.T) {
	b := &fakeBuf{shape: []int{4}, data: make([]float64, 4)}
	if got := Reuse(b, []int{2, 2}); got != b || !cmp.Equal(b.shape, []int{2, 2}) || len(b.data) != 4 {
		t.Errorf("Reuse to (2, 2) gave shape %v, %d elements", b.shape, len(b.data))
	}
	Reuse(b, []int{3, 3})
	if !cmp.Equal(b.shape, []int{3, 3}) || len(b.data) != 9 {
		t.Errorf("Reuse to (3, 3) gave shape %v, %d elements", b.shape, len(b.data))
	}
}

func TestPanics(t *testing.T) {
	rows := []struct {
		name string
		f    func()
		msg  []string // substrings of the message: the op and the shapes
	}{
		{"ReduceShape axis", func() { ReduceShape("tensor.Thing", []int{4}, false, 1) }, []string{"tensor.Thing", "[4]", "axis 1"}},
		{"ReduceShape twice", func() { ReduceShape("tensor.Thing", []int{4}, false, 0, -1) }, []string{"tensor.Thing", "[4]", "twice"}},
		{"NormAxis as given", func() { NormAxis("tensor.Thing", -3, 2, []int{2, 3}) }, []string{"tensor.Thing", "[2 3]", "axis -3 out of range for rank 2"}},
		{"NormAxisScalar 0-d", func() { NormAxisScalar("tensor.Thing", 1, []int{}) }, []string{"tensor.Thing", "[]", "axis 1 out of range for rank 0"}},
		{"MarkAxes 0-d twice", func() { MarkAxes(nil, "tensor.Thing", []int{}, []int{0, -1}) }, []string{"tensor.Thing", "twice"}},
		{"MarkAxes twice", func() { MarkAxes(nil, "tensor.Thing", []int{2, 3}, []int{1, -1}) }, []string{"tensor.Thing", "[2 3]", "twice"}},
		{"ResolveShape", func() { ResolveShape("tensor.Reshape", []int{5}, 5, []int{2, -1}) }, []string{"tensor.Reshape", "[5]", "infer"}},
		{"PermShape", func() { PermShape([]int{2, 3}, []int{0, 0}) }, []string{"tensor.Transpose", "[2 3]", "repeats"}},
		{"SqueezeShape", func() { SqueezeShape([]int{2, 3}, 0) }, []string{"tensor.Squeeze", "[2 3]", "not 1"}},
		{"MatMulShape rank", func() { MatMulShape([]int{3}, []int{3, 2}, false, false) }, []string{"tensor.MatMulT", "[3]", "rank", "MatMul"}},
		{"MatMulShape inner", func() { MatMulShape([]int{2, 3}, []int{2, 3}, false, false) }, []string{"tensor.MatMul", "[2 3]", "3 vs 2"}},
		{"MatMulVectorShapes 0-d", func() { MatMulVectorShapes([]int{}, []int{3}) }, []string{"tensor.MatMul", "[]", "[3]", "rank"}},
		{"MatMulVectorShapes inner", func() { MatMulVectorShapes([]int{4}, []int{3}) }, []string{"tensor.MatMul", "[4]", "[3]", "4 vs 3"}},
		{"ResolveShape wrapping", func() { ResolveShape("tensor.Reshape", []int{4}, 4, []int{quarter + 1, 4}) }, []string{"tensor.Reshape", "[4]", "cannot reshape"}},
		{"ResolveShape −1 wrapping", func() { ResolveShape("tensor.Reshape", []int{4}, 4, []int{-1, quarter + 1, 4}) }, []string{"tensor.Reshape", "cannot infer"}},
		{"ResolveShape 0 hiding an overflow", func() { ResolveShape("tensor.Reshape", []int{0}, 0, []int{0, quarter, quarter}) }, []string{"tensor.Reshape", "cannot reshape"}},
		{"ResolveShape negative count", func() { ResolveShape("tensor.Reshape", nil, -1, []int{-1}) }, []string{"tensor.Reshape", "negative"}},
		{"InversePerm out of range", func() { InversePerm([]int{0, 2}) }, []string{"tensor.Transpose", "[0 2]", "not a permutation"}},
		{"InversePerm negative", func() { InversePerm([]int{-1}) }, []string{"tensor.Transpose", "not a permutation"}},
		{"InversePerm repeated", func() { InversePerm([]int{1, 1}) }, []string{"tensor.Transpose", "[1 1]", "not a permutation"}},
		{"Numel negative", func() { Numel("tensor.Thing", []int{2, -3}) }, []string{"tensor.Thing", "[2 -3]", "negative dimension -3"}},
		{"Numel wrapping", func() { Numel("tensor.Thing", []int{root, root}) }, []string{"tensor.Thing", "MaxElements"}},
		{"Numel above MaxElements", func() { Numel("tensor.Thing", []int{MaxElements + 1}) }, []string{"tensor.Thing", "MaxElements"}},
		{"Numel 0 hiding an overflow", func() { Numel("tensor.Thing", []int{0, quarter, quarter}) }, []string{"tensor.Thing", "MaxElements"}},
		{"CheckDim negative", func() { CheckDim("tensor.Pad", "padding", -1, []int{2}) }, []string{"tensor.Pad", "[2]", "negative padding -1"}},
		{"CheckDim too large", func() { CheckDim("tensor.Pad", "padding", MaxElements+1, []int{2}) }, []string{"tensor.Pad", "MaxElements"}},
		{"Reuse too large", func() { Reuse(&fakeBuf{}, []int{root, root}) }, []string{"tensor.Reuse", "MaxElements"}},
		{"Reuse negative", func() { Reuse(&fakeBuf{}, []int{-1}) }, []string{"tensor.Reuse", "negative"}},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			err := tapegradtest.CheckPanic(t, tc.f, ErrShape, tc.msg...)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("got panic %v, want an *Error", err)
			}
			// The site is this test's line, not a frame of this package.
			if !strings.Contains(se.Site, "shapes_test.go:") {
				t.Errorf("Site = %q, want this test file's line", se.Site)
			}
		})
	}
}

func TestArgSentinel(t *testing.T) {
	s := ArgSentinel("pkg: invalid argument")
	err := fmt.Errorf("%w: NewThing: nil rng", s)
	if !errors.Is(err, s) || !errors.Is(err, ErrArg) {
		t.Errorf("%v: errors.Is(err, own sentinel) = %t, errors.Is(err, ErrArg) = %t; want both", err, errors.Is(err, s), errors.Is(err, ErrArg))
	}
	if got, want := err.Error(), "pkg: invalid argument: NewThing: nil rng"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}
