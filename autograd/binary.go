package autograd

import (
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// broadcastShape returns the broadcast shape of a and b or panics with
// tensor.ErrShape naming op.
func broadcastShape(op string, a, b Var) []int { return broadcastShapeInto(nil, op, a, b) }

// broadcastShapeInto is broadcastShape appending into dst[:0].
func broadcastShapeInto(dst []int, op string, a, b Var) []int {
	s, ok := shapes.BroadcastShapesInto(dst, a.Shape(), b.Shape())
	if !ok {
		panic(shapeErr("autograd."+op, "shapes do not broadcast (trailing dimensions must be equal or 1)", a.Shape(), b.Shape()))
	}
	return s
}

// unbroadcast sums g back to shape: the one place where the gradient of a
// broadcast operand is reduced to that operand's shape, for every op.
func (tp *Tape) unbroadcast(g Var, shape []int) Var {
	if sameShape(tp.val(g).Shape(), shape) {
		return g
	}
	return tp.SumTo(g, shape...)
}

// binaryOp is an element-wise binary op as data: its name, its kernel, the
// same op on one pair of numbers (nil for none: no one-element fast path)
// and its derivative rule (set by init, since the rules call the ops).
type binaryOp struct {
	name   string
	kernel func(dst, a, b *tensor.Tensor) *tensor.Tensor
	f      func(a, b float64) float64
	rule   Rule
}

// The element-wise binary ops.
var (
	addOp     = &binaryOp{name: "add", kernel: tensor.AddTo, f: func(a, b float64) float64 { return a + b }}
	subOp     = &binaryOp{name: "sub", kernel: tensor.SubTo, f: func(a, b float64) float64 { return a - b }}
	mulOp     = &binaryOp{name: "mul", kernel: tensor.MulTo, f: func(a, b float64) float64 { return a * b }}
	divOp     = &binaryOp{name: "div", kernel: tensor.DivTo, f: func(a, b float64) float64 { return a / b }}
	powOp     = &binaryOp{name: "pow", kernel: tensor.PowTo}
	maximumOp = &binaryOp{name: "maximum", kernel: tensor.MaximumTo}
	minimumOp = &binaryOp{name: "minimum", kernel: tensor.MinimumTo}
)

func init() {
	addOp.rule = addRule
	subOp.rule = subRule
	mulOp.rule = mulRule
	divOp.rule = divRule
	powOp.rule = powRule
	maximumOp.rule = maximumRule
	minimumOp.rule = minimumRule
}

// binary records the element-wise binary op of a and b into a pooled
// buffer of the broadcast shape. One-element operands of equal shapes
// (scalar code) skip the kernel's dispatch when the op has an f.
func (tp *Tape) binary(op *binaryOp, a, b Var) Var {
	if !tp.current(a) || !tp.current(b) {
		tp.checkSlow(op.name, a)
		tp.checkSlow(op.name, b)
	}
	av, bv := tp.val(a), tp.val(b)
	s := av.Shape()
	if slices.Equal(s, bv.Shape()) { // equal shapes, the common case, need no broadcasting
		out := tp.alloc(s)
		if ad, bd := av.Data(), bv.Data(); op.f != nil && len(ad) == 1 {
			out.Data()[0] = op.f(ad[0], bd[0])
		} else {
			op.kernel(out, av, bv)
		}
		return tp.record2(op.name, out, op.rule, a, b, true)
	}
	var buf [8]int
	s, ok := shapes.BroadcastShapesInto(buf[:0], av.Shape(), bv.Shape())
	if !ok {
		panic(shapeErr("autograd."+op.name, "shapes do not broadcast (trailing dimensions must be equal or 1)", av.Shape(), bv.Shape()))
	}
	return tp.record(op.name, op.kernel(tp.alloc(s), av, bv), op.rule, nil, a, b)
}

// ins returns the inputs of node y.
func (tp *Tape) ins(y Var) []Var { return tp.nodes[y.id].inputs(tp) }

// Add returns a + b with broadcasting; ∂/∂a = ∂/∂b = 1.
// It panics with tensor.ErrShape if the shapes do not broadcast.
func (tp *Tape) Add(a, b Var) Var { return tp.binary(addOp, a, b) }

func addRule(tp *Tape, y, g Var, gin []Var) {
	if tp.flat(y) {
		gin[0], gin[1] = g, g
		return
	}
	in := tp.ins(y) // a rule's inputs are checked Vars of this tape: tp.val reads them directly
	gin[0] = tp.unbroadcast(g, tp.val(in[0]).Shape())
	gin[1] = tp.unbroadcast(g, tp.val(in[1]).Shape())
}

// Sub returns a − b with broadcasting; ∂/∂a = 1, ∂/∂b = −1.
func (tp *Tape) Sub(a, b Var) Var { return tp.binary(subOp, a, b) }

func subRule(tp *Tape, y, g Var, gin []Var) {
	in := tp.ins(y)
	gin[0] = tp.unbroadcast(g, in[0].Shape())
	if in[1].needs() {
		gin[1] = tp.unbroadcast(tp.Neg(g), in[1].Shape())
	}
}

// Mul returns a ⊙ b with broadcasting; ∂/∂a = b, ∂/∂b = a.
func (tp *Tape) Mul(a, b Var) Var { return tp.binary(mulOp, a, b) }

func mulRule(tp *Tape, y, g Var, gin []Var) {
	in := tp.ins(y)
	a, b := in[0], in[1]
	// (sinkMul is for parameters: a tape Var skips the call.)
	flat := tp.flat(y)
	if a.needs() && (a.p == nil || !tp.sinkMul(a, g, b)) {
		if gin[0] = tp.Mul(g, b); !flat {
			gin[0] = tp.unbroadcast(gin[0], tp.val(a).Shape())
		}
	}
	if b.needs() && (b.p == nil || !tp.sinkMul(b, g, a)) {
		if gin[1] = tp.Mul(g, a); !flat {
			gin[1] = tp.unbroadcast(gin[1], tp.val(b).Shape())
		}
	}
}

// sinkMul adds g ⊙ other straight into parameter x's stored gradient when
// Backward allows it (see gradSink) and no broadcasting is involved,
// reporting whether it did; the rule then returns nothing for x. A plain
// loop: gonum has no fused multiply-add into a scaled destination.
func (tp *Tape) sinkMul(x, g, other Var) bool {
	if !tp.sink || x.p == nil {
		return false
	}
	gv, ov, xv := tp.val(g), tp.val(other), tp.val(x)
	if !sameShape(gv.Shape(), xv.Shape()) || !sameShape(ov.Shape(), xv.Shape()) {
		return false
	}
	dst, beta := tp.gradSink(x)
	if dst == nil {
		return false
	}
	d, gs, os := dst.Data(), gv.Data(), ov.Data()
	gs, os = gs[:len(d)], os[:len(d)]
	if beta == 0 {
		for i := range d {
			d[i] = gs[i] * os[i]
		}
	} else {
		for i := range d {
			d[i] += gs[i] * os[i]
		}
	}
	return true
}

// Div returns a / b with broadcasting; ∂/∂a = 1/b, ∂/∂b = −a/b² = −y/b.
func (tp *Tape) Div(a, b Var) Var { return tp.binary(divOp, a, b) }

func divRule(tp *Tape, y, g Var, gin []Var) {
	in := tp.ins(y)
	a, b := in[0], in[1]
	if a.needs() {
		gin[0] = tp.unbroadcast(tp.Div(g, b), a.Shape())
	}
	if b.needs() {
		gin[1] = tp.unbroadcast(tp.Neg(tp.Div(tp.Mul(g, y), b)), b.Shape())
	}
}

// Pow returns a^b with broadcasting; ∂/∂a = b·a^(b−1), ∂/∂b = aᵇ·ln a
// (defined for a > 0; use PowScalar for a constant exponent).
func (tp *Tape) Pow(a, b Var) Var { return tp.binary(powOp, a, b) }

func powRule(tp *Tape, y, g Var, gin []Var) {
	in := tp.ins(y)
	a, b := in[0], in[1]
	if a.needs() {
		gin[0] = tp.unbroadcast(tp.Mul(g, tp.Mul(b, tp.Pow(a, tp.AddScalar(b, -1)))), a.Shape())
	}
	if b.needs() {
		gin[1] = tp.unbroadcast(tp.Mul(g, tp.Mul(y, tp.Log(a))), b.Shape())
	}
}

// Maximum returns max(a, b) with broadcasting. The gradient goes to the
// larger operand; on ties it is split equally, like PyTorch.
func (tp *Tape) Maximum(a, b Var) Var { return tp.binary(maximumOp, a, b) }

func maximumRule(tp *Tape, y, g Var, gin []Var) { tp.minmaxRule(y, g, gin, 1) }

// Minimum returns min(a, b) with broadcasting; the gradient goes to the
// smaller operand, split equally on ties.
func (tp *Tape) Minimum(a, b Var) Var { return tp.binary(minimumOp, a, b) }

func minimumRule(tp *Tape, y, g Var, gin []Var) { tp.minmaxRule(y, g, gin, -1) }

// minmaxRule routes g to the winning operand: sign 1 for maximum, −1 for minimum.
func (tp *Tape) minmaxRule(y, g Var, gin []Var, sign float64) {
	in := tp.ins(y)
	a, b := in[0], in[1]
	av, bv := a.Value(), b.Value()
	wa := tp.alloc(y.Shape())
	tensor.SubTo(wa, av, bv)
	tensor.MapTo(wa, wa, func(d float64) float64 {
		switch {
		case d*sign > 0:
			return 1
		case d == 0:
			return 0.5
		}
		return 0
	})
	m := tp.Const(wa)
	if a.needs() {
		gin[0] = tp.unbroadcast(tp.Mul(g, m), a.Shape())
	}
	if b.needs() {
		gin[1] = tp.unbroadcast(tp.Sub(g, tp.Mul(g, m)), b.Shape())
	}
}

// Where returns cond ≠ 0 ? a : b with broadcasting of all three. cond is
// not differentiated; ∂/∂a = cond, ∂/∂b = 1 − cond.
func (tp *Tape) Where(cond, a, b Var) Var {
	for _, v := range []Var{cond, a, b} {
		tp.check("where", v)
	}
	s := broadcastShape("where", cond, a)
	s, ok := tensor.BroadcastShapes(s, b.Shape())
	if !ok {
		panic(shapeErr("autograd.where", "shapes do not broadcast", cond.Shape(), a.Shape(), b.Shape()))
	}
	out := tensor.WhereTo(tp.alloc(s), cond.Value(), a.Value(), b.Value())
	return tp.record("where", out, func(tp *Tape, y, g Var, gin []Var) {
		in := tp.ins(y)
		c := tp.Const(tensor.MapTo(tp.alloc(in[0].Shape()), in[0].Value(), func(v float64) float64 { return b2f(v != 0) }))
		if in[1].needs() {
			gin[1] = tp.unbroadcast(tp.Mul(g, c), in[1].Shape())
		}
		if in[2].needs() {
			gin[2] = tp.unbroadcast(tp.Sub(g, tp.Mul(g, c)), in[2].Shape())
		}
	}, nil, cond, a, b)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// compare records a 0/1 mask; comparisons are not differentiable, so the
// result is a constant.
func (tp *Tape) compare(op string, a, b Var, f func(a, b *tensor.Tensor) *tensor.Tensor) Var {
	tp.check(op, a)
	tp.check(op, b)
	return tp.Const(f(a.Value(), b.Value()))
}

// Greater returns the mask a > b (a constant: not differentiable).
func (tp *Tape) Greater(a, b Var) Var { return tp.compare("greater", a, b, tensor.Greater) }

// GreaterEqual returns the mask a ≥ b (not differentiable).
func (tp *Tape) GreaterEqual(a, b Var) Var {
	return tp.compare("greater_equal", a, b, tensor.GreaterEqual)
}

// Less returns the mask a < b (not differentiable).
func (tp *Tape) Less(a, b Var) Var { return tp.compare("less", a, b, tensor.Less) }

// LessEqual returns the mask a ≤ b (not differentiable).
func (tp *Tape) LessEqual(a, b Var) Var { return tp.compare("less_equal", a, b, tensor.LessEqual) }

// Equal returns the mask a = b (not differentiable).
func (tp *Tape) Equal(a, b Var) Var { return tp.compare("equal", a, b, tensor.Equal) }

// NotEqual returns the mask a ≠ b (not differentiable).
func (tp *Tape) NotEqual(a, b Var) Var { return tp.compare("not_equal", a, b, tensor.NotEqual) }
