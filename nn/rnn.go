package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

var (
	_ Module = (*LSTMCell)(nil)
	_ Module = (*GRUCell)(nil)
	_ Module = (*LSTM)(nil)
	_ Module = (*GRU)(nil)
)

// Recurrent layers, with PyTorch's gate order, names and layouts. A cell's
// weights are weight_ih (G·H, in) and weight_hh (G·H, H) in PyTorch's
// (out, in) layout, multiplied with MatMulT (no transposed copy), and its
// biases bias_ih and bias_hh (G·H), for G = 4 gates (LSTM: i, f, g, o) or 3
// (GRU: r, z, n). Every parameter starts from U(−1/√H, 1/√H), PyTorch's
// initialisation.

// RNNWeights holds the parameters of one layer of an LSTM or a GRU, in
// PyTorch's layout for G gates of hidden size H on in inputs: WeightIH
// (G·H, in), WeightHH (G·H, H), BiasIH and BiasHH (G·H), each bias the
// zero Var when the layer has none (PyTorch's bias=False).
type RNNWeights struct {
	WeightIH, WeightHH, BiasIH, BiasHH autograd.Var
}

// newRNNWeights draws a layer's parameters for g gates of hidden size h
// on in inputs from U(−1/√h, 1/√h), PyTorch's order of drawing.
func newRNNWeights(rng *rand.Rand, g, in, h int, suffix string) RNNWeights {
	r := 1 / math.Sqrt(float64(h))
	return RNNWeights{
		WeightIH: autograd.NewNamedParam("weight_ih"+suffix, tensor.RandU(rng, -r, r, g*h, in)),
		WeightHH: autograd.NewNamedParam("weight_hh"+suffix, tensor.RandU(rng, -r, r, g*h, h)),
		BiasIH:   autograd.NewNamedParam("bias_ih"+suffix, tensor.RandU(rng, -r, r, g*h)),
		BiasHH:   autograd.NewNamedParam("bias_hh"+suffix, tensor.RandU(rng, -r, r, g*h)),
	}
}

// checkRNNArgs panics with ErrArg unless rng is set and the sizes are positive.
func checkRNNArgs(op string, rng *rand.Rand, in, h, layers int) {
	checkRNG(op, rng)
	checkFan(op, in)
	checkFan(op, h)
	if layers < 1 {
		argPanic(op, "num_layers %d must be at least 1", layers)
	}
}

// check returns the input and hidden sizes of a layer with g gates,
// panicking unless its parameters fit together. Biases may be the zero Var.
func (w RNNWeights) check(op string, g int) (in, h int) {
	if !w.WeightIH.Valid() || !w.WeightHH.Valid() {
		argPanic(op, "the layer has no weights (make it with its New function)")
	}
	is, hs := w.WeightIH.Shape(), w.WeightHH.Shape()
	if len(hs) != 2 || hs[0] != g*hs[1] || len(is) != 2 || is[0] != hs[0] {
		shapePanic(op, fmt.Sprintf("weight_ih and weight_hh must have shapes (%d·H, in) and (%d·H, H)", g, g), is, hs)
	}
	for _, b := range []autograd.Var{w.BiasIH, w.BiasHH} {
		if b.Valid() && (len(b.Shape()) != 1 || b.Shape()[0] != hs[0]) {
			shapePanic(op, fmt.Sprintf("bias_ih and bias_hh must have shape (%d·H)", g), hs, b.Shape())
		}
	}
	return is[1], hs[1]
}

// bias returns bias_ih + bias_hh, or whichever exists, or the zero Var.
func (w RNNWeights) bias(tp *autograd.Tape) autograd.Var {
	switch {
	case w.BiasIH.Valid() && w.BiasHH.Valid():
		return tp.Add(w.BiasIH, w.BiasHH)
	case w.BiasIH.Valid():
		return w.BiasIH
	}
	return w.BiasHH
}

