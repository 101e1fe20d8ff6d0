package autograd

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// ErrTape is the sentinel wrapped by panics for misuse of a tape: a zero
// Var, a Var of another tape, a Var from before Reset, or backward of a
// non-scalar without a seed gradient.
var ErrTape = errors.New("autograd: tape misuse")

// node is one record of the Wengert list.
//
// It is kept small, 32 bytes (every op of every pass writes one, and the
// backward pass reads them all): the op is a pointer to its table entry,
// the inputs and the op's parameters live in the tape's arenas, addressed
// by position, and what only some nodes need (a leaf's gradient, the call
// site of anomaly mode, a tangent) lives beside the list.
type node struct {
	op       *op
	value    *tensor.Tensor
	in0, inN int32 // inputs: tp.inArena[in0 : in0+inN]
	ps       int32 // parameters: tp.ps[ps-1], or 0 for none
	needs    bool  // the value depends on something that requires a gradient
	flat     bool  // every input has the output's shape: no broadcasting to undo
}

// inputs returns the node's inputs (a view of the tape's arena).
func (n *node) inputs(tp *Tape) []Var {
	return tp.inArena[n.in0 : n.in0+n.inN : n.in0+n.inN]
}

// phase is what a tape is doing; it alone decides what an op records.
type phase uint8

const (
	// forward: ops record their rules where a gradient is needed.
	forward phase = iota
	// noGrad: ops compute values and record no rules (NoGrad).
	noGrad
	// backwardValues: the rules of Backward, Grad or VJP run; their ops
	// keep only their values, since nothing will differentiate them.
	backwardValues
	// backwardGraph: the rules of GradGraph or VJPGraph run and their ops
	// are recorded, so the gradient can be differentiated again.
	backwardGraph
)

// Tape records the ops of forward passes (a Wengert list) so Backward can
// walk them in reverse. A Tape is not safe for concurrent use; use one tape
// per goroutine. Parameters (NewParam) may be shared by several tapes.
//
// A nil *Tape is valid: its ops compute values and record nothing, for
// inference without any bookkeeping.
type Tape struct {
	nodes     []node
	gen       uint64 // the pass: Vars of earlier passes are stale (64 bits never wrap)
	phase     phase
	inArena   []Var            // arena for node inputs
	ps        []params         // arena for op parameters
	ints      []int            // arena for parameters' axes and indices
	vals      []*tensor.Tensor // values of Vars with negative ids: backward ops nothing differentiates
	leaves    []int32          // the Tape.Var leaves, for Backward to store their gradients
	leafGrads map[int32]*tensor.Tensor
	pool      pool
	bw        backwardState
	dbg       *debug      // anomaly mode, hooks and tracing; nil when none is on
	spare     *debug      // a cleared debug kept for reuse, so hooks allocate nothing per pass
	fwd       *tangents   // forward mode; nil until a tangent is set
	fwdSpare  *tangents   // a cleared tangents kept for reuse after Reset
	busy      atomic.Bool // a backward pass or Reset runs (see enter)
	// trace marks a tape on which Vmap records the function it maps: every
	// op keeps its inputs and parameters, whether or not a gradient is
	// needed, so the record can be replayed with batched values.
	trace  bool
	mapped []int32 // on a trace: the leaves of the mapped inputs
}

// NewTape returns an empty tape that records.
func NewTape() *Tape {
	return &Tape{gen: 1, bw: backwardState{node: -1, pgrads: map[*param]Var{}}, pool: newPool()}
}

// Reset forgets every recorded op so the tape can record the next forward
// pass, keeping its buffers for reuse: the values of this tape's Vars are
// recycled and the Vars themselves become invalid (using one panics with
// ErrTape). Parameters and their gradients are untouched, and so is anomaly
// mode; hooks and tangents are dropped. Copy out any value you want to keep
// (Item, Value().Copy()) before Reset. On a nil tape Reset does nothing.
func (tp *Tape) Reset() {
	if tp == nil { // a nil tape records nothing: nothing to forget
		return
	}
	tp.enter("Reset")
	defer tp.busy.Store(false)
	// The node list, arenas and value list are truncated, not cleared: the
	// next pass overwrites them, and what they point to is the tape's own
	// pool or parameters the user holds anyway.
	tp.nodes = tp.nodes[:0]
	tp.inArena = tp.inArena[:0]
	tp.ps = tp.ps[:0]
	tp.ints = tp.ints[:0]
	tp.vals = tp.vals[:0]
	tp.leaves = tp.leaves[:0]
	clear(tp.leafGrads)
	tp.pool.rewind()
	tp.gen++ // 64 bits: a stale Var can never become current again
	tp.phase = forward
	tp.bw.node = -1
	if f := tp.fwd; f != nil { // kept cleared for the next pass's tangents
		f.clear()
		tp.fwd, tp.fwdSpare = nil, f
	}
	if d := tp.dbg; d != nil {
		clear(d.hooks)
		clear(d.sites)
		if !d.anomaly {
			tp.spare, tp.dbg = d, nil
		}
	}
}

