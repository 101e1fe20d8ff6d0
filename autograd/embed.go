package autograd

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Embedding returns the rows of the table w (V, D) at ids, shaped
// shape ++ (D) (torch.nn.functional.embedding): out[i…, :] = w[ids[i…], :].
// ids lists the indices in row-major order of shape (their product must be
// len(ids); no shape means a 1-d list); PyTorch takes them as a LongTensor.
// It is a composition, IndexSelect along axis 0 then Reshape: the gradient
// of w is index_add, which sums the gradients of repeated ids, and its own
// gradient is index_select again, so every order works.
//
// It panics with tensor.ErrIndex if an id is outside [0, V), and with
// tensor.ErrShape if w is not 2-d or shape does not hold len(ids) elements.
func (tp *Tape) Embedding(w Var, ids []int, shape ...int) Var {
	return tp.embedding(w, ids, shape, -1)
}

// EmbeddingPadded is Embedding with PyTorch's padding_idx: the row
// paddingIdx of w (negative: counted from the end, as PyTorch does) is
// looked up as any other but receives no gradient (its lookups are
// constants). It panics as Embedding does, and with tensor.ErrIndex if
// paddingIdx is outside [−V, V).
func (tp *Tape) EmbeddingPadded(w Var, ids []int, paddingIdx int, shape ...int) Var {
	tp.check("embedding", w)
	v := tp.val(w).Shape()
	if len(v) == 2 && (paddingIdx < -v[0] || paddingIdx >= v[0]) {
		panic(&tensor.ShapeError{Op: "autograd.embedding", Shapes: [][]int{v}, Msg: fmt.Sprintf("padding index %d is out of range", paddingIdx), Err: tensor.ErrIndex})
	}
	if len(v) == 2 && paddingIdx < 0 {
		paddingIdx += v[0]
	}
	return tp.embedding(w, ids, shape, paddingIdx)
}

func (tp *Tape) embedding(w Var, ids []int, shape []int, pad int) Var {
	const name = "autograd.embedding"
	tp.check("embedding", w)
	wv := tp.val(w)
	ws := wv.Shape()
	if len(ws) != 2 {
		panic(shapeErr(name, "the table must be 2-d (num_embeddings, embedding_dim)", ws))
	}
	n := 1
	for _, d := range shape {
		if d < 0 {
			n = -1
			break
		}
		n *= d
	}
	if len(shape) == 0 {
		n = len(ids)
	}
	if n != len(ids) {
		panic(shapeErr(name, fmt.Sprintf("the ids' shape must hold their %d elements", len(ids)), shape))
	}
	var buf [8]int
	out := append(buf[:0], shape...)
	if len(shape) == 0 {
		out = append(out, len(ids))
	}
	out = append(out, ws[1])
	y := tp.IndexSelect(w, 0, ids)
	if pad >= 0 && tp.Recording() && w.needs() {
		var mask *tensor.Tensor
		for i, id := range ids {
			if id == pad {
				if mask == nil {
					mask = tensor.Ones(len(ids), 1)
				}
				mask.Set(0, i, 0)
			}
		}
		if mask != nil { // padding rows come from a constant copy of w's row
			row := tensor.IndexSelect(wv, 0, []int{pad})
			y = tp.Where(tp.Const(mask.To(wv.DType())), y, tp.Const(row))
		}
	}
	return tp.Reshape(y, out...)
}
