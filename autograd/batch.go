package autograd

import "github.com/tapegrad/tapegrad/tensor"

// Batching rules shared by several entries of the op table (see vmap.go).
// An entry names its rule beside its other rules; the rules here are the
// families: element-wise, reductions, ops along one axis, shape ops.

// pointwiseSame is pointwise for an element-wise op whose inputs must all
// have one shape (the fused derivative ops): an unbatched input is
// broadcast along the batch when another is batched.
func pointwiseSame(f func(tp *Tape, ps *params, in []Var) Var) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		if unbatched(in) {
			return bvar{v: f(b.tp, b.ps(y), vars(in))}
		}
		vs := make([]Var, len(in))
		for i, x := range in {
			vs[i] = b.expand(x, b.inShape(y, i))
		}
		return bvar{v: f(b.tp, b.ps(y), vs), batched: true}
	}
}

// trailing is the rule of an op of one input that works on its trailing
// axes alone and treats the leading ones as a stack (causal softmax): the
// batch axis in front is one more leading axis.
func trailing(f func(tp *Tape, x Var) Var) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		return bvar{v: f(b.tp, in[0].v), batched: in[0].batched}
	}
}

// batchReduce is the rule of a reduction over recorded axes, computed by
// f(tp, x, keep, axes, ps): the axes shift past the batch axis, and "every
// axis" becomes every axis but the batch. A 0-d input is looped.
func batchReduce(f func(tp *Tape, x Var, keep bool, axes []int, ps *params) Var) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		ps, x := b.ps(y), in[0]
		r := len(b.inShape(y, 0))
		if x.batched && r == 0 {
			return b.loop(y, in, func(tp *Tape, in []Var) Var { return f(tp, in[0], ps.keep, ps.axes, ps) })
		}
		return bvar{v: f(b.tp, x.v, ps.keep, shiftAll(ps.axes, r, x.batched), ps), batched: x.batched}
	}
}

// alongAxis is the rule of an op along the recorded axis ps.axes[0]
// computed by f(tp, in, axis): unbatched inputs are broadcast along the
// batch when another is batched, and the axis shifts past the batch axis.
func alongAxis(f func(tp *Tape, ps *params, in []Var, axis int) Var) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		ps := b.ps(y)
		axis := ps.axes[0]
		if unbatched(in) {
			return bvar{v: f(b.tp, ps, vars(in), axis)}
		}
		vs := make([]Var, len(in))
		for i, x := range in {
			vs[i] = b.expand(x, b.inShape(y, i))
		}
		return bvar{v: f(b.tp, ps, vs, shift(axis, len(b.inShape(y, 0)), true)), batched: true}
	}
}

// batchShape is the rule of a shape op whose result has the recorded
// output's shape, computed by f(tp, x, shape): a batched result has the
// batch axis in front.
func batchShape(f func(tp *Tape, x Var, shape []int) Var) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		s := b.outShape(y)
		if !in[0].batched {
			return bvar{v: f(b.tp, in[0].v, s)}
		}
		return bvar{v: f(b.tp, in[0].v, append([]int{b.n}, s...)), batched: true}
	}
}

// batchBroadcastTo broadcasts to the recorded shape: a batched input first
// gets length-1 axes after its batch axis up to the target's rank.
func batchBroadcastTo(b *batcher, y Var, in []bvar) bvar {
	s := b.outShape(y)
	x := in[0]
	if !x.batched {
		return bvar{v: b.tp.BroadcastTo(x.v, s...)}
	}
	xs := b.inShape(y, 0)
	v := b.tp.Reshape(x.v, withOnes(b.n, len(s)-len(xs), xs)...)
	return bvar{v: b.tp.BroadcastTo(v, append([]int{b.n}, s...)...), batched: true}
}

// batchSumTo sums to the recorded shape: a batched input is summed to the
// target with length-1 axes after its batch axis up to its own rank, then
// reshaped to the target.
func batchSumTo(b *batcher, y Var, in []bvar) bvar {
	s := b.outShape(y)
	x := in[0]
	if !x.batched {
		return bvar{v: b.tp.SumTo(x.v, s...)}
	}
	xs := b.inShape(y, 0)
	v := b.tp.SumTo(x.v, withOnes(b.n, len(xs)-len(s), s)...)
	return bvar{v: b.tp.Reshape(v, append([]int{b.n}, s...)...), batched: true}
}

