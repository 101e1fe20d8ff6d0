package autograd

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// backwardState is what a backward pass keeps while its rules run.
type backwardState struct {
	grads  []Var          // the gradient reaching each node (zero Var: none yet)
	pgrads map[*param]Var // parameters' gradients, when they are returned or traced
	gin    []Var          // the running rule's output, reused across nodes
	node   int32          // the node whose rule is running, or -1
	// direct: parameters' gradients go straight into their stored
	// gradients (Backward without debugging); otherwise they are summed in
	// pgrads.
	direct bool
	// done marks the inputs of the running node whose gradients an into
	// rule already delivered (bit i: input i), so vjp skips them.
	done uint64
}

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
	seed := tp.allocLike(loss.Value())
	setFirst(seed, 1)
	tp.BackwardWith(loss, seed)
}

// BackwardWith is Backward for a non-scalar out: it propagates the given
// output gradient (the vector of a vector-Jacobian product, shape of out) and
// accumulates gᵀ·∂out/∂θ into the parameters' and leaves' gradients.
// It panics with tensor.ErrShape if grad's shape is not out's.
func (tp *Tape) BackwardWith(out Var, grad *tensor.Tensor) {
	if tp != nil && tp.trace {
		panic(tapeErr("Backward inside a function mapped by Vmap: use Grad or GradOf, which return the gradients"))
	}
	tp.checkOut("BackwardWith", out)
	checkTensor("BackwardWith's gradient", grad)
	checkSeed(out, grad)
	tp.enter("Backward")
	defer tp.busy.Store(false)
	tp.run(out, tp.Const(grad), backwardValues, tp.dbg == nil)
	for p, g := range tp.bw.pgrads { // (empty unless debugging kept the direct path off)
		p.accumulate(g.Value())
	}
	for _, i := range tp.leaves {
		if i > out.id || !tp.bw.grads[i].Valid() {
			continue
		}
		gv := tp.val(tp.bw.grads[i])
		if lg := tp.leafGrads[i]; lg != nil {
			addInto(lg, gv)
		} else {
			if tp.leafGrads == nil {
				tp.leafGrads = map[int32]*tensor.Tensor{}
			}
			lg = tp.allocLike(gv)
			lg.CopyFrom(gv)
			tp.leafGrads[i] = lg
		}
	}
}

// Grad returns ∂y/∂x for each x in wrt (y a one-element Var), like
// torch.autograd.grad: nothing is stored into parameters' gradients. The
// results are constants on this tape; an x that y does not depend on gets
// zeros. wrt may hold parameters, Tape.Var leaves or intermediate Vars.
// It panics with ErrTape if an x needs no gradient (a constant, a frozen
// parameter, a value computed under NoGrad), whose gradient would silently
// read as zero, as torch.autograd.grad refuses one (the same for GradGraph,
// VJP and VJPGraph).
func (tp *Tape) Grad(y Var, wrt ...Var) []Var { return tp.vjp(y, Var{}, backwardValues, wrt) }

// GradGraph is Grad with the backward pass recorded, so the returned
// gradients are differentiable Vars (grad of grad, Hessian-vector products,
// gradient penalties), like torch.autograd.grad with create_graph=True.
func (tp *Tape) GradGraph(y Var, wrt ...Var) []Var { return tp.vjp(y, Var{}, backwardGraph, wrt) }

// VJP returns the vector-Jacobian products seedᵀ·∂y/∂x for each x in wrt,
// without touching stored gradients. A zero seed means ones (y must then
// have one element).
// It panics with tensor.ErrShape if seed's shape is not y's.
func (tp *Tape) VJP(y, seed Var, wrt ...Var) []Var { return tp.vjp(y, seed, backwardValues, wrt) }

// VJPGraph is VJP with the backward pass recorded: the products are
// differentiable, in the inputs and in seed (which may itself require a
// gradient).
func (tp *Tape) VJPGraph(y, seed Var, wrt ...Var) []Var { return tp.vjp(y, seed, backwardGraph, wrt) }

