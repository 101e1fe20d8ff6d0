package nn_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestRNNMatchesTorch loads PyTorch's LSTM, GRU, LSTMCell and GRUCell
// (make_rnn.py) by their state-dict names and matches outputs, final states
// and the gradients with respect to the input and the initial states.
func TestRNNMatchesTorch(t *testing.T) {
	rng := tapegradtest.NewRNG()
	const in, h = 3, 4
	for _, layers := range []int{1, 2} {
		t.Run(fmt.Sprintf("lstm_l%d", layers), func(t *testing.T) {
			m := nn.NewLSTM(rng, in, h, layers)
			io := torchCase(t, "rnn", fmt.Sprintf("lstm_l%d", layers), m)
			matchTorch(t, io, []string{"x", "h0", "c0"}, []string{"out", "hn", "cn"}, []string{"r_out", "r_hn", "r_cn"},
				func(tp *autograd.Tape, v []autograd.Var) []autograd.Var {
					out, hn, cn := m.Run(tp, v[0], v[1], v[2])
					return []autograd.Var{out, hn, cn}
				})
		})
		t.Run(fmt.Sprintf("gru_l%d", layers), func(t *testing.T) {
			m := nn.NewGRU(rng, in, h, layers)
			io := torchCase(t, "rnn", fmt.Sprintf("gru_l%d", layers), m)
			matchTorch(t, io, []string{"x", "h0"}, []string{"out", "hn"}, []string{"r_out", "r_hn"},
				func(tp *autograd.Tape, v []autograd.Var) []autograd.Var {
					out, hn := m.Run(tp, v[0], v[1])
					return []autograd.Var{out, hn}
				})
		})
	}
	t.Run("lstmcell", func(t *testing.T) {
		m := nn.NewLSTMCell(rng, in, h)
		io := torchCase(t, "rnn", "lstmcell", m)
		matchTorch(t, io, []string{"x", "h", "c"}, []string{"h2", "c2"}, []string{"r_h2", "r_c2"},
			func(tp *autograd.Tape, v []autograd.Var) []autograd.Var {
				h2, c2 := m.Step(tp, v[0], v[1], v[2])
				return []autograd.Var{h2, c2}
			})
	})
	t.Run("grucell", func(t *testing.T) {
		m := nn.NewGRUCell(rng, in, h)
		io := torchCase(t, "rnn", "grucell", m)
		matchTorch(t, io, []string{"x", "h"}, []string{"h2"}, []string{"r_h2"},
			func(tp *autograd.Tape, v []autograd.Var) []autograd.Var {
				return []autograd.Var{m.Step(tp, v[0], v[1])}
			})
	})
}

