package autograd

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/internal/vmaploops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Vectorising map (vmap), in the manner of JAX's vmap and functorch's:
// Vmap(f) computes f for every slice of its inputs along a mapped axis, as
// one batched computation instead of a Go loop.
//
// How it works: f is recorded once on a trace tape, on the first slice of
// each mapped input (a Wengert list of table ops, its backward passes and
// tangents included), and the record is replayed on the caller's tape with
// the whole batch: each op's batching rule (op.batch) computes the op with
// a leading batch axis on the inputs that carry one. Element-wise ops
// broadcast against the unbatched inputs, matrix products fold the batch
// into one product or batch it, reductions and shape ops shift their axes.
// An op (or a case of an op) with no batched form runs once per slice
// (batcher.loop); TestVmapAgreesWithLoop lists them. Ops whose inputs are all
// unbatched are computed once, not per slice, and ops the outputs do not
// depend on are not replayed at all.
//
// Because the replay records on the caller's tape with ordinary ops, the
// result composes: Grad or Backward through a Vmap (the batched ops are
// differentiated), tangents through it (forward mode), Vmap of a function
// that takes gradients (GradOf: per-sample gradients), of one that carries
// tangents (a Jacobian by forward mode), and Vmap of Vmap.
//
// What f sees are the first slice's values: Go control flow that reads
// values (Item, Value) decides once for every slice, as under jax.jit; an
// op that draws random numbers draws once (functorch's randomness="same").
// Keep such decisions out of f, or loop.

// MultiFunc is a function of several Vars with several results, recorded
// on tp: what Vmap maps and returns, and what GradOf returns.
type MultiFunc func(tp *Tape, xs []Var) []Var

// Unbatched, as an entry of Vmap's inAxes, marks an input that is not
// mapped: every slice sees all of it (functorch's None).
const Unbatched = math.MinInt

// Vmap returns f mapped over axis inAxes[i] of each input i (Unbatched
// for an input passed whole to every slice; negative axes count from the
// end; nil maps axis 0 of every input): output j of the result stacks f's
// output j of every slice along axis outAxes[j] (nil: axis 0). An output
// that does not depend on a mapped input is broadcast along the new axis.
//
// The result records its ops on the tape it is called with (nil: no
// recording), so it composes with Grad, Backward, forward mode, GradOf
// and with Vmap itself. See the package notes above for how f is traced.
//
// Calling the result panics with tensor.ErrShape if inAxes does not have
// one entry per input, an axis is out of range, the mapped axes differ in
// length or no input is mapped, and with ErrTape if f calls Backward
// (use Grad or GradOf inside a mapped function). Vmap panics with ErrTape
// if f is nil.
func Vmap(f MultiFunc, inAxes, outAxes []int) MultiFunc {
	if f == nil {
		panic(fmt.Errorf("%w: Vmap of a nil function", ErrTape))
	}
	in, out := slices.Clone(inAxes), slices.Clone(outAxes)
	return func(tp *Tape, xs []Var) []Var { return vmap(tp, f, in, out, xs) }
}

// GradOf returns the function computing the gradients of the scalar f
// with respect to the inputs argnums (every input when none is given),
// functorch's grad: its ops are recorded on the tape it is called with
// (GradGraph), so the gradients can be differentiated again and mapped:
// Vmap(GradOf(loss), …) gives per-sample gradients.
// Calling it panics with tensor.ErrShape if f's output has more than one
// element, and with tensor.ErrIndex if an argnum is out of range.
func GradOf(f Func, argnums ...int) MultiFunc {
	if f == nil {
		panic(fmt.Errorf("%w: GradOf of a nil function", ErrTape))
	}
	nums := slices.Clone(argnums)
	return func(tp *Tape, xs []Var) []Var {
		wrt := xs
		if len(nums) > 0 {
			wrt = make([]Var, len(nums))
			for k, i := range nums {
				if i < 0 || i >= len(xs) {
					panic(&tensor.ShapeError{Op: "autograd.GradOf", Msg: fmt.Sprintf("argnum %d out of range for %d inputs", i, len(xs)), Err: tensor.ErrIndex, Site: shapes.CallerSite()})
				}
				wrt[k] = xs[i]
			}
		}
		y := f(tp, xs)
		if tp == nil {
			panic(tapeErr("GradOf on a nil tape (nothing is recorded to differentiate)"))
		}
		return tp.GradGraph(y, wrt...)
	}
}

// Call runs f on a fresh tape with xs as its inputs (leaves, so f may
// differentiate with respect to them: GradOf) and returns copies of its
// results, which own their storage.
func Call(f MultiFunc, xs ...*tensor.Tensor) []*tensor.Tensor {
	if f == nil {
		panic(fmt.Errorf("%w: Call of a nil function", ErrTape))
	}
	checkTensors("autograd.Call", xs)
	tp := NewTape()
	return copies(f(tp, leaves(tp, xs)))
}

