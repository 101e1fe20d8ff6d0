package nn_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestActivationValues(t *testing.T) {
	x := tensor.New([]float64{-2, -0.5, 0, 0.5, 2}, 1, 5)
	each := func(f func(float64) float64) *tensor.Tensor {
		out := x.Copy()
		for i, v := range out.Data() {
			out.Data()[i] = f(v)
		}
		return out
	}
	sig := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	// softmax of the row: e^xᵢ / Σ e^xⱼ
	sum := 0.0
	for _, v := range x.Data() {
		sum += math.Exp(v)
	}
	tests := []struct {
		g    nn.Activation
		name string
		want *tensor.Tensor
	}{
		{nn.Sigmoid(), "Sigmoid", each(sig)},
		{nn.Tanh(), "Tanh", each(math.Tanh)},
		{nn.ReLU(), "ReLU", tensor.New([]float64{0, 0, 0, 0.5, 2}, 1, 5)},
		{nn.LeakyReLU(0.1), "LeakyReLU(0.1)", tensor.New([]float64{-0.2, -0.05, 0, 0.5, 2}, 1, 5)},
		// GELU(z) = ½z(1 + erf(z/√2)) = ½z·erfc(−z/√2)
		{nn.GELU(), "GELU", each(func(z float64) float64 { return 0.5 * z * math.Erfc(-z/math.Sqrt2) })},
		{nn.Identity(), "Identity", x},
		{nn.Step(), "Step", tensor.New([]float64{0, 0, 0, 1, 1}, 1, 5)},
		{nn.Softmax(1), "Softmax(axis=1)", each(func(v float64) float64 { return math.Exp(v) / sum })},
		{nn.Softmax(-1), "Softmax(axis=-1)", each(func(v float64) float64 { return math.Exp(v) / sum })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(tt.g); got != tt.name {
				t.Errorf("String = %q, want %q", got, tt.name)
			}
			if ps := tt.g.NamedParams(); len(ps) != 0 {
				t.Errorf("activation has parameters %v", ps)
			}
			got := tt.g.Forward(autograd.NewTape(), autograd.Const(x)).Value()
			if d := tapegradtest.Diff(tt.want, got, approx); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestActivationGradCheck checks the activations as layers against central
// differences, first and second order, at points in [0.1, 1] times a sign
// pattern: away from the kink at 0 of ReLU and LeakyReLU (whose second
// derivatives are zero there, and checked as such).
func TestActivationGradCheck(t *testing.T) {
	signs := tensor.New([]float64{1, -1, 1, -1, 1, -1}, 2, 3)
	softsign := nn.NewActivation("Softsign", func(tp *autograd.Tape, x autograd.Var) autograd.Var {
		return tp.Div(x, tp.AddScalar(tp.Abs(x), 1))
	}, nil)
	for _, g := range []nn.Activation{nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU(0.2), nn.GELU(), nn.Softmax(1), nn.Identity(), softsign} {
		t.Run(fmt.Sprint(g), func(t *testing.T) {
			f := func(tp T, x []V) V { return g.Forward(tp, tp.Mul(x[0], tp.Const(signs))) }
			in := []*tensor.Tensor{tensor.RandU(tapegradtest.NewRNG(), 0.1, 1, 2, 3)}
			if rep, err := autograd.Check(f, in, nil); err != nil {
				t.Errorf("first order: %v", rep)
			}
			if rep, err := autograd.CheckSecond(f, in, nil); err != nil {
				t.Errorf("second order: %v", rep)
			}
		})
	}
}

// TestStepHasNoGradient: the step's derivative is zero, so nothing reaches
// the input (no gradient at all, or zeros).
func TestStepHasNoGradient(t *testing.T) {
	tp := autograd.NewTape()
	x := tp.Var(tensor.New([]float64{-1, 0.5, 2}, 3))
	tp.Backward(tp.Sum(tp.Add(nn.Step().Forward(tp, x), tp.Scalar(0))))
	if g := x.Grad(); g != nil {
		if d := tapegradtest.Diff(tensor.Zeros(3), g); d != "" {
			t.Errorf("gradient through Step (-want +got):\n%s", d)
		}
	}
}

// TestWeightInit checks each activation's initialiser by replaying a seed:
// Xavier (gain 1) for saturating units, He for rectifiers.
func TestWeightInit(t *testing.T) {
	id := func(_ *autograd.Tape, x autograd.Var) autograd.Var { return x }
	tests := []struct {
		g    nn.Activation
		want nn.Init
	}{
		{nn.Sigmoid(), nn.XavierUniform(1)},
		{nn.Tanh(), nn.XavierUniform(1)},
		{nn.Identity(), nn.XavierUniform(1)},
		{nn.Softmax(1), nn.XavierUniform(1)},
		{nn.Step(), nn.XavierUniform(1)},
		{nn.ReLU(), nn.HeNormal(math.Sqrt2)},
		{nn.GELU(), nn.HeNormal(math.Sqrt2)},
		// gain √(2/(1+0.5²)) = √1.6
		{nn.LeakyReLU(0.5), nn.HeNormal(math.Sqrt(1.6))},
		{nn.NewActivation("custom", id, nil), nn.XavierUniform(1)},
		{nn.NewActivation("custom he", id, nn.HeUniform(1)), nn.HeUniform(1)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.g), func(t *testing.T) {
			got := tt.g.WeightInit()(tapegradtest.NewRNG(), 5, 7, 5, 7)
			want := tt.want(tapegradtest.NewRNG(), 5, 7, 5, 7)
			if d := tapegradtest.Diff(want, got, approx); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func init() {
	// as nilargs_test.go's actRows: the initialiser with nil arguments,
	// Forward of the zero Var on a nil tape and on a tape, NamedParams
	g := nn.GELU()
	moreNilRows["GELU"] = []func(){
		func() { g.WeightInit()(nil, 0, 0) },
		func() { g.WeightInit()(nil, 1, 1, 1) },
		func() { g.Forward(nil, autograd.Var{}) },
		func() { g.Forward(autograd.NewTape(), autograd.Var{}) },
		func() { _ = g.NamedParams() },
	}
}
