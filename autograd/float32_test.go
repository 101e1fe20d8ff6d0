package autograd_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestFloat32Training: a float32 parameter trains on a float32 tape: the
// value, the stored gradient (accumulated across Backward calls) and a
// leaf's gradient are float32 and equal the float64 run's rounded, and
// the tape reuses its buffers per type, so alternating types on one tape
// gives each pass buffers of its own type.
func TestFloat32Training(t *testing.T) {
	x64 := tensor.New([]float64{0.5, -1, 2, 0.25, 1.5, -0.75}, 2, 3)
	w64 := tensor.New([]float64{0.1, -0.2, 0.3, 0.4, -0.5, 0.6}, 3, 2)
	step := func(tp *autograd.Tape, dt tensor.DType) (loss float64, wg, xg *tensor.Tensor) {
		w := autograd.NewParam(w64.To(dt))
		for range 2 { // two passes: the gradient accumulates
			tp.Reset()
			x := tp.Var(x64.To(dt))
			y := tp.Mean(tp.Tanh(tp.MatMul(x, w)))
			tp.Backward(y)
			loss, xg = y.Item(), x.Grad()
		}
		return loss, w.Grad(), xg
	}
	tp := autograd.NewTape()
	for round := range 2 { // the second round replays the pool, alternating types
		l64, wg64, xg64 := step(tp, tensor.Float64)
		l32, wg32, xg32 := step(tp, tensor.Float32)
		if wg32.DType() != tensor.Float32 || xg32.DType() != tensor.Float32 {
			t.Fatalf("round %d: gradient types %v, %v, want float32", round, wg32.DType(), xg32.DType())
		}
		// float32 has 24 bits: these few ops stay within 4 roundings.
		const tol = 4 * 0x1p-24
		if math.Abs(l32-l64) > tol*math.Abs(l64) {
			t.Errorf("round %d: loss %v in float32, %v in float64", round, l32, l64)
		}
		for _, p := range [][2]*tensor.Tensor{{wg32, wg64}, {xg32, xg64}} {
			g32, g64 := p[0].Float64s(), p[1].Float64s()
			for i := range g64 {
				if math.Abs(g32[i]-g64[i]) > tol*(math.Abs(g64[i])+1e-3) {
					t.Errorf("round %d: gradient element %d: %v in float32, %v in float64", round, i, g32[i], g64[i])
				}
			}
		}
	}
}

// TestDTypeMisuse: operands of two types are refused with tensor.ErrDType
// naming the op, wherever they meet.
func TestDTypeMisuse(t *testing.T) {
	a64 := tensor.Ones(2, 2)
	a32 := tensor.Float32.Ones(2, 2)
	tp := autograd.NewTape()
	x, y := tp.Var(a64), tp.Var(a32)
	p := autograd.NewParam(a32.Copy())
	for _, tc := range []struct {
		name string
		f    func()
		msg  string
	}{
		{"add", func() { tp.Add(x, y) }, "autograd.add"},
		{"mul broadcast", func() { tp.Mul(x, tp.Var(tensor.Float32.Ones(2))) }, "autograd.mul"},
		{"matmul", func() { tp.MatMul(x, y) }, "autograd.matmul"},
		{"where", func() { tp.Where(x, x, y) }, "autograd.where"},
		{"SetGrad", func() { p.SetGrad(a64) }, "autograd.SetGrad"},
		{"BackwardWith seed", func() { tp.BackwardWith(tp.Exp(y), a64) }, "autograd.BackwardWith"},
		{"SetTangent", func() { tp.SetTangent(y, tp.Const(a64)) }, "autograd.SetTangent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tapegradtest.CheckPanic(t, tc.f, tensor.ErrDType, tc.msg, "float64", "float32")
		})
	}
}

// TestSetValue: a parameter converted to another type keeps training; its
// old gradient is dropped when the type changes and kept otherwise.
func TestSetValue(t *testing.T) {
	p := autograd.NewParam(tensor.New([]float64{1, 2}, 2))
	tp := autograd.NewTape()
	tp.Backward(tp.Sum(tp.Square(p)))
	p.SetValue(p.Value().Copy())
	if p.Grad() == nil {
		t.Fatal("SetValue of the same type and shape dropped the gradient")
	}
	p.SetValue(p.Value().To(tensor.Float32))
	if p.Grad() != nil {
		t.Fatalf("SetValue to float32 kept the float64 gradient %v", p.Grad())
	}
	tp.Reset()
	tp.Backward(tp.Sum(tp.Square(p)))
	if g := p.Grad(); g.DType() != tensor.Float32 || g.At(1) != 4 {
		t.Errorf("gradient after conversion: %v, want float32 [2 4]", g)
	}
	tapegradtest.CheckPanic(t, func() { tp.Exp(p).SetValue(tensor.Ones(2)) }, autograd.ErrTape, "SetValue")
}

// TestScalarOf records constants of either type.
func TestScalarOf(t *testing.T) {
	tp := autograd.NewTape()
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		c := tp.ScalarOf(dt, 0.1)
		if c.Value().DType() != dt || c.Item() != tensor.Scalar(0.1).To(dt).Item() {
			t.Errorf("ScalarOf(%v, 0.1) = %v of type %v", dt, c.Item(), c.Value().DType())
		}
	}
}

// TestCheckWidensFloat32: the gradient checker runs float32 inputs in
// float64 (a float32 run could not pass its default tolerances: central
// differences with a step of 1e-6 are all rounding error in float32), and
// it still catches a wrong derivative there.
func TestCheckWidensFloat32(t *testing.T) {
	in := []*tensor.Tensor{tensor.New([]float64{0.3, -0.7, 1.1}, 3).To(tensor.Float32)}
	var seen tensor.DType = 9
	f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		seen = x[0].Value().DType()
		return tp.Sum(tp.Mul(tp.Sin(x[0]), x[0]))
	}
	if _, err := autograd.Check(f, in, nil); err != nil {
		t.Fatal(err)
	}
	if seen != tensor.Float64 {
		t.Errorf("f ran on %v inputs, want float64", seen)
	}
	if _, err := autograd.CheckSecond(f, in, nil); err != nil {
		t.Fatal(err)
	}
	if in[0].DType() != tensor.Float32 {
		t.Error("Check converted its caller's input in place")
	}
	wrong := &autograd.CustomOp{
		Name:    "double_wrong",
		Forward: func(in []*tensor.Tensor) *tensor.Tensor { return tensor.Scale(in[0], 2) },
		Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
			return []autograd.Var{tp.Scale(g, 3)}
		},
	}
	if _, err := autograd.Check(func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Apply(wrong, x[0]) }, in, nil); err == nil {
		t.Error("Check passed a wrong derivative on float32 inputs")
	}
}
