package autograd_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestTangentOfTanhChain: forward mode along v gives d/dt f(x + t·v) in
// closed form for f = tanh(x·w)·x, alongside the value.
func TestTangentOfTanhChain(t *testing.T) {
	x0, v := vec(0.3, -1.2, 2), vec(1, 0.5, -2)
	w := 0.7
	tp := autograd.NewTape()
	x := tp.Const(x0)
	tp.SetTangent(x, tp.Const(v))
	y := tp.Mul(tp.Tanh(tp.Scale(x, w)), x)
	got := tp.Tangent(y).Value().Data()
	want := make([]float64, 3)
	for i, xi := range x0.Data() {
		th := math.Tanh(w * xi)
		want[i] = ((1-th*th)*w*xi + th) * v.Data()[i] // (d/dx tanh(wx)·x)·v
	}
	if d := cmp.Diff(want, got, approx); d != "" {
		t.Errorf("tangent (-want +got):\n%s", d)
	}
}

// TestReverseOverForward differentiates a tangent: for f = Σ x³ and x
// carrying v, ẏ = Σ 3x²⊙v and ∂ẏ/∂x = 6x ⊙ v (a Hessian-vector product).
func TestReverseOverForward(t *testing.T) {
	x0, v := vec(1, -2, 0.5), vec(0.5, 1, -1)
	tp := autograd.NewTape()
	x := tp.Var(x0)
	tp.SetTangent(x, tp.Const(v))
	y := tp.Sum(tp.PowScalar(x, 3))
	g := tp.Grad(tp.Tangent(y), x)[0]
	want := []float64{6 * 1 * 0.5, 6 * -2 * 1, 6 * 0.5 * -1}
	if d := cmp.Diff(want, g.Value().Data(), approx); d != "" {
		t.Errorf("∂ẏ/∂x (-want +got):\n%s", d)
	}
}

// TestTangentsUnderNoGrad: NoGrad stops recording rules, not forward mode.
func TestTangentsUnderNoGrad(t *testing.T) {
	tp := autograd.NewTape()
	x := tp.Var(vec(2))
	tp.SetTangent(x, tp.Const(vec(1)))
	var y autograd.Var
	tp.NoGrad(func() { y = tp.Square(x) })
	if got := tp.Tangent(y).Item(); got != 4 {
		t.Errorf("tangent of x² at 2 along 1 = %v, want 4", got)
	}
	if y.RequiresGrad() {
		t.Errorf("an op under NoGrad requires a gradient")
	}
}

// TestTangentWithoutTangent: a Var that depends on no tangent has a zero
// tangent, and Reset drops tangents.
func TestTangentWithoutTangent(t *testing.T) {
	tp := autograd.NewTape()
	a := tp.Const(vec(1, 2))
	tp.SetTangent(a, tp.Const(vec(1, 1)))
	b := tp.Exp(tp.Const(vec(3, 4)))
	if d := cmp.Diff([]float64{0, 0}, tp.Tangent(b).Value().Data()); d != "" {
		t.Errorf("tangent of an expression of no tangent (-want +got):\n%s", d)
	}
	tp.Reset()
	c := tp.Square(tp.Const(vec(1, 2)))
	if d := cmp.Diff([]float64{0, 0}, tp.Tangent(c).Value().Data()); d != "" {
		t.Errorf("tangent after Reset (-want +got):\n%s", d)
	}
}

// TestTangentBroadcast: a tangent on a broadcast operand yields a tangent
// of the output's shape.
func TestTangentBroadcast(t *testing.T) {
	tp := autograd.NewTape()
	b := tp.Const(vec(1, 2))
	tp.SetTangent(b, tp.Const(vec(10, 20)))
	y := tp.Add(tp.Const(tensor.Zeros(3, 2)), b)
	got := tp.Tangent(y)
	if d := cmp.Diff([]int{3, 2}, got.Shape()); d != "" {
		t.Fatalf("tangent shape (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]float64{10, 20, 10, 20, 10, 20}, got.Value().Data()); d != "" {
		t.Errorf("tangent (-want +got):\n%s", d)
	}
}

// TestForwardModeMisuse: wrong tangent shapes and a custom op without a
// JVP fail with clear errors.
func TestForwardModeMisuse(t *testing.T) {
	noJVP := &autograd.CustomOp{
		Name:    "cube",
		Forward: func(in []*tensor.Tensor) *tensor.Tensor { return tensor.PowScalar(in[0], 3) },
		Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
			return []autograd.Var{g}
		},
	}
	for _, tc := range []struct {
		name string
		f    func(tp *autograd.Tape)
		want error
	}{
		{"tangent of another shape", func(tp *autograd.Tape) {
			tp.SetTangent(tp.Const(vec(1, 2)), tp.Const(vec(1)))
		}, tensor.ErrShape},
		{"custom op without JVP", func(tp *autograd.Tape) {
			x := tp.Const(vec(1))
			tp.SetTangent(x, tp.Const(vec(1)))
			tp.Apply(noJVP, x)
		}, autograd.ErrTape},
		{"zero Var", func(tp *autograd.Tape) { tp.SetTangent(autograd.Var{}, tp.Const(vec(1))) }, autograd.ErrTape},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := autograd.Maybe(func() { tc.f(autograd.NewTape()) })
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
}