// enter marks the start of a backward pass or a Reset, panicking with
// ErrTape if one is already running: a Backward called from a hook or a
// rule (re-entrant: it would add every gradient again), or the tape used by
// two goroutines at once. One atomic operation per pass, not per op: a
// second goroutine recording ops on the tape is caught when either of them
// enters Backward, Grad or Reset while the other is inside one, which is
// where a training step per goroutine meets; the race detector sees the
// rest. The caller clears busy when it is done.
func (tp *Tape) enter(op string) {
	if !tp.busy.CompareAndSwap(false, true) {
		panic(tapeErr("%s while a backward pass or Reset of this tape is running: "+
			"called from a hook or a derivative rule (not allowed), or the tape is used by two goroutines at once (use one tape per goroutine)", op))
	}
}

// Len returns the number of recorded nodes.
func (tp *Tape) Len() int {
	if tp == nil {
		return 0
	}
	return len(tp.nodes)
}

// Ops returns the names of the recorded nodes' ops in recording order
// (leaves are "const" and "input"), for tests and tracing what a pass
// recorded.
func (tp *Tape) Ops() []string {
	if tp == nil {
		return nil
	}
	out := make([]string, len(tp.nodes))
	for i := range tp.nodes {
		out[i] = tp.opName(int32(i))
	}
	return out
}

// opName is the name of node i's op (a custom op's own name).
func (tp *Tape) opName(i int32) string {
	nd := &tp.nodes[i]
	if nd.op == customOp && nd.ps != 0 {
		return tp.ps[nd.ps-1].custom.Name
	}
	return nd.op.name
}

// NoGrad runs f with recording switched off: ops inside compute values but
// record no derivative rules, so nothing flows back through them. Forward
// mode still computes tangents inside f.
func (tp *Tape) NoGrad(f func()) {
	if f == nil {
		panic(tapeErr("NoGrad of a nil function"))
	}
	if tp == nil {
		f()
		return
	}
	prev := tp.phase
	tp.phase = noGrad
	defer func() { tp.phase = prev }()
	f()
}

// Recording reports whether ops are currently recorded for differentiation.
func (tp *Tape) Recording() bool {
	return tp != nil && (tp.phase == forward || tp.phase == backwardGraph)
}

// alloc returns a tensor of type dt and the given shape from the tape's
// pool (contents unspecified), or a new one for a nil tape.
func (tp *Tape) alloc(dt tensor.DType, shape []int) *tensor.Tensor {
	if tp == nil {
		return dt.Zeros(shape...)
	}
	return tp.pool.alloc(dt, shape)
}

// allocLike is alloc of x's type and shape.
func (tp *Tape) allocLike(x *tensor.Tensor) *tensor.Tensor { return tp.alloc(x.DType(), x.Shape()) }

// allocZero is alloc with the contents zeroed.
func (tp *Tape) allocZero(dt tensor.DType, shape []int) *tensor.Tensor {
	t := tp.alloc(dt, shape)
	zero(t)
	return t
}

// check panics with ErrTape unless v may be used on tp.
func (tp *Tape) check(op string, v Var) {
	if !tp.current(v) {
		tp.checkSlow(op, v)
	}
}

// current reports whether v may be used on tp without a closer look: a
// parameter or constant, or a Var of this pass of tp. Hot paths test it
// inline and call checkSlow only when it fails.
func (tp *Tape) current(v Var) bool {
	return v.p != nil || v.tp == tp && tp != nil && v.gen == tp.gen
}

