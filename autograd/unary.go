package autograd

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/scalar"
	"github.com/tapegrad/tapegrad/tensor"
)

// unaryOp is an element-wise op as data: its name, its function and its
// derivative rule dy/dx·g, written with tape ops on x, the output y and the
// incoming gradient g. A nil grad means the derivative is zero everywhere
// it exists (step, sign).
type unaryOp struct {
	name string
	f    func(float64) float64
	grad func(tp *Tape, x, y, g Var) Var
	to   func(dst, x *tensor.Tensor) *tensor.Tensor // a direct kernel, or nil for MapTo(f)
	rule Rule                                       // grad as a Rule (newUnaryOp)
}

// The element-wise unary ops. Each derivative reuses the output where that
// is cheaper or stabler (exp, tanh, sigmoid, sqrt).
var (
	negOp  = newUnaryOp("neg", func(x float64) float64 { return -x }, func(tp *Tape, x, y, g Var) Var { return tp.Scale(g, -1) }, nil)
	expOp  = newUnaryOp("exp", math.Exp, func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, y) }, nil)
	logOp  = newUnaryOp("log", math.Log, func(tp *Tape, x, y, g Var) Var { return tp.Div(g, x) }, nil)
	sqrtOp = newUnaryOp("sqrt", math.Sqrt, func(tp *Tape, x, y, g Var) Var { return tp.Div(tp.Scale(g, 0.5), y) }, nil)
	absOp  = newUnaryOp("abs", math.Abs, func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, tp.Sign(x)) }, nil)
	sqOp   = newUnaryOp("square", func(x float64) float64 { return x * x }, func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, tp.Scale(x, 2)) }, nil)
	// tanh′ = 1 − y², one fused op (see tanhGrad)
	tanhOp = newUnaryOp("tanh", math.Tanh, func(tp *Tape, x, y, g Var) Var { return tp.tanhGrad(y, g) }, nil)
	// σ′ = y(1 − y), one fused op (see sigmoidGrad)
	sigmoidOp = newUnaryOp("sigmoid", scalar.Sigmoid, func(tp *Tape, x, y, g Var) Var { return tp.sigmoidGrad(y, g) }, nil)
	// relu′ = step(x); the derivative at 0 is taken as 0, like PyTorch.
	// One fused op (see reluGrad).
	reluOp = newUnaryOp("relu", scalar.ReLU, func(tp *Tape, x, y, g Var) Var { return tp.reluGrad(y, g) }, tensor.ReLUTo)
	// softplus′ = σ(x)
	softplusOp = newUnaryOp("softplus", scalar.Softplus, func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, tp.Sigmoid(x)) }, nil)
	stepOp     = newUnaryOp("step", scalar.Step, nil, nil)
	signOp     = newUnaryOp("sign", scalar.Sign, nil, nil)
)

// newUnaryOp returns the op with its rule (none when grad is nil).
func newUnaryOp(name string, f func(float64) float64, grad func(tp *Tape, x, y, g Var) Var, to func(dst, x *tensor.Tensor) *tensor.Tensor) *unaryOp {
	op := &unaryOp{name: name, f: f, grad: grad, to: to}
	if grad != nil {
		op.rule = func(tp *Tape, y, g Var, gin []Var) { gin[0] = grad(tp, tp.ins(y)[0], y, g) }
	}
	return op
}

// unary applies an element-wise op and records its rule.
func (tp *Tape) unary(op *unaryOp, x Var) Var {
	if !tp.current(x) {
		tp.checkSlow(op.name, x)
	}
	xv := tp.val(x)
	out := tp.alloc(xv.Shape())
	switch xd := xv.Data(); {
	case op.to != nil:
		op.to(out, xv)
	case len(xd) == 1: // one element (scalar code): no kernel dispatch
		out.Data()[0] = op.f(xd[0])
	default:
		tensor.MapTo(out, xv, op.f)
	}
	return tp.record1(op.name, out, op.rule, x)
}

// Neg returns −x.
func (tp *Tape) Neg(x Var) Var { return tp.unary(negOp, x) }

// Exp returns eˣ; d/dx = eˣ (the output is reused).
func (tp *Tape) Exp(x Var) Var { return tp.unary(expOp, x) }