// inputProj returns x (M, in) times weight_ihᵀ plus bias (the zero Var
// for none): (M, G·H).
func (w RNNWeights) inputProj(tp *autograd.Tape, x, bias autograd.Var) autograd.Var {
	y := tp.MatMulT(x, w.WeightIH, tensor.NoTrans, tensor.Trans)
	if bias.Valid() {
		y = tp.Add(y, bias)
	}
	return y
}

// hiddenProj returns h (N, H) times weight_hhᵀ: (N, G·H).
func (w RNNWeights) hiddenProj(tp *autograd.Tape, h autograd.Var) autograd.Var {
	return tp.MatMulT(h, w.WeightHH, tensor.NoTrans, tensor.Trans)
}

// lstmStep returns the next (h, c) from the gate pre-activations
// gates (N, 4H) (the input and bias part) and the state (h, c), either
// of which may be the zero Var for zeros.
func (w RNNWeights) lstmStep(tp *autograd.Tape, gates, h, c autograd.Var, hid int) (autograd.Var, autograd.Var) {
	if h.Valid() {
		gates = tp.Add(gates, w.hiddenProj(tp, h))
	}
	ifg := tp.Sigmoid(tp.Slice(gates, 1, 0, 2*hid)) // i and f together
	i, f := tp.Slice(ifg, 1, 0, hid), tp.Slice(ifg, 1, hid, 2*hid)
	g := tp.Tanh(tp.Slice(gates, 1, 2*hid, 3*hid))
	o := tp.Sigmoid(tp.Slice(gates, 1, 3*hid, 4*hid))
	c2 := tp.Mul(i, g)
	if c.Valid() {
		c2 = tp.Add(tp.Mul(f, c), c2)
	}
	return tp.Mul(o, tp.Tanh(c2)), c2
}

// gruStep returns the next h from the input part gi = x·W_ihᵀ + b_ih
// (N, 3H) and h (the zero Var for zeros).
func (w RNNWeights) gruStep(tp *autograd.Tape, gi, h autograd.Var, hid int) autograd.Var {
	var gh autograd.Var // h·W_hhᵀ + b_hh
	if h.Valid() {
		gh = w.hiddenProj(tp, h)
		if w.BiasHH.Valid() {
			gh = tp.Add(gh, w.BiasHH)
		}
	} else if w.BiasHH.Valid() {
		gh = w.BiasHH
	}
	rzPre := tp.Slice(gi, 1, 0, 2*hid)
	nIn := tp.Slice(gi, 1, 2*hid, 3*hid)
	if gh.Valid() {
		rzPre = tp.Add(rzPre, tp.Slice(gh, -1, 0, 2*hid))
	}
	rz := tp.Sigmoid(rzPre)
	r, z := tp.Slice(rz, 1, 0, hid), tp.Slice(rz, 1, hid, 2*hid)
	if gh.Valid() {
		nIn = tp.Add(nIn, tp.Mul(r, tp.Slice(gh, -1, 2*hid, 3*hid)))
	}
	n := tp.Tanh(nIn)
	if !h.Valid() {
		return tp.Sub(n, tp.Mul(z, n)) // (1 − z)⊙n + z⊙0
	}
	return tp.Add(n, tp.Mul(z, tp.Sub(h, n))) // (1 − z)⊙n + z⊙h
}

// checkCellInput panics unless x is (N, in) and s (a state) is the zero
// Var or (N, h).
func checkCellInput(op string, x autograd.Var, in, h int, states ...autograd.Var) {
	checkVar(op, "input", x)
	xs := x.Shape()
	if len(xs) != 2 || xs[1] != in {
		shapePanic(op, fmt.Sprintf("input must have shape (N, %d)", in), xs)
	}
	for _, s := range states {
		if s.Valid() && (len(s.Shape()) != 2 || s.Shape()[0] != xs[0] || s.Shape()[1] != h) {
			shapePanic(op, fmt.Sprintf("the state must have shape (N, %d) = (%d, %d)", h, xs[0], h), xs, s.Shape())
		}
	}
}

// recurrent is the layers of an LSTM or a GRU: layer l's parameters.
type recurrent []RNNWeights