// checkSlow is check's reporting path. Its errors name the user's line.
func (tp *Tape) checkSlow(op string, v Var) {
	switch {
	case v.p != nil:
		return
	case v.tp == nil:
		panic(tapeErr("%s: zero Var (not made by a tape op, NewParam or Const)", op))
	case v.tp != tp:
		panic(tapeErr("%s: Var %s belongs to another tape; use one tape per forward pass", op, v.describe()))
	case v.gen != tp.gen:
		panic(tapeErr("%s: Var is from before the tape's Reset; recompute it on the new pass", op))
	}
}

// tapeErr returns an error wrapping ErrTape: "autograd: tape misuse: MSG
// (at file:line)", the line being the user's call that led to the misuse
// (shapes.CallerSite, as shape errors name it). It costs a stack walk, so
// only error paths call it.
func tapeErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s (at %s)", ErrTape, fmt.Sprintf(format, args...), shapes.CallerSite())
}

// needs reports whether a gradient must flow into v.
func (v Var) needs() bool {
	if v.p != nil {
		return !v.p.frozen && !v.p.constant
	}
	if v.id < 0 {
		return false
	}
	return v.tp.nodes[v.id].needs
}

// record appends a node for op o with the given inputs and returns its Var.
// Inputs are copied into the tape's arena, and so are the parameters ps
// (nil for none). What is kept depends on the phase: a rule where a
// gradient is needed, the inputs where forward mode needs them, or, for
// the ops of a backward pass that nothing differentiates, the value alone.
func (tp *Tape) record(o *op, value *tensor.Tensor, ps *params, in ...Var) Var {
	if tp == nil {
		return Const(value)
	}
	if tp.phase == backwardValues {
		tp.checkValue(o, value, in)
		return tp.keepValue(value)
	}
	needs := false
	for i := range in {
		switch v := &in[i]; {
		case v.p != nil:
			needs = needs || !v.p.frozen && !v.p.constant
		case !tp.current(*v):
			tp.checkSlow(o.name, *v) // panics
		case v.id >= 0 && tp.nodes[v.id].needs:
			needs = true
		}
	}
	needs = needs && tp.phase != noGrad && !o.nondiff
	tangent := tp.fwd != nil && !o.nondiff && tp.fwd.carried(in)
	if !needs && !tangent && tp.phase == backwardGraph && !tp.trace {
		tp.checkValue(o, value, in)
		return tp.keepValue(value) // a rule's op that needs no gradient
	}
	nd := node{op: o, value: value}
	if needs || tangent || tp.trace {
		nd.in0, nd.inN, nd.needs = int32(len(tp.inArena)), int32(len(in)), needs
		tp.inArena = append(tp.inArena, in...)
		if ps != nil {
			tp.ps = append(tp.ps, *ps)
			nd.ps = int32(len(tp.ps))
		}
	}
	y := tp.push(nd)
	if tp.dbg != nil && tp.dbg.anomaly {
		tp.anomalyCheck(y.id, o, value, in)
	}
	if tangent {
		tp.forwardRule(y)
	}
	return y
}

// record2 is record for the commonest case, an op with two inputs (both
// checked current by the caller) and no parameters; anything but a plain
// forward pass or a plain backward pass takes record. flat says both inputs
// have the output's shape, which lets rules skip unbroadcast.
func (tp *Tape) record2(o *op, value *tensor.Tensor, a, b Var, flat bool) Var {
	switch {
	case tp.plainBackward():
		return tp.keepValue(value)
	case !tp.plainForward():
		return tp.record(o, value, nil, a, b)
	case !a.needs() && !b.needs():
		return tp.push(node{op: o, value: value})
	}
	tp.inArena = append(tp.inArena, a, b)
	return tp.push(node{op: o, value: value, in0: int32(len(tp.inArena) - 2), inN: 2, needs: true, flat: flat})
}

// record1 is record2 for an op with one input.
func (tp *Tape) record1(o *op, value *tensor.Tensor, x Var) Var {
	switch {
	case tp.plainBackward():
		return tp.keepValue(value)
	case !tp.plainForward():
		return tp.record(o, value, nil, x)
	case !x.needs():
		return tp.push(node{op: o, value: value})
	}
	tp.inArena = append(tp.inArena, x)
	return tp.push(node{op: o, value: value, in0: int32(len(tp.inArena) - 1), inN: 1, needs: true})
}

// plainForward reports whether tp records a forward pass with no debugging
// and no forward mode: the case record1 and record2 handle themselves.
func (tp *Tape) plainForward() bool {
	return tp != nil && tp.phase == forward && tp.dbg == nil && tp.fwd == nil && !tp.trace
}