// vmap is the function Vmap returns.
func vmap(tp *Tape, f MultiFunc, inAxes, outAxes []int, xs []Var) []Var {
	const name = "autograd.Vmap"
	for _, x := range xs {
		tp.check("Vmap", x)
	}
	if inAxes != nil && len(inAxes) != len(xs) {
		panic(&tensor.ShapeError{Op: name, Msg: fmt.Sprintf("%d in-axes for %d inputs", len(inAxes), len(xs)), Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
	n := -1
	b := &batcher{tp: tp}
	phys := make([]bvar, len(xs))
	tr := NewTape()
	tr.trace = true
	leafs := make([]Var, len(xs))
	for i, x := range xs {
		xv := x.Value()
		ax := 0
		if inAxes != nil {
			ax = inAxes[i]
		}
		if ax == Unbatched {
			phys[i] = bvar{v: x}
			leafs[i] = tr.Var(xv)
			continue
		}
		s := xv.Shape()
		a := ax
		if a < 0 {
			a += len(s)
		}
		if a < 0 || a >= len(s) {
			panic(&tensor.ShapeError{Op: name, Shapes: [][]int{s}, Msg: fmt.Sprintf("in-axis %d of input %d is out of range", ax, i), Err: tensor.ErrShape, Site: shapes.CallerSite()})
		}
		if n >= 0 && s[a] != n {
			panic(&tensor.ShapeError{Op: name, Shapes: [][]int{s}, Msg: fmt.Sprintf("input %d maps an axis of length %d, an earlier input one of length %d", i, s[a], n), Err: tensor.ErrShape, Site: shapes.CallerSite()})
		}
		n = s[a]
		if n == 0 {
			panic(&tensor.ShapeError{Op: name, Shapes: [][]int{s}, Msg: fmt.Sprintf("input %d maps an axis of length 0", i), Err: tensor.ErrShape, Site: shapes.CallerSite()})
		}
		if a != 0 {
			x = tp.Transpose(x, moveToFront(a, len(s))...)
		}
		phys[i] = bvar{v: x, batched: true}
		leafs[i] = tr.Var(firstSlice(tp.val(x)))
		tr.mapped = append(tr.mapped, leafs[i].id)
	}
	if n < 0 {
		panic(&tensor.ShapeError{Op: name, Msg: "no input is mapped (every in-axis is Unbatched)", Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
	b.n, b.tr = n, tr
	outs := f(tr, leafs)
	if outAxes != nil && len(outAxes) != len(outs) {
		panic(&tensor.ShapeError{Op: name, Msg: fmt.Sprintf("%d out-axes for %d outputs", len(outAxes), len(outs)), Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
	var vals []bvar
	live := b.live(outs)
	if op := b.unbatchable(live); op != "" { // no batched form: a Go loop
		vmaploops.Count(op)
		vals = b.loopAll(f, leafs, phys)
	} else {
		vals = b.replay(leafs, phys, outs, live)
	}
	res := make([]Var, len(outs))
	for j, o := range vals {
		s := tr.val(outs[j]).Shape()
		v := o.v
		if !o.batched {
			v = tp.BroadcastTo(v, append([]int{n}, s...)...)
		}
		ax := 0
		if outAxes != nil {
			ax = outAxes[j]
		}
		a := ax
		if a < 0 {
			a += len(s) + 1
		}
		if a < 0 || a > len(s) {
			panic(&tensor.ShapeError{Op: name, Shapes: [][]int{s}, Msg: fmt.Sprintf("out-axis %d of output %d is out of range", ax, j), Err: tensor.ErrShape, Site: shapes.CallerSite()})
		}
		if a != 0 {
			v = tp.Transpose(v, moveFromFront(a, len(s)+1)...)
		}
		res[j] = v
	}
	return res
}

// moveToFront is the permutation that moves axis a of r to the front.
func moveToFront(a, r int) []int {
	p := []int{a}
	for i := range r {
		if i != a {
			p = append(p, i)
		}
	}
	return p
}

// moveFromFront is the permutation that moves axis 0 of r to position a.
func moveFromFront(a, r int) []int {
	p := make([]int, 0, r)
	for i := 1; i <= a; i++ {
		p = append(p, i)
	}
	p = append(p, 0)
	for i := a + 1; i < r; i++ {
		p = append(p, i)
	}
	return p
}

// firstSlice returns x[0] (x without its leading axis), a new tensor.
func firstSlice(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Reshape(tensor.Slice(x, 0, 0, 1), x.Shape()[1:]...)
}

// replay computes the trace's outputs outs on b.tp: the leaves are the
// inputs (phys), every node the outputs depend on (live) is recomputed by
// its op's batching rule.
func (b *batcher) replay(leafs []Var, phys []bvar, outs []Var, live []bool) []bvar {
	tr := b.tr
	m := make([]bvar, len(tr.nodes))
	for i, l := range leafs {
		m[l.id] = phys[i]
	}
	var buf []bvar
	for i := range tr.nodes {
		nd := &tr.nodes[i]
		if !live[i] || m[i].v.Valid() {
			continue
		}
		if nd.op.leaf || nd.inN == 0 && nd.op.batch == nil {
			m[i] = bvar{v: b.tp.Const(nd.value)}
			continue
		}
		ins := nd.inputs(tr)
		buf = buf[:0]
		any := false
		for _, v := range ins {
			bv := b.lookup(m, v)
			any = any || bv.batched
			buf = append(buf, bv)
		}
		y := Var{tp: tr, id: int32(i), gen: tr.gen}
		if !any && b.inert(buf) { // the same for every slice: the trace's value
			m[i] = bvar{v: b.tp.Const(nd.value)}
			continue
		}
		m[i] = nd.op.batch(b, y, buf)
	}
	res := make([]bvar, len(outs))
	for j, o := range outs {
		res[j] = b.lookup(m, o)
	}
	return res
}

// live marks the trace's nodes that the outputs outs depend on.
func (b *batcher) live(outs []Var) []bool {
	tr := b.tr
	live := make([]bool, len(tr.nodes))
	for _, o := range outs {
		tr.check("Vmap", o)
		if o.p == nil && o.id >= 0 {
			live[o.id] = true
		}
	}
	pools := map[*int]int{} // a max-pooling family's parameters → its forward op
	for i := range tr.nodes {
		if nd := &tr.nodes[i]; nd.op == maxPool2dOp && nd.ps != 0 {
			pools[&tr.ps[nd.ps-1].axes[0]] = i
		}
	}
	for i := len(tr.nodes) - 1; i >= 0; i-- {
		if !live[i] {
			continue
		}
		if nd := &tr.nodes[i]; (nd.op == maxPool2dBackwardOp || nd.op == maxPool2dGatherOp) && nd.ps != 0 {
			if f, ok := pools[&tr.ps[nd.ps-1].axes[0]]; ok { // its argmaxes come from there
				live[f] = true
			}
		}
		for _, in := range tr.nodes[i].inputs(tr) {
			if in.p == nil && in.id >= 0 {
				live[in.id] = true
			}
		}
	}
	return live
}

// unbatchable returns the name of an op the outputs depend on that has no
// batching rule, or "".
func (b *batcher) unbatchable(live []bool) string {
	for i, l := range live {
		if nd := &b.tr.nodes[i]; l && !nd.op.leaf && nd.inN > 0 && nd.op.batch == nil {
			return nd.op.name
		}
	}
	return ""
}

// loopAll is Vmap's fallback when an op of f has no batching rule: f runs
// once per slice on b.tp and the outputs are stacked.
func (b *batcher) loopAll(f MultiFunc, leafs []Var, phys []bvar) []bvar {
	var outs [][]Var
	in := make([]Var, len(phys))
	for s := range b.n {
		for i, x := range phys {
			in[i] = x.v
			if x.batched {
				in[i] = b.tp.Reshape(b.tp.Slice(x.v, 0, s, s+1), b.tr.val(leafs[i]).Shape()...)
			}
		}
		outs = append(outs, f(b.tp, in))
	}
	res := make([]bvar, len(outs[0]))
	for j := range res {
		col := make([]Var, b.n)
		for s := range b.n {
			col[s] = outs[s][j]
		}
		res[j] = bvar{v: b.tp.Stack(0, col...), batched: true}
	}
	return res
}

// lookup returns the replayed value of the trace's Var v.
func (b *batcher) lookup(m []bvar, v Var) bvar {
	switch {
	case v.p != nil:
		return bvar{v: v}
	case v.id < 0:
		return bvar{v: b.tp.Const(b.tr.vals[-v.id-1])}
	}
	return m[v.id]
}

// inert reports whether the values in are constants on b.tp: nothing
// there differentiates through them or carries their tangents.
func (b *batcher) inert(in []bvar) bool {
	for _, x := range in {
		if x.v.needs() || b.tp != nil && b.tp.fwd != nil && b.tp.fwd.of(x.v).Valid() {
			return false
		}
	}
	return true
}

// checkUnmapped panics with ErrTape if the trace's Var v depends on a
// mapped input of the Vmap recording it (reading its value would see the
// first slice's only).
func (tp *Tape) checkUnmapped(v Var) {
	if v.p != nil || v.id < 0 || v.tp != tp || v.gen != tp.gen {
		return
	}
	seen := map[int32]bool{}
	var depends func(id int32) bool
	depends = func(id int32) bool {
		if seen[id] {
			return false
		}
		seen[id] = true
		if slices.Contains(tp.mapped, id) {
			return true
		}
		for _, in := range tp.nodes[id].inputs(tp) {
			if in.p == nil && in.id >= 0 && depends(in.id) {
				return true
			}
		}
		return false
	}
	if depends(v.id) {
		panic(tapeErr("Item of a value that differs between the slices of a Vmap (the function would branch on the first slice's value for all of them)"))
	}
}
