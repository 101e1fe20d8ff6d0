package autograd

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// ErrTape is the sentinel wrapped by panics for misuse of a tape: a zero
// Var, a Var of another tape, a Var from before Reset, or backward of a
// non-scalar without a seed gradient.
var ErrTape = errors.New("autograd: tape misuse")

// Rule is a derivative rule. Given the op's output node out and the gradient
// g of the loss with respect to it, it stores in gin[i] the gradient with
// respect to input i (the zero Var for "no contribution"). Rules are written
// with the tape's own ops: run while the tape records (create-graph mode)
// they build the graph of the gradient, so gradients can be differentiated
// again. Every built-in op has one, beside its forward computation; a
// custom op gives its rule as CustomOp.Backward, which Apply wraps in a
// Rule.
type Rule func(tp *Tape, out, g Var, gin []Var)

// node is one record of the Wengert list.
//
// It is kept small, 48 bytes (every op of every pass writes one, and the
// backward pass reads them all): the inputs and the op's parameters live in
// the tape's arenas, addressed by position, and what only some nodes need (a
// leaf's gradient, the call site of anomaly mode) lives in maps beside the
// list.
type node struct {
	op       string
	value    *tensor.Tensor
	rule     Rule
	in0, inN int32 // inputs: tp.inArena[in0 : in0+inN]
	aux      int32 // op parameters: tp.auxs[aux-1], or 0 for none
	needs    bool  // the value depends on something that requires a gradient
	leaf     bool  // created by Tape.Var or Tape.Const
	flat     bool  // every input has the output's shape: no broadcasting to undo
}

// inputs returns the node's inputs (a view of the tape's arena).
func (n *node) inputs(tp *Tape) []Var {
	return tp.inArena[n.in0 : n.in0+n.inN : n.in0+n.inN]
}

// aux holds the parameters of an op (axes, flags, constants, and the
// *unaryOp or *CustomOp the generic rules dispatch on).
type aux struct {
	ints []int
	f    [2]float64
	b    [2]bool
	fn   any
}

// Tape records the ops of forward passes (a Wengert list) so Backward can
// walk them in reverse. A Tape is not safe for concurrent use; use one tape
// per goroutine. Parameters (NewParam) may be shared by several tapes.
//
// A nil *Tape is valid: its ops compute values and record nothing, for
// inference without any bookkeeping.
type Tape struct {
	nodes     []node
	gen       uint32
	recording bool
	anomaly   bool
	inArena   []Var                    // arena for node inputs
	auxs      []aux                    // arena for op parameters
	ints      []int                    // arena for aux ints
	bufs      []*tensor.Tensor         // the pool's buffers in the order the passes took them
	next      int                      // bufs[:next] are taken by this pass
	free      map[int][]*tensor.Tensor // spare buffers by element count
	small     [64][]*tensor.Tensor     // the same for small counts, without a map lookup
	grads     []Var
	vals      []*tensor.Tensor         // values of Vars with negative ids: backward ops nothing differentiates
	leafGrads map[int32]*tensor.Tensor // Tape.Var leaves' gradients after Backward
	sites     map[int32]string         // call sites recorded in anomaly mode
	gin       []Var                    // the rule's output buffer, reused across nodes
	pgrads    map[*param]Var
	hooks     map[int32][]Hook
	bwNode    int     // the node whose rule is running during backward, else -1
	valueOnly bool    // in a backward pass that is not recorded: ops keep only their values
	leaves    []int32 // the Tape.Var leaves, for Backward to store their gradients
	sink      bool    // Backward lets rules add into parameters' stored gradients (gradSink)
}

// NewTape returns an empty tape that records.
func NewTape() *Tape {
	return &Tape{recording: true, gen: 1, bwNode: -1, free: map[int][]*tensor.Tensor{}, pgrads: map[*param]Var{}}
}

// Reset forgets every recorded op so the tape can record the next forward
// pass, keeping its buffers for reuse: the values of this tape's Vars are
// recycled and the Vars themselves become invalid (using one panics with
// ErrTape). Parameters and their gradients are untouched. Copy out any value
// you want to keep (Item, Value().Copy()) before Reset.
func (tp *Tape) Reset() {
	// The node list, arenas and value list are truncated, not cleared: the
	// next pass overwrites them, and what they point to is the tape's own
	// pool or parameters the user holds anyway.
	tp.nodes = tp.nodes[:0]
	tp.inArena = tp.inArena[:0]
	tp.auxs = tp.auxs[:0]
	tp.ints = tp.ints[:0]
	tp.vals = tp.vals[:0]
	tp.next = 0 // the next pass takes the buffers again, in the same order
	clear(tp.hooks)
	clear(tp.leafGrads)
	clear(tp.sites)
	tp.gen++
	if tp.gen == 0 { // after 2³² resets: 0 marks the zero Var
		tp.gen = 1
	}
	tp.recording = true
	tp.bwNode = -1
	tp.valueOnly = false
	tp.leaves = tp.leaves[:0]
}

// Len returns the number of recorded nodes.
func (tp *Tape) Len() int {
	if tp == nil {
		return 0
	}
	return len(tp.nodes)
}

