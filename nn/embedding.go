package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

var _ Module = (*Embedding)(nil)

// Embedding is a lookup table of NumEmbeddings vectors of EmbeddingDim
// numbers (torch.nn.Embedding): ids of any shape give their rows,
// out[i…, :] = weight[ids[i…], :], of shape ids' shape ++ (EmbeddingDim).
// Repeated ids add their gradients into the same row. With Padded, the
// row PaddingIdx starts at zero and receives no gradient (PyTorch's
// padding_idx), so it stays as it is. The table "weight" has shape
// (NumEmbeddings, EmbeddingDim), PyTorch's layout.
type Embedding struct {
	NumEmbeddings, EmbeddingDim int
	Padded                      bool // PaddingIdx is a padding row
	PaddingIdx                  int  // in [0, NumEmbeddings) when Padded
	Weight                      autograd.Var
}

// NewEmbedding returns a table of num vectors of dim numbers drawn from
// N(0, 1) with rng (PyTorch's init), float64 (nn.To converts). It panics
// with ErrArg if rng is nil or num or dim is not positive.
func NewEmbedding(rng *rand.Rand, num, dim int) *Embedding {
	const op = "nn.NewEmbedding"
	checkRNG(op, rng)
	if num <= 0 || dim <= 0 {
		argPanic(op, "%d embeddings of dimension %d: both must be positive", num, dim)
	}
	return &Embedding{NumEmbeddings: num, EmbeddingDim: dim,
		Weight: autograd.NewNamedParam("weight", tensor.RandN(rng, num, dim))}
}

// NewEmbeddingPadded is NewEmbedding with padding row paddingIdx
// (negative: counted from the end, as PyTorch does), set to zero after the
// draw. It panics as NewEmbedding does, and with ErrArg if paddingIdx is
// outside [−num, num).
func NewEmbeddingPadded(rng *rand.Rand, num, dim, paddingIdx int) *Embedding {
	e := NewEmbedding(rng, num, dim)
	if paddingIdx < -num || paddingIdx >= num {
		argPanic("nn.NewEmbeddingPadded", "padding index %d outside [%d, %d)", paddingIdx, -num, num)
	}
	if paddingIdx < 0 {
		paddingIdx += num
	}
	e.Padded, e.PaddingIdx = true, paddingIdx
	w := e.Weight.Value()
	for j := range dim {
		w.Set(0, paddingIdx, j)
	}
	return e
}

// Lookup returns the rows of the table at ids, which hold the indices in
// row-major order of shape (no shape: a 1-d list), as a Var of shape
// shape ++ (EmbeddingDim). It panics with tensor.ErrIndex if an id is
// outside [0, NumEmbeddings), with tensor.ErrShape if shape does not hold
// len(ids) elements, and with ErrArg if the layer has no table.
func (e *Embedding) Lookup(tp *autograd.Tape, ids []int, shape ...int) autograd.Var {
	const op = "nn.Embedding.Lookup"
	if !e.Weight.Valid() {
		argPanic(op, "no table (make the layer with NewEmbedding)")
	}
	if e.Padded {
		return tp.EmbeddingPadded(e.Weight, ids, e.PaddingIdx, shape...)
	}
	return tp.Embedding(e.Weight, ids, shape...)
}

// Forward is Lookup with the ids held, as whole numbers, in x's value (of
// any shape; x is not differentiated), so an Embedding can open a
// Sequential. It panics as Lookup does, with tensor.ErrIndex if an element
// of x is not a whole number, and with ErrArg if x is the zero Var.
func (e *Embedding) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	const op = "nn.Embedding.Forward"
	checkVar(op, "input", x)
	xv := x.Value()
	ids := make([]int, xv.Len())
	flat := tensor.Reshape(xv, -1)
	for i := range ids {
		v := flat.At(i)
		if v != math.Trunc(v) || math.Abs(v) > 1<<52 {
			indexPanic(op, fmt.Sprintf("id %g at position %d is not a whole number", v, i), xv.Shape())
		}
		ids[i] = int(v)
	}
	return e.Lookup(tp, ids, xv.Shape()...)
}

// NamedParams returns "weight".
func (e *Embedding) NamedParams() []NamedParam {
	if !e.Weight.Valid() {
		return nil
	}
	return []NamedParam{{Name: "weight", Var: e.Weight}}
}

// String prints the layer as PyTorch does.
func (e *Embedding) String() string {
	if e.Padded {
		return fmt.Sprintf("Embedding(%d, %d, padding_idx=%d)", e.NumEmbeddings, e.EmbeddingDim, e.PaddingIdx)
	}
	return fmt.Sprintf("Embedding(%d, %d)", e.NumEmbeddings, e.EmbeddingDim)
}
