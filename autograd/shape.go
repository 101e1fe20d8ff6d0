package autograd

import (
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// Shape ops move elements without arithmetic, so each is linear: its
// forward rule is the op itself applied to the tangent, and its reverse
// rule is its adjoint (reshape ↔ reshape back, broadcast ↔ sum, slice ↔
// pad, gather ↔ scatter, …).
var (
	reshapeOp, transposeOp, broadcastToOp, sumToOp, sliceOp, padOp, concatOp *op
	indexSelectOp, indexAddOp, gatherOp, scatterOp, flipOp                   *op
)

func init() {
	reshapeOp = def(op{name: "reshape", text: "∂x = g reshaped to x's shape",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Reshape(g, tp.val(tp.ins(y)[0]).Shape()...) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Reshape(t[0], tp.val(y).Shape()...) },
	})
	transposeOp = def(op{name: "transpose", text: "∂x = g transposed back",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			gin[0] = tp.Transpose(g, shapes.InversePerm(tp.params(y).axes)...)
		},
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Transpose(t[0], tp.params(y).axes...) },
	})
	broadcastToOp = def(op{name: "broadcast_to", text: "∂x = g summed over the broadcast axes",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.SumTo(g, tp.val(tp.ins(y)[0]).Shape()...) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.BroadcastTo(t[0], tp.val(y).Shape()...) },
	})
	sumToOp = def(op{name: "sum_to", text: "∂x = g broadcast back to x's shape",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.BroadcastTo(g, tp.val(tp.ins(y)[0]).Shape()...) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.SumTo(t[0], tp.val(y).Shape()...) },
	})
	sliceOp = def(op{name: "slice", text: "∂x = g padded with zeros outside the slice",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			ax, x := tp.params(y).axes, tp.ins(y)[0]
			axis, start, end := ax[0], ax[1], ax[2]
			gin[0] = tp.Pad(g, axis, start, tp.axisLen(x, axis)-end)
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			ax := tp.params(y).axes
			return tp.Slice(t[0], ax[0], ax[1], ax[2])
		},
	})
	padOp = def(op{name: "pad", text: "∂x = g sliced back to x",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			ax, x := tp.params(y).axes, tp.ins(y)[0]
			axis, before := ax[0], ax[1]
			gin[0] = tp.Slice(g, axis, before, before+tp.axisLen(x, axis))
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			ax := tp.params(y).axes
			return tp.Pad(t[0], ax[0], ax[1], ax[2])
		},
	})
	concatOp = def(op{name: "concat", text: "each input gets its slice of g",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			axis := tp.params(y).axes[0]
			off := 0
			for i, x := range tp.ins(y) {
				n := tp.axisLen(x, axis)
				if tp.wants(y, i) {
					gin[i] = tp.Slice(g, axis, off, off+n)
				}
				off += n
			}
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			ts := make([]Var, len(t))
			for i, x := range tp.ins(y) {
				ts[i] = tp.tangentOr0(t[i], x)
			}
			return tp.Concat(tp.params(y).axes[0], ts...)
		},
	})
	indexSelectOp, indexAddOp = defIndexPair("index_select", "∂x = g added back at the selected indices",
		"index_add", "∂x = g selected at the indices", (*Tape).IndexSelect, (*Tape).IndexAdd)
	gatherOp, scatterOp = defIndexPair("gather", "∂x = g scattered back to the gathered places",
		"scatter", "∂x = g gathered at the scattered places", (*Tape).Gather, (*Tape).Scatter)
	flipOp = def(op{name: "flip", text: "∂x = g flipped back",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Flip(g, tp.params(y).axes...) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Flip(t[0], tp.params(y).axes...) },
	})
}

// defIndexPair defines an op that picks slices or elements along an axis
// at indices (pick: index_select, gather) and its adjoint, which puts them
// back into zeros of a given size along the axis (put: index_add,
// scatter). Each one's gradient is the other; each one's tangent is itself.
// Their parameters are the axis followed by the indices.
func defIndexPair(pickName, pickText, putName, putText string,
	pick func(tp *Tape, x Var, axis int, idx []int) Var,
	put func(tp *Tape, x Var, axis int, idx []int, size int) Var) (pickOp, putOp *op) {
	pickOp = def(op{name: pickName, text: pickText,
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			ax := tp.params(y).axes
			gin[0] = put(tp, g, ax[0], ax[1:], tp.axisLen(tp.ins(y)[0], ax[0]))
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			ax := tp.params(y).axes
			return pick(tp, t[0], ax[0], ax[1:])
		},
	})
	putOp = def(op{name: putName, text: putText,
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			ax := tp.params(y).axes
			gin[0] = pick(tp, g, ax[0], ax[1:])
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			ax := tp.params(y).axes
			return put(tp, t[0], ax[0], ax[1:], tp.axisLen(y, ax[0]))
		},
	})
	return pickOp, putOp
}