// TestRNNZeroStateAndCells checks that the zero Var as a state means zeros,
// and that a one-layer LSTM (GRU) over a sequence is its cell applied
// step by step with the same weights.
func TestRNNZeroStateAndCells(t *testing.T) {
	rng := tapegradtest.NewRNG()
	const n, T, in, h = 2, 3, 3, 4
	x := tensor.RandU(rng, -1, 1, n, T, in)
	step := func(xs *tensor.Tensor, τ int) autograd.Var {
		return autograd.Const(tensor.Reshape(tensor.Slice(xs, 1, τ, τ+1), n, in))
	}
	// the same products and sums in the same order: equal to rounding
	tol := cmpopts.EquateApprox(0, 1e-15)

	lstm := nn.NewLSTM(rng, in, h, 1)
	w := lstm.Layers[0]
	cell := &nn.LSTMCell{WeightIH: w.WeightIH, WeightHH: w.WeightHH, BiasIH: w.BiasIH, BiasHH: w.BiasHH}
	out, hn, cn := lstm.Run(nil, autograd.Const(x), autograd.Var{}, autograd.Var{})
	zeros := autograd.Const(tensor.Zeros(1, n, h))
	out0, _, _ := lstm.Run(nil, autograd.Const(x), zeros, zeros)
	if d := tapegradtest.Diff(out0.Value(), out.Value(), tol); d != "" {
		t.Errorf("LSTM zero Var vs zero state:\n%s", d)
	}
	var hc, cc autograd.Var
	for τ := range T {
		hc, cc = cell.Step(nil, step(x, τ), hc, cc)
		if d := tapegradtest.Diff(tensor.Reshape(tensor.Slice(out.Value(), 1, τ, τ+1), n, h), hc.Value(), tol); d != "" {
			t.Errorf("LSTM step %d:\n%s", τ, d)
		}
	}
	if d := tapegradtest.Diff(tensor.Reshape(hn.Value(), n, h), hc.Value(), tol); d != "" {
		t.Errorf("LSTM h_n:\n%s", d)
	}
	if d := tapegradtest.Diff(tensor.Reshape(cn.Value(), n, h), cc.Value(), tol); d != "" {
		t.Errorf("LSTM c_n:\n%s", d)
	}

	gru := nn.NewGRU(rng, in, h, 1)
	g := gru.Layers[0]
	gcell := &nn.GRUCell{WeightIH: g.WeightIH, WeightHH: g.WeightHH, BiasIH: g.BiasIH, BiasHH: g.BiasHH}
	gout, ghn := gru.Run(nil, autograd.Const(x), autograd.Var{})
	gout0, _ := gru.Run(nil, autograd.Const(x), zeros)
	if d := tapegradtest.Diff(gout0.Value(), gout.Value(), tol); d != "" {
		t.Errorf("GRU zero Var vs zero state:\n%s", d)
	}
	var hg autograd.Var
	for τ := range T {
		hg = gcell.Step(nil, step(x, τ), hg)
	}
	if d := tapegradtest.Diff(tensor.Reshape(ghn.Value(), n, h), hg.Value(), tol); d != "" {
		t.Errorf("GRU h_n:\n%s", d)
	}
}

func TestRNNNames(t *testing.T) {
	rng := tapegradtest.NewRNG()
	names := func(m nn.Module) []string {
		var out []string
		for _, p := range m.NamedParams() {
			out = append(out, p.Name+" "+fmt.Sprint(p.Var.Shape()))
		}
		return out
	}
	tests := []struct {
		name string
		m    nn.Module
		want []string
		str  string
	}{
		{"LSTM", nn.NewLSTM(rng, 3, 2, 2), []string{
			"weight_ih_l0 [8 3]", "weight_hh_l0 [8 2]", "bias_ih_l0 [8]", "bias_hh_l0 [8]",
			"weight_ih_l1 [8 2]", "weight_hh_l1 [8 2]", "bias_ih_l1 [8]", "bias_hh_l1 [8]"},
			"LSTM(3, 2, bias=true, num_layers=2, batch_first=true)"},
		{"GRU", nn.NewGRU(rng, 3, 2, 1), []string{
			"weight_ih_l0 [6 3]", "weight_hh_l0 [6 2]", "bias_ih_l0 [6]", "bias_hh_l0 [6]"},
			"GRU(3, 2, bias=true, batch_first=true)"},
		{"LSTMCell", nn.NewLSTMCell(rng, 3, 2), []string{"weight_ih [8 3]", "weight_hh [8 2]", "bias_ih [8]", "bias_hh [8]"},
			"LSTMCell(3, 2, bias=true)"},
		{"GRUCell", nn.NewGRUCell(rng, 3, 2), []string{"weight_ih [6 3]", "weight_hh [6 2]", "bias_ih [6]", "bias_hh [6]"},
			"GRUCell(3, 2, bias=true)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, names(tt.m)); d != "" {
				t.Errorf("names (-want +got):\n%s", d)
			}
			if got := fmt.Sprint(tt.m); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
		})
	}
}

