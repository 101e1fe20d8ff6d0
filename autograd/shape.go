package autograd

import (
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// Reshape returns x with a new shape (one dimension may be −1); the
// gradient is reshaped back. It panics with tensor.ErrShape if the element
// counts differ.
func (tp *Tape) Reshape(x Var, shape ...int) Var {
	tp.check("reshape", x)
	xv := x.Value()
	var buf [8]int
	s := shapes.ResolveShapeInto(buf[:0], "autograd.reshape", xv.Shape(), xv.Len(), shape)
	out := tp.alloc(s)
	copy(out.Data(), xv.Data())
	return tp.record("reshape", out, func(tp *Tape, y, g Var, gin []Var) {
		gin[0] = tp.Reshape(g, tp.ins(y)[0].Shape()...)
	}, nil, x)
}

// Flatten returns x as a 1-d Var.
func (tp *Tape) Flatten(x Var) Var { return tp.Reshape(x, -1) }

// Squeeze removes the given size-1 axes (all when none): a Reshape.
func (tp *Tape) Squeeze(x Var, axes ...int) Var {
	tp.check("squeeze", x)
	return tp.Reshape(x, shapes.SqueezeShape(x.Shape(), axes...)...)
}

// Unsqueeze inserts a size-1 axis at axis: a Reshape.
func (tp *Tape) Unsqueeze(x Var, axis int) Var {
	tp.check("unsqueeze", x)
	return tp.Reshape(x, shapes.UnsqueezeShape(x.Shape(), axis)...)
}

// Transpose permutes the axes of x (axis i of the result is axis perm[i]);
// no perm reverses them. The gradient is transposed by the inverse permutation.
// It panics with tensor.ErrShape if perm is not a permutation.
func (tp *Tape) Transpose(x Var, perm ...int) Var {
	tp.check("transpose", x)
	p, _ := shapes.PermShape(x.Shape(), perm)
	out := tensor.Transpose(x.Value(), p...)
	return tp.record("transpose", out, func(tp *Tape, y, g Var, gin []Var) {
		gin[0] = tp.Transpose(g, shapes.InversePerm(tp.auxOf(y).ints)...)
	}, &aux{ints: tp.keepInts(p)}, x)
}

// T swaps the last two axes of x. It panics with tensor.ErrShape below rank 2.
func (tp *Tape) T(x Var) Var {
	tp.check("T", x)
	r := len(x.Shape())
	if r < 2 {
		panic(shapeErr("autograd.T", "needs rank ≥ 2", x.Shape()))
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
	if !tensor.CanBroadcastTo(x.Shape(), shape) {
		panic(shapeErr("autograd.broadcast_to", "cannot broadcast the first shape to the second", x.Shape(), shape))
	}
	out := tp.alloc(shape)
	tensor.ExpandTo(out, x.Value())
	return tp.record("broadcast_to", out, func(tp *Tape, y, g Var, gin []Var) {
		gin[0] = tp.SumTo(g, tp.ins(y)[0].Shape()...)
	}, nil, x)
}

// SumTo sums x over the axes along which shape broadcasts to x's shape (the
// adjoint of BroadcastTo); the gradient is broadcast back.
// It panics with tensor.ErrShape if shape does not broadcast to x's shape.
func (tp *Tape) SumTo(x Var, shape ...int) Var {
	tp.check("sum_to", x)
	if !tensor.CanBroadcastTo(shape, x.Shape()) {
		panic(shapeErr("autograd.sum_to", "the target shape does not broadcast to the operand", x.Shape(), shape))
	}
	out := tp.alloc(shape)
	tensor.ReduceSumTo(out, x.Value())
	return tp.record("sum_to", out, func(tp *Tape, y, g Var, gin []Var) {
		gin[0] = tp.BroadcastTo(g, tp.ins(y)[0].Shape()...)
	}, nil, x)
}

// Slice returns the elements with index in [start, end) along axis; the
// gradient is zero-padded back (Pad).
// It panics with tensor.ErrShape if the range is not within the axis.
func (tp *Tape) Slice(x Var, axis, start, end int) Var {
	tp.check("slice", x)
	out := tensor.Slice(x.Value(), axis, start, end)
	return tp.record("slice", out, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		x, ax := nd.inputs(tp)[0], tp.auxOf(y).ints
		axis, start, end := ax[0], ax[1], ax[2]
		n := x.Shape()[normAxis(axis, len(x.Shape()))]
		gin[0] = tp.Pad(g, axis, start, n-end)
	}, &aux{ints: tp.keepInts([]int{axis, start, end})}, x)
}

// Pad adds before zeros in front of and after zeros behind x along axis
// (the adjoint of Slice); the gradient is sliced back.
func (tp *Tape) Pad(x Var, axis, before, after int) Var {
	tp.check("pad", x)
	out := tensor.Pad(x.Value(), axis, before, after)
	return tp.record("pad", out, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		x, ax := nd.inputs(tp)[0], tp.auxOf(y).ints
		axis, before := ax[0], ax[1]
		n := x.Shape()[normAxis(axis, len(x.Shape()))]
		gin[0] = tp.Slice(g, axis, before, before+n)
	}, &aux{ints: tp.keepInts([]int{axis, before, after})}, x)
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
		vals[i] = x.Value()
	}
	out := tensor.Concat(axis, vals...)
	return tp.record("concat", out, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		axis := tp.auxOf(y).ints[0]
		off := 0
		for i, x := range nd.inputs(tp) {
			n := x.Shape()[normAxis(axis, len(x.Shape()))]
			if x.needs() {
				gin[i] = tp.Slice(g, axis, off, off+n)
			}
			off += n
		}
	}, &aux{ints: tp.keepInts([]int{axis})}, xs...)
}

