package tapegrad_test

import (
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
)

func init() { rowGroups = append(rowGroups, seqRows) }

// seqRows are the gradient-check rows of the sequence layers: scaled
// dot-product attention (additive and causal masks, broadcast batch axes),
// MultiheadAttention, the pre-norm transformer encoder block, the LSTM and
// GRU cells and short (T = 3) LSTM and GRU sequences. The layers' weights
// are inputs of the rows (layers assembled from the row's Vars), so their
// gradients are checked too. They are compositions of the table's ops
// (matmul, softmax, slice, sigmoid, tanh…), so the rows check the
// compositions, not new rules. Inputs in [−1, 1].
func seqRows() []gradRow {
	type T = *autograd.Tape
	type V = []autograd.Var
	mask := func(x autograd.Var) autograd.Var { // (3, 5) additive mask with a −1e9 entry per row but the first
		return like(x, []float64{
			0.1, -0.3, 0.2, 0, -1e9,
			-0.2, 0.4, -1e9, 0.3, 0.1,
			0, 0.2, -0.1, -1e9, 0.5,
		}, 3, 5)
	}
	mha := func(x V, heads int) *nn.MultiheadAttention {
		return &nn.MultiheadAttention{InProjWeight: x[0], InProjBias: x[1], OutProj: &nn.Linear{W: x[2], B: x[3]}, NumHeads: heads}
	}
	rnnW := func(x V) nn.RNNWeights {
		return nn.RNNWeights{WeightIH: x[0], WeightHH: x[1], BiasIH: x[2], BiasHH: x[3]}
	}
	flat := func(tp T, vs ...autograd.Var) autograd.Var {
		for i, v := range vs {
			vs[i] = tp.Reshape(v, -1)
		}
		return tp.Concat(0, vs...)
	}
	return []gradRow{
		{name: "sdpa/additive mask", shapes: [][]int{{2, 3, 4}, {2, 5, 4}, {2, 5, 3}}, f: func(tp T, x V) autograd.Var {
			return nn.ScaledDotProductAttention(tp, x[0], x[1], x[2], mask(x[0]), nn.NonCausal)
		}},
		{name: "sdpa/causal, broadcast batch", shapes: [][]int{{2, 3, 4}, {1, 3, 4}, {3, 2}}, f: func(tp T, x V) autograd.Var {
			return nn.ScaledDotProductAttention(tp, x[0], x[1], x[2], autograd.Var{}, nn.Causal)
		}},
		{name: "sdpa/differentiable mask and causal", shapes: [][]int{{3, 2}, {4, 2}, {4, 2}, {3, 4}}, f: func(tp T, x V) autograd.Var {
			return nn.ScaledDotProductAttention(tp, x[0], x[1], x[2], x[3], nn.Causal)
		}},
		{name: "mha/self-attention causal", shapes: [][]int{{2, 3, 4}, {12, 4}, {12}, {4, 4}, {4}}, f: func(tp T, x V) autograd.Var {
			return mha(x[1:], 2).Attend(tp, x[0], x[0], x[0], autograd.Var{}, nn.Causal)
		}},
		{name: "mha/cross-attention mask", shapes: [][]int{{1, 3, 4}, {1, 5, 4}, {1, 5, 4}, {12, 4}, {12}, {4, 4}, {4}}, f: func(tp T, x V) autograd.Var {
			return mha(x[3:], 2).Attend(tp, x[0], x[1], x[2], mask(x[0]), nn.NonCausal)
		}},
		{name: "transformer_encoder_layer/gelu causal", shapes: [][]int{{1, 3, 4}}, f: func(tp T, x V) autograd.Var {
			m := nn.NewTransformerEncoderLayer(rand.New(rand.NewPCG(7, 8)), 4, 2, 6, "gelu")
			nn.To(m, x[0].Value().DType())
			return m.Encode(tp, x[0], autograd.Var{}, nn.Causal)
		}},
		{name: "lstm_cell", shapes: [][]int{{8, 3}, {8, 2}, {8}, {8}, {2, 3}, {2, 2}, {2, 2}}, f: func(tp T, x V) autograd.Var {
			w := rnnW(x)
			c := &nn.LSTMCell{WeightIH: w.WeightIH, WeightHH: w.WeightHH, BiasIH: w.BiasIH, BiasHH: w.BiasHH}
			h2, c2 := c.Step(tp, x[4], x[5], x[6])
			return flat(tp, h2, c2)
		}},
		{name: "gru_cell", shapes: [][]int{{6, 3}, {6, 2}, {6}, {6}, {2, 3}, {2, 2}}, f: func(tp T, x V) autograd.Var {
			w := rnnW(x)
			c := &nn.GRUCell{WeightIH: w.WeightIH, WeightHH: w.WeightHH, BiasIH: w.BiasIH, BiasHH: w.BiasHH}
			return c.Step(tp, x[4], x[5])
		}},
		{name: "lstm/T=3", shapes: [][]int{{8, 2}, {8, 2}, {8}, {8}, {2, 3, 2}, {1, 2, 2}, {1, 2, 2}}, f: func(tp T, x V) autograd.Var {
			out, _, cn := (&nn.LSTM{Layers: []nn.RNNWeights{rnnW(x)}}).Run(tp, x[4], x[5], x[6])
			return flat(tp, out, cn)
		}},
		{name: "gru/T=3 two layers zero state", shapes: [][]int{{6, 2}, {6, 2}, {6}, {6}, {6, 2}, {6, 2}, {6}, {6}, {1, 3, 2}}, f: func(tp T, x V) autograd.Var {
			out, _ := (&nn.GRU{Layers: []nn.RNNWeights{rnnW(x), rnnW(x[4:])}}).Run(tp, x[8], autograd.Var{})
			return out
		}},
	}
}