// Log returns ln x; d/dx = 1/x.
func (tp *Tape) Log(x Var) Var { return tp.unary(logOp, x) }

// Sqrt returns √x; d/dx = 1/(2√x).
func (tp *Tape) Sqrt(x Var) Var { return tp.unary(sqrtOp, x) }

// Abs returns |x|; d/dx = sign(x) (0 at 0).
func (tp *Tape) Abs(x Var) Var { return tp.unary(absOp, x) }

// Square returns x²; d/dx = 2x.
func (tp *Tape) Square(x Var) Var { return tp.unary(sqOp, x) }

// Tanh returns tanh x; d/dx = 1 − tanh² x.
func (tp *Tape) Tanh(x Var) Var { return tp.unary(tanhOp, x) }

// Sigmoid returns σ(x) = 1/(1+e^(−x)), stable for large |x|; d/dx = σ(1−σ).
func (tp *Tape) Sigmoid(x Var) Var { return tp.unary(sigmoidOp, x) }

// ReLU returns max(x, 0); d/dx = step(x), taken as 0 at x = 0.
func (tp *Tape) ReLU(x Var) Var { return tp.unary(reluOp, x) }

// Softplus returns log(1+eˣ), stable for large |x|; d/dx = σ(x).
func (tp *Tape) Softplus(x Var) Var { return tp.unary(softplusOp, x) }

// Step returns the Heaviside step (1 where x > 0, else 0). Its derivative is
// zero wherever it exists, so no gradient flows through it: the reason the
// course's perceptrons cannot be trained by backpropagation.
func (tp *Tape) Step(x Var) Var { return tp.unary(stepOp, x) }

// Sign returns −1, 0 or 1 by the sign of x. Not differentiable: no gradient
// flows through it.
func (tp *Tape) Sign(x Var) Var { return tp.unary(signOp, x) }

// Scale returns c·x; d/dx = c.
func (tp *Tape) Scale(x Var, c float64) Var {
	tp.check("scale", x)
	xv := x.Value()
	out := tensor.ScaleTo(tp.alloc(xv.Shape()), xv, c)
	return tp.record("scale", out, func(tp *Tape, y, g Var, gin []Var) {
		gin[0] = tp.Scale(g, tp.auxOf(y).f[0])
	}, &aux{f: [2]float64{c}}, x)
}

// AddScalar returns x + c; d/dx = 1.
func (tp *Tape) AddScalar(x Var, c float64) Var {
	tp.check("add_scalar", x)
	xv := x.Value()
	out := tensor.AddScalarTo(tp.alloc(xv.Shape()), xv, c)
	return tp.record("add_scalar", out, func(tp *Tape, y, g Var, gin []Var) { gin[0] = g }, nil, x)
}

// PowScalar returns x^p; d/dx = p·x^(p−1).
func (tp *Tape) PowScalar(x Var, p float64) Var {
	tp.check("pow_scalar", x)
	xv := x.Value()
	out := tensor.PowScalarTo(tp.alloc(xv.Shape()), xv, p)
	return tp.record("pow_scalar", out, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		p, x := tp.auxOf(y).f[0], nd.inputs(tp)[0]
		gin[0] = tp.Mul(g, tp.Scale(tp.PowScalar(x, p-1), p))
	}, &aux{f: [2]float64{p}}, x)
}

// LeakyReLU returns x where x > 0 and slope·x elsewhere; d/dx = 1 or slope
// (slope at 0).
func (tp *Tape) LeakyReLU(x Var, slope float64) Var {
	tp.check("leaky_relu", x)
	xv := x.Value()
	out := tensor.LeakyReLUTo(tp.alloc(xv.Shape()), xv, slope)
	return tp.record("leaky_relu", out, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		slope, x := tp.auxOf(y).f[0], nd.inputs(tp)[0]
		m := tensor.MapTo(tp.alloc(x.Shape()), x.Value(), func(v float64) float64 {
			if v > 0 {
				return 1
			}
			return slope
		})
		gin[0] = tp.Mul(g, tp.Const(m))
	}, &aux{f: [2]float64{slope}}, x)
}

