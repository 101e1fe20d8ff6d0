package autograd

import (
	"slices"
	"sync"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// unbroadcast sums g back to shape: the one place where the gradient of a
// broadcast operand is reduced to that operand's shape, for every op.
// (Forward rules need the opposite, which forwardRule does in one place:
// a tangent of a broadcast operand is broadcast to the output's shape.)
func (tp *Tape) unbroadcast(g Var, shape []int) Var {
	if sameShape(tp.val(g).Shape(), shape) {
		return g
	}
	return tp.SumTo(g, shape...)
}

// binaryOp is an element-wise binary op as data: its table entry, its
// kernel and the same op on one pair of numbers (nil for none: no
// one-element fast path).
type binaryOp struct {
	*op
	kernel func(dst, a, b *tensor.Tensor) *tensor.Tensor
	f      func(a, b float64) float64
}

// The element-wise binary ops.
var addOp, subOp, mulOp, divOp, powOp, maximumOp, minimumOp, hypotOp *binaryOp

func init() {
	addOp = &binaryOp{kernel: tensor.AddTo, f: func(a, b float64) float64 { return a + b }, op: def(op{
		name: "add", text: "∂a = g, ∂b = g, each summed over its broadcast axes   [a bias gets Σ_batch δ: BP3]",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			if tp.flat(y) {
				gin[0], gin[1] = g, g
				return
			}
			in := tp.ins(y)
			gin[0] = tp.unbroadcast(g, tp.val(in[0]).Shape())
			gin[1] = tp.unbroadcast(g, tp.val(in[1]).Shape())
		},
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.sumTangents(t[0], t[1]) },
	})}
	subOp = &binaryOp{kernel: tensor.SubTo, f: func(a, b float64) float64 { return a - b }, op: def(op{
		name: "sub", text: "∂a = g, ∂b = −g, each summed over its broadcast axes",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			in := tp.ins(y)
			gin[0] = tp.unbroadcast(g, tp.val(in[0]).Shape())
			if tp.wants(y, 1) {
				gin[1] = tp.unbroadcast(tp.Neg(g), tp.val(in[1]).Shape())
			}
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			switch {
			case !t[1].Valid():
				return t[0]
			case !t[0].Valid():
				return tp.Neg(t[1])
			}
			return tp.Sub(t[0], t[1])
		},
	})}
	mulOp = &binaryOp{kernel: tensor.MulTo, f: func(a, b float64) float64 { return a * b }, op: def(op{
		name: "mul", text: "∂a = g ⊙ b, ∂b = g ⊙ a, each summed over its broadcast axes",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			in := tp.ins(y)
			a, b := in[0], in[1]
			flat := tp.flat(y) // (W3's scalar chain feels the shape tests unbroadcast would make)
			if tp.wants(y, 0) {
				if gin[0] = tp.Mul(g, b); !flat {
					gin[0] = tp.unbroadcast(gin[0], tp.val(a).Shape())
				}
			}
			if tp.wants(y, 1) {
				if gin[1] = tp.Mul(g, a); !flat {
					gin[1] = tp.unbroadcast(gin[1], tp.val(b).Shape())
				}
			}
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			in := tp.ins(y)
			var ta, tb Var
			if t[0].Valid() {
				ta = tp.Mul(t[0], in[1])
			}
			if t[1].Valid() {
				tb = tp.Mul(in[0], t[1])
			}
			return tp.sumTangents(ta, tb)
		},
		into: mulInto,
	})}
	divOp = &binaryOp{kernel: tensor.DivTo, f: func(a, b float64) float64 { return a / b }, op: def(op{
		name: "div", text: "∂a = g / b, ∂b = −g ⊙ a / b², each summed over its broadcast axes",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			in := tp.ins(y)
			a, b := in[0], in[1]
			if tp.wants(y, 0) {
				gin[0] = tp.unbroadcast(tp.Div(g, b), tp.val(a).Shape())
			}
			if tp.wants(y, 1) {
				gin[1] = tp.unbroadcast(tp.Neg(tp.Div(tp.Mul(g, y), b)), tp.val(b).Shape())
			}
		},
		// ẏ = (ȧ − y ⊙ ḃ) / b
		jvp: func(tp *Tape, y Var, t []Var) Var {
			b := tp.ins(y)[1]
			var tb Var
			if t[1].Valid() {
				tb = tp.Neg(tp.Mul(y, t[1]))
			}
			return tp.Div(tp.sumTangents(t[0], tb), b)
		},
	})}
	powOp = &binaryOp{kernel: tensor.PowTo, op: def(op{
		name: "pow", text: "∂a = g ⊙ b·a^(b−1), ∂b = g ⊙ y·ln a",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			in := tp.ins(y)
			a, b := in[0], in[1]
			if tp.wants(y, 0) {
				gin[0] = tp.unbroadcast(tp.Mul(g, tp.Mul(b, tp.Pow(a, tp.AddScalar(b, -1)))), tp.val(a).Shape())
			}
			if tp.wants(y, 1) {
				gin[1] = tp.unbroadcast(tp.Mul(g, tp.Mul(y, tp.Log(a))), tp.val(b).Shape())
			}
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			in := tp.ins(y)
			a, b := in[0], in[1]
			var ta, tb Var
			if t[0].Valid() {
				ta = tp.Mul(t[0], tp.Mul(b, tp.Pow(a, tp.AddScalar(b, -1))))
			}
			if t[1].Valid() {
				tb = tp.Mul(t[1], tp.Mul(y, tp.Log(a)))
			}
			return tp.sumTangents(ta, tb)
		},
	})}
	maximumOp = &binaryOp{kernel: tensor.MaximumTo, op: def(op{
		name: "maximum", text: "g goes to the larger input (split evenly on ties)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { tp.route(y, g, tp.minmaxMask(y, 1), gin, 0) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.routeTangent(tp.minmaxMask(y, 1), t[0], t[1]) },
	})}
	minimumOp = &binaryOp{kernel: tensor.MinimumTo, op: def(op{
		name: "minimum", text: "g goes to the smaller input (split evenly on ties)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { tp.route(y, g, tp.minmaxMask(y, -1), gin, 0) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.routeTangent(tp.minmaxMask(y, -1), t[0], t[1]) },
	})}
	// hypot(a, b) = √(a² + b²): ∂a = g ⊙ a/y, ∂b = g ⊙ b/y (NaN at a = b = 0, like PyTorch).
	hypotOp = &binaryOp{kernel: tensor.HypotTo, op: def(op{
		name: "hypot", text: "∂a = g ⊙ a / y, ∂b = g ⊙ b / y",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			in := tp.ins(y)
			for i := range 2 {
				if tp.wants(y, i) {
					gin[i] = tp.unbroadcast(tp.Mul(g, tp.Div(in[i], y)), tp.val(in[i]).Shape())
				}
			}
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			in := tp.ins(y)
			var ts [2]Var
			for i := range 2 {
				if t[i].Valid() {
					ts[i] = tp.Mul(t[i], tp.Div(in[i], y))
				}
			}
			return tp.sumTangents(ts[0], ts[1])
		},
	})}
	for _, o := range []*binaryOp{addOp, subOp, mulOp, divOp, powOp, maximumOp, minimumOp, hypotOp} {
		o.batch = pointwise(func(tp *Tape, _ *params, in []Var) Var { return tp.binary(o, in[0], in[1]) })
	}
}

