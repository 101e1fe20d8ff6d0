package autograd

import (
	"slices"

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
	reshapeOp = def(op{name: "reshape",
		batch: batchShape(func(tp *Tape, x Var, s []int) Var { return tp.Reshape(x, s...) }), text: "∂x = g reshaped to x's shape",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Reshape(g, tp.val(tp.ins(y)[0]).Shape()...) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Reshape(t[0], tp.val(y).Shape()...) },
	})
	transposeOp = def(op{name: "transpose",
		batch: batchTranspose, text: "∂x = g transposed back",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			p := tp.params(y).axes
			var buf [8]int
			inv := buf[:0]
			if len(p) > len(buf) {
				inv = make([]int, 0, len(p))
			}
			inv = inv[:len(p)]
			for i, a := range p {
				inv[a] = i
			}
			gin[0] = tp.Transpose(g, inv...)
		},
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Transpose(t[0], tp.params(y).axes...) },
	})
	broadcastToOp = def(op{name: "broadcast_to",
		batch: batchBroadcastTo, text: "∂x = g summed over the broadcast axes",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.SumTo(g, tp.val(tp.ins(y)[0]).Shape()...) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.BroadcastTo(t[0], tp.val(y).Shape()...) },
	})
	sumToOp = def(op{name: "sum_to",
		batch: batchSumTo, text: "∂x = g broadcast back to x's shape",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.BroadcastTo(g, tp.val(tp.ins(y)[0]).Shape()...) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.SumTo(t[0], tp.val(y).Shape()...) },
	})
	sliceOp = def(op{name: "slice",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var {
			return tp.Slice(in[0], axis, ps.axes[1], ps.axes[2])
		}), text: "∂x = g padded with zeros outside the slice",
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
	padOp = def(op{name: "pad",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var { return tp.Pad(in[0], axis, ps.axes[1], ps.axes[2]) }), text: "∂x = g sliced back to x",
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
	concatOp = def(op{name: "concat",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var { return tp.Concat(axis, in...) }), text: "each input gets its slice of g",
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
		"index_add", "∂x = g selected at the indices", false, (*Tape).IndexSelect, (*Tape).IndexAdd)
	gatherOp, scatterOp = defIndexPair("gather", "∂x = g scattered back to the gathered places",
		"scatter", "∂x = g gathered at the scattered places", true, (*Tape).Gather, (*Tape).Scatter)
	flipOp = def(op{name: "flip",
		batch: batchFlip, text: "∂x = g flipped back",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Flip(g, tp.params(y).axes...) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Flip(t[0], tp.params(y).axes...) },
	})
}

