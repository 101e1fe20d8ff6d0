package nn_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestTo: nn.To converts every parameter (PyTorch's model.to(dtype)), DType
// reports the type, and a model whose parameters mix types is refused.
func TestTo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewMLP(rng, []int{3, 4, 2}, nn.Tanh(), nil)
	before := nn.Params(m)[0].Value().Float64s()
	if got := nn.DType(m); got != tensor.Float64 {
		t.Fatalf("DType of a new model = %v, want float64", got)
	}
	if nn.To(m, tensor.Float32) != m {
		t.Error("To did not return its model")
	}
	for _, p := range nn.Params(m) {
		if p.Value().DType() != tensor.Float32 {
			t.Errorf("parameter %s has type %v after To(float32)", p.Name(), p.Value().DType())
		}
	}
	if got := nn.DType(m); got != tensor.Float32 {
		t.Errorf("DType after To = %v, want float32", got)
	}
	for i, v := range nn.Params(m)[0].Value().Float64s() {
		if v != float64(float32(before[i])) {
			t.Errorf("element %d: %v, want %v rounded to float32", i, v, before[i])
		}
	}
	nn.Params(m)[0].SetValue(nn.Params(m)[0].Value().To(tensor.Float64))
	tapegradtest.CheckPanic(t, func() { nn.DType(m) }, nn.ErrArg, "nn.DType", "float64", "float32")
	tapegradtest.CheckPanic(t, func() { nn.To(m, tensor.DType(5)) }, nn.ErrArg, "nn.To")
}

// TestFloat32Costs: the costs and Dropout run in float32 on float32 outputs
// and agree with float64 on the same (rounded) values within float32
// rounding; Dropout draws the same mask for both types from one seed.
func TestFloat32Costs(t *testing.T) {
	z64 := tensor.New([]float64{0.3, -1.2, 2.5, 0.1, 0.7, -0.4, 1.1, 0.2, -2, 0.9, 0.05, -0.6}, 4, 3).To(tensor.Float32).To(tensor.Float64)
	p64 := tensor.Sigmoid(z64)
	y := tensor.New([]float64{1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1}, 4, 3)
	labels := []int{2, 0, 1, 2}
	w := tensor.New([]float64{1, 2, 0.5}, 3)
	costs := []struct {
		name string
		f    func(tp *autograd.Tape, z, p, y autograd.Var) autograd.Var
	}{
		{"CrossEntropy", func(tp *autograd.Tape, z, _, _ autograd.Var) autograd.Var { return nn.CrossEntropy(tp, z, labels) }},
		{"CrossEntropy weighted", func(tp *autograd.Tape, z, _, _ autograd.Var) autograd.Var {
			return nn.CrossEntropy(tp, z, labels, nn.ClassWeights(w))
		}},
		{"Quadratic", func(tp *autograd.Tape, _, p, y autograd.Var) autograd.Var { return nn.Quadratic(tp, p, y) }},
		{"BinaryCrossEntropy", func(tp *autograd.Tape, _, p, y autograd.Var) autograd.Var { return nn.BinaryCrossEntropy(tp, p, y) }},
		{"BCEWithLogits", func(tp *autograd.Tape, z, _, y autograd.Var) autograd.Var { return nn.BCEWithLogits(tp, z, y) }},
	}
	for _, c := range costs {
		t.Run(c.name, func(t *testing.T) {
			run := func(dt tensor.DType) (float64, []float64) {
				tp := autograd.NewTape()
				z := tp.Var(z64.To(dt))
				loss := c.f(tp, z, tp.Sigmoid(z), tp.Const(y.To(dt)))
				if loss.Value().DType() != dt {
					t.Fatalf("%v cost has type %v", dt, loss.Value().DType())
				}
				tp.Backward(loss)
				return loss.Item(), z.Grad().Float64s()
			}
			l64, g64 := run(tensor.Float64)
			l32, g32 := run(tensor.Float32)
			// A cost is about ten float32 ops: 16 roundings is a safe bound.
			const tol = 16 * 0x1p-24
			if math.Abs(l32-l64) > tol*math.Abs(l64) {
				t.Errorf("cost %v in float32, %v in float64", l32, l64)
			}
			for i := range g64 {
				if math.Abs(g32[i]-g64[i]) > tol*(math.Abs(g64[i])+0.01) {
					t.Errorf("gradient element %d: %v in float32, %v in float64", i, g32[i], g64[i])
				}
			}
		})
	}
	t.Run("Dropout", func(t *testing.T) {
		out := func(dt tensor.DType) *tensor.Tensor {
			d := nn.NewDropout(rand.New(rand.NewPCG(3, 4)), 0.5)
			return d.Forward(autograd.NewTape(), autograd.Const(tensor.Ones(4, 5).To(dt))).Value()
		}
		o64, o32 := out(tensor.Float64), out(tensor.Float32)
		if o32.DType() != tensor.Float32 {
			t.Fatalf("Dropout of float32 gives %v", o32.DType())
		}
		for i, v := range o64.Float64s() {
			if o32.Float64s()[i] != v {
				t.Fatalf("masks differ at %d: float32 %v, float64 %v", i, o32.Float64s()[i], v)
			}
		}
	})
	t.Run("mixed types", func(t *testing.T) {
		tp := autograd.NewTape()
		err := tapegradtest.Catch(func() { nn.Quadratic(tp, tp.Var(p64.To(tensor.Float32)), tp.Const(y)) })
		if !errors.Is(err, tensor.ErrDType) {
			t.Errorf("a float32 output with float64 targets: %v, want tensor.ErrDType", err)
		}
	})
}
