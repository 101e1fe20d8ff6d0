package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

var (
	_ Module    = (*Neuron)(nil)
	_ Module    = (*Linear)(nil)
	_ Module    = (*Dropout)(nil)
	_ Trainable = (*Dropout)(nil)
)

// Neuron is one unit as the course draws it: for an input x of n features,
//
//	z = wᵀx + b,   a = g(z),
//
// with weights w of shape (n, 1), a bias b of shape (1) and an activation g.
// A batch x of shape (batch, n) holds one datapoint per row and gives a of
// shape (batch, 1) (z = x·w + b, each row's wᵀx); a single datapoint of shape
// (n) gives shape (1). A sigmoid neuron is NewNeuron(rng, n, Sigmoid()); a
// perceptron is one with Step and hand-set weights. Its parameters are
// named "weight" and "bias".
type Neuron struct {
	W autograd.Var // weights, shape (n, 1)
	B autograd.Var // bias, shape (1)
	G Activation   `nn:"-"` // the activation g; nil means the identity (a linear unit)
}

// NewNeuron returns a neuron with n inputs and activation g, its weights
// drawn with g.WeightInit() (fan-in n, fan-out 1; XavierUniform(1) when g
// or its WeightInit is nil) and its bias zero.
// It panics with ErrArg if rng is nil or n ≤ 0.
func NewNeuron(rng *rand.Rand, n int, g Activation) *Neuron {
	var init Init
	if g != nil {
		init = g.WeightInit()
	}
	if init == nil {
		init = XavierUniform(1)
	}
	checkRNG("nn.NewNeuron", rng)
	checkFan("nn.NewNeuron", n)
	return &Neuron{
		W: autograd.NewNamedParam("weight", init(rng, n, 1, n, 1)),
		B: autograd.NewNamedParam("bias", tensor.Zeros(1)),
		G: g,
	}
}

// Forward returns a = g(x·w + b) for x of shape (batch, n) or (n).
// It panics with tensor.ErrShape if x has another shape.
func (u *Neuron) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	z := affine(tp, "nn.Neuron", x, u.W, u.B)
	if u.G == nil {
		return z
	}
	return u.G.Forward(tp, z)
}

// NamedParams returns "weight" and "bias".
func (u *Neuron) NamedParams() []NamedParam {
	return []NamedParam{{Name: "weight", Var: u.W}, {Name: "bias", Var: u.B}}
}

// String prints the neuron's size and activation.
func (u *Neuron) String() string {
	g := "Identity"
	if u.G != nil {
		g = fmt.Sprint(u.G)
	}
	if !u.W.Valid() {
		return fmt.Sprintf("Neuron(no weight, %s)", g)
	}
	return fmt.Sprintf("Neuron(in=%d, %s)", u.W.Shape()[0], g)
}

// Linear is a dense (fully connected) layer of out units on in inputs:
//
//	y = x·W + b,   x of shape (batch, in), W (in, out), b (out), y (batch, out),
//
// each row of x a datapoint and column j of W the weights of unit j (so
// yᵢⱼ = Σₖ xᵢₖ Wₖⱼ + bⱼ). A single datapoint x of shape (in) gives y of
// shape (out). Its parameters are named "weight" and "bias".
//
// PyTorch's nn.Linear stores its weight the other way round, as (out, in),
// and computes y = x·Wᵀ + b. The two layouts hold the same numbers
// transposed: W = tensor.T(torchWeight). LinearFromTorch converts, and
// tensor.T(l.W.Value()) gives the weight back in PyTorch's layout.
type Linear struct {
	W autograd.Var // weights, shape (in, out)
	B autograd.Var // bias, shape (out); the zero Var for a layer without bias
}

// NewLinear returns a dense layer with weights drawn by init (fan-in in,
// fan-out out; XavierUniform(1) when init is nil) and a zero bias. Pass the
// WeightInit of the activation that follows (NewMLP does).
// It panics with ErrArg if rng is nil or in or out is not positive.
func NewLinear(rng *rand.Rand, in, out int, init Init) *Linear {
	if init == nil {
		init = XavierUniform(1)
	}
	checkRNG("nn.NewLinear", rng)
	checkFan("nn.NewLinear", in)
	checkFan("nn.NewLinear", out)
	return &Linear{
		W: autograd.NewNamedParam("weight", init(rng, in, out, in, out)),
		B: autograd.NewNamedParam("bias", tensor.Zeros(out)),
	}
}