// mulInto adds g ⊙ other straight into a parameter's stored gradient when
// no broadcasting is involved (mul's into rule). A plain loop: gonum has no
// fused multiply-add into a scaled destination.
func mulInto(tp *Tape, y, g Var, i int, dst *tensor.Tensor, beta float64) bool {
	if !tp.flat(y) {
		return false
	}
	other := tp.ins(y)[1-i]
	if dst.DType() == tensor.Float32 {
		mulIntoKernel(dst.Data32(), tp.val(g).Data32(), tp.val(other).Data32(), beta)
		return true
	}
	mulIntoKernel(dst.Data(), tp.val(g).Data(), tp.val(other).Data(), beta)
	return true
}

// mulIntoKernel computes d = g ⊙ o (beta 0) or d += g ⊙ o (beta 1).
func mulIntoKernel[T float32 | float64](d, gs, os []T, beta float64) {
	gs, os = gs[:len(d)], os[:len(d)]
	if beta == 0 {
		for k := range d {
			d[k] = gs[k] * os[k]
		}
	} else {
		for k := range d {
			d[k] += gs[k] * os[k]
		}
	}
}

// binary records the element-wise binary op of a and b into a pooled
// buffer of the broadcast shape. One-element operands of equal shapes
// (scalar code) skip the kernel's dispatch when the op has an f.
func (tp *Tape) binary(o *binaryOp, a, b Var) Var {
	if !tp.current(a) || !tp.current(b) {
		tp.checkSlow(o.name, a)
		tp.checkSlow(o.name, b)
	}
	av, bv := tp.val(a), tp.val(b)
	dt := av.DType()
	if dt != bv.DType() {
		dtypeMismatch("autograd."+o.name, av, bv)
	}
	s := av.Shape()
	if slices.Equal(s, bv.Shape()) { // equal shapes, the common case, need no broadcasting
		out := tp.alloc(dt, s)
		if o.f != nil && dt == tensor.Float64 && av.Len() == 1 {
			out.Data()[0] = o.f(av.Data()[0], bv.Data()[0])
		} else {
			o.kernel(out, av, bv)
		}
		return tp.record2(o.op, out, a, b, true)
	}
	var buf [8]int
	s, ok := shapes.BroadcastShapesInto(buf[:0], av.Shape(), bv.Shape())
	if !ok {
		panic(shapeErr("autograd."+o.name, "shapes do not broadcast (trailing dimensions must be equal or 1)", av.Shape(), bv.Shape()))
	}
	return tp.record(o.op, o.kernel(tp.alloc(dt, s), av, bv), nil, a, b)
}

