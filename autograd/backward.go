package autograd

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
	"gonum.org/v1/gonum/floats"
)

// Backward computes the gradient of the scalar loss with respect to every
// parameter and Tape.Var leaf it depends on, and adds it to their stored
// gradients (Grad): gradients accumulate across calls until ZeroGrad.
// The tape is kept, so Backward may be called again (each call adds).
// It panics with ErrTape if loss is not a one-element Var of this tape.
func (tp *Tape) Backward(loss Var) {
	tp.checkOut("Backward", loss)
	if loss.Value().Len() != 1 {
		panic(&tensor.ShapeError{Op: "autograd.Backward", Shapes: [][]int{loss.Shape()},
			Msg: "loss must have one element; use BackwardWith(out, grad) for a vector-Jacobian product", Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
	seed := tp.alloc(loss.Shape())
	seed.Data()[0] = 1
	tp.BackwardWith(loss, seed)
}

// BackwardWith is Backward for a non-scalar out: it propagates the given
// output gradient (the vector of a vector-Jacobian product, shape of out) and
// accumulates gᵀ·∂out/∂θ into the parameters' and leaves' gradients.
// It panics with tensor.ErrShape if grad's shape is not out's.
func (tp *Tape) BackwardWith(out Var, grad *tensor.Tensor) { tp.backward(out, grad, nil) }

// backward is BackwardWith with an optional trace called at every rule
// (Explain's narration; nil for a plain backward pass).
func (tp *Tape) backward(out Var, grad *tensor.Tensor, trace traceFunc) {
	tp.checkOut("BackwardWith", out)
	checkSeed(out, grad)
	prev := tp.recording
	tp.recording = false
	tp.sink = trace == nil && !tp.anomaly
	defer func() { tp.recording, tp.sink = prev, false }()
	tp.run(out, tp.Const(grad), trace)
	for p, g := range tp.pgrads { // (empty unless a trace or anomaly mode kept the sink off)
		p.accumulate(g.Value())
	}
	for _, i := range tp.leaves {
		if i > out.id || !tp.grads[i].Valid() {
			continue
		}
		gv := tp.val(tp.grads[i])
		if lg := tp.leafGrads[i]; lg != nil {
			floats.Add(lg.Data(), gv.Data())
		} else {
			if tp.leafGrads == nil {
				tp.leafGrads = map[int32]*tensor.Tensor{}
			}
			lg = tp.alloc(gv.Shape())
			copy(lg.Data(), gv.Data())
			tp.leafGrads[i] = lg
		}
	}
}

// Grad returns ∂y/∂x for each x in wrt (y a one-element Var), like
// torch.autograd.grad: nothing is stored into parameters' gradients. The
// results are constants on this tape; an x that y does not depend on gets
// zeros. wrt may hold parameters, Tape.Var leaves or intermediate Vars.
func (tp *Tape) Grad(y Var, wrt ...Var) []Var { return tp.vjp(y, Var{}, false, wrt) }

// GradGraph is Grad in create-graph mode: the backward pass is itself
// recorded, so the returned gradients are differentiable Vars (grad of grad,
// Hessian-vector products, gradient penalties).
func (tp *Tape) GradGraph(y Var, wrt ...Var) []Var { return tp.vjp(y, Var{}, true, wrt) }

// VJP returns the vector-Jacobian products seedᵀ·∂y/∂x for each x in wrt,
// as constants on this tape (see Grad; an x that y does not depend on gets
// zeros). A zero seed (Var{}) means ones, and y must then have one element.
// It panics with tensor.ErrShape if y has several elements and no seed is
// given, or seed's shape is not y's.
func (tp *Tape) VJP(y, seed Var, wrt ...Var) []Var { return tp.vjp(y, seed, false, wrt) }

// VJPGraph is VJP in create-graph mode: the backward pass is recorded, so the
// products are differentiable Vars, and seed may itself require a gradient,
// which gives forward-mode (Jacobian-vector) products by the double-VJP
// construction. It panics like VJP.
func (tp *Tape) VJPGraph(y, seed Var, wrt ...Var) []Var { return tp.vjp(y, seed, true, wrt) }

// vjp is VJP (VJPGraph when createGraph is set).
func (tp *Tape) vjp(y Var, seed Var, createGraph bool, wrt []Var) []Var {
	tp.checkOut("Grad", y)
	if !seed.Valid() {
		if y.Value().Len() != 1 {
			panic(&tensor.ShapeError{Op: "autograd.Grad", Shapes: [][]int{y.Shape()},
				Msg: "output must have one element; pass a seed gradient (VJP) for a vector output", Err: tensor.ErrShape, Site: shapes.CallerSite()})
		}
		seed = tp.Const(tensor.OnesLike(y.Value()))
	}
	tp.check("VJP", seed)
	checkSeed(y, seed.Value())
	prev := tp.recording
	tp.recording = createGraph
	defer func() { tp.recording = prev }()
	tp.run(y, seed, nil)
	out := make([]Var, len(wrt))
	for i, x := range wrt {
		tp.check("Grad", x)
		var g Var
		if x.p != nil {
			g = tp.pgrads[x.p]
		} else if x.id >= 0 && x.id <= y.id {
			g = tp.grads[x.id]
		}
		if !g.Valid() {
			g = tp.Const(tp.allocZero(x.Shape()))
		}
		out[i] = g
	}
	return out
}

func (tp *Tape) checkOut(op string, y Var) {
	if tp == nil {
		panic(fmt.Errorf("%w: %s on a nil tape (nothing was recorded)", ErrTape, op))
	}
	if y.p != nil {
		panic(fmt.Errorf("%w: %s of a parameter or constant; compute an expression of it on the tape first", ErrTape, op))
	}
	tp.check(op, y)
}

func checkSeed(y Var, g *tensor.Tensor) {
	if !slices.Equal(g.Shape(), y.Shape()) {
		panic(&tensor.ShapeError{Op: "autograd.BackwardWith", Shapes: [][]int{y.Shape(), g.Shape()},
			Msg: "the seed gradient must have the output's shape", Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
}

// gradSink returns the stored gradient of parameter x (allocated on first
// use) for a rule to add x's gradient into directly, or nil when the rule
// must return it as a Var instead: outside Backward (Grad and VJP must not
// touch stored gradients; create-graph needs the Var), under Explain's trace
// or anomaly mode (which look at every gradient), or when x is not a
// trainable parameter. A rule writes into the sink only by adding (β = 1),
// so contributions from several uses sum as they would through the tape;
// beta is 0 for the first write after ZeroGrad (the old contents are
// ignored rather than cleared first) and 1 after it.
func (tp *Tape) gradSink(x Var) (dst *tensor.Tensor, beta float64) {
	if !tp.sink || x.p == nil || x.p.frozen || x.p.constant {
		return nil, 0
	}
	p := x.p
	switch {
	case p.grad == nil:
		p.grad = tensor.Zeros(p.value.Shape()...)
		return p.grad, 0
	case p.gradZero:
		p.gradZero = false
		return p.grad, 0
	}
	return p.grad, 1
}

// isCustom reports whether nd is a CustomOp's node.
func (tp *Tape) isCustom(nd *node) bool {
	_, ok := tp.auxs[nd.aux-1].fn.(*CustomOp)
	return ok
}

// run walks the tape from y down to the first node, applying each rule to
// the gradient reaching its node and summing the results into the inputs'
// gradients (tp.grads for tape nodes, tp.pgrads for parameters).
// A non-nil trace observes each rule's incoming and outgoing gradients
// (Explain); it must not change them.
func (tp *Tape) run(y Var, seed Var, trace traceFunc) {
	n := int(y.id) + 1
	tp.grads = slices.Grow(tp.grads[:0], n)[:n]
	clear(tp.grads)
	clear(tp.pgrads)
	tp.grads[y.id] = seed
	// Not recorded (a plain Backward or Grad): the rules' ops keep only
	// their values. The flags are restored even if a rule panics (Maybe).
	tp.valueOnly = !tp.recording && !tp.anomaly
	defer func() { tp.valueOnly, tp.bwNode = false, -1 }()
	for i := n - 1; i >= 0; i-- {
		g := tp.grads[i]
		if !g.Valid() {
			continue
		}
		if len(tp.hooks) > 0 && len(tp.hooks[int32(i)]) > 0 {
			g = tp.applyHooks(i, g, tp.hooks[int32(i)])
			tp.grads[i] = g
		}
		// Copy what is needed: rules append nodes, which may move the slice.
		nd := &tp.nodes[i]
		rule, ins := nd.rule, nd.inputs(tp)
		if rule == nil {
			continue
		}
		// Built-in rules are shape-checked by the gradcheck table; a user's
		// rule is checked below, where a mistake would surface.
		checked := tp.anomaly || nd.aux != 0 && tp.isCustom(nd)
		if cap(tp.gin) < len(ins) { // reused: rules never run backward themselves
			tp.gin = make([]Var, len(ins))
		}
		gin := tp.gin[:len(ins)]
		switch len(gin) { // not clear(gin): a runtime call, costly for one or two elements
		case 1:
			gin[0] = Var{}
		case 2:
			gin[0], gin[1] = Var{}, Var{}
		default:
			clear(gin)
		}
		tp.bwNode = i
		rule(tp, Var{tp: tp, id: int32(i), gen: tp.gen}, g, gin)
		tp.bwNode = -1
		if trace != nil { // Explain: narrate this step; gradients are unchanged
			trace(i, g, gin)
		}
		for j := range ins {
			gj, in := gin[j], &ins[j]
			if !gj.Valid() {
				continue
			}
			if checked {
				tp.checkRuleGrad(i, j, *in, gj)
			}
			if p := in.p; p != nil {
				switch {
				case p.frozen || p.constant:
				case tp.sink: // Backward: add straight into the stored gradient
					p.accumulate(tp.val(gj))
				default:
					if old, ok := tp.pgrads[p]; ok {
						gj = tp.Add(old, gj)
					}
					tp.pgrads[p] = gj
				}
				continue
			}
			if in.id < 0 || !tp.nodes[in.id].needs {
				continue
			}
			if old := tp.grads[in.id]; old.Valid() {
				gj = tp.Add(old, gj)
			}
			tp.grads[in.id] = gj
		}
	}
}

// checkRuleGrad checks the gradient gj that node i's rule returned for its
// input j: its shape (for a custom op's rule) and, in anomaly mode, that it
// is finite.
func (tp *Tape) checkRuleGrad(i, j int, in, gj Var) {
	nd := &tp.nodes[i]
	if !slices.Equal(tp.val(gj).Shape(), tp.val(in).Shape()) {
		panic(&tensor.ShapeError{Op: "autograd." + nd.op + " (derivative rule)", Shapes: [][]int{in.Shape(), gj.Shape()},
			Msg: fmt.Sprintf("rule returned a gradient of the wrong shape for input %d", j), Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
	if tp.anomaly {
		checkFinite(tp, nd.op, tp.val(gj), tp.sites[int32(i)], "backward", nil)
	}
}