// LinearFromTorch returns a layer holding PyTorch's nn.Linear parameters:
// weight of shape (out, in), transposed into W (in, out), and bias (out),
// copied (nil for none). It panics with tensor.ErrShape on other shapes and
// with ErrArg if weight is nil.
func LinearFromTorch(weight, bias *tensor.Tensor) *Linear {
	const op = "nn.LinearFromTorch"
	if weight == nil {
		argPanic(op, "nil weight")
	}
	if weight.Rank() != 2 {
		shapePanic(op, "weight must have rank 2 (out, in)", weight.Shape())
	}
	l := &Linear{W: autograd.NewNamedParam("weight", tensor.T(weight))}
	if bias != nil {
		if bias.Rank() != 1 || bias.Dim(0) != weight.Dim(0) {
			shapePanic(op, "bias must have shape (out) for a weight (out, in)", weight.Shape(), bias.Shape())
		}
		l.B = autograd.NewNamedParam("bias", bias.Copy())
	}
	return l
}

// Forward returns x·W + b for x of shape (…, in), PyTorch's (*, H_in):
// (in), (batch, in), or any leading axes, which are flattened into one
// product and restored, giving (…, out).
// It panics with tensor.ErrShape if x's last axis is not in.
func (l *Linear) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return affine(tp, "nn.Linear", x, l.W, l.B)
}

// NamedParams returns "weight" and, unless B is the zero Var, "bias".
func (l *Linear) NamedParams() []NamedParam {
	if !l.B.Valid() {
		return []NamedParam{{Name: "weight", Var: l.W}}
	}
	return []NamedParam{{Name: "weight", Var: l.W}, {Name: "bias", Var: l.B}}
}

// String prints the layer's sizes, PyTorch-style.
func (l *Linear) String() string {
	if !l.W.Valid() {
		return fmt.Sprintf("Linear(no weight, bias=%t)", l.B.Valid())
	}
	s := l.W.Shape()
	return fmt.Sprintf("Linear(in=%d, out=%d, bias=%t)", s[0], s[1], l.B.Valid())
}

// affine returns x·w + b for x of shape (…, in), w (in, out),
// b (out) or the zero Var, panicking with tensor.ErrShape named op, or with
// ErrArg if x or w is the zero Var.
func affine(tp *autograd.Tape, op string, x, w, b autograd.Var) autograd.Var {
	checkVar(op, "input", x)
	if !w.Valid() {
		argPanic(op, "weight is the zero Var (make the layer with its New function)")
	}
	xs, ws := x.Shape(), w.Shape()
	if len(ws) != 2 {
		shapePanic(op, "weight must have rank 2 (in, out)", ws)
	}
	in, out := ws[0], ws[1]
	if b.Valid() && (len(b.Shape()) != 1 || b.Shape()[0] != out) {
		shapePanic(op, fmt.Sprintf("bias must have shape (%d) for a weight (in, out)", out), ws, b.Shape())
	}
	if len(xs) == 0 || xs[len(xs)-1] != in {
		shapePanic(op, fmt.Sprintf("input must have shape (…, %d) for a weight (in, out)", in), xs, ws)
	}
	flat := len(xs) != 2
	var lead [8]int
	if flat { // one product over all leading axes: (n, in)·(in, out)
		x = tp.Reshape(x, -1, in)
	}
	y := tp.MatMul(x, w)
	if b.Valid() {
		y = tp.Add(y, b)
	}
	if flat {
		y = tp.Reshape(y, append(append(lead[:0], xs[:len(xs)-1]...), out)...)
	}
	return y
}

// NewMLP returns a multilayer perceptron with layer widths sizes (inputs
// first, outputs last): for each consecutive pair a Linear layer
// sizes[i] → sizes[i+1] followed by the hidden activation, or by output after
// the last one. A nil activation adds no layer (output nil leaves logits for
// CrossEntropy or BCEWithLogits). Each Linear's weights are drawn with the
// WeightInit of the activation after it (Xavier for sigmoid and tanh, He for
// ReLU), biases are zero. NewMLP(rng, []int{2, 2, 1}, Sigmoid(), Sigmoid())
// is the 2-2-1 sigmoid network; its parameters are layers.0.weight (2, 2),
// layers.0.bias (2), layers.2.weight (2, 1), layers.2.bias (1).
// It panics with ErrArg if rng is nil or sizes has fewer than two entries
// or one is not positive.
func NewMLP(rng *rand.Rand, sizes []int, hidden, output Activation) *Sequential {
	if len(sizes) < 2 {
		panic(fmt.Errorf("%w: nn.NewMLP: sizes %v: need at least the input and output widths", ErrArg, sizes))
	}
	checkRNG("nn.NewMLP", rng)
	var layers []Module
	for i := 0; i+1 < len(sizes); i++ {
		g := hidden
		if i+2 == len(sizes) {
			g = output
		}
		var init Init
		if g != nil {
			init = g.WeightInit()
		}
		layers = append(layers, NewLinear(rng, sizes[i], sizes[i+1], init))
		if g != nil {
			layers = append(layers, g)
		}
	}
	return NewSequential(layers...)
}

