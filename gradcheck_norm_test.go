package tapegrad_test

import "github.com/tapegrad/tapegrad/autograd"

func init() { rowGroups = append(rowGroups, normRows) }

// normRows are the gradient-check rows of the normalisation and embedding
// ops and of the layers' functional forms. Inputs are drawn in [−1, 1]
// (gains and biases too); eps 1e-5 as PyTorch's default, except where a
// larger eps keeps the second derivative's finite differences well
// conditioned on slices of three elements.
func normRows() []gradRow {
	type T = *autograd.Tape
	type V = []autograd.Var
	ids := []int{2, 0, 2, 3, 2, 1}
	return []gradRow{
		{name: "layer_norm/affine", shapes: [][]int{{3, 4}, {4}, {4}}, f: func(tp T, x V) autograd.Var {
			return tp.LayerNorm(x[0], []int{4}, x[1], x[2], 1e-5)
		}},
		{name: "layer_norm/two dims no affine", shapes: [][]int{{2, 2, 3}}, f: func(tp T, x V) autograd.Var {
			return tp.LayerNorm(x[0], []int{2, 3}, autograd.Var{}, autograd.Var{}, 1e-5)
		}},
		{name: "layer_norm/gain only", shapes: [][]int{{2, 5}, {5}}, f: func(tp T, x V) autograd.Var {
			return tp.LayerNorm(x[0], []int{5}, x[1], autograd.Var{}, 1e-5)
		}},
		{name: "layer_norm/bias only", shapes: [][]int{{2, 5}, {5}}, f: func(tp T, x V) autograd.Var {
			return tp.Square(tp.LayerNorm(x[0], []int{5}, autograd.Var{}, x[1], 1e-5))
		}},
		{name: "group_norm", shapes: [][]int{{2, 4, 3}, {4}, {4}}, f: func(tp T, x V) autograd.Var {
			return tp.GroupNorm(x[0], 2, x[1], x[2], 1e-5)
		}},
		{name: "batch_norm/training (N, C)", shapes: [][]int{{4, 3}, {3}, {3}}, f: func(tp T, x V) autograd.Var {
			return tp.BatchNorm(x[0], x[1], x[2], 1e-5)
		}},
		{name: "batch_norm/training (N, C, H, W)", shapes: [][]int{{2, 2, 2, 2}, {2}, {2}}, f: func(tp T, x V) autograd.Var {
			return tp.BatchNorm(x[0], x[1], x[2], 1e-5)
		}},
		{name: "batch_norm/eval", shapes: [][]int{{3, 2, 2}, {2}, {2}}, f: func(tp T, x V) autograd.Var {
			m := x[0].Value().DType().Zeros(2)
			m.Set(0.25, 0)
			v := x[0].Value().DType().Zeros(2)
			v.Set(0.5, 0)
			v.Set(2, 1)
			return tp.BatchNormEval(x[0], m, v, x[1], x[2], 1e-5)
		}},
		{name: "embedding/repeated ids", shapes: [][]int{{4, 3}}, f: func(tp T, x V) autograd.Var {
			return tp.Square(tp.Embedding(x[0], ids, 2, 3))
		}},
		// EmbeddingPadded is not a row: its padding row deliberately gets no
		// gradient although the output depends on it, which finite
		// differences would see (autograd/embed_test.go checks it).
	}
}