// plainBackward reports whether tp runs the rules of a backward pass that
// is not recorded, with no debugging: its ops keep only their values.
func (tp *Tape) plainBackward() bool {
	return tp != nil && tp.phase == backwardValues && tp.dbg == nil
}

// push appends nd to the tape and returns its Var.
func (tp *Tape) push(nd node) Var {
	tp.nodes = append(tp.nodes, nd)
	return Var{tp: tp, id: int32(len(tp.nodes) - 1), gen: tp.gen}
}

// keepValue records a value and no node: the op of a backward pass that is
// not recorded (a rule's, or the sum of two gradients), which nothing will
// differentiate (a node costs 32 bytes). The Var has a negative id.
func (tp *Tape) keepValue(value *tensor.Tensor) Var {
	tp.vals = append(tp.vals, value)
	return Var{tp: tp, id: -int32(len(tp.vals)), gen: tp.gen}
}

// flat reports whether node y's inputs all have its shape (see node.flat).
func (tp *Tape) flat(y Var) bool { return tp.nodes[y.id].flat }

// ins returns the inputs of node y.
func (tp *Tape) ins(y Var) []Var { return tp.nodes[y.id].inputs(tp) }

// params returns the parameters recorded with node y's op.
func (tp *Tape) params(y Var) *params { return &tp.ps[tp.nodes[y.id].ps-1] }

// keepInts copies s into the tape's int arena (a new slice for a nil
// tape), so callers' slices never escape.
func (tp *Tape) keepInts(s ...int) []int {
	if tp == nil {
		return slices.Clone(s)
	}
	start := len(tp.ints)
	tp.ints = append(tp.ints, s...)
	return tp.ints[start:len(tp.ints):len(tp.ints)]
}

// keepAxisInts stores axis followed by idx in the int arena.
func (tp *Tape) keepAxisInts(axis int, idx []int) []int {
	if tp == nil {
		return append([]int{axis}, idx...)
	}
	start := len(tp.ints)
	tp.ints = append(append(tp.ints, axis), idx...)
	return tp.ints[start:len(tp.ints):len(tp.ints)]
}

// Const records t as a constant: a leaf that needs no gradient. t is not
// copied; the tape never writes to it.
func (tp *Tape) Const(t *tensor.Tensor) Var {
	checkTensor("Const", t)
	if tp == nil {
		return Const(t)
	}
	return tp.push(node{op: constOp, value: t})
}

// Var records t as an input leaf that needs a gradient, living as long as
// the tape pass: after Backward its gradient is v.Grad(). Use it for inputs
// you differentiate with respect to (Grad, Jacobian) that are not parameters.
func (tp *Tape) Var(t *tensor.Tensor) Var {
	checkTensor("Var", t)
	if tp == nil {
		return Const(t)
	}
	rec := tp.Recording()
	v := tp.push(node{op: inputOp, value: t, needs: rec})
	if rec {
		tp.leaves = append(tp.leaves, v.id)
	}
	return v
}

// checkTensor panics with ErrTape if t is nil.
func checkTensor(op string, t *tensor.Tensor) {
	if t == nil {
		panic(tapeErr("%s of a nil tensor", op))
	}
}

// Scalar records the constant 0-d float64 value c. (ScalarOf records one
// of another element type.)
func (tp *Tape) Scalar(c float64) Var { return tp.ScalarOf(tensor.Float64, c) }

// ScalarOf records the constant 0-d value c of element type dt (rounded to
// float32 for Float32): the scalar to combine with Vars of that type.
func (tp *Tape) ScalarOf(dt tensor.DType, c float64) Var {
	t := tp.alloc(dt, nil)
	t.Set(c)
	return tp.Const(t)
}

// String prints the recorded graph, one node per line:
// index, op, shape, and the inputs it was computed from.
func (tp *Tape) String() string {
	if tp == nil {
		return "Tape(nil)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Tape(%d nodes)\n", len(tp.nodes))
	for i, n := range tp.nodes {
		fmt.Fprintf(&b, "  %%%d = %s %v", i, tp.opName(int32(i)), n.value.Shape())
		for j, in := range n.inputs(tp) {
			if j == 0 {
				b.WriteString(" ←")
			}
			b.WriteString(" " + in.ref())
		}
		if site := tp.site(int32(i)); site != "" {
			b.WriteString("  @ " + site)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