// Dropout zeroes each element of its input with probability P while
// training and scales the survivors by 1/(1 − P) (inverted dropout), so the
// expected value of every element is unchanged and evaluation needs no
// rescaling:
//
//	y = x ⊙ m / (1 − P),   mᵢ ~ Bernoulli(1 − P) drawn from the layer's rng.
//
// In evaluation mode (SetTraining(model, false)) it is the identity. The
// gradient flows through the kept elements only, scaled the same way.
// Dropout has no parameters; a new layer starts in training mode.
type Dropout struct {
	P        float64
	rng      *rand.Rand
	training bool
	draws    uint64 // numbers drawn from rng: one per masked element
}

// NewDropout returns a dropout layer in training mode drawing its masks from
// rng (a seeded rng makes the masks repeat). It panics with ErrArg if p is
// outside [0, 1] or rng is nil.
func NewDropout(rng *rand.Rand, p float64) *Dropout {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Errorf("%w: nn.NewDropout: p = %g is outside [0, 1]", ErrArg, p))
	}
	if rng == nil {
		panic(fmt.Errorf("%w: nn.NewDropout: nil rng", ErrArg))
	}
	return &Dropout{P: p, rng: rng, training: true}
}

// Forward returns x with a fresh random mask applied while training, and x
// itself in evaluation mode or when P is 0. With P = 1 every element is
// zeroed. Any shape is accepted. It panics with ErrArg if it must draw a
// mask and has no rng (a Dropout made as a zero value, not by NewDropout).
func (d *Dropout) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	if !d.training || d.P == 0 {
		return x
	}
	if d.rng == nil {
		argPanic("nn.Dropout.Forward", "nil rng (make the layer with NewDropout)")
	}
	m := tensor.Zeros(x.Shape()...)
	if d.P < 1 {
		keep := 1 / (1 - d.P)
		md := m.Data()
		d.draws += uint64(len(md))
		for i := range md {
			if d.rng.Float64() >= d.P {
				md[i] = keep
			}
		}
	}
	if dt := x.Value().DType(); dt != tensor.Float64 {
		m = m.To(dt) // drawn as for float64, so a seed gives one mask for both types
	}
	return tp.Mul(x, tp.Const(m))
}

// NamedParams returns nil: dropout has no parameters.
func (d *Dropout) NamedParams() []NamedParam { return nil }

// SetTraining switches between training (on: random masks) and evaluation
// (off: the identity).
func (d *Dropout) SetTraining(on bool) { d.training = on }

// Training reports whether the layer is in training mode.
func (d *Dropout) Training() bool { return d.training }

// Draws returns how many numbers the layer has drawn from its rng since it
// was made: one per element of each input it masked. Checkpoints save it so
// that a resumed layer continues the same sequence of masks (see Skip).
func (d *Dropout) Draws() uint64 { return d.draws }

// Skip draws n numbers from the layer's rng and discards them, as masking n
// elements would, and adds n to Draws. A layer made like a saved one (its
// rng in the state the saved layer's rng started from) reaches the saved
// layer's rng state with Skip(saved.Draws() − Draws()). It costs n draws,
// about 2 ns each for a PCG source. It panics with ErrArg if n > 0 and the
// layer has no rng (a zero-value Dropout).
func (d *Dropout) Skip(n uint64) {
	if n > 0 && d.rng == nil {
		panic(fmt.Errorf("%w: nn.Dropout.Skip: nil rng (make the layer with NewDropout)", ErrArg))
	}
	for range n {
		d.rng.Uint64() // rand.Rand.Float64 draws exactly one Uint64
	}
	d.draws += n
}

// String prints the drop probability.
func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%g)", d.P) }
