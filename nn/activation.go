package nn

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
)

// Activation is a parameter-free layer applying a non-linearity g, element
// by element (Softmax: along an axis). Its output has its input's shape.
// WeightInit is the initialiser suited to the weights of a layer that feeds
// g; NewMLP and NewNeuron use it.
type Activation interface {
	Module
	WeightInit() Init
}

// act is the built-in Activation: a name, a function recorded with tape ops
// (whose derivative rules the tape owns) and an initialiser.
type act struct {
	name string
	f    func(tp *autograd.Tape, x autograd.Var) autograd.Var
	init Init
}

var _ Activation = (*act)(nil)

// Forward applies the activation element-wise.
func (a *act) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var { return a.f(tp, x) }

// NamedParams returns nil: activations have no parameters.
func (a *act) NamedParams() []NamedParam { return nil }

// WeightInit returns the initialiser suited to the preceding layer.
func (a *act) WeightInit() Init { return a.init }

// String returns the activation's name.
func (a *act) String() string { return a.name }

// NewActivation returns an Activation computing f (written with tape ops, so
// it is differentiable), printed as name, whose preceding layer's weights
// are drawn from init (XavierUniform(1) when init is nil). It panics with
// ErrArg if f is nil.
func NewActivation(name string, f func(tp *autograd.Tape, x autograd.Var) autograd.Var, init Init) Activation {
	if f == nil {
		argPanic("nn.NewActivation", "nil function f for activation %q", name)
	}
	if init == nil {
		init = XavierUniform(1)
	}
	return &act{name: name, f: f, init: init}
}

// Sigmoid returns the layer σ(z) = 1/(1 + e^(−z)); σ′ = σ(1 − σ) ≤ ¼.
// Weights feeding it are initialised with XavierUniform(1).
func Sigmoid() Activation {
	return &act{"Sigmoid", (*autograd.Tape).Sigmoid, XavierUniform(1)}
}

// Tanh returns the layer tanh z = 2σ(2z) − 1; tanh′ = 1 − tanh².
// Weights feeding it are initialised with XavierUniform(1).
func Tanh() Activation {
	return &act{"Tanh", (*autograd.Tape).Tanh, XavierUniform(1)}
}

// ReLU returns the layer max(z, 0); its derivative is 1 for z > 0 and 0
// otherwise (0 at z = 0, like PyTorch). Weights feeding it are initialised
// with HeNormal(√2).
func ReLU() Activation {
	return &act{"ReLU", (*autograd.Tape).ReLU, HeNormal(math.Sqrt2)}
}

// GELU returns the layer x·Φ(x) = ½x(1 + erf(x/√2)), the Gaussian error
// linear unit in its exact form (torch.nn.GELU() with approximate='none');
// its derivative is Φ(x) + x·φ(x). Weights feeding it are initialised with
// HeNormal(√2), as for ReLU, which GELU approaches for large |x|.
func GELU() Activation {
	return &act{"GELU", (*autograd.Tape).GELU, HeNormal(math.Sqrt2)}
}

// LeakyReLU returns the layer z for z > 0 and slope·z otherwise (PyTorch's
// default slope is 0.01); its derivative is 1 or slope. Weights feeding it
// are initialised with HeNormal(√(2/(1 + slope²))).
func LeakyReLU(slope float64) Activation {
	return &act{
		name: fmt.Sprintf("LeakyReLU(%g)", slope),
		f:    func(tp *autograd.Tape, x autograd.Var) autograd.Var { return tp.LeakyReLU(x, slope) },
		init: HeNormal(math.Sqrt(2 / (1 + slope*slope))),
	}
}

// Softmax returns the layer softmax(z)ᵢ = e^(zᵢ) / Σⱼ e^(zⱼ) along axis
// (1, or −1, for a batch of shape (batch, classes)), computed stably for
// logits of ±1000. To train a classifier, feed the logits (no Softmax
// layer) to CrossEntropy instead: it is stabler and cheaper. It panics with
// tensor.ErrShape if axis is out of range. Weights feeding it are
// initialised with XavierUniform(1).
func Softmax(axis int) Activation {
	return &act{
		name: fmt.Sprintf("Softmax(axis=%d)", axis),
		f:    func(tp *autograd.Tape, x autograd.Var) autograd.Var { return tp.Softmax(x, axis) },
		init: XavierUniform(1),
	}
}

// Identity returns the layer g(z) = z, for a linear output (regression,
// logits). Weights feeding it are initialised with XavierUniform(1).
func Identity() Activation {
	return &act{"Identity", func(_ *autograd.Tape, x autograd.Var) autograd.Var { return x }, XavierUniform(1)}
}

// Step returns the perceptron's Heaviside step: 1 for z > 0, 0 otherwise.
// Its derivative is 0 wherever it exists (and undefined at 0), so no
// gradient flows back through it: a network of step units cannot be trained
// by gradient descent, which is why sigmoid neurons replace perceptrons.
// Use it for inference with hand-set weights.
func Step() Activation {
	return &act{"Step", (*autograd.Tape).Step, XavierUniform(1)}
}