// Stack joins Vars of equal shape along a new axis: Unsqueeze then Concat.
// It panics with tensor.ErrShape if the shapes differ.
func (tp *Tape) Stack(axis int, xs ...Var) Var {
	us := make([]Var, len(xs))
	for i, x := range xs {
		tp.check("stack", x)
		if !sameShape(x.Shape(), xs[0].Shape()) {
			panic(shapeErr("autograd.stack", "shapes differ", xs[0].Shape(), x.Shape()))
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
	out := tensor.IndexSelect(x.Value(), axis, idx)
	ax := tp.keepAxisInts(axis, idx)
	return tp.record("index_select", out, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		x, ax := nd.inputs(tp)[0], tp.auxOf(y).ints
		gin[0] = tp.IndexAdd(g, ax[0], ax[1:], x.Shape()[normAxis(ax[0], len(x.Shape()))])
	}, &aux{ints: ax}, x)
}

// IndexAdd returns zeros with axis resized to size and the slices of x added
// at idx (the adjoint of IndexSelect); the gradient is IndexSelect of g.
func (tp *Tape) IndexAdd(x Var, axis int, idx []int, size int) Var {
	tp.check("index_add", x)
	out := tensor.IndexAdd(x.Value(), axis, idx, size)
	ax := tp.keepAxisInts(axis, idx)
	return tp.record("index_add", out, func(tp *Tape, y, g Var, gin []Var) {
		ax := tp.auxOf(y).ints
		gin[0] = tp.IndexSelect(g, ax[0], ax[1:])
	}, &aux{ints: ax}, x)
}

// Gather picks one element along axis per position of the other axes:
// for logits (n, c) and labels, Gather(x, 1, labels)[i] = x[i, labels[i]].
// The gradient is scattered back (Scatter).
// It panics with tensor.ErrShape/ErrIndex on a bad index list.
func (tp *Tape) Gather(x Var, axis int, idx []int) Var {
	tp.check("gather", x)
	xs := x.Shape()
	var buf [8]int
	ax0 := normAxis(axis, len(xs))
	if ax0 < 0 || ax0 >= len(xs) {
		return tp.Const(tensor.Gather(x.Value(), axis, idx)) // panics naming the op
	}
	shape := append(append(buf[:0], xs[:ax0]...), xs[ax0+1:]...)
	out := tensor.GatherTo(tp.alloc(shape), x.Value(), axis, idx)
	ax := tp.keepAxisInts(axis, idx)
	return tp.record("gather", out, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		x, ax := nd.inputs(tp)[0], tp.auxOf(y).ints
		gin[0] = tp.Scatter(g, ax[0], ax[1:], x.Shape()[normAxis(ax[0], len(x.Shape()))])
	}, &aux{ints: ax}, x)
}

// Scatter is the adjoint of Gather: zeros with a new axis of the given size
// at axis, holding x's elements at idx; the gradient is Gather of g.
func (tp *Tape) Scatter(x Var, axis int, idx []int, size int) Var {
	tp.check("scatter", x)
	xs := x.Shape()
	var buf [8]int
	ax0 := normAxis(axis, len(xs)+1)
	if ax0 < 0 || ax0 > len(xs) || size < 0 {
		return tp.Const(tensor.Scatter(x.Value(), axis, idx, size)) // panics naming the op
	}
	shape := append(append(append(buf[:0], xs[:ax0]...), size), xs[ax0:]...)
	out := tensor.ScatterTo(tp.alloc(shape), x.Value(), axis, idx)
	ax := tp.keepAxisInts(axis, idx)
	return tp.record("scatter", out, func(tp *Tape, y, g Var, gin []Var) {
		ax := tp.auxOf(y).ints
		gin[0] = tp.Gather(g, ax[0], ax[1:])
	}, &aux{ints: ax}, x)
}

// OneHot returns the constant (len(labels), n) one-hot matrix.
// It panics with tensor.ErrIndex if a label is outside [0, n).
func (tp *Tape) OneHot(labels []int, n int) Var {
	return tp.Const(tensor.OneHot(labels, n))
}
