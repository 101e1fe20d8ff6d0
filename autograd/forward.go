package autograd

import "slices"

// tangents is the state of forward mode: the tangent each Var carries.
// A tangent is a Var of the same tape and shape; the zero Var means none
// (a zero tangent).
type tangents struct {
	nodes  []Var          // by node id
	vals   []Var          // by kept value (negative ids)
	params map[*param]Var // parameters' and free constants'
	tin    []Var          // the running forward rule's input tangents, reused
	inRule bool           // a forward rule runs: its own ops carry no tangents
}

// of returns the tangent v carries, or the zero Var.
func (f *tangents) of(v Var) Var {
	switch {
	case v.p != nil:
		return f.params[v.p]
	case v.id >= 0 && int(v.id) < len(f.nodes):
		return f.nodes[v.id]
	case v.id < 0 && int(-v.id-1) < len(f.vals):
		return f.vals[-v.id-1]
	}
	return Var{}
}

// set makes v carry t.
func (f *tangents) set(v, t Var) {
	switch {
	case v.p != nil:
		if f.params == nil {
			f.params = map[*param]Var{}
		}
		f.params[v.p] = t
	case v.id >= 0:
		if n := int(v.id) + 1; n > len(f.nodes) {
			f.nodes = append(f.nodes, make([]Var, n-len(f.nodes))...)
		}
		f.nodes[v.id] = t
	default:
		if n := int(-v.id); n > len(f.vals) {
			f.vals = append(f.vals, make([]Var, n-len(f.vals))...)
		}
		f.vals[-v.id-1] = t
	}
}

// clear forgets every tangent, keeping the storage.
func (f *tangents) clear() {
	f.nodes, f.vals = f.nodes[:0], f.vals[:0]
	clear(f.params)
}

// carried reports whether any of in carries a tangent, outside forward rules.
func (f *tangents) carried(in []Var) bool {
	if f.inRule {
		return false
	}
	for _, v := range in {
		if f.of(v).Valid() {
			return true
		}
	}
	return false
}

// SetTangent starts forward mode on the tape: v carries the tangent t (of
// v's shape), and every op computed from v from now on computes, in the
// same pass, its own tangent by its forward rule: the directional
// derivative along t (dual numbers, JAX's jvp, PyTorch's forward AD). Read
// it with Tangent. Tangents compose with reverse mode: a tangent is an
// ordinary Var, so a backward pass recorded with GradGraph carries tangents
// too (forward over reverse gives Hessian-vector products), and a tangent
// computed from Vars that need gradients can be differentiated (reverse
// over forward). Setting a tangent again replaces it. Tangents live until
// Reset; the ops of a plain backward pass (Backward, Grad) carry none.
// It panics with tensor.ErrShape if t's shape is not v's.
func (tp *Tape) SetTangent(v, t Var) {
	tp.check("SetTangent", v)
	tp.check("SetTangent", t)
	if !sameShape(tp.val(v).Shape(), tp.val(t).Shape()) {
		panic(shapeErr("autograd.SetTangent", "the tangent must have the Var's shape", tp.val(v).Shape(), tp.val(t).Shape()))
	}
	if tp.val(v).DType() != tp.val(t).DType() {
		dtypeMismatch("autograd.SetTangent (Var and tangent)", tp.val(v), tp.val(t))
	}
	if tp.fwd == nil {
		if tp.fwd, tp.fwdSpare = tp.fwdSpare, nil; tp.fwd == nil {
			tp.fwd = &tangents{}
		}
	}
	tp.fwd.set(v, t)
}

// Tangent returns the tangent y carries in forward mode (see SetTangent):
// the derivative of y along the tangents set on its inputs. A y that
// depends on no tangent gets zeros (a constant).
func (tp *Tape) Tangent(y Var) Var {
	tp.check("Tangent", y)
	if tp.fwd != nil {
		if t := tp.fwd.of(y); t.Valid() {
			return t
		}
	}
	return tp.Const(tp.allocZero(tp.val(y).DType(), tp.val(y).Shape()))
}

// forwardRule runs the forward rule of node y, whose inputs carry
// tangents, and gives y the tangent it returns, broadcast to y's shape
// where a rule returns the tangent of a broadcast operand as it is: the
// one place where broadcasting is applied to tangents (unbroadcast undoes
// it for gradients). The rule's own ops carry no tangents (forward mode
// does not nest), but they are recorded as usual, so the tangent is
// differentiable in reverse mode.
func (tp *Tape) forwardRule(y Var) {
	f := tp.fwd
	ins := tp.ins(y)
	f.tin = slices.Grow(f.tin[:0], len(ins))[:len(ins)]
	for j, in := range ins {
		f.tin[j] = f.of(in)
	}
	f.inRule = true
	defer func() { f.inRule = false }()
	t := tp.nodes[y.id].op.jvp(tp, y, f.tin)
	if !t.Valid() {
		return
	}
	if ys := tp.val(y).Shape(); !sameShape(tp.val(t).Shape(), ys) {
		t = tp.BroadcastTo(t, ys...)
	}
	f.set(y, t)
}

// tangentOr0 returns t, or zeros of x's shape for a forward rule that needs an
// input's tangent it lacks.
func (tp *Tape) tangentOr0(t, x Var) Var {
	if t.Valid() {
		return t
	}
	return tp.Const(tp.allocZero(tp.val(x).DType(), tp.val(x).Shape()))
}

// sumTangents adds the tangents present among ts (zero Vars are skipped);
// the zero Var when none is.
func (tp *Tape) sumTangents(ts ...Var) Var {
	var s Var
	for _, t := range ts {
		switch {
		case !t.Valid():
		case !s.Valid():
			s = t
		default:
			s = tp.Add(s, t)
		}
	}
	return s
}