func newRecurrent(rng *rand.Rand, g, in, h, layers int) recurrent {
	r := make(recurrent, layers)
	for l := range layers {
		if l > 0 {
			in = h
		}
		r[l] = newRNNWeights(rng, g, in, h, fmt.Sprintf("_l%d", l))
	}
	return r
}

// namedParams lists weight_ih_lK, weight_hh_lK, bias_ih_lK, bias_hh_lK
// for each layer K, PyTorch's state_dict order.
func (r recurrent) namedParams() []NamedParam {
	var out []NamedParam
	for l, w := range r {
		for _, p := range []struct {
			name string
			v    autograd.Var
		}{{"weight_ih", w.WeightIH}, {"weight_hh", w.WeightHH}, {"bias_ih", w.BiasIH}, {"bias_hh", w.BiasHH}} {
			if p.v.Valid() {
				out = append(out, NamedParam{Name: fmt.Sprintf("%s_l%d", p.name, l), Var: p.v})
			}
		}
	}
	return out
}

// check returns the input size and the hidden size, panicking unless the
// layers fit together and x is (N, T, in) and the state s (num_layers,
// N, H) or the zero Var.
func (r recurrent) check(op string, g int, x autograd.Var, states ...autograd.Var) (n, t, in, h int) {
	if len(r) == 0 {
		argPanic(op, "the layer has no weights (make it with its New function)")
	}
	for l, w := range r {
		li, lh := w.check(op, g)
		switch {
		case l == 0:
			in, h = li, lh
		case lh != h || li != h:
			shapePanic(op, fmt.Sprintf("layer %d's weights do not follow layer 0's hidden size %d", l, h), w.WeightIH.Shape(), w.WeightHH.Shape())
		}
	}
	checkVar(op, "input", x)
	xs := x.Shape()
	if len(xs) != 3 || xs[2] != in {
		shapePanic(op, fmt.Sprintf("input must have shape (N, T, %d) (batch_first)", in), xs)
	}
	n, t = xs[0], xs[1]
	for _, s := range states {
		if !s.Valid() {
			continue
		}
		if ss := s.Shape(); len(ss) != 3 || ss[0] != len(r) || ss[1] != n || ss[2] != h {
			shapePanic(op, fmt.Sprintf("the state must have shape (num_layers, N, H) = (%d, %d, %d)", len(r), n, h), xs, ss)
		}
	}
	return n, t, in, h
}

// layerState returns layer l's part of s (num_layers, N, H) as (N, H), or
// the zero Var if s is.
func layerState(tp *autograd.Tape, s autograd.Var, l int) autograd.Var {
	if !s.Valid() {
		return s
	}
	ss := s.Shape()
	if ss[0] == 1 {
		return tp.Reshape(s, ss[1], ss[2])
	}
	return tp.Reshape(tp.Slice(s, 0, l, l+1), ss[1], ss[2])
}

// run runs the layers over x (N, T, in): each step of each layer computes
// its gates from the step's input and the layer's state with one
// (N, in)·W_ihᵀ and one (N, H)·W_hhᵀ product. (Projecting all T inputs
// with one product and slicing the result per step would cost O(T²) in
// the backward pass, where each slice's gradient is padded back to the
// whole projection.) bias returns the bias added to the input part; step
// returns the new states from the input part and the old states.
func (r recurrent) run(tp *autograd.Tape, x autograd.Var, t int, states []autograd.Var,
	bias func(w RNNWeights) autograd.Var,
	step func(w RNNWeights, gates autograd.Var, s []autograd.Var) []autograd.Var) (out autograd.Var, final [][]autograd.Var) {
	xs := steps(tp, x, 0, t)
	for l, w := range r {
		b := bias(w)
		s := make([]autograd.Var, len(states))
		for i, st := range states {
			s[i] = layerState(tp, st, l)
		}
		hs := make([]autograd.Var, t)
		for τ, xt := range xs {
			s = step(w, w.inputProj(tp, xt, b), s)
			hs[τ] = s[0]
		}
		final = append(final, s)
		xs = hs
	}
	return tp.Stack(1, xs...), final
}