// withOnes returns (n, 1 × k, s…).
func withOnes(n, k int, s []int) []int {
	out := make([]int, 0, 1+k+len(s))
	out = append(out, n)
	for range k {
		out = append(out, 1)
	}
	return append(out, s...)
}

// batchMatMul batches op(A)·op(B). A batched A times an unbatched matrix
// B (no transposition of A) folds the batch into A's rows: one product
// instead of one per slice. Otherwise the operands are aligned and the
// product's broadcast batch axes do the rest.
func batchMatMul(b *batcher, y Var, in []bvar) bvar {
	ps := b.ps(y)
	a, m := in[0], in[1]
	as, ms := b.inShape(y, 0), b.inShape(y, 1)
	if a.batched && !m.batched && len(ms) == 2 && ps.ta == tensor.NoTrans {
		rows := b.n * b.tr.val(b.tr.ins(y)[0]).Len() / as[len(as)-1]
		av := b.tp.Reshape(a.v, rows, as[len(as)-1])
		out := b.tp.MatMulT(av, m.v, tensor.NoTrans, ps.tb)
		return bvar{v: b.tp.Reshape(out, append([]int{b.n}, b.outShape(y)...)...), batched: true}
	}
	vs := b.aligned(y, in)
	return bvar{v: b.tp.MatMulT(vs[0], vs[1], ps.ta, ps.tb), batched: anyBatched(in)}
}

// batchIndex is the rule of index_select, index_add (slices along an
// axis) and gather, scatter (one element per position of the other axes,
// whose index list repeats once per slice): ps.axes holds the axis and
// then the indices; put ops take the output's length along the axis.
func batchIndex(f func(tp *Tape, x Var, axis int, idx []int, size int) Var, perPosition, put bool) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		ax := b.ps(y).axes
		axis, idx := ax[0], ax[1:]
		r := len(b.inShape(y, 0))
		size := 0
		if put {
			r = len(b.outShape(y))
			a := axis
			if a < 0 {
				a += r
			}
			size = b.outShape(y)[a]
		}
		x := in[0]
		if !x.batched {
			return bvar{v: f(b.tp, x.v, axis, idx, size)}
		}
		if perPosition {
			rep := make([]int, 0, b.n*len(idx))
			for range b.n {
				rep = append(rep, idx...)
			}
			idx = rep
		}
		return bvar{v: f(b.tp, x.v, shift(axis, r, true), idx, size), batched: true}
	}
}

// batchCustom loops a custom op over the slices: its forward and backward
// are the user's functions of whole tensors.
func batchCustom(b *batcher, y Var, in []bvar) bvar {
	c := b.ps(y).custom
	if unbatched(in) {
		return bvar{v: b.tp.Apply(c, vars(in)...)}
	}
	return b.loop(y, in, func(tp *Tape, in []Var) Var { return tp.Apply(c, in...) })
}

// batchTranspose permutes the axes after the batch axis.
func batchTranspose(b *batcher, y Var, in []bvar) bvar {
	p := b.ps(y).axes
	if !in[0].batched {
		return bvar{v: b.tp.Transpose(in[0].v, p...)}
	}
	q := make([]int, 0, len(p)+1)
	q = append(q, 0)
	for _, a := range p {
		q = append(q, shift(a, len(p), true))
	}
	return bvar{v: b.tp.Transpose(in[0].v, q...), batched: true}
}

// batchFlip flips the recorded axes, shifted past the batch axis.
func batchFlip(b *batcher, y Var, in []bvar) bvar {
	ax := b.ps(y).axes
	x := in[0]
	if !x.batched {
		return bvar{v: b.tp.Flip(x.v, ax...)}
	}
	r := len(b.inShape(y, 0))
	out := make([]int, len(ax))
	for i, a := range ax {
		out[i] = shift(a, r, true)
	}
	return bvar{v: b.tp.Flip(x.v, out...), batched: true}
}