// Add returns a + b with broadcasting; ∂/∂a = ∂/∂b = 1.
// It panics with tensor.ErrShape if the shapes do not broadcast.
func (tp *Tape) Add(a, b Var) Var { return tp.binary(addOp, a, b) }

// Sub returns a − b with broadcasting; ∂/∂a = 1, ∂/∂b = −1.
func (tp *Tape) Sub(a, b Var) Var { return tp.binary(subOp, a, b) }

// Mul returns a ⊙ b with broadcasting; ∂/∂a = b, ∂/∂b = a.
func (tp *Tape) Mul(a, b Var) Var { return tp.binary(mulOp, a, b) }

// Div returns a / b with broadcasting; ∂/∂a = 1/b, ∂/∂b = −a/b² = −y/b.
func (tp *Tape) Div(a, b Var) Var { return tp.binary(divOp, a, b) }

// Pow returns a^b with broadcasting; ∂/∂a = b·a^(b−1), ∂/∂b = aᵇ·ln a
// (defined for a > 0; use PowScalar for a constant exponent).
func (tp *Tape) Pow(a, b Var) Var { return tp.binary(powOp, a, b) }

// Maximum returns max(a, b) with broadcasting. The gradient goes to the
// larger operand; on ties it is split equally, like PyTorch.
func (tp *Tape) Maximum(a, b Var) Var { return tp.binary(maximumOp, a, b) }

// Minimum returns min(a, b) with broadcasting; the gradient goes to the
// smaller operand, split equally on ties.
func (tp *Tape) Minimum(a, b Var) Var { return tp.binary(minimumOp, a, b) }

// Hypot returns √(a² + b²) with broadcasting, without overflow or
// underflow (math.Hypot); ∂/∂a = a/y, ∂/∂b = b/y. Like PyTorch, the
// gradient at a = b = 0 is NaN (0/0).
func (tp *Tape) Hypot(a, b Var) Var { return tp.binary(hypotOp, a, b) }

// minmaxMask is the constant weight of a in y = max(a, b) (sign 1) or
// min(a, b) (sign −1): 1 where a wins, ½ on ties, 0 where b wins.
func (tp *Tape) minmaxMask(y Var, sign float64) Var {
	in := tp.ins(y)
	if tp.trace { // as tape ops, so that Vmap recomputes it per slice
		wins := tp.Greater(in[0], in[1])
		if sign < 0 {
			wins = tp.Less(in[0], in[1])
		}
		return tp.Add(tp.BroadcastTo(wins, tp.val(y).Shape()...), tp.Scale(tp.Equal(in[0], in[1]), 0.5))
	}
	wa := tp.allocLike(tp.val(y))
	tensor.SubTo(wa, tp.val(in[0]), tp.val(in[1]))
	tensor.MapTo(wa, wa, func(d float64) float64 {
		switch {
		case d*sign > 0:
			return 1
		case d == 0:
			return 0.5
		}
		return 0
	})
	return tp.Const(wa)
}