// vjp is Grad, GradGraph, VJP and VJPGraph: a backward pass in phase ph
// whose gradients are returned, not stored.
func (tp *Tape) vjp(y, seed Var, ph phase, wrt []Var) []Var {
	tp.checkOut("Grad", y)
	if tp.trace { // Vmap replays the backward pass: it must be recorded
		ph = backwardGraph
	}
	if !seed.Valid() {
		if y.Value().Len() != 1 {
			panic(&tensor.ShapeError{Op: "autograd.Grad", Shapes: [][]int{y.Shape()},
				Msg: "output must have one element; pass a seed gradient (VJP) for a vector output", Err: tensor.ErrShape, Site: shapes.CallerSite()})
		}
		seed = tp.Const(tensor.OnesLike(y.Value()))
	}
	tp.check("VJP", seed)
	checkSeed(y, seed.Value())
	tp.enter("Grad")
	defer tp.busy.Store(false)
	tp.run(y, seed, ph, false)
	out := make([]Var, len(wrt))
	for i, x := range wrt {
		tp.check("Grad", x)
		if !x.needs() {
			panic(tapeErr("Grad with respect to %s, which needs no gradient (a constant, a frozen parameter or a value computed under NoGrad): its gradient would read as zero; make it with Tape.Var or NewParam", x.describe()))
		}
		var g Var
		if x.p != nil {
			g = tp.bw.pgrads[x.p]
		} else if x.id >= 0 && x.id <= y.id {
			g = tp.bw.grads[x.id]
		}
		if !g.Valid() {
			g = tp.Const(tp.allocZero(x.Value().DType(), x.Shape()))
		}
		out[i] = g
	}
	return out
}

func (tp *Tape) checkOut(op string, y Var) {
	if tp == nil {
		panic(tapeErr("%s on a nil tape (nothing was recorded)", op))
	}
	if y.p != nil {
		panic(tapeErr("%s of a parameter or constant; compute an expression of it on the tape first", op))
	}
	tp.check(op, y)
}