// fold computes f, an op on (C, H, W) or (N, C, H, W) images that treats
// every image alike (pooling, convolution by an unbatched kernel), on a
// batched x: a batch of single images is already a 4-d stack, and a batch
// of stacks is folded into one stack of B·N images and unfolded after.
func (b *batcher) fold(y Var, x Var, f func(x Var) Var) bvar {
	xs := b.inShape(y, 0)
	if len(xs) == 3 {
		return bvar{v: f(x), batched: true}
	}
	out := f(b.tp.Reshape(x, append([]int{b.n * xs[0]}, xs[1:]...)...))
	return bvar{v: b.tp.Reshape(out, append([]int{b.n}, b.outShape(y)...)...), batched: true}
}

// batchConv is the rule of conv2d and conv_transpose2d, f(tp, x, w, cfg):
// a batch of inputs by an unbatched kernel folds into one convolution; a
// batched kernel (per-sample kernels) becomes one grouped convolution,
// the batch folded into the channels and the groups (as functorch does).
func batchConv(f func(tp *Tape, x, w Var, cfg tensor.Conv2dConfig) Var) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		_, cfg, _ := b.tr.convParams(y)
		x, w := in[0], in[1]
		switch {
		case unbatched(in):
			return bvar{v: f(b.tp, x.v, w.v, cfg)}
		case !w.batched:
			return b.fold(y, x.v, func(x Var) Var { return f(b.tp, x, w.v, cfg) })
		}
		ws := b.inShape(y, 1)
		wv := b.tp.Reshape(w.v, append([]int{b.n * ws[0]}, ws[1:]...)...)
		cfg.Groups *= b.n
		return b.grouped(y, func(x Var) Var { return f(b.tp, x, wv, cfg) }, x)
	}
}

// grouped computes f, a convolution whose groups run over the slices, on
// the images of the slices side by side in the channels (sideBySide), and
// takes f's (N, B·O, H′, W′) back to (B, N, O, H′, W′).
func (b *batcher) grouped(y Var, f func(x Var) Var, x bvar) bvar {
	n, v := b.sideBySide(y, 0, x)
	out := f(v)
	os := out.Shape()
	v = b.tp.Reshape(out, n, b.n, os[1]/b.n, os[2], os[3])
	v = b.tp.Transpose(v, 1, 0, 2, 3, 4)
	return bvar{v: b.tp.Reshape(v, append([]int{b.n}, b.outShape(y)...)...), batched: true}
}

// sideBySide returns input i of node y, images (N, C, H, W) or (C, H, W)
// per slice, as (N, B·C, H, W): the slices' images side by side in the
// channels, for a convolution whose groups run over the slices. An
// unbatched input is broadcast first. It also returns N.
func (b *batcher) sideBySide(y Var, i int, x bvar) (int, Var) {
	s := b.inShape(y, i)
	n := 1
	if len(s) == 4 {
		n = s[0]
	}
	img := s[len(s)-3:]
	v := b.tp.Reshape(b.expand(x, s), b.n, n, img[0], img[1], img[2])
	v = b.tp.Transpose(v, 1, 0, 2, 3, 4)
	return n, b.tp.Reshape(v, n, b.n*img[0], img[1], img[2])
}

// batchConvWeight is conv2d_weight's rule: the kernel gradient of every
// slice (per-sample gradients of a convolution) is one grouped kernel
// gradient, the slices side by side in the channels and the groups.
func batchConvWeight(b *batcher, y Var, in []bvar) bvar {
	_, cfg, k := b.tr.convParams(y)
	if unbatched(in) {
		return bvar{v: b.tp.conv2dWeight(in[0].v, in[1].v, k, cfg)}
	}
	cfg.Groups *= b.n
	_, x := b.sideBySide(y, 0, in[0])
	_, g := b.sideBySide(y, 1, in[1])
	out := b.tp.conv2dWeight(x, g, k, cfg) // (B·O, C/groups, kH, kW)
	return bvar{v: b.tp.Reshape(out, append([]int{b.n}, b.outShape(y)...)...), batched: true}
}

// batchPool is the rule of the average-pooling ops, f(tp, x, ax) with the
// recorded parameters ax: a batch folds into the images.
func batchPool(f func(tp *Tape, x Var, ax []int) Var) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		ax := b.ps(y).axes
		if !in[0].batched {
			return bvar{v: f(b.tp, in[0].v, ax)}
		}
		return b.fold(y, in[0].v, func(x Var) Var { return f(b.tp, x, ax) })
	}
}