// NoGrad runs f with recording switched off: ops inside compute values but
// record no derivative rules, so nothing flows back through them.
func (tp *Tape) NoGrad(f func()) {
	if tp == nil {
		f()
		return
	}
	prev := tp.recording
	tp.recording = false
	defer func() { tp.recording = prev }()
	f()
}

// Recording reports whether ops are currently recorded for differentiation.
func (tp *Tape) Recording() bool { return tp != nil && tp.recording }

// alloc returns a tensor of the given shape from the tape's pool (contents
// unspecified), or a new one for a nil tape.
//
// Training repeats the same passes, so the pool replays them: it keeps its
// buffers in the order they were taken, and the pass after a Reset is
// offered them in that order, each at the cost of a shape test (inlined
// here; allocSlow does the rest). At the first buffer of the wrong length
// the replay stops: the buffers not yet taken become spares, found by
// element count.
func (tp *Tape) alloc(shape []int) *tensor.Tensor {
	if tp != nil && tp.next < len(tp.bufs) {
		if t := tp.bufs[tp.next]; slices.Equal(t.Shape(), shape) {
			tp.next++
			return t
		}
	}
	return tp.allocSlow(shape)
}

// allocSlow is alloc when the next buffer of the replay has another shape.
func (tp *Tape) allocSlow(shape []int) *tensor.Tensor {
	if tp == nil {
		return tensor.Zeros(shape...)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if tp.next < len(tp.bufs) {
		if t := tp.bufs[tp.next]; t.Len() == n {
			tp.next++
			shapes.Reuse(t, shape)
			return t
		}
		tp.spill()
	}
	var t *tensor.Tensor
	if n < len(tp.small) {
		if l := tp.small[n]; len(l) > 0 {
			t = l[len(l)-1]
			tp.small[n] = l[:len(l)-1]
		}
	} else if l := tp.free[n]; len(l) > 0 {
		t = l[len(l)-1]
		tp.free[n] = l[:len(l)-1]
	}
	if t != nil {
		if !slices.Equal(t.Shape(), shape) {
			shapes.Reuse(t, shape)
		}
	} else {
		t = tensor.Zeros(shape...)
	}
	tp.bufs = append(tp.bufs, t)
	tp.next++
	return t
}

// spill ends the replay: the buffers this pass has not taken become spares.
func (tp *Tape) spill() {
	for _, t := range tp.bufs[tp.next:] {
		if n := t.Len(); n < len(tp.small) {
			tp.small[n] = append(tp.small[n], t)
		} else {
			tp.free[n] = append(tp.free[n], t)
		}
	}
	clear(tp.bufs[tp.next:])
	tp.bufs = tp.bufs[:tp.next]
}

// allocZero is alloc with the contents zeroed.
func (tp *Tape) allocZero(shape []int) *tensor.Tensor {
	t := tp.alloc(shape)
	clear(t.Data())
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

// checkSlow is check's reporting path.
func (tp *Tape) checkSlow(op string, v Var) {
	switch {
	case v.p != nil:
		return
	case v.tp == nil:
		panic(fmt.Errorf("%w: %s: zero Var (not made by a tape op, NewParam or Const)", ErrTape, op))
	case v.tp != tp:
		panic(fmt.Errorf("%w: %s: Var %s belongs to another tape; use one tape per forward pass", ErrTape, op, v.describe()))
	case v.gen != tp.gen:
		panic(fmt.Errorf("%w: %s: Var is from before the tape's Reset; recompute it on the new pass", ErrTape, op))
	}
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

// record appends a node for an op with the given inputs. Inputs are copied
// into the tape's arena; ax (nil for none) holds the op's parameters. With
// recording off (or no input needing a gradient) the rule is dropped.
func (tp *Tape) record(op string, value *tensor.Tensor, rule Rule, ax *aux, in ...Var) Var {
	if tp == nil {
		return Const(value)
	}
	if tp.valueOnly {
		return tp.keepValue(value)
	}
	needs := false
	for i := range in {
		switch v := &in[i]; {
		case v.p != nil:
			needs = needs || !v.p.frozen && !v.p.constant
		case !tp.current(*v):
			tp.checkSlow(op, *v) // panics
		case v.id >= 0 && tp.nodes[v.id].needs:
			needs = true
		}
	}
	if tp.bwNode >= 0 && !(needs && tp.recording) && !tp.anomaly {
		return tp.keepValue(value) // a rule's op in create-graph mode that needs no gradient
	}
	id := int32(len(tp.nodes))
	if needs && tp.recording {
		in0 := int32(len(tp.inArena))
		switch len(in) { // element appends: no typed copy call for the common arities
		case 1:
			tp.inArena = append(tp.inArena, in[0])
		case 2:
			tp.inArena = append(tp.inArena, in[0], in[1])
		default:
			tp.inArena = append(tp.inArena, in...)
		}
		var a int32
		if ax != nil {
			tp.auxs = append(tp.auxs, *ax)
			a = int32(len(tp.auxs))
		}
		tp.nodes = append(tp.nodes, node{op: op, value: value, rule: rule, in0: in0, inN: int32(len(in)), aux: a, needs: true})
	} else {
		tp.nodes = append(tp.nodes, node{op: op, value: value})
	}
	if tp.anomaly {
		tp.anomalyCheck(id, op, value, in)
	}
	return Var{tp: tp, id: id, gen: tp.gen}
}

// record2 is record for the commonest case, an op with two inputs (both
// checked current by the caller) and no parameters while recording a
// forward pass; anything else takes record. flat says both inputs have the
// output's shape, which lets rules skip unbroadcast.
func (tp *Tape) record2(op string, value *tensor.Tensor, rule Rule, a, b Var, flat bool) Var {
	switch {
	case tp != nil && tp.valueOnly:
		return tp.keepValue(value)
	case !tp.plainForward():
		return tp.record(op, value, rule, nil, a, b)
	case !a.needs() && !b.needs():
		return tp.push(node{op: op, value: value})
	}
	tp.inArena = append(tp.inArena, a, b)
	return tp.push(node{op: op, value: value, rule: rule, in0: int32(len(tp.inArena) - 2), inN: 2, needs: true, flat: flat})
}

// record1 is record2 for an op with one input.
func (tp *Tape) record1(op string, value *tensor.Tensor, rule Rule, x Var) Var {
	switch {
	case tp != nil && tp.valueOnly:
		return tp.keepValue(value)
	case !tp.plainForward():
		return tp.record(op, value, rule, nil, x)
	case !x.needs():
		return tp.push(node{op: op, value: value})
	}
	tp.inArena = append(tp.inArena, x)
	return tp.push(node{op: op, value: value, rule: rule, in0: int32(len(tp.inArena) - 1), inN: 1, needs: true})
}

// plainForward reports whether tp records a forward pass without anomaly
// mode: the case record1 and record2 handle themselves.
func (tp *Tape) plainForward() bool {
	return tp != nil && tp.bwNode < 0 && tp.recording && !tp.anomaly
}

// push appends nd to the tape and returns its Var.
func (tp *Tape) push(nd node) Var {
	tp.nodes = append(tp.nodes, nd)
	return Var{tp: tp, id: int32(len(tp.nodes) - 1), gen: tp.gen}
}

// keepValue records a value and no node: the op of a backward pass that is
// not recorded (a rule's, or the sum of two gradients), which nothing will
// differentiate (a node costs 48 bytes). The Var has a negative id.
func (tp *Tape) keepValue(value *tensor.Tensor) Var {
	tp.vals = append(tp.vals, value)
	return Var{tp: tp, id: -int32(len(tp.vals)), gen: tp.gen}
}

// anomalyCheck records the call site of node id (or, for an op of a
// derivative rule, the site of the rule's node) and checks its value.
func (tp *Tape) anomalyCheck(id int32, op string, value *tensor.Tensor, in []Var) {
	if tp.sites == nil {
		tp.sites = map[int32]string{}
	}
	if tp.bwNode >= 0 { // an op of a derivative rule: blame the rule's node
		b := &tp.nodes[tp.bwNode]
		site := tp.sites[int32(tp.bwNode)]
		tp.sites[id] = site
		checkFinite(tp, b.op+" (derivative rule, "+op+")", value, site, "backward", in)
	} else {
		tp.sites[id] = callSite()
		checkFinite(tp, op, value, tp.sites[id], "forward", in)
	}
}

// flat reports whether node y's inputs all have its shape (see node.flat).
func (tp *Tape) flat(y Var) bool { return tp.nodes[y.id].flat }

// auxOf returns the parameters recorded with node y's op.
func (tp *Tape) auxOf(y Var) *aux { return &tp.auxs[tp.nodes[y.id].aux-1] }

// keepInts copies s into the tape's int arena (a new slice for a nil
// tape), so callers' slices never escape.
func (tp *Tape) keepInts(s []int) []int {
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
	if tp == nil {
		return Const(t)
	}
	return tp.push(node{op: "const", value: t, leaf: true})
}

// Var records t as an input leaf that needs a gradient, living as long as
// the tape pass: after Backward its gradient is v.Grad(). Use it for inputs
// you differentiate with respect to (Grad, Jacobian) that are not parameters.
func (tp *Tape) Var(t *tensor.Tensor) Var {
	if tp == nil {
		return Const(t)
	}
	v := tp.push(node{op: "input", value: t, leaf: true, needs: tp.recording})
	if tp.recording {
		tp.leaves = append(tp.leaves, v.id)
	}
	return v
}

// Scalar records the constant 0-d value c.
func (tp *Tape) Scalar(c float64) Var {
	t := tp.alloc(nil)
	t.Data()[0] = c
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
		fmt.Fprintf(&b, "  %%%d = %s %v", i, n.op, n.value.Shape())
		for j, in := range n.inputs(tp) {
			if j == 0 {
				b.WriteString(" ←")
			}
			b.WriteString(" " + in.ref())
		}
		if site := tp.sites[int32(i)]; site != "" {
			b.WriteString("  @ " + site)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