// steps returns the T steps of x (N, T, in) as (N, in) Vars. A Var that
// needs a gradient is split in halves recursively, so that the backward
// pass pads each piece's gradient to its parent's size only: O(T log T)
// rather than the O(T²) of T slices each padded to the whole of x.
func steps(tp *autograd.Tape, x autograd.Var, lo, hi int) []autograd.Var {
	xs := x.Shape()
	if !x.RequiresGrad() || hi-lo <= 2 {
		out := make([]autograd.Var, 0, hi-lo)
		for τ := lo; τ < hi; τ++ {
			out = append(out, tp.Reshape(tp.Slice(x, 1, τ, τ+1), xs[0], xs[2]))
		}
		return out
	}
	n := hi - lo
	m := n / 2
	a, b := tp.Slice(x, 1, 0, m), tp.Slice(x, 1, m, n)
	return append(steps(tp, a, 0, m), steps(tp, b, 0, n-m)...)
}

// stackStates returns the states of each layer stacked to (num_layers, N, H).
func stackStates(tp *autograd.Tape, final [][]autograd.Var, i int) autograd.Var {
	ss := make([]autograd.Var, len(final))
	for l, s := range final {
		ss[l] = s[i]
	}
	return tp.Stack(0, ss...)
}

// LSTM is PyTorch's nn.LSTM with batch_first=True: num_layers LSTMCells
// stacked, each run over the sequence, layer l + 1 reading layer l's
// outputs. For input x (N, T, in) it returns the last layer's h at every
// step, (N, T, H), and the final states h_n, c_n (num_layers, N, H).
// Layer l's parameters are weight_ih_l{l} (4H, in or H), weight_hh_l{l}
// (4H, H), bias_ih_l{l} and bias_hh_l{l} (4H), PyTorch's names and
// layouts, so a PyTorch state dict loads as it is.
//
// Each step of each layer takes one (N, in)·W_ihᵀ and one (N, H)·W_hhᵀ
// product and the element-wise gates. Not supported: bidirectional, proj_size, dropout between
// layers, unbatched (T, in) inputs and batch_first=False (transpose x).
type LSTM struct {
	Layers []RNNWeights // layer l's parameters, named weight_ih_l{l} and so on
}

// NewLSTM returns PyTorch's nn.LSTM(in, hidden, num_layers=layers,
// batch_first=True), every parameter drawn from U(−1/√H, 1/√H).
// It panics with ErrArg if rng is nil, a size is not positive or layers < 1.
func NewLSTM(rng *rand.Rand, in, hidden, layers int) *LSTM {
	checkRNNArgs("nn.NewLSTM", rng, in, hidden, layers)
	return NameParams(&LSTM{newRecurrent(rng, 4, in, hidden, layers)})
}

// Forward returns the output sequence (N, T, H) for x (N, T, in) from the
// zero state. It panics as Run does.
func (m *LSTM) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	out, _, _ := m.Run(tp, x, autograd.Var{}, autograd.Var{})
	return out
}

// Run returns the output sequence (N, T, H) and the final states h_n, c_n
// (num_layers, N, H) for x (N, T, in) and initial states h0, c0
// (num_layers, N, H), the zero Var meaning zeros: PyTorch's
// output, (h_n, c_n) = lstm(x, (h0, c0)). It panics with ErrArg if the
// layer has no weights or x is the zero Var, and with tensor.ErrShape on
// other shapes.
func (m *LSTM) Run(tp *autograd.Tape, x, h0, c0 autograd.Var) (out, hn, cn autograd.Var) {
	const op = "nn.LSTM.Run"
	_, t, _, h := recurrent(m.Layers).check(op, 4, x, h0, c0)
	out, final := recurrent(m.Layers).run(tp, x, t, []autograd.Var{h0, c0},
		func(w RNNWeights) autograd.Var { return w.bias(tp) },
		func(w RNNWeights, gates autograd.Var, s []autograd.Var) []autograd.Var {
			h2, c2 := w.lstmStep(tp, gates, s[0], s[1], h)
			return []autograd.Var{h2, c2}
		})
	return out, stackStates(tp, final, 0), stackStates(tp, final, 1)
}

