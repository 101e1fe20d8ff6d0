package autograd

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/scalar"
	"github.com/tapegrad/tapegrad/tensor"
)

// unaryOp is an element-wise op as data: its table entry, its function on
// one number and, where one exists, a vector kernel.
type unaryOp struct {
	*op
	f  func(float64) float64
	to func(dst, x *tensor.Tensor) *tensor.Tensor // a direct kernel, or nil for MapTo(f)
}

// defUnary defines an element-wise op by its function f and its derivative
// written as d(x, y, g) = g ⊙ f′(x) with tape ops (y = f(x) may be reused;
// nil means the derivative is zero wherever it exists). Both rules come
// from d: the reverse rule is ∂x = d(x, y, g), and, the derivative being
// element-wise, the forward rule is ẏ = d(x, y, ẋ).
func defUnary(name, text string, f func(float64) float64, to func(dst, x *tensor.Tensor) *tensor.Tensor, d func(tp *Tape, x, y, g Var) Var) *unaryOp {
	o := op{name: name, text: text}
	if d != nil {
		o.vjp = func(tp *Tape, y, g Var, gin []Var) { gin[0] = d(tp, tp.ins(y)[0], y, g) }
		o.jvp = func(tp *Tape, y Var, tin []Var) Var { return d(tp, tp.ins(y)[0], y, tin[0]) }
	} else {
		o.vjp = func(*Tape, Var, Var, []Var) {}
		o.jvp = func(*Tape, Var, []Var) Var { return Var{} }
	}
	u := &unaryOp{op: def(o), f: f, to: to}
	u.batch = pointwise(func(tp *Tape, _ *params, in []Var) Var { return tp.unary(u, in[0]) })
	return u
}

// The element-wise unary ops. Derivatives reuse the output where that is
// cheaper or stabler (exp, tanh, sigmoid, sqrt, tan).
var (
	negOp, expOp, logOp, sqrtOp, absOp, squareOp, tanhOp, sigmoidOp *unaryOp
	reluOp, softplusOp, stepOp, signOp                              *unaryOp
	sinOp, cosOp, tanOp, atanOp, asinhOp, log1pOp, expm1Op, erfOp   *unaryOp
	erfcOp                                                          *unaryOp
	geluOp, geluTanhOp, siluOp, softsignOp                          *unaryOp
)

