package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
)

// The recurrent cells, one time step each: LSTMCell and GRUCell (their
// weights and gate arithmetic are shared with LSTM and GRU in rnn.go).

// LSTMCell is PyTorch's nn.LSTMCell: one step of a long short-term memory
// on a batch x (N, in) with state h, c (N, H):
//
//	[i f g o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh      (N, 4H), PyTorch's gate order
//	i, f, o = σ(·),  g = tanh(·)
//	c′ = f⊙c + i⊙g,   h′ = o⊙tanh(c′)
//
// Parameters: weight_ih (4H, in), weight_hh (4H, H), bias_ih (4H), bias_hh
// (4H) in PyTorch's layout; set the biases to the zero Var for bias=False.
// Unbatched (in) inputs are not taken: reshape to (1, in).
type LSTMCell struct {
	WeightIH autograd.Var `nn:"weight_ih"`
	WeightHH autograd.Var `nn:"weight_hh"`
	BiasIH   autograd.Var `nn:"bias_ih"`
	BiasHH   autograd.Var `nn:"bias_hh"`
}

// NewLSTMCell returns PyTorch's nn.LSTMCell(in, hidden), every parameter
// drawn from U(−1/√H, 1/√H). It panics with ErrArg if rng is nil or a size
// is not positive.
func NewLSTMCell(rng *rand.Rand, in, hidden int) *LSTMCell {
	checkRNNArgs("nn.NewLSTMCell", rng, in, hidden, 1)
	w := newRNNWeights(rng, 4, in, hidden, "")
	return &LSTMCell{w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH}
}

func (c *LSTMCell) weights() RNNWeights {
	return RNNWeights{c.WeightIH, c.WeightHH, c.BiasIH, c.BiasHH}
}

// Step returns the next state (h′, c′), each (N, H), for input x (N, in)
// and state h, c (N, H); the zero Var for h or c means zeros (PyTorch's
// default state). It panics with ErrArg if the cell has no weights or x is
// the zero Var, and with tensor.ErrShape on other shapes.
func (c *LSTMCell) Step(tp *autograd.Tape, x, h, cs autograd.Var) (autograd.Var, autograd.Var) {
	const op = "nn.LSTMCell.Step"
	w := c.weights()
	in, hid := w.check(op, 4)
	checkCellInput(op, x, in, hid, h, cs)
	return w.lstmStep(tp, w.inputProj(tp, x, w.bias(tp)), h, cs, hid)
}

// Forward returns h′ (N, H) for input x (N, in) from the zero state:
// Step(tp, x, zero, zero)'s h′. It panics as Step does.
func (c *LSTMCell) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	h, _ := c.Step(tp, x, autograd.Var{}, autograd.Var{})
	return h
}

// NamedParams returns weight_ih, weight_hh, bias_ih and bias_hh.
func (c *LSTMCell) NamedParams() []NamedParam { return FieldParams(c) }

// String prints the cell's sizes, PyTorch-style.
func (c *LSTMCell) String() string { return cellString("LSTMCell", c.weights(), 4) }

// GRUCell is PyTorch's nn.GRUCell: one step of a gated recurrent unit on a
// batch x (N, in) with state h (N, H):
//
//	[r z n]ᵢ = x·W_ihᵀ + b_ih,   [r z n]ₕ = h·W_hhᵀ + b_hh   (N, 3H each)
//	r = σ(rᵢ + rₕ),  z = σ(zᵢ + zₕ),  n = tanh(nᵢ + r⊙nₕ)
//	h′ = (1 − z)⊙n + z⊙h
//
// Parameters: weight_ih (3H, in), weight_hh (3H, H), bias_ih (3H), bias_hh
// (3H) in PyTorch's layout (gate order r, z, n); set the biases to the zero
// Var for bias=False. Unbatched (in) inputs are not taken.
type GRUCell struct {
	WeightIH autograd.Var `nn:"weight_ih"`
	WeightHH autograd.Var `nn:"weight_hh"`
	BiasIH   autograd.Var `nn:"bias_ih"`
	BiasHH   autograd.Var `nn:"bias_hh"`
}

// NewGRUCell returns PyTorch's nn.GRUCell(in, hidden), every parameter
// drawn from U(−1/√H, 1/√H). It panics with ErrArg if rng is nil or a size
// is not positive.
func NewGRUCell(rng *rand.Rand, in, hidden int) *GRUCell {
	checkRNNArgs("nn.NewGRUCell", rng, in, hidden, 1)
	w := newRNNWeights(rng, 3, in, hidden, "")
	return &GRUCell{w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH}
}

func (c *GRUCell) weights() RNNWeights { return RNNWeights{c.WeightIH, c.WeightHH, c.BiasIH, c.BiasHH} }

// Step returns the next state h′ (N, H) for input x (N, in) and state h
// (N, H), the zero Var meaning zeros. It panics with ErrArg if the cell has
// no weights or x is the zero Var, and with tensor.ErrShape on other shapes.
func (c *GRUCell) Step(tp *autograd.Tape, x, h autograd.Var) autograd.Var {
	const op = "nn.GRUCell.Step"
	w := c.weights()
	in, hid := w.check(op, 3)
	checkCellInput(op, x, in, hid, h)
	return w.gruStep(tp, w.inputProj(tp, x, w.BiasIH), h, hid)
}

// Forward returns h′ (N, H) for input x (N, in) from the zero state.
// It panics as Step does.
func (c *GRUCell) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return c.Step(tp, x, autograd.Var{})
}

// NamedParams returns weight_ih, weight_hh, bias_ih and bias_hh.
func (c *GRUCell) NamedParams() []NamedParam { return FieldParams(c) }

// String prints the cell's sizes, PyTorch-style.
func (c *GRUCell) String() string { return cellString("GRUCell", c.weights(), 3) }

// cellString prints a cell or a layer's first weights.
func cellString(name string, w RNNWeights, g int) string {
	if !w.WeightIH.Valid() || !w.WeightHH.Valid() {
		return name + "(no weights)"
	}
	is, hs := w.WeightIH.Shape(), w.WeightHH.Shape()
	if len(is) != 2 || len(hs) != 2 {
		return name + "(no weights)"
	}
	return fmt.Sprintf("%s(%d, %d, bias=%t)", name, is[1], hs[1], w.BiasIH.Valid() || w.BiasHH.Valid())
}