// defIndexPair defines an op that picks slices or elements along an axis
// at indices (pick: index_select, gather) and its adjoint, which puts them
// back into zeros of a given size along the axis (put: index_add,
// scatter). Each one's gradient is the other; each one's tangent is itself.
// Their parameters are the axis followed by the indices.
func defIndexPair(pickName, pickText, putName, putText string, perPosition bool,
	pick func(tp *Tape, x Var, axis int, idx []int) Var,
	put func(tp *Tape, x Var, axis int, idx []int, size int) Var) (pickOp, putOp *op) {
	pickOp = def(op{name: pickName, text: pickText,
		batch: batchIndex(func(tp *Tape, x Var, axis int, idx []int, _ int) Var { return pick(tp, x, axis, idx) }, perPosition, false),
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
		batch: batchIndex(put, perPosition, true),
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
	xs := tp.val(x).Shape()
	var drop [8]bool
	ok := len(xs) <= len(drop)
	for i := range xs {
		if ok && len(axes) == 0 {
			drop[i] = xs[i] == 1
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += len(xs)
		}
		if !ok || a < 0 || a >= len(xs) || xs[a] != 1 {
			ok = false
			break
		}
		drop[a] = true
	}
	if !ok { // let shapes check and report, or handle rank > 8
		return tp.Reshape(x, shapes.SqueezeShape(xs, slices.Clone(axes)...)...)
	}
	var buf [8]int
	out := buf[:0]
	for i, d := range xs {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return tp.Reshape(x, out...)
}

// Unsqueeze inserts a size-1 axis at axis: a Reshape.
func (tp *Tape) Unsqueeze(x Var, axis int) Var {
	tp.check("unsqueeze", x)
	xs := tp.val(x).Shape()
	a := axis
	if a < 0 {
		a += len(xs) + 1
	}
	if a < 0 || a > len(xs) || len(xs) >= 8 { // let shapes check and report, or handle rank ≥ 8
		return tp.Reshape(x, shapes.UnsqueezeShape(xs, axis)...)
	}
	var buf [8]int
	out := append(append(append(buf[:0], xs[:a]...), 1), xs[a:]...)
	return tp.Reshape(x, out...)
}

// Transpose permutes the axes of x (axis i of the result is axis perm[i]);
// no perm reverses them. The gradient is transposed by the inverse permutation.
// It panics with tensor.ErrShape if perm is not a permutation.
func (tp *Tape) Transpose(x Var, perm ...int) Var {
	tp.check("transpose", x)
	xv := tp.val(x)
	xs := xv.Shape()
	var pb, ob [8]int
	p, os, ok := permShape(pb[:0], ob[:0], xs, perm)
	if !ok {
		p, os = shapes.PermShape(xs, slices.Clone(perm)) // panics naming the op, or handles rank > 8
	}
	out := tp.alloc(xv.DType(), os)
	if xv.DType() == tensor.Float32 {
		permuteK(out.Data32(), xv.Data32(), xs, p)
	} else {
		permuteK(out.Data(), xv.Data(), xs, p)
	}
	return tp.record(transposeOp, out, &params{axes: tp.keepInts(p...)}, x)
}

// permShape is shapes.PermShape into p and out (of capacity 8) without
// allocating: it reports false, and leaves the checking to PermShape, when
// perm is not a permutation of len(shape) ≤ 8 axes.
func permShape(p, out, shape, perm []int) ([]int, []int, bool) {
	r := len(shape)
	if r > cap(p) || r > cap(out) || (len(perm) != r && len(perm) != 0) {
		return nil, nil, false
	}
	var seen [8]bool
	for i := range r {
		a := r - 1 - i
		if len(perm) != 0 {
			a = perm[i]
			if a < 0 {
				a += r
			}
		}
		if a < 0 || a >= r || seen[a] {
			return nil, nil, false
		}
		seen[a] = true
		p = append(p, a)
		out = append(out, shape[a])
	}
	return p, out, true
}

// permuteK writes x (of shape xshape) with its axes permuted by p into dst:
// axis i of dst is axis p[i] of x. Axes of dst that are adjacent in x too
// are merged, and when the last one is x's last, whole runs are copied.
func permuteK[T float32 | float64](dst, x []T, xshape, p []int) {
	r := len(p)
	if r == 0 {
		copy(dst, x)
		return
	}
	var sb, db, ib [8]int
	st, dims, idx := sb[:0], db[:0], ib[:0]
	if r > len(sb) {
		st, dims, idx = make([]int, 0, r), make([]int, 0, r), make([]int, 0, r)
	}
	var xst [8]int
	xstride := xst[:0]
	if r > len(xst) {
		xstride = make([]int, r)
	}
	xstride = xstride[:r]
	s := 1
	for i := r - 1; i >= 0; i-- {
		xstride[i] = s
		s *= xshape[i]
	}
	if s == 0 {
		return
	}
	// dst's axes with their strides in x, size-1 axes dropped and axes
	// that are contiguous in x merged
	for _, a := range p {
		d, k := xshape[a], xstride[a]
		if d == 1 {
			continue
		}
		if n := len(dims); n > 0 && st[n-1] == k*d {
			dims[n-1] *= d
			st[n-1] = k
			continue
		}
		dims, st = append(dims, d), append(st, k)
	}
	if len(dims) == 0 {
		dst[0] = x[0]
		return
	}
	m := len(dims) - 1
	n, k := dims[m], st[m]
	idx = idx[:m]
	clear(idx)
	ix := 0
	for o := 0; o < len(dst); o += n {
		if k == 1 {
			copy(dst[o:o+n], x[ix:ix+n])
		} else {
			d := dst[o : o+n]
			for i := range d {
				d[i] = x[ix+i*k]
			}
		}
		for j := m - 1; j >= 0; j-- { // odometer over the outer axes
			idx[j]++
			ix += st[j]
			if idx[j] < dims[j] {
				break
			}
			ix -= idx[j] * st[j]
			idx[j] = 0
		}
	}
}

// T swaps the last two axes of x. It panics with tensor.ErrShape below rank 2.
func (tp *Tape) T(x Var) Var {
	tp.check("T", x)
	r := len(tp.val(x).Shape())
	if r < 2 {
		panic(shapeErr("autograd.T", "needs rank ≥ 2", tp.val(x).Shape()))
	}
	var buf [8]int
	p := buf[:0]
	if r > len(buf) {
		p = make([]int, 0, r)
	}
	for i := range r {
		p = append(p, i)
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
	xv := tp.val(x)
	xs := xv.Shape()
	ax := normAxis(axis, len(xs))
	if ax < 0 || ax >= len(xs) || start < 0 || end < start || end > xs[ax] || len(xs) > 8 {
		return tp.record(sliceOp, tensor.Slice(xv, axis, start, end), &params{axes: tp.keepInts(axis, start, end)}, x)
	}
	var buf [8]int
	os := append(buf[:0], xs...)
	os[ax] = end - start
	out := tp.alloc(xv.DType(), os)
	outer, n, inner := split3(xs, ax)
	w := (end - start) * inner
	for o := range outer {
		copyRun(out, o*w, xv, (o*n+start)*inner, w)
	}
	return tp.record(sliceOp, out, &params{axes: tp.keepInts(axis, start, end)}, x)
}

// split3 views shape around axis as (outer, n, inner).
func split3(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, shape[axis], inner
}

// copyRun copies n elements of src from offset so to dst at offset do
// (tensors of one type).
func copyRun(dst *tensor.Tensor, do int, src *tensor.Tensor, so, n int) {
	if src.DType() == tensor.Float32 {
		copy(dst.Data32()[do:do+n], src.Data32()[so:so+n])
		return
	}
	copy(dst.Data()[do:do+n], src.Data()[so:so+n])
}

// zeroRun sets n elements of dst from offset do to zero.
func zeroRun(dst *tensor.Tensor, do, n int) {
	if dst.DType() == tensor.Float32 {
		clear(dst.Data32()[do : do+n])
		return
	}
	clear(dst.Data()[do : do+n])
}

// Pad adds before zeros in front of and after zeros behind x along axis
// (the adjoint of Slice); the gradient is sliced back.
func (tp *Tape) Pad(x Var, axis, before, after int) Var {
	tp.check("pad", x)
	xv := tp.val(x)
	xs := xv.Shape()
	ax := normAxis(axis, len(xs))
	if ax < 0 || ax >= len(xs) || before < 0 || after < 0 || len(xs) > 8 ||
		before > tensor.MaxElements || after > tensor.MaxElements ||
		(xv.Len() > 0 && xs[ax]+before+after > tensor.MaxElements/(xv.Len()/xs[ax])) {
		return tp.record(padOp, tensor.Pad(xv, axis, before, after), &params{axes: tp.keepInts(axis, before, after)}, x)
	}
	var buf [8]int
	os := append(buf[:0], xs...)
	os[ax] += before + after
	out := tp.alloc(xv.DType(), os)
	outer, n, inner := split3(xs, ax)
	m := os[ax]
	for o := range outer {
		zeroRun(out, o*m*inner, before*inner)
		copyRun(out, (o*m+before)*inner, xv, o*n*inner, n*inner)
		zeroRun(out, (o*m+before+n)*inner, after*inner)
	}
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
	for _, x := range xs {
		tp.check("concat", x)
	}
	out := tp.concat(axis, xs)
	return tp.record(concatOp, out, &params{axes: tp.keepInts(axis)}, xs...)
}

// concat joins the values of xs along axis into a buffer of the pool, or
// leaves it to tensor.Concat (which panics naming the op) when the operands
// do not fit together.
func (tp *Tape) concat(axis int, xs []Var) *tensor.Tensor {
	slow := func() *tensor.Tensor {
		vals := make([]*tensor.Tensor, len(xs))
		for i, x := range xs {
			vals[i] = tp.val(x)
		}
		return tensor.Concat(axis, vals...)
	}
	if len(xs) == 0 {
		return slow()
	}
	x0 := tp.val(xs[0])
	s0 := x0.Shape()
	ax := normAxis(axis, len(s0))
	if ax < 0 || ax >= len(s0) || len(s0) > 8 {
		return slow()
	}
	var buf [8]int
	os := append(buf[:0], s0...)
	os[ax] = 0
	for _, x := range xs {
		v := tp.val(x)
		s := v.Shape()
		if len(s) != len(os) || v.DType() != x0.DType() {
			return slow()
		}
		for i, d := range s {
			if i != ax && d != os[i] {
				return slow()
			}
		}
		os[ax] += s[ax]
		if os[ax] > tensor.MaxElements {
			return slow()
		}
	}
	outer, m, inner := split3(os, ax)
	if outer*m*inner > tensor.MaxElements && m > 0 && inner > 0 {
		return slow()
	}
	out := tp.alloc(x0.DType(), os)
	off := 0
	for _, x := range xs {
		v := tp.val(x)
		n := v.Shape()[ax]
		for o := range outer {
			copyRun(out, (o*m+off)*inner, v, o*n*inner, n*inner)
		}
		off += n
	}
	return out
}

// Stack joins Vars of equal shape along a new axis: Unsqueeze then Concat.
// It panics with tensor.ErrShape if the shapes differ.
func (tp *Tape) Stack(axis int, xs ...Var) Var {
	var buf [8]Var
	us := buf[:0]
	if len(xs) > len(buf) {
		us = make([]Var, 0, len(xs))
	}
	us = us[:len(xs)]
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
	xv := tp.val(x)
	xs := xv.Shape()
	ax := normAxis(axis, len(xs))
	ok := ax >= 0 && ax < len(xs) && len(xs) <= 8
	for i := 0; ok && i < len(idx); i++ {
		ok = idx[i] >= 0 && idx[i] < xs[ax]
	}
	if !ok {
		return tp.record(indexSelectOp, tensor.IndexSelect(xv, axis, idx), &params{axes: tp.keepAxisInts(axis, idx)}, x)
	}
	var buf [8]int
	os := append(buf[:0], xs...)
	os[ax] = len(idx)
	out := tp.alloc(xv.DType(), os)
	outer, n, inner := split3(xs, ax)
	m := len(idx)
	for o := range outer {
		for i, k := range idx {
			copyRun(out, (o*m+i)*inner, xv, (o*n+k)*inner, inner)
		}
	}
	return tp.record(indexSelectOp, out, &params{axes: tp.keepAxisInts(axis, idx)}, x)
}

// IndexAdd returns zeros with axis resized to size and the slices of x added
// at idx (the adjoint of IndexSelect); the gradient is IndexSelect of g.
func (tp *Tape) IndexAdd(x Var, axis int, idx []int, size int) Var {
	tp.check("index_add", x)
	xv := tp.val(x)
	xs := xv.Shape()
	ax := normAxis(axis, len(xs))
	ok := ax >= 0 && ax < len(xs) && len(xs) <= 8 && xs[ax] == len(idx) && size >= 0 && size <= tensor.MaxElements
	for i := 0; ok && i < len(idx); i++ {
		ok = idx[i] >= 0 && idx[i] < size
	}
	if ok && len(idx) > 0 && xv.Len()/len(idx) > 0 && size > tensor.MaxElements/(xv.Len()/len(idx)) {
		ok = false
	}
	if !ok {
		return tp.record(indexAddOp, tensor.IndexAdd(xv, axis, idx, size), &params{axes: tp.keepAxisInts(axis, idx)}, x)
	}
	var buf [8]int
	os := append(buf[:0], xs...)
	os[ax] = size
	out := tp.allocZero(xv.DType(), os)
	outer, m, inner := split3(xs, ax)
	if xv.DType() == tensor.Float32 {
		indexAddK(out.Data32(), xv.Data32(), idx, outer, m, size, inner)
	} else {
		indexAddK(out.Data(), xv.Data(), idx, outer, m, size, inner)
	}
	return tp.record(indexAddOp, out, &params{axes: tp.keepAxisInts(axis, idx)}, x)
}

// indexAddK adds slice i of x (outer × m × inner) to slice idx[i] of dst
// (outer × size × inner) in the element type's own arithmetic, as
// tensor.IndexAdd does; idx is within [0, size).
func indexAddK[T float32 | float64](dst, x []T, idx []int, outer, m, size, inner int) {
	for i, k := range idx {
		for o := range outer {
			d := dst[(o*size+k)*inner : (o*size+k+1)*inner]
			s := x[(o*m+i)*inner : (o*m+i+1)*inner]
			for j, v := range s {
				d[j] += v
			}
		}
	}
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