// route sends g to the inputs i and i+1 of y, chosen between by the
// constant weight m of input i (maximum, minimum, where): ∂ᵢ = g ⊙ m and
// ∂ᵢ₊₁ = g ⊙ (1 − m), each summed over its broadcast axes.
func (tp *Tape) route(y, g, m Var, gin []Var, i int) {
	in := tp.ins(y)
	if tp.wants(y, i) {
		gin[i] = tp.unbroadcast(tp.Mul(g, m), tp.val(in[i]).Shape())
	}
	if tp.wants(y, i+1) {
		gin[i+1] = tp.unbroadcast(tp.Sub(g, tp.Mul(g, m)), tp.val(in[i+1]).Shape())
	}
}

// routeTangent is route's forward rule: m ⊙ ȧ + (1 − m) ⊙ ḃ.
func (tp *Tape) routeTangent(m, ta, tb Var) Var {
	if ta.Valid() {
		ta = tp.Mul(ta, m)
	}
	if tb.Valid() {
		tb = tp.Sub(tb, tp.Mul(tb, m))
	}
	return tp.sumTangents(ta, tb)
}

// Where returns cond ≠ 0 ? a : b with broadcasting of all three. cond is
// not differentiated; ∂/∂a = cond, ∂/∂b = 1 − cond.
func (tp *Tape) Where(cond, a, b Var) Var {
	for _, v := range []Var{cond, a, b} {
		tp.check("where", v)
	}
	s, ok := tensor.BroadcastShapes(tp.val(cond).Shape(), tp.val(a).Shape())
	if ok {
		s, ok = tensor.BroadcastShapes(s, tp.val(b).Shape())
	}
	if !ok {
		panic(shapeErr("autograd.where", "shapes do not broadcast", tp.val(cond).Shape(), tp.val(a).Shape(), tp.val(b).Shape()))
	}
	av, bv := tp.val(a), tp.val(b)
	if av.DType() != bv.DType() {
		dtypeMismatch("autograd.where", av, bv)
	}
	out := tensor.WhereTo(tp.alloc(av.DType(), s), tp.val(cond), av, bv)
	return tp.record(whereOp, out, nil, cond, a, b)
}

var whereOp *op

func init() {
	whereOp = def(op{name: "where",
		batch: pointwise(func(tp *Tape, _ *params, in []Var) Var { return tp.Where(in[0], in[1], in[2]) }), text: "∂a = g where cond, ∂b = g elsewhere",
		vjp: func(tp *Tape, y, g Var, gin []Var) { tp.route(y, g, tp.whereMask(y), gin, 1) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.routeTangent(tp.whereMask(y), t[1], t[2]) },
	})
}

// whereMask is where's condition as a constant 0/1 mask.
func (tp *Tape) whereMask(y Var) Var {
	cv := tp.val(tp.ins(y)[0])
	if tp.trace && cv.DType() == tp.val(y).DType() { // as tape ops, so that Vmap recomputes it per slice
		return tp.NotEqual(tp.ins(y)[0], tp.ScalarOf(cv.DType(), 0))
	}
	m := tensor.MapTo(tp.allocLike(cv), cv, func(v float64) float64 { return b2f(v != 0) })
	if dt := tp.val(y).DType(); m.DType() != dt { // cond may have another type than a and b
		m = tensor.ConvertTo(tp.alloc(dt, m.Shape()), m)
	}
	return tp.Const(m)
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
	m := f(tp.val(a), tp.val(b))
	if tp != nil && tp.trace { // Vmap replays it: keep the inputs
		return tp.record(compareOp(op, f), m, nil, a, b)
	}
	return tp.Const(m)
}

// compareOps holds the entries of the comparisons, which only a Vmap
// trace records (elsewhere a comparison is a constant). They are not in
// the op table: nothing is differentiable about them.
var compareOps struct {
	sync.Mutex
	m map[string]*op
}

// compareOp returns the entry of the comparison named name, computed by f.
func compareOp(name string, f func(a, b *tensor.Tensor) *tensor.Tensor) *op {
	compareOps.Lock()
	defer compareOps.Unlock()
	if o := compareOps.m[name]; o != nil {
		return o
	}
	if compareOps.m == nil {
		compareOps.m = map[string]*op{}
	}
	o := &op{name: name, qual: "autograd." + name, text: "not differentiable (a constant mask)", nondiff: true,
		batch: pointwise(func(tp *Tape, _ *params, in []Var) Var { return tp.compare(name, in[0], in[1], f) })}
	compareOps.m[name] = o
	return o
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