func init() {
	negOp = defUnary("neg", "∂x = −g", func(x float64) float64 { return -x }, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Neg(g) })
	expOp = defUnary("exp", "∂x = g ⊙ y", math.Exp, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, y) })
	logOp = defUnary("log", "∂x = g / x", math.Log, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Div(g, x) })
	sqrtOp = defUnary("sqrt", "∂x = g / (2y)", math.Sqrt, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Div(tp.Scale(g, 0.5), y) })
	absOp = defUnary("abs", "∂x = g ⊙ sign(x)", math.Abs, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, tp.Sign(x)) })
	squareOp = defUnary("square", "∂x = g ⊙ 2x", func(x float64) float64 { return x * x }, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, tp.Scale(x, 2)) })
	// tanh′ = 1 − y², one fused op (see tanhGrad)
	tanhOp = defUnary("tanh", "∂x = g ⊙ (1 − y²)", math.Tanh, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.tanhGrad(y, g) })
	// σ′ = y(1 − y), one fused op (see sigmoidGrad)
	sigmoidOp = defUnary("sigmoid", "∂x = g ⊙ y(1−y)   [δ = ∂C/∂a ⊙ σ′(z): BP1 at the output layer, BP2 below it]",
		scalar.Sigmoid, nil, func(tp *Tape, x, y, g Var) Var { return tp.sigmoidGrad(y, g) })
	// relu′ = step(x), taken as 0 at 0 like PyTorch; one fused op (see reluGrad)
	reluOp = defUnary("relu", "∂x = g ⊙ step(x)", scalar.ReLU, tensor.ReLUTo,
		func(tp *Tape, x, y, g Var) Var { return tp.reluGrad(y, g) })
	softplusOp = defUnary("softplus", "∂x = g ⊙ σ(x)", scalar.Softplus, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, tp.Sigmoid(x)) })
	stepOp = defUnary("step", "∂x = 0", scalar.Step, nil, nil)
	signOp = defUnary("sign", "∂x = 0", scalar.Sign, nil, nil)

	sinOp = defUnary("sin", "∂x = g ⊙ cos x", math.Sin, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, tp.Cos(x)) })
	cosOp = defUnary("cos", "∂x = −g ⊙ sin x", math.Cos, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Neg(tp.Mul(g, tp.Sin(x))) })
	tanOp = defUnary("tan", "∂x = g ⊙ (1 + y²)", math.Tan, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, tp.AddScalar(tp.Square(y), 1)) })
	atanOp = defUnary("atan", "∂x = g / (1 + x²)", math.Atan, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Div(g, tp.AddScalar(tp.Square(x), 1)) })
	asinhOp = defUnary("asinh", "∂x = g / √(1 + x²)", math.Asinh, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Div(g, tp.Sqrt(tp.AddScalar(tp.Square(x), 1))) })
	log1pOp = defUnary("log1p", "∂x = g / (1 + x)", math.Log1p, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Div(g, tp.AddScalar(x, 1)) })
	expm1Op = defUnary("expm1", "∂x = g ⊙ (y + 1)", math.Expm1, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Mul(g, tp.AddScalar(y, 1)) })
	erfOp = defUnary("erf", "∂x = g ⊙ 2/√π·exp(−x²)", math.Erf, nil,
		func(tp *Tape, x, y, g Var) Var {
			return tp.Mul(g, tp.Scale(tp.Exp(tp.Neg(tp.Square(x))), 2/math.Sqrt(math.Pi)))
		})
	erfcOp = defUnary("erfc", "∂x = −g ⊙ 2/√π·exp(−x²)", math.Erfc, nil,
		func(tp *Tape, x, y, g Var) Var {
			return tp.Mul(g, tp.Scale(tp.Exp(tp.Neg(tp.Square(x))), -2/math.Sqrt(math.Pi)))
		})
	// GELU(x) = x·Φ(x); GELU′ = Φ(x) + x·φ(x), Φ and φ the standard normal
	// distribution and density, Φ(x) = ½·erfc(−x/√2): accurate in the left
	// tail, where ½(1 + erf(x/√2)) (PyTorch's) cancels.
	// The rule is one fused op (gelu_grad, for speed: a transformer's
	// feed-forward layers apply GELU to every hidden unit).
	geluOp = defUnary("gelu", "∂x = g ⊙ (Φ(x) + x·φ(x))", nil, tensor.GELUTo,
		func(tp *Tape, x, y, g Var) Var { return tp.geluGradOf(x, y, g) })
	// GELU's tanh form 0.5·x·(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³):
	// ∂ = σ(2u)·(1 + 2x·σ(−2u)·u′), u′ = √(2/π)(1 + 3·0.044715x²), using
	// ½(1 + tanh u) = σ(2u) and 1 − tanh² u = 4σ(2u)σ(−2u), which keep their
	// digits in the left tail (PyTorch's 1 + tanh u cancels there).
	geluTanhOp = defUnary("gelu_tanh", "∂x = g ⊙ σ(2u)(1 + 2x·σ(−2u)·u′), u = √(2/π)(x + 0.044715x³)", nil, tensor.GELUTanhTo,
		func(tp *Tape, x, y, g Var) Var {
			const k = 0.7978845608028654 // √(2/π)
			x2 := tp.Square(x)
			u2 := tp.Scale(tp.Add(x, tp.Scale(tp.Mul(x2, x), 0.044715)), 2*k) // 2u
			du := tp.Scale(tp.AddScalar(tp.Scale(x2, 3*0.044715), 1), k)
			inner := tp.AddScalar(tp.Scale(tp.Mul(tp.Mul(x, tp.Sigmoid(tp.Neg(u2))), du), 2), 1)
			return tp.Mul(g, tp.Mul(tp.Sigmoid(u2), inner))
		})
	// SiLU(x) = x·σ(x); SiLU′ = σ(x)·(1 + x·(1 − σ(x))).
	siluOp = defUnary("silu", "∂x = g ⊙ σ(x)(1 + x(1 − σ(x)))", nil, tensor.SiLUTo,
		func(tp *Tape, x, y, g Var) Var {
			s := tp.Sigmoid(x)
			return tp.Mul(g, tp.Mul(s, tp.AddScalar(tp.Mul(x, tp.AddScalar(tp.Neg(s), 1)), 1)))
		})
	softsignOp = defUnary("softsign", "∂x = g / (1 + |x|)²", func(x float64) float64 { return x / (1 + math.Abs(x)) }, nil,
		func(tp *Tape, x, y, g Var) Var { return tp.Div(g, tp.Square(tp.AddScalar(tp.Abs(x), 1))) })
}