func checkSeed(y Var, g *tensor.Tensor) {
	if !slices.Equal(g.Shape(), y.Shape()) {
		panic(&tensor.ShapeError{Op: "autograd.BackwardWith", Shapes: [][]int{y.Shape(), g.Shape()},
			Msg: "the seed gradient must have the output's shape", Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
	if yv := y.Value(); g.DType() != yv.DType() {
		dtypeMismatch("autograd.BackwardWith (output and seed gradient)", yv, g)
	}
}

// run walks the tape from y down to the first node in phase ph, applying
// each rule to the gradient reaching its node and delivering the results
// to the inputs (deliver). direct lets parameters' gradients go straight
// into their stored gradients (Backward).
func (tp *Tape) run(y Var, seed Var, ph phase, direct bool) {
	n := int(y.id) + 1
	bw := &tp.bw
	bw.grads = slices.Grow(bw.grads[:0], n)[:n]
	clear(bw.grads)
	clear(bw.pgrads)
	bw.grads[y.id] = seed
	bw.direct = direct
	// The phase is restored even if a rule panics (Maybe).
	prev := tp.phase
	tp.phase = ph
	defer func() { tp.phase, bw.node, bw.direct = prev, -1, false }()
	for i := n - 1; i >= 0; i-- {
		g := bw.grads[i]
		if !g.Valid() {
			continue
		}
		nd := &tp.nodes[i]
		o, ins := nd.op, nd.inputs(tp)
		if tp.dbg != nil {
			g = tp.dbg.applyHooks(tp, i, g)
			bw.grads[i] = g
		}
		if !nd.needs || o.vjp == nil { // nothing to differentiate, or a leaf
			continue
		}
		if cap(bw.gin) < len(ins) { // reused: rules never run backward themselves
			bw.gin = make([]Var, len(ins))
		}
		gin := bw.gin[:len(ins)]
		switch len(gin) { // not clear(gin): a runtime call, costly for one or two elements
		case 1:
			gin[0] = Var{}
		case 2:
			gin[0], gin[1] = Var{}, Var{}
		default:
			clear(gin)
		}
		yv := Var{tp: tp, id: int32(i), gen: tp.gen}
		bw.node, bw.done = int32(i), 0
		if direct && o.into != nil {
			tp.deliverInto(o, yv, g, ins)
		}
		o.vjp(tp, yv, g, gin)
		bw.node = -1
		checked := o == customOp
		if tp.dbg != nil {
			tp.dbg.observe(i, g, gin)
			checked = checked || tp.dbg.anomaly
		}
		for j := range ins {
			if gj := gin[j]; gj.Valid() {
				if checked {
					tp.checkRuleGrad(i, j, ins[j], gj)
				}
				tp.deliver(&ins[j], gj)
			}
		}
	}
}

// deliver adds the gradient gj that a rule computed to input in's
// gradient: the one place where a gradient's destination is decided.
//   - a node's gradient is summed into what reaches it, with a tape op, so
//     the sum is recorded in create-graph mode;
//   - a parameter's gradient goes into its stored gradient (Backward) or is
//     summed for the caller (Grad, VJP, or a debugged Backward).
func (tp *Tape) deliver(in *Var, gj Var) {
	if in.p != nil {
		tp.deliverParam(in.p, gj)
		return
	}
	if in.id < 0 || !tp.nodes[in.id].needs {
		return
	}
	if old := tp.bw.grads[in.id]; old.Valid() {
		gj = tp.Add(old, gj)
	}
	tp.bw.grads[in.id] = gj
}

// deliverParam is deliver for a parameter's gradient.
func (tp *Tape) deliverParam(p *param, gj Var) {
	switch {
	case p.frozen || p.constant:
	case tp.bw.direct:
		p.accumulate(tp.val(gj))
	default:
		if old, ok := tp.bw.pgrads[p]; ok {
			gj = tp.Add(old, gj)
		}
		tp.bw.pgrads[p] = gj
	}
}

// deliverInto lets an op with an into rule write its parameters' gradients
// straight into their stored gradients (a plain Backward only: Grad and VJP
// must not touch them, create-graph needs Vars, debugging looks at every
// gradient). Each input it serves is marked done, so vjp skips it.
func (tp *Tape) deliverInto(o *op, y, g Var, ins []Var) {
	for j := range ins {
		p := ins[j].p
		if p == nil || p.frozen || p.constant {
			continue
		}
		dst, beta := p.gradDst()
		if o.into(tp, y, g, j, dst, beta) {
			p.gradZero = false
			tp.bw.done |= 1 << j
		}
	}
}

// wants reports whether a rule of node y must compute the gradient of its
// input i: the input needs one, and no into rule has delivered it already.
func (tp *Tape) wants(y Var, i int) bool {
	return tp.bw.done&(1<<i) == 0 && tp.ins(y)[i].needs()
}

// checkRuleGrad checks the gradient gj that node i's rule returned for its
// input j: its shape (for a custom op's rule) and, in anomaly mode, that it
// is finite.
func (tp *Tape) checkRuleGrad(i, j int, in, gj Var) {
	name := tp.opName(int32(i))
	if !slices.Equal(tp.val(gj).Shape(), tp.val(in).Shape()) {
		panic(&tensor.ShapeError{Op: "autograd." + name + " (derivative rule)", Shapes: [][]int{in.Shape(), gj.Shape()},
			Msg: fmt.Sprintf("rule returned a gradient of the wrong shape for input %d", j), Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
	if tp.dbg != nil && tp.dbg.anomaly {
		checkFinite(tp, name, tp.val(gj), tp.site(int32(i)), "backward", nil)
	}
}
