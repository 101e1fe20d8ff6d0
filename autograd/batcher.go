package autograd

import "github.com/tapegrad/tapegrad/internal/vmaploops"

// The batcher: one replay of a Vmap trace, and the helpers its batching
// rules share (batch.go holds the rules of the op families).

// bvar is a value of a replay: v, on the caller's tape, whose leading axis
// is the batch when batched.
type bvar struct {
	v       Var
	batched bool
}

// batchRule computes the op of the recorded node y (a Var of the trace
// b.tr) on the replayed inputs in, returning its output batched when any
// input is (rules may also return an unbatched output for batched inputs
// where the op does not depend on them).
type batchRule func(b *batcher, y Var, in []bvar) bvar

// batcher is one replay: the trace, the tape the batched ops record on and
// the batch size.
type batcher struct {
	tp, tr *Tape
	n      int
	// poolAxes maps a max-pooling family's parameters on the trace (the
	// slice its ops share, by its first element) to the replayed forward
	// op's, whose argmax indices are the batch's.
	poolAxes map[*int]pooling
}

// pooling is a replayed max_pool2d's parameters and whether it was batched.
type pooling struct {
	axes    []int
	batched bool
}

// ps returns the recorded parameters of node y.
func (b *batcher) ps(y Var) *params {
	if b.tr.nodes[y.id].ps == 0 {
		return &params{}
	}
	return b.tr.params(y)
}

// inShape is the unbatched shape of node y's input i.
func (b *batcher) inShape(y Var, i int) []int { return b.tr.val(b.tr.ins(y)[i]).Shape() }

// outShape is the unbatched shape of node y's output.
func (b *batcher) outShape(y Var) []int { return b.tr.val(y).Shape() }

// anyBatched reports whether an input is batched.
func anyBatched(in []bvar) bool {
	for _, x := range in {
		if x.batched {
			return true
		}
	}
	return false
}

// aligned returns the inputs' Vars for a broadcasting op: each batched
// input whose unbatched rank r is below the largest, rmax, gets rmax − r
// axes of length 1 after its batch axis, so that broadcasting lines the
// batch axis up with nothing but other batch axes.
func (b *batcher) aligned(y Var, in []bvar) []Var {
	rmax := 0
	for i := range in {
		rmax = max(rmax, len(b.inShape(y, i)))
	}
	out := make([]Var, len(in))
	for i, x := range in {
		out[i] = x.v
		if s := b.inShape(y, i); x.batched && len(s) < rmax {
			shape := make([]int, 0, rmax+1)
			shape = append(shape, b.n)
			for range rmax - len(s) {
				shape = append(shape, 1)
			}
			out[i] = b.tp.Reshape(x.v, append(shape, s...)...)
		}
	}
	return out
}

// expand returns x batched: broadcast along a new batch axis if it is not.
func (b *batcher) expand(x bvar, shape []int) Var {
	if x.batched {
		return x.v
	}
	return b.tp.BroadcastTo(x.v, append([]int{b.n}, shape...)...)
}

// pointwise is the rule of an element-wise op computed by f from its
// recorded parameters: the inputs are aligned (see aligned) and broadcast.
func pointwise(f func(tp *Tape, ps *params, in []Var) Var) batchRule {
	return func(b *batcher, y Var, in []bvar) bvar {
		return bvar{v: f(b.tp, b.ps(y), b.aligned(y, in)), batched: anyBatched(in)}
	}
}

// shift returns axis a of an unbatched rank r as an axis of the batched
// value (one more when batched), normalising a negative axis.
func shift(a, r int, batched bool) int {
	if a < 0 {
		a += r
	}
	if batched {
		a++
	}
	return a
}

// shiftAll returns axes shifted (see shift); no axes means every axis of r.
func shiftAll(axes []int, r int, batched bool) []int {
	if !batched {
		return axes
	}
	out := make([]int, 0, max(len(axes), r))
	if len(axes) == 0 {
		for a := range r {
			out = append(out, a+1)
		}
		return out
	}
	for _, a := range axes {
		out = append(out, shift(a, r, true))
	}
	return out
}

// loop computes the op by f once per slice of the batched inputs and
// stacks the results: the fallback of an op, or of a case of an op, with
// no batched form.
func (b *batcher) loop(y Var, in []bvar, f func(tp *Tape, in []Var) Var) bvar {
	tr := b.tr
	vmaploops.Count(tr.nodes[y.id].op.name)
	outs := make([]Var, b.n)
	vs := make([]Var, len(in))
	for s := range b.n {
		for i, x := range in {
			vs[i] = x.v
			if x.batched {
				vs[i] = b.tp.Reshape(b.tp.Slice(x.v, 0, s, s+1), b.inShape(y, i)...)
			}
		}
		outs[s] = f(b.tp, vs)
	}
	return bvar{v: b.tp.Stack(0, outs...), batched: true}
}

// unbatched reports whether no input is batched; rules call the op as it
// was recorded then.
func unbatched(in []bvar) bool { return !anyBatched(in) }

// vars returns the inputs' Vars.
func vars(in []bvar) []Var {
	out := make([]Var, len(in))
	for i, x := range in {
		out[i] = x.v
	}
	return out
}