// Clamp returns x limited to [lo, hi]; d/dx = 1 inside the interval and 0
// outside (1 on the boundary, like PyTorch).
func (tp *Tape) Clamp(x Var, lo, hi float64) Var {
	tp.check("clamp", x)
	xv := x.Value()
	out := tensor.ClampTo(tp.alloc(xv.Shape()), xv, lo, hi)
	return tp.record("clamp", out, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		f, x := tp.auxOf(y).f, nd.inputs(tp)[0]
		lo, hi := f[0], f[1]
		m := tensor.MapTo(tp.alloc(x.Shape()), x.Value(), func(v float64) float64 {
			if v >= lo && v <= hi {
				return 1
			}
			return 0
		})
		gin[0] = tp.Mul(g, tp.Const(m))
	}, &aux{f: [2]float64{lo, hi}}, x)
}

// tanhGrad returns g ⊙ (1 − y²), tanh's derivative rule as one op instead
// of four (for speed: the rule runs for every tanh of every backward pass).
// Its own rule, for higher orders: ∂/∂g = 1 − y², ∂/∂y = −2y ⊙ g.
func (tp *Tape) tanhGrad(y, g Var) Var {
	return tp.fusedGrad("tanh_grad", y, g, func(y, g float64) float64 { return g * (1 - y*y) },
		func(tp *Tape, out, gout Var, gin []Var) {
			in := tp.ins(out)
			y, g := in[0], in[1]
			if y.needs() {
				gin[0] = tp.Mul(tp.Scale(tp.Mul(y, g), -2), gout)
			}
			if g.needs() {
				gin[1] = tp.tanhGrad(y, gout)
			}
		})
}

// sigmoidGrad returns g ⊙ y(1 − y), the sigmoid's derivative rule as one op
// instead of three (for speed). Its own rule: ∂/∂g = y(1 − y),
// ∂/∂y = g ⊙ (1 − 2y).
func (tp *Tape) sigmoidGrad(y, g Var) Var {
	return tp.fusedGrad("sigmoid_grad", y, g, func(y, g float64) float64 { return g * y * (1 - y) },
		func(tp *Tape, out, gout Var, gin []Var) {
			in := tp.ins(out)
			y, g := in[0], in[1]
			if y.needs() {
				gin[0] = tp.Mul(tp.Mul(g, tp.AddScalar(tp.Scale(y, -2), 1)), gout)
			}
			if g.needs() {
				gin[1] = tp.sigmoidGrad(y, gout)
			}
		})
}

// reluGrad returns g ⊙ step(y) (y = relu(x), so y > 0 exactly where x > 0),
// ReLU's derivative rule as one op instead of two (for speed). Its own rule:
// ∂/∂g = step(y); ∂/∂y = 0 almost everywhere, so nothing flows to y.
func (tp *Tape) reluGrad(y, g Var) Var {
	return tp.fusedGrad("relu_grad", y, g, nil, func(tp *Tape, out, gout Var, gin []Var) {
		in := tp.ins(out)
		if in[1].needs() {
			gin[1] = tp.reluGrad(in[0], gout)
		}
	})
}

// fusedGrad records f(y, g) element-wise for y and g of one shape: a plain
// loop, since gonum has no such kernel. A nil f is relu_grad, which runs
// tensor.ReLUBackwardTo's vector kernel.
func (tp *Tape) fusedGrad(op string, y, g Var, f func(y, g float64) float64, rule Rule) Var {
	yv, gv := tp.val(y), tp.val(g)
	if !sameShape(yv.Shape(), gv.Shape()) {
		panic(shapeErr("autograd."+op, "output and gradient shapes differ", yv.Shape(), gv.Shape()))
	}
	out := tp.alloc(yv.Shape())
	if f == nil {
		tensor.ReLUBackwardTo(out, yv, gv)
	} else {
		d, ys, gs := out.Data(), yv.Data(), gv.Data()
		gs, d = gs[:len(ys)], d[:len(ys)]
		for i, y := range ys {
			d[i] = f(y, gs[i])
		}
	}
	return tp.record2(op, out, rule, y, g, true)
}