// unary applies an element-wise op and records it.
func (tp *Tape) unary(o *unaryOp, x Var) Var {
	if !tp.current(x) {
		tp.checkSlow(o.name, x)
	}
	xv := tp.val(x)
	out := tp.allocLike(xv)
	switch {
	case o.to != nil:
		o.to(out, xv)
	case xv.DType() == tensor.Float64 && xv.Len() == 1: // one element (scalar code): no kernel dispatch
		out.Data()[0] = o.f(xv.Data()[0])
	default:
		tensor.MapTo(out, xv, o.f)
	}
	return tp.record1(o.op, out, x)
}

// Neg returns −x.
func (tp *Tape) Neg(x Var) Var { return tp.unary(negOp, x) }

// Exp returns eˣ; d/dx = eˣ (the output is reused).
func (tp *Tape) Exp(x Var) Var { return tp.unary(expOp, x) }

// Log returns ln x; d/dx = 1/x.
func (tp *Tape) Log(x Var) Var { return tp.unary(logOp, x) }

// Sqrt returns √x; d/dx = 1/(2√x).
func (tp *Tape) Sqrt(x Var) Var { return tp.unary(sqrtOp, x) }

// Abs returns |x|; d/dx = sign(x) (0 at 0, like PyTorch).
func (tp *Tape) Abs(x Var) Var { return tp.unary(absOp, x) }

// Square returns x²; d/dx = 2x.
func (tp *Tape) Square(x Var) Var { return tp.unary(squareOp, x) }

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

// Sign returns −1, 0 or 1 by the sign of x. Its derivative is zero wherever
// it exists: no gradient flows through it.
func (tp *Tape) Sign(x Var) Var { return tp.unary(signOp, x) }

// Sin returns sin x; d/dx = cos x.
func (tp *Tape) Sin(x Var) Var { return tp.unary(sinOp, x) }

// Cos returns cos x; d/dx = −sin x.
func (tp *Tape) Cos(x Var) Var { return tp.unary(cosOp, x) }

// Tan returns tan x; d/dx = 1 + tan² x (the output is reused).
func (tp *Tape) Tan(x Var) Var { return tp.unary(tanOp, x) }

// Atan returns arctan x; d/dx = 1/(1 + x²).
func (tp *Tape) Atan(x Var) Var { return tp.unary(atanOp, x) }

// Asinh returns arsinh x = ln(x + √(x²+1)); d/dx = 1/√(1 + x²).
func (tp *Tape) Asinh(x Var) Var { return tp.unary(asinhOp, x) }

// Log1p returns ln(1 + x), accurate for x near 0; d/dx = 1/(1 + x).
func (tp *Tape) Log1p(x Var) Var { return tp.unary(log1pOp, x) }

// Expm1 returns eˣ − 1, accurate for x near 0; d/dx = eˣ (y + 1, reused).
func (tp *Tape) Expm1(x Var) Var { return tp.unary(expm1Op, x) }

// Erf returns the error function (2/√π)∫₀ˣ e^(−t²) dt, accurate in the
// tails; d/dx = (2/√π)·e^(−x²).
func (tp *Tape) Erf(x Var) Var { return tp.unary(erfOp, x) }

// Erfc returns the complementary error function 1 − erf(x), accurate in
// the right tail where 1 − erf(x) would round to 0; d/dx = −(2/√π)·e^(−x²).
func (tp *Tape) Erfc(x Var) Var { return tp.unary(erfcOp, x) }

// GELU returns the Gaussian error linear unit in its exact form,
// x·Φ(x) = ½x(1 + erf(x/√2)) (PyTorch's gelu, approximate='none');
// d/dx = Φ(x) + x·φ(x).
func (tp *Tape) GELU(x Var) Var { return tp.unary(geluOp, x) }

// GELUTanh returns GELU's tanh approximation
// ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's gelu with
// approximate='tanh').
func (tp *Tape) GELUTanh(x Var) Var { return tp.unary(geluTanhOp, x) }

// SiLU returns x·σ(x) (also called swish), stable for large |x|;
// d/dx = σ(x)(1 + x(1 − σ(x))).
func (tp *Tape) SiLU(x Var) Var { return tp.unary(siluOp, x) }

// Softsign returns x/(1 + |x|); d/dx = 1/(1 + |x|)².
func (tp *Tape) Softsign(x Var) Var { return tp.unary(softsignOp, x) }