// batchMaxPool is max_pool2d's rule: it pools the batch folded into the
// images, and remembers the replayed op's parameters (its argmaxes) for
// the family's other ops, which share the recorded op's.
func batchMaxPool(b *batcher, y Var, in []bvar) bvar {
	ax := b.ps(y).axes
	c := tensor.MaxPool2dConfig{Kernel: [2]int{ax[4], ax[5]}, Stride: [2]int{ax[6], ax[7]},
		Padding: [2]int{ax[8], ax[9]}, Dilation: [2]int{ax[10], ax[11]}, CeilMode: ax[12] != 0}
	var out bvar
	if !in[0].batched {
		out = bvar{v: b.tp.MaxPool2d(in[0].v, c)}
	} else {
		out = b.fold(y, in[0].v, func(x Var) Var { return b.tp.MaxPool2d(x, c) })
	}
	if b.poolAxes == nil {
		b.poolAxes = map[*int]pooling{}
	}
	if o := b.pooled(out.v); o != nil {
		b.poolAxes[&ax[0]] = pooling{axes: o, batched: out.batched}
	}
	return out
}

// pooled returns the parameters of the max_pool2d that computed v (before
// an unfolding reshape), or nil.
func (b *batcher) pooled(v Var) []int {
	tp := b.tp
	for tp != nil && v.p == nil && v.id >= 0 {
		nd := &tp.nodes[v.id]
		switch {
		case nd.op == maxPool2dOp && nd.ps != 0:
			return tp.ps[nd.ps-1].axes
		case nd.op == reshapeOp && nd.inN == 1:
			v = nd.inputs(tp)[0]
		default:
			return nil
		}
	}
	return nil
}

// batchMaxPoolAdjoint is the rule of max_pool2d_backward and
// max_pool2d_gather, f(tp, x, ax): they use the argmaxes of the replayed
// max_pool2d (batchMaxPool). When that op was not replayed batched, its
// argmaxes are the same for every slice, and the slices loop.
func batchMaxPoolAdjoint(f func(tp *Tape, x Var, ax []int) Var) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		ax := b.ps(y).axes
		re, ok := b.poolAxes[&ax[0]]
		if ok && re.batched {
			x := b.expand(in[0], b.inShape(y, 0))
			return b.fold(y, x, func(x Var) Var { return f(b.tp, x, re.axes) })
		}
		if ok {
			ax = re.axes
		}
		if !in[0].batched {
			return bvar{v: f(b.tp, in[0].v, ax)}
		}
		return b.loop(y, in, func(tp *Tape, in []Var) Var { return f(tp, in[0], ax) })
	}
}

// batchLayerNorm is layer_norm's rule: normalising the trailing axes does
// not see the batch axis in front; a batched weight or bias is applied
// after the normalisation by broadcasting.
func batchLayerNorm(b *batcher, y Var, in []bvar) bvar {
	ps := b.ps(y)
	k, eps := ps.axes[0], ps.c[0]
	xs := b.inShape(y, 0)
	shape := xs[len(xs)-k:]
	var w, bias bvar
	i := 1
	if ps.axes[1] == 1 {
		w, i = in[i], i+1
	}
	if ps.axes[2] == 1 {
		bias = in[i]
	}
	x := in[0]
	if !w.batched && !bias.batched {
		return bvar{v: b.tp.LayerNorm(x.v, shape, w.v, bias.v, eps), batched: x.batched}
	}
	v := b.tp.LayerNorm(x.v, shape, Var{}, Var{}, eps)
	batched := x.batched
	for j, p := range []bvar{w, bias} {
		if !p.v.Valid() {
			continue
		}
		pv := p.v
		if p.batched && !batched { // v gets the batch axis from p
			v = b.tp.BroadcastTo(v, append([]int{b.n}, xs...)...)
			batched = true
		}
		if p.batched {
			pv = b.tp.Reshape(pv, withOnes(b.n, len(xs)-k, shape)...)
		}
		if j == 0 {
			v = b.tp.Mul(v, pv)
		} else {
			v = b.tp.Add(v, pv)
		}
	}
	return bvar{v: v, batched: batched}
}