// Reshape returns x with a new shape (one dimension may be −1); the
// gradient is reshaped back. It panics with tensor.ErrShape if the element
// counts differ.
func (tp *Tape) Reshape(x Var, shape ...int) Var {
	tp.check("reshape", x)
	xv := tp.val(x)
	var buf [8]int
	s := shapes.ResolveShapeInto(buf[:0], "autograd.reshape", xv.Shape(), xv.Len(), shape)
	out := tp.alloc(xv.DType(), s)
	copyElems(out, xv)
	return tp.record(reshapeOp, out, nil, x)
}

// Flatten returns x as a 1-d Var.
func (tp *Tape) Flatten(x Var) Var { return tp.Reshape(x, -1) }

// Squeeze removes the given size-1 axes (all when none): a Reshape.
func (tp *Tape) Squeeze(x Var, axes ...int) Var {
	tp.check("squeeze", x)
	return tp.Reshape(x, shapes.SqueezeShape(tp.val(x).Shape(), axes...)...)
}

// Unsqueeze inserts a size-1 axis at axis: a Reshape.
func (tp *Tape) Unsqueeze(x Var, axis int) Var {
	tp.check("unsqueeze", x)
	return tp.Reshape(x, shapes.UnsqueezeShape(tp.val(x).Shape(), axis)...)
}

// Transpose permutes the axes of x (axis i of the result is axis perm[i]);
// no perm reverses them. The gradient is transposed by the inverse permutation.
// It panics with tensor.ErrShape if perm is not a permutation.
func (tp *Tape) Transpose(x Var, perm ...int) Var {
	tp.check("transpose", x)
	p, _ := shapes.PermShape(tp.val(x).Shape(), perm)
	out := tensor.Transpose(tp.val(x), p...)
	return tp.record(transposeOp, out, &params{axes: tp.keepInts(p...)}, x)
}

// T swaps the last two axes of x. It panics with tensor.ErrShape below rank 2.
func (tp *Tape) T(x Var) Var {
	tp.check("T", x)
	r := len(tp.val(x).Shape())
	if r < 2 {
		panic(shapeErr("autograd.T", "needs rank ≥ 2", tp.val(x).Shape()))
	}
	p := make([]int, r)
	for i := range p {
		p[i] = i
	}
	p[r-2], p[r-1] = r-1, r-2
	return tp.Transpose(x, p...)
}

// BroadcastTo broadcasts x to shape; the gradient is summed back (SumTo).
// It panics with tensor.ErrShape if x does not broadcast to shape.
func (tp *Tape) BroadcastTo(x Var, shape ...int) Var {
	tp.check("broadcast_to", x)
	if !tensor.CanBroadcastTo(tp.val(x).Shape(), shape) {
		panic(shapeErr("autograd.broadcast_to", "cannot broadcast the first shape to the second", tp.val(x).Shape(), shape))
	}
	out := tensor.ExpandTo(tp.alloc(tp.val(x).DType(), shape), tp.val(x))
	return tp.record(broadcastToOp, out, nil, x)
}

// SumTo sums x over the axes along which shape broadcasts to x's shape (the
// adjoint of BroadcastTo); the gradient is broadcast back.
// It panics with tensor.ErrShape if shape does not broadcast to x's shape.
func (tp *Tape) SumTo(x Var, shape ...int) Var {
	tp.check("sum_to", x)
	if !tensor.CanBroadcastTo(shape, tp.val(x).Shape()) {
		panic(shapeErr("autograd.sum_to", "the target shape does not broadcast to the operand", tp.val(x).Shape(), shape))
	}
	out := tensor.ReduceSumTo(tp.alloc(tp.val(x).DType(), shape), tp.val(x))
	return tp.record(sumToOp, out, nil, x)
}

// Slice returns the elements with index in [start, end) along axis; the
// gradient is zero-padded back (Pad).
// It panics with tensor.ErrShape if the range is not within the axis.
func (tp *Tape) Slice(x Var, axis, start, end int) Var {
	tp.check("slice", x)
	out := tensor.Slice(tp.val(x), axis, start, end)
	return tp.record(sliceOp, out, &params{axes: tp.keepInts(axis, start, end)}, x)
}

// Pad adds before zeros in front of and after zeros behind x along axis
// (the adjoint of Slice); the gradient is sliced back.
func (tp *Tape) Pad(x Var, axis, before, after int) Var {
	tp.check("pad", x)
	out := tensor.Pad(tp.val(x), axis, before, after)
	return tp.record(padOp, out, &params{axes: tp.keepInts(axis, before, after)}, x)
}

// axisLen is the length of v's axis (negative: from the end).
func (tp *Tape) axisLen(v Var, axis int) int {
	s := tp.val(v).Shape()
	return s[normAxis(axis, len(s))]
}