func TestRNNPanics(t *testing.T) {
	rng := tapegradtest.NewRNG()
	lstm, gru := nn.NewLSTM(rng, 3, 2, 2), nn.NewGRU(rng, 3, 2, 1)
	cell := nn.NewLSTMCell(rng, 3, 2)
	c := func(s ...int) autograd.Var { return autograd.Const(tensor.Zeros(s...)) }
	tests := []struct {
		name string
		f    func()
		want error
	}{
		{"lstm rank", func() { lstm.Forward(nil, c(2, 3)) }, tensor.ErrShape},
		{"lstm in", func() { lstm.Forward(nil, c(1, 2, 4)) }, tensor.ErrShape},
		{"lstm h0", func() { lstm.Run(nil, c(1, 2, 3), c(1, 1, 2), autograd.Var{}) }, tensor.ErrShape},
		{"gru h0", func() { gru.Run(nil, c(1, 2, 3), c(1, 2, 2)) }, tensor.ErrShape},
		{"cell in", func() { cell.Forward(nil, c(1, 2)) }, tensor.ErrShape},
		{"cell state", func() { cell.Step(nil, c(1, 3), c(2, 2), autograd.Var{}) }, tensor.ErrShape},
		{"layers", func() { nn.NewLSTM(rng, 3, 2, 0) }, nn.ErrArg},
		{"hidden", func() { nn.NewGRUCell(rng, 3, 0) }, nn.ErrArg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tapegradtest.Catch(tt.f); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func init() {
	var (
		tp   *autograd.Tape
		zero autograd.Var
		rng  = tapegradtest.NewRNG()
		x2   = autograd.Const(tensor.Zeros(1, 3))
		x3   = autograd.Const(tensor.Zeros(1, 2, 3))
	)
	zeroLayer := []nn.RNNWeights{{}}
	moreNilRows["NewLSTMCell"] = []func(){func() { nn.NewLSTMCell(nil, 3, 2) }, func() { nn.NewLSTMCell(rng, 0, 0) }}
	moreNilRows["NewGRUCell"] = []func(){func() { nn.NewGRUCell(nil, 3, 2) }, func() { nn.NewGRUCell(rng, 0, 0) }}
	moreNilRows["NewLSTM"] = []func(){func() { nn.NewLSTM(nil, 3, 2, 1) }, func() { nn.NewLSTM(rng, 0, 0, 0) }}
	moreNilRows["NewGRU"] = []func(){func() { nn.NewGRU(nil, 3, 2, 1) }, func() { nn.NewGRU(rng, 0, 0, 0) }}
	moreNilRows["LSTMCell.Step"] = []func(){
		func() { new(nn.LSTMCell).Step(tp, x2, zero, zero) },
		func() { nn.NewLSTMCell(rng, 3, 2).Step(tp, zero, zero, zero) },
	}
	moreNilRows["LSTMCell.Forward"] = []func(){func() { new(nn.LSTMCell).Forward(tp, x2) }, func() { nn.NewLSTMCell(rng, 3, 2).Forward(tp, zero) }}
	moreNilRows["LSTMCell.NamedParams"] = []func(){func() { new(nn.LSTMCell).NamedParams() }}
	moreNilRows["LSTMCell.String"] = []func(){func() { _ = new(nn.LSTMCell).String() }}
	moreNilRows["GRUCell.Step"] = []func(){
		func() { new(nn.GRUCell).Step(tp, x2, zero) },
		func() { nn.NewGRUCell(rng, 3, 2).Step(tp, zero, zero) },
	}
	moreNilRows["GRUCell.Forward"] = []func(){func() { new(nn.GRUCell).Forward(tp, x2) }, func() { nn.NewGRUCell(rng, 3, 2).Forward(tp, zero) }}
	moreNilRows["GRUCell.NamedParams"] = []func(){func() { new(nn.GRUCell).NamedParams() }}
	moreNilRows["GRUCell.String"] = []func(){func() { _ = new(nn.GRUCell).String() }}
	moreNilRows["LSTM.Run"] = []func(){
		func() { new(nn.LSTM).Run(tp, x3, zero, zero) },
		func() { (&nn.LSTM{Layers: zeroLayer}).Run(tp, x3, zero, zero) },
		func() { nn.NewLSTM(rng, 3, 2, 1).Run(tp, zero, zero, zero) },
	}
	moreNilRows["LSTM.Forward"] = []func(){func() { new(nn.LSTM).Forward(tp, x3) }, func() { nn.NewLSTM(rng, 3, 2, 2).Forward(tp, zero) }}
	moreNilRows["LSTM.NamedParams"] = []func(){func() { new(nn.LSTM).NamedParams() }, func() { (&nn.LSTM{Layers: zeroLayer}).NamedParams() }}
	moreNilRows["LSTM.String"] = []func(){func() { _ = new(nn.LSTM).String() }, func() { _ = (&nn.LSTM{Layers: zeroLayer}).String() }}
	moreNilRows["GRU.Run"] = []func(){
		func() { new(nn.GRU).Run(tp, x3, zero) },
		func() { (&nn.GRU{Layers: zeroLayer}).Run(tp, x3, zero) },
		func() { nn.NewGRU(rng, 3, 2, 1).Run(tp, zero, zero) },
	}
	moreNilRows["GRU.Forward"] = []func(){func() { new(nn.GRU).Forward(tp, x3) }, func() { nn.NewGRU(rng, 3, 2, 2).Forward(tp, zero) }}
	moreNilRows["GRU.NamedParams"] = []func(){func() { new(nn.GRU).NamedParams() }, func() { (&nn.GRU{Layers: zeroLayer}).NamedParams() }}
	moreNilRows["GRU.String"] = []func(){func() { _ = new(nn.GRU).String() }, func() { _ = (&nn.GRU{Layers: zeroLayer}).String() }}
}

// An LSTM over a batch of sequences (batch_first): the output at every
// step and the final states, with PyTorch's parameter names.
func ExampleNewLSTM() {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewLSTM(rng, 3, 5, 2)
	fmt.Println(m)
	x := autograd.Const(tensor.RandN(rng, 4, 7, 3)) // (N, T, in)
	out, hn, cn := m.Run(nil, x, autograd.Var{}, autograd.Var{})
	fmt.Println(out.Shape(), hn.Shape(), cn.Shape())
	for _, p := range m.NamedParams()[:4] {
		fmt.Println(p.Name, p.Var.Shape())
	}
	// Output:
	// LSTM(3, 5, bias=true, num_layers=2, batch_first=true)
	// [4 7 5] [2 4 5] [2 4 5]
	// weight_ih_l0 [20 3]
	// weight_hh_l0 [20 5]
	// bias_ih_l0 [20]
	// bias_hh_l0 [20]
}

// A GRU returns its output sequence and final state.
func ExampleNewGRU() {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewGRU(rng, 3, 5, 1)
	out, hn := m.Run(nil, autograd.Const(tensor.RandN(rng, 4, 7, 3)), autograd.Var{})
	fmt.Println(m, out.Shape(), hn.Shape())
	// Output:
	// GRU(3, 5, bias=true, batch_first=true) [4 7 5] [1 4 5]
}

// Cells take one step at a time; the zero Var is the zero state.
func ExampleNewLSTMCell() {
	rng := rand.New(rand.NewPCG(1, 2))
	cell := nn.NewLSTMCell(rng, 3, 4)
	var h, c autograd.Var // zeros
	for range 5 {
		h, c = cell.Step(nil, autograd.Const(tensor.RandN(rng, 2, 3)), h, c)
	}
	fmt.Println(cell, h.Shape(), c.Shape())
	// Output:
	// LSTMCell(3, 4, bias=true) [2 4] [2 4]
}

// A GRUCell's step.
func ExampleNewGRUCell() {
	rng := rand.New(rand.NewPCG(1, 2))
	cell := nn.NewGRUCell(rng, 3, 4)
	h := cell.Step(nil, autograd.Const(tensor.RandN(rng, 2, 3)), autograd.Var{})
	fmt.Println(cell, h.Shape())
	// Output:
	// GRUCell(3, 4, bias=true) [2 4]
}

// BenchmarkLSTM times forward and backward of a one-layer LSTM, batch 32,
// 32 steps, 64 inputs, 128 hidden units, on a reused tape.
func BenchmarkLSTM(b *testing.B) {
	rng := tapegradtest.NewRNG()
	m := nn.NewLSTM(rng, 64, 128, 1)
	x := tensor.RandN(rng, 32, 32, 64)
	tp := autograd.NewTape()
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		tp.Backward(tp.Mean(tp.Square(m.Forward(tp, tp.Const(x)))))
	}
}

// BenchmarkGRU is BenchmarkLSTM for a GRU.
func BenchmarkGRU(b *testing.B) {
	rng := tapegradtest.NewRNG()
	m := nn.NewGRU(rng, 64, 128, 1)
	x := tensor.RandN(rng, 32, 32, 64)
	tp := autograd.NewTape()
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		tp.Backward(tp.Mean(tp.Square(m.Forward(tp, tp.Const(x)))))
	}
}
