package autograd

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// debug holds the tape's debugging aids, behind the one field Tape.dbg:
// nil when none is on, so the hot paths test a single pointer.
type debug struct {
	anomaly bool             // anomaly mode (SetAnomaly)
	sites   map[int32]string // call sites of the nodes recorded in anomaly mode
	hooks   map[int32][]Hook // gradient hooks by node (Hook)
	trace   traceFunc        // Explain's narrator during its backward pass
}

// debugging returns the tape's debug state, switching it on.
func (tp *Tape) debugging() *debug {
	if tp.dbg == nil {
		if tp.dbg = tp.spare; tp.dbg == nil {
			tp.dbg = &debug{}
		}
		tp.spare = nil
	}
	return tp.dbg
}

// settle switches debugging off when nothing in it is on any more.
func (tp *Tape) settle() {
	if d := tp.dbg; d != nil && !d.anomaly && len(d.hooks) == 0 && d.trace == nil {
		clear(d.sites)
		tp.spare, tp.dbg = d, nil
	}
}

// site returns the call site recorded for node i in anomaly mode, or "".
func (tp *Tape) site(i int32) string {
	if tp.dbg == nil {
		return ""
	}
	return tp.dbg.sites[i]
}

// ErrAnomaly is the sentinel wrapped by the panic of anomaly mode when an op
// produces a NaN or Inf.
var ErrAnomaly = errors.New("autograd: non-finite value")

// AnomalyError reports the first op that produced a NaN or ±Inf while
// anomaly mode was on.
type AnomalyError struct {
	Op     string  // the op that produced the value
	Phase  string  // "forward" or "backward"
	Shapes [][]int // the op's output shape (forward) or gradient shape (backward)
	Site   string  // the user's call site that recorded the op (file:line)
	Value  float64 // the first non-finite element
}

// Error names the op, the phase, the shape and the call site.
func (e *AnomalyError) Error() string {
	return fmt.Sprintf("autograd: %s produced %v in the %s pass (shape %v), recorded at %s",
		e.Op, e.Value, e.Phase, e.Shapes, e.Site)
}

// Unwrap returns ErrAnomaly.
func (e *AnomalyError) Unwrap() error { return ErrAnomaly }

// SetAnomaly switches anomaly mode on or off. When on, every recorded op
// keeps the caller's file:line, and the first op that turns finite inputs
// into a NaN or Inf (forward), or produces a non-finite gradient (backward),
// panics with an *AnomalyError naming the op, the shapes, the call site and
// the phase. Off by default; when off it costs nothing but the test of one
// pointer per op. On a nil tape, which records nothing, it does nothing.
func (tp *Tape) SetAnomaly(on bool) {
	switch {
	case tp == nil:
	case on:
		tp.debugging().anomaly = true
	case tp.dbg != nil:
		tp.dbg.anomaly = false
		tp.settle()
	}
}

// anomalyCheck records the call site of node id and checks its value.
func (tp *Tape) anomalyCheck(id int32, o *op, value *tensor.Tensor, in []Var) {
	d := tp.dbg
	if d.sites == nil {
		d.sites = map[int32]string{}
	}
	if tp.bw.node >= 0 { // an op of a derivative rule: blame the rule's node
		site := d.sites[tp.bw.node]
		d.sites[id] = site
		checkFinite(tp, tp.opName(tp.bw.node)+" (derivative rule, "+o.name+")", value, site, "backward", in)
		return
	}
	d.sites[id] = shapes.CallerSite()
	checkFinite(tp, o.name, value, d.sites[id], "forward", in)
}

// checkValue checks, in anomaly mode, the value of a rule's op that keeps
// no node, blaming the rule's node.
func (tp *Tape) checkValue(o *op, value *tensor.Tensor, in []Var) {
	if d := tp.dbg; d != nil && d.anomaly && tp.bw.node >= 0 {
		checkFinite(tp, tp.opName(tp.bw.node)+" (derivative rule, "+o.name+")", value, d.sites[tp.bw.node], "backward", in)
	}
}

// checkFinite panics with an AnomalyError if t holds a NaN or Inf that its
// inputs (if given) did not already hold.
func checkFinite(tp *Tape, op string, t *tensor.Tensor, site, phase string, in []Var) {
	bad := math.NaN()
	found := false
	for _, v := range t.Float64s() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad, found = v, true
			break
		}
	}
	if !found {
		return
	}
	for _, x := range in {
		for _, v := range tp.val(x).Float64s() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return // inherited, reported where it first appeared
			}
		}
	}
	panic(&AnomalyError{Op: op, Phase: phase, Shapes: [][]int{slices.Clone(t.Shape())}, Site: site, Value: bad})
}

// Hook reads or replaces the gradient reaching a Var during a backward
// pass. It returns the gradient to use from then on (return g unchanged to
// only observe it). The returned Var must have g's shape.
type Hook func(g Var) Var

var errHookParam = fmt.Errorf("%w: Hook on a parameter: hook the Var that uses it instead", ErrTape)

// Hook registers h on v: whenever a backward pass has summed the gradient
// reaching v from all its uses, the hooks of v run in the order they were
// registered, each receiving the previous one's result, before the gradient
// flows on to v's inputs (or, for a Tape.Var leaf, is stored). Hooks last
// until the tape is Reset. In create-graph mode a hook's ops are recorded.
func (tp *Tape) Hook(v Var, h Hook) {
	tp.check("Hook", v)
	if v.p != nil {
		panic(errHookParam)
	}
	d := tp.debugging()
	if d.hooks == nil {
		d.hooks = map[int32][]Hook{}
	}
	d.hooks[v.id] = append(d.hooks[v.id], h)
}

// applyHooks runs node i's hooks on the gradient g reaching it.
func (d *debug) applyHooks(tp *Tape, i int, g Var) Var {
	for _, h := range d.hooks[int32(i)] {
		ng := h(g)
		tp.check("Hook result", ng)
		if !sameShape(ng.Shape(), g.Shape()) {
			panic(shapeErr("autograd.Hook", "a hook must return a gradient of the shape it received", g.Shape(), ng.Shape()))
		}
		g = ng
	}
	return g
}

// observe passes one step of a backward pass to Explain's narrator, if any.
func (d *debug) observe(i int, g Var, gin []Var) {
	if d.trace != nil {
		d.trace(i, g, gin)
	}
}

func sameShape(a, b []int) bool { return slices.Equal(a, b) }

func shapeErr(op, msg string, shs ...[]int) error {
	cl := make([][]int, len(shs))
	for i, s := range shs {
		cl[i] = slices.Clone(s)
	}
	return &tensor.ShapeError{Op: op, Shapes: cl, Msg: msg, Err: tensor.ErrShape, Site: shapes.CallerSite()}
}