func normAxis(axis, rank int) int {
	if axis < 0 {
		return axis + rank
	}
	return axis
}

// Concat joins xs along axis; each input's gradient is its slice of g.
// It panics with tensor.ErrShape if the other dimensions differ.
func (tp *Tape) Concat(axis int, xs ...Var) Var {
	vals := make([]*tensor.Tensor, len(xs))
	for i, x := range xs {
		tp.check("concat", x)
		vals[i] = tp.val(x)
	}
	out := tensor.Concat(axis, vals...)
	return tp.record(concatOp, out, &params{axes: tp.keepInts(axis)}, xs...)
}

// Stack joins Vars of equal shape along a new axis: Unsqueeze then Concat.
// It panics with tensor.ErrShape if the shapes differ.
func (tp *Tape) Stack(axis int, xs ...Var) Var {
	us := make([]Var, len(xs))
	for i, x := range xs {
		tp.check("stack", x)
		if !sameShape(tp.val(x).Shape(), tp.val(xs[0]).Shape()) {
			panic(shapeErr("autograd.stack", "shapes differ", tp.val(xs[0]).Shape(), tp.val(x).Shape()))
		}
		us[i] = tp.Unsqueeze(x, axis)
	}
	return tp.Concat(axis, us...)
}

// IndexSelect picks the slices at idx along axis (indices may repeat); the
// gradient is scattered back with IndexAdd.
// It panics with tensor.ErrIndex if an index is out of range.
func (tp *Tape) IndexSelect(x Var, axis int, idx []int) Var {
	tp.check("index_select", x)
	out := tensor.IndexSelect(tp.val(x), axis, idx)
	return tp.record(indexSelectOp, out, &params{axes: tp.keepAxisInts(axis, idx)}, x)
}

// IndexAdd returns zeros with axis resized to size and the slices of x added
// at idx (the adjoint of IndexSelect); the gradient is IndexSelect of g.
func (tp *Tape) IndexAdd(x Var, axis int, idx []int, size int) Var {
	tp.check("index_add", x)
	out := tensor.IndexAdd(tp.val(x), axis, idx, size)
	return tp.record(indexAddOp, out, &params{axes: tp.keepAxisInts(axis, idx)}, x)
}

// Gather picks one element along axis per position of the other axes:
// for logits (n, c) and labels, Gather(x, 1, labels)[i] = x[i, labels[i]].
// The gradient is scattered back (Scatter).
// It panics with tensor.ErrShape/ErrIndex on a bad index list.
func (tp *Tape) Gather(x Var, axis int, idx []int) Var {
	tp.check("gather", x)
	xs := tp.val(x).Shape()
	var buf [8]int
	ax0 := normAxis(axis, len(xs))
	if ax0 < 0 || ax0 >= len(xs) {
		return tp.Const(tensor.Gather(tp.val(x), axis, idx)) // panics naming the op
	}
	shape := append(append(buf[:0], xs[:ax0]...), xs[ax0+1:]...)
	out := tensor.GatherTo(tp.alloc(tp.val(x).DType(), shape), tp.val(x), axis, idx)
	return tp.record(gatherOp, out, &params{axes: tp.keepAxisInts(axis, idx)}, x)
}

// Scatter is the adjoint of Gather: zeros with a new axis of the given size
// at axis, holding x's elements at idx; the gradient is Gather of g.
func (tp *Tape) Scatter(x Var, axis int, idx []int, size int) Var {
	tp.check("scatter", x)
	xs := tp.val(x).Shape()
	var buf [8]int
	ax0 := normAxis(axis, len(xs)+1)
	if ax0 < 0 || ax0 > len(xs) || size < 0 {
		return tp.Const(tensor.Scatter(tp.val(x), axis, idx, size)) // panics naming the op
	}
	shape := append(append(append(buf[:0], xs[:ax0]...), size), xs[ax0:]...)
	out := tensor.ScatterTo(tp.alloc(tp.val(x).DType(), shape), tp.val(x), axis, idx)
	return tp.record(scatterOp, out, &params{axes: tp.keepAxisInts(axis, idx)}, x)
}

// Flip reverses the order of x's elements along the given axes (all when
// none: NumPy's flip; torch.flip with no dims copies instead). The gradient
// is flipped back. It panics with tensor.ErrShape on a bad axis.
func (tp *Tape) Flip(x Var, axes ...int) Var {
	tp.check("flip", x)
	out := tensor.FlipTo(tp.allocLike(tp.val(x)), tp.val(x), axes...)
	return tp.record(flipOp, out, &params{axes: tp.keepInts(axes...)}, x)
}

// OneHot returns the constant (len(labels), n) one-hot matrix.
// It panics with tensor.ErrIndex if a label is outside [0, n).
func (tp *Tape) OneHot(labels []int, n int) Var {
	return tp.Const(tensor.OneHot(labels, n))
}