// NamedParams returns weight_ih_lK, weight_hh_lK, bias_ih_lK, bias_hh_lK
// for each layer K.
func (m *LSTM) NamedParams() []NamedParam { return recurrent(m.Layers).namedParams() }

// String prints the layer's sizes, PyTorch-style.
func (m *LSTM) String() string { return recurrent(m.Layers).str("LSTM", 4) }

func (r recurrent) str(name string, g int) string {
	if len(r) == 0 {
		return name + "(no weights)"
	}
	s := cellString(name, r[0], g)
	if len(r) > 1 && s[len(s)-1] == ')' {
		s = fmt.Sprintf("%s, num_layers=%d, batch_first=true)", s[:len(s)-1], len(r))
	} else if s[len(s)-1] == ')' && r[0].WeightIH.Valid() {
		s = s[:len(s)-1] + ", batch_first=true)"
	}
	return s
}

// GRU is PyTorch's nn.GRU with batch_first=True: num_layers GRUCells
// stacked, each run over the sequence. For input x (N, T, in) it returns
// the last layer's h at every step, (N, T, H), and the final state h_n
// (num_layers, N, H). Layer l's parameters are weight_ih_l{l} (3H, in or
// H), weight_hh_l{l} (3H, H), bias_ih_l{l} and bias_hh_l{l} (3H). Each
// step takes one (N, in)·W_ihᵀ and one (N, H)·W_hhᵀ product. Not supported: bidirectional, dropout between
// layers, unbatched inputs and batch_first=False.
type GRU struct {
	Layers []RNNWeights // layer l's parameters, named weight_ih_l{l} and so on
}

// NewGRU returns PyTorch's nn.GRU(in, hidden, num_layers=layers,
// batch_first=True), every parameter drawn from U(−1/√H, 1/√H).
// It panics with ErrArg if rng is nil, a size is not positive or layers < 1.
func NewGRU(rng *rand.Rand, in, hidden, layers int) *GRU {
	checkRNNArgs("nn.NewGRU", rng, in, hidden, layers)
	return NameParams(&GRU{newRecurrent(rng, 3, in, hidden, layers)})
}

// Forward returns the output sequence (N, T, H) for x (N, T, in) from the
// zero state. It panics as Run does.
func (m *GRU) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	out, _ := m.Run(tp, x, autograd.Var{})
	return out
}

// Run returns the output sequence (N, T, H) and the final state h_n
// (num_layers, N, H) for x (N, T, in) and initial state h0 (num_layers,
// N, H), the zero Var meaning zeros: PyTorch's output, h_n = gru(x, h0).
// It panics with ErrArg if the layer has no weights or x is the zero Var,
// and with tensor.ErrShape on other shapes.
func (m *GRU) Run(tp *autograd.Tape, x, h0 autograd.Var) (out, hn autograd.Var) {
	const op = "nn.GRU.Run"
	_, t, _, h := recurrent(m.Layers).check(op, 3, x, h0)
	out, final := recurrent(m.Layers).run(tp, x, t, []autograd.Var{h0},
		func(w RNNWeights) autograd.Var { return w.BiasIH },
		func(w RNNWeights, gi autograd.Var, s []autograd.Var) []autograd.Var {
			return []autograd.Var{w.gruStep(tp, gi, s[0], h)}
		})
	return out, stackStates(tp, final, 0)
}

// NamedParams returns weight_ih_lK, weight_hh_lK, bias_ih_lK, bias_hh_lK
// for each layer K.
func (m *GRU) NamedParams() []NamedParam { return recurrent(m.Layers).namedParams() }

// String prints the layer's sizes, PyTorch-style.
func (m *GRU) String() string { return recurrent(m.Layers).str("GRU", 3) }
