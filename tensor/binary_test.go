package tensor_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// binaryOps pairs each element-wise binary function with its To form (nil
// where there is none) and the scalar function it must apply.
var binaryOps = []struct {
	name string
	f    func(a, b *tensor.Tensor) *tensor.Tensor
	to   func(dst, a, b *tensor.Tensor) *tensor.Tensor
	ref  func(x, y float64) float64
}{
	{"Add", tensor.Add, tensor.AddTo, func(x, y float64) float64 { return x + y }},
	{"Sub", tensor.Sub, tensor.SubTo, func(x, y float64) float64 { return x - y }},
	{"Mul", tensor.Mul, tensor.MulTo, func(x, y float64) float64 { return x * y }},
	{"Div", tensor.Div, tensor.DivTo, func(x, y float64) float64 { return x / y }},
	{"Pow", tensor.Pow, tensor.PowTo, math.Pow},
	{"Maximum", tensor.Maximum, tensor.MaximumTo, math.Max},
	{"Minimum", tensor.Minimum, tensor.MinimumTo, math.Min},
	{"Greater", tensor.Greater, tensor.GreaterTo, func(x, y float64) float64 { return b2f(x > y) }},
	{"GreaterEqual", tensor.GreaterEqual, nil, func(x, y float64) float64 { return b2f(x >= y) }},
	{"Less", tensor.Less, nil, func(x, y float64) float64 { return b2f(x < y) }},
	{"LessEqual", tensor.LessEqual, nil, func(x, y float64) float64 { return b2f(x <= y) }},
	{"Equal", tensor.Equal, tensor.EqualTo, func(x, y float64) float64 { return b2f(x == y) }},
	{"NotEqual", tensor.NotEqual, nil, func(x, y float64) float64 { return b2f(x != y) }},
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// binaryOperand returns values in [0.5, 3) rounded to quarters: positive so
// Pow and Div are defined, with repeats so comparisons see ties.
func binaryOperand(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	for i := range t.Data() {
		t.Data()[i] = 0.5 + float64(rng.IntN(10))/4
	}
	return t
}

// TestBinaryOps runs every op over every broadcasting pair and compares with
// the scalar function applied through the naive broadcast. The kernels apply
// the same float64 operation to the same pair of values, so the results must
// be identical, not merely close.
func TestBinaryOps(t *testing.T) {
	rng := tapegradtest.NewRNG()
	for _, op := range binaryOps {
		for _, sh := range broadcastPairs {
			t.Run(op.name+"/"+sh.name, func(t *testing.T) {
				a, b := binaryOperand(rng, sh.a...), binaryOperand(rng, sh.b...)
				a0, b0 := a.Copy(), b.Copy()
				want := naiveBinary(a, b, op.ref)
				got := op.f(a, b)
				if d := tapegradtest.Diff(want, got, exact); d != "" {
					t.Errorf("%s(%v, %v) mismatch (-want +got):\n%s", op.name, sh.a, sh.b, d)
				}
				if tapegradtest.Diff(a0, a, exact) != "" || tapegradtest.Diff(b0, b, exact) != "" {
					t.Errorf("%s changed an operand", op.name)
				}
				if op.to == nil {
					return
				}
				dst := tensor.Full(math.NaN(), want.Shape()...)
				if r := op.to(dst, a, b); r != dst {
					t.Errorf("%sTo did not return dst", op.name)
				}
				if d := tapegradtest.Diff(want, dst, exact); d != "" {
					t.Errorf("%sTo(%v, %v) mismatch (-want +got):\n%s", op.name, sh.a, sh.b, d)
				}
			})
		}
	}
}

// TestBinaryToAliasing checks the documented aliasing: dst may be an operand
// of dst's shape (x += bias, x = scale·x, …).
func TestBinaryToAliasing(t *testing.T) {
	rng := tapegradtest.NewRNG()
	for _, op := range binaryOps {
		if op.to == nil {
			continue
		}
		for _, sh := range broadcastPairs {
			t.Run(op.name+"/"+sh.name, func(t *testing.T) {
				a, b := binaryOperand(rng, sh.a...), binaryOperand(rng, sh.b...)
				want := naiveBinary(a, b, op.ref)
				if tensor.SameShape(a, want) {
					x := a.Copy()
					op.to(x, x, b)
					if d := tapegradtest.Diff(want, x, exact); d != "" {
						t.Errorf("%sTo(a, a, b) mismatch (-want +got):\n%s", op.name, d)
					}
				}
				if tensor.SameShape(b, want) {
					y := b.Copy()
					op.to(y, a, y)
					if d := tapegradtest.Diff(want, y, exact); d != "" {
						t.Errorf("%sTo(b, a, b) mismatch (-want +got):\n%s", op.name, d)
					}
				}
			})
		}
	}
}

func TestBinaryValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	v := func(xs ...float64) *tensor.Tensor { return tensor.New(xs) }
	tests := []struct {
		name string
		got  *tensor.Tensor
		want *tensor.Tensor
	}{
		{"Add middle axis (2,1,3)+(4,1)",
			tensor.Add(tensor.New([]float64{0, 1, 2, 10, 11, 12}, 2, 1, 3), tensor.New([]float64{100, 200, 300, 400}, 4, 1)),
			tensor.New([]float64{
				100, 101, 102, 200, 201, 202, 300, 301, 302, 400, 401, 402,
				110, 111, 112, 210, 211, 212, 310, 311, 312, 410, 411, 412}, 2, 4, 3)},
		{"Add bias row", tensor.Add(seq(2, 3), v(10, 20, 30)), tensor.New([]float64{10, 21, 32, 13, 24, 35}, 2, 3)},
		{"Sub 0-d from matrix", tensor.Sub(seq(2, 2), tensor.Scalar(1)), tensor.New([]float64{-1, 0, 1, 2}, 2, 2)},
		{"Div by zero", tensor.Div(v(1, -1, 0), v(0, 0, 0)), v(inf, -inf, nan)},
		{"Pow conventions", tensor.Pow(v(0, -8, 2, 4), v(0, 1.0/3, -1, 0.5)), v(1, nan, 0.5, 2)},
		{"Maximum NaN either side", tensor.Maximum(v(nan, 1, 2), v(1, nan, 1)), v(nan, nan, 2)},
		{"Minimum NaN either side", tensor.Minimum(v(nan, 1, 2), v(1, nan, 1)), v(nan, nan, 1)},
		{"Maximum ties and infinities", tensor.Maximum(v(3, -inf, inf), v(3, -1, 0)), v(3, -1, inf)},
		{"Greater NaN", tensor.Greater(v(nan, 1), v(0, nan)), v(0, 0)},
		{"GreaterEqual tie", tensor.GreaterEqual(v(1, 1, 2), v(1, 2, 1)), v(1, 0, 1)},
		{"Less tie", tensor.Less(v(1, 1, 2), v(1, 2, 1)), v(0, 1, 0)},
		{"LessEqual NaN", tensor.LessEqual(v(nan, 1), v(nan, 1)), v(0, 1)},
		{"Equal NaN is not equal", tensor.Equal(v(nan, 1, 2), v(nan, 1, 3)), v(0, 1, 0)},
		{"NotEqual NaN", tensor.NotEqual(v(nan, 1, 2), v(nan, 1, 3)), v(1, 0, 1)},
		{"Equal 0 and -0", tensor.Equal(v(0), v(math.Copysign(0, -1))), v(1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestWhere(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name       string
		cond, a, b *tensor.Tensor
		want       *tensor.Tensor
	}{
		{"same shape", tensor.New([]float64{1, 0, 1, 0}), seq(4), tensor.Full(-1, 4), tensor.New([]float64{0, -1, 2, -1})},
		{"nonzero and NaN count as true", tensor.New([]float64{-2, 0, nan}), tensor.Ones(3), tensor.Zeros(3), tensor.New([]float64{1, 0, 1})},
		{"scalar branches", tensor.New([]float64{1, 0, 0, 1}, 2, 2), tensor.Scalar(7), tensor.Scalar(8), tensor.New([]float64{7, 8, 8, 7}, 2, 2)},
		{"row cond, column a, 0-d b", tensor.New([]float64{1, 0, 1}), tensor.New([]float64{10, 20}, 2, 1), tensor.Scalar(0),
			tensor.New([]float64{10, 0, 10, 20, 0, 20}, 2, 3)},
		{"0-d cond", tensor.Scalar(0), seq(2), tensor.New([]float64{5, 6}), tensor.New([]float64{5, 6})},
		{"all 0-d", tensor.Scalar(1), tensor.Scalar(2), tensor.Scalar(3), tensor.Scalar(2)},
		{"ReLU via Where", tensor.Greater(tensor.New([]float64{-1, 2}), tensor.Scalar(0)), tensor.New([]float64{-1, 2}), tensor.Scalar(0), tensor.New([]float64{0, 2})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tensor.Where(tc.cond, tc.a, tc.b)
			if d := tapegradtest.Diff(tc.want, got, exact); d != "" {
				t.Errorf("Where mismatch (-want +got):\n%s", d)
			}
			dst := tensor.Full(99, tc.want.Shape()...)
			tensor.WhereTo(dst, tc.cond, tc.a, tc.b)
			if d := tapegradtest.Diff(tc.want, dst, exact); d != "" {
				t.Errorf("WhereTo mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestAddScaledTo(t *testing.T) {
	dst := tensor.New([]float64{1, 2, 3, 4}, 2, 2)
	x := tensor.New([]float64{1, 1, 2, 2}, 4) // only the element count must match
	got := tensor.AddScaledTo(dst, -0.5, x)
	want := tensor.New([]float64{0.5, 1.5, 2, 3}, 2, 2)
	if got != dst {
		t.Errorf("AddScaledTo did not return dst")
	}
	if d := tapegradtest.Diff(want, got, exact); d != "" {
		t.Errorf("AddScaledTo mismatch (-want +got):\n%s", d)
	}
}

func TestBinaryPanics(t *testing.T) {
	a, b := tensor.Zeros(2, 3), tensor.Zeros(4, 3)
	rows := []panicRow{}
	for _, op := range binaryOps {
		rows = append(rows, panicRow{op.name, func() { op.f(a, b) }, tensor.ErrShape, []string{"tensor." + op.name, "[2 3]", "[4 3]"}})
		if op.to != nil {
			rows = append(rows,
				panicRow{op.name + "To operands", func() { op.to(tensor.Zeros(2, 3), a, b) }, tensor.ErrShape, []string{"tensor." + op.name, "[2 3]", "[4 3]"}},
				panicRow{op.name + "To dst", func() { op.to(tensor.Zeros(3, 2), a, tensor.Zeros(3)) }, tensor.ErrShape, []string{"tensor." + op.name, "[3 2]", "[2 3]"}},
			)
		}
	}
	rows = append(rows,
		panicRow{"Add trailing", func() { tensor.Add(tensor.Zeros(3), tensor.Zeros(4)) }, tensor.ErrShape, []string{"tensor.Add", "[3]", "[4]"}},
		panicRow{"AddTo 0-d dst", func() { tensor.AddTo(tensor.Scalar(0), tensor.Zeros(1), tensor.Zeros(1)) }, tensor.ErrShape, []string{"tensor.Add", "[]", "[1]"}},
		panicRow{"Where cond", func() { tensor.Where(tensor.Zeros(2), a, a) }, tensor.ErrShape, []string{"tensor.Where", "[2]", "[2 3]"}},
		panicRow{"Where b", func() { tensor.Where(tensor.Zeros(3), a, tensor.Zeros(2, 1, 2)) }, tensor.ErrShape, []string{"tensor.Where", "[2 3]", "[2 1 2]"}},
		panicRow{"WhereTo dst", func() { tensor.WhereTo(tensor.Zeros(3), a, a, a) }, tensor.ErrShape, []string{"tensor.Where", "[3]", "[2 3]"}},
		panicRow{"WhereTo larger dst", func() { tensor.WhereTo(tensor.Zeros(4, 2, 3), a, a, a) }, tensor.ErrShape, []string{"tensor.Where", "[4 2 3]", "[2 3]"}},
		panicRow{"AddScaledTo", func() { tensor.AddScaledTo(tensor.Zeros(2), 1, tensor.Zeros(3)) }, tensor.ErrShape, []string{"tensor.AddScaledTo", "[2]", "[3]"}},
	)
	runPanics(t, rows)
}

// FuzzAddCommutative checks Add(a, b) = Add(b, a) and that both equal the
// definition through the naive broadcast, for any shapes that broadcast.
func FuzzAddCommutative(f *testing.F) {
	for _, tc := range broadcastPairs {
		f.Add(shapeBytes(tc.a), shapeBytes(tc.b), uint64(1))
	}
	f.Fuzz(func(t *testing.T, ab, bb []byte, seed uint64) {
		as, bs := fuzzShape(ab), fuzzShape(bb)
		if _, ok := tensor.BroadcastShapes(as, bs); !ok {
			if tapegradtest.Catch(func() { tensor.Add(tensor.Zeros(as...), tensor.Zeros(bs...)) }) == nil {
				t.Fatalf("Add(%v, %v) did not panic though the shapes do not broadcast", as, bs)
			}
			return
		}
		rng := rand.New(rand.NewPCG(seed, 2))
		a, b := tensor.RandN(rng, as...), tensor.RandN(rng, bs...)
		ab1, ba := tensor.Add(a, b), tensor.Add(b, a)
		// x + y and y + x round identically in IEEE arithmetic: compare exactly.
		if d := tapegradtest.Diff(ab1, ba, exact); d != "" {
			t.Fatalf("Add(%v, %v) ≠ Add(%v, %v) (-ab +ba):\n%s", as, bs, bs, as, d)
		}
		want := naiveBinary(a, b, func(x, y float64) float64 { return x + y })
		if d := tapegradtest.Diff(want, ab1, exact); d != "" {
			t.Fatalf("Add(%v, %v) disagrees with the definition (-want +got):\n%s", as, bs, d)
		}
	})
}

func benchAdd(b *testing.B, as, bs []int) {
	rng := tapegradtest.NewRNG()
	x, y := tensor.RandN(rng, as...), tensor.RandN(rng, bs...)
	b.ReportAllocs()
	for b.Loop() {
		tensor.Add(x, y)
	}
}

func BenchmarkAddSmall(b *testing.B)      { benchAdd(b, []int{8, 8}, []int{8, 8}) }
func BenchmarkAddMedium(b *testing.B)     { benchAdd(b, []int{64, 64}, []int{64, 64}) }
func BenchmarkAddLarge(b *testing.B)      { benchAdd(b, []int{256, 256}, []int{256, 256}) }
func BenchmarkAddBiasSmall(b *testing.B)  { benchAdd(b, []int{8, 8}, []int{8}) }
func BenchmarkAddBiasMedium(b *testing.B) { benchAdd(b, []int{64, 64}, []int{64}) }
func BenchmarkAddBiasLarge(b *testing.B)  { benchAdd(b, []int{256, 256}, []int{256}) }
