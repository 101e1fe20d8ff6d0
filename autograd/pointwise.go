package autograd

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/scalar"
	"github.com/tapegrad/tapegrad/tensor"
)

// Element-wise ops with constant parameters, and the fused derivative ops
// that the rules of tanh, sigmoid and ReLU record.
var (
	scaleOp, addScalarOp, powScalarOp, leakyReLUOp, clampOp *op
	tanhGradOp, sigmoidGradOp, reluGradOp, geluGradOp       *op
)

func init() {
	scaleOp = def(op{name: "scale",
		batch: pointwise(func(tp *Tape, ps *params, in []Var) Var { return tp.Scale(in[0], ps.c[0]) }), text: "∂x = c·g",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Scale(g, tp.params(y).c[0]) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Scale(t[0], tp.params(y).c[0]) },
	})
	addScalarOp = def(op{name: "add_scalar",
		batch: pointwise(func(tp *Tape, ps *params, in []Var) Var { return tp.AddScalar(in[0], ps.c[0]) }), text: "∂x = g",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = g },
		jvp: func(tp *Tape, y Var, t []Var) Var { return t[0] },
	})
	powScalarOp = def(op{name: "pow_scalar",
		batch: pointwise(func(tp *Tape, ps *params, in []Var) Var { return tp.PowScalar(in[0], ps.c[0]) }), text: "∂x = g ⊙ p·x^(p−1)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Mul(g, tp.powScalarGrad(y)) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Mul(t[0], tp.powScalarGrad(y)) },
	})
	leakyReLUOp = def(op{name: "leaky_relu",
		batch: pointwise(func(tp *Tape, ps *params, in []Var) Var { return tp.LeakyReLU(in[0], ps.c[0]) }), text: "∂x = g ⊙ (1 if x > 0 else slope)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Mul(g, tp.leakyReLUGrad(y)) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Mul(t[0], tp.leakyReLUGrad(y)) },
	})
	clampOp = def(op{name: "clamp",
		batch: pointwise(func(tp *Tape, ps *params, in []Var) Var { return tp.Clamp(in[0], ps.c[0], ps.c[1]) }), text: "∂x = g where lo ≤ x ≤ hi, else 0",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Mul(g, tp.clampGrad(y)) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.Mul(t[0], tp.clampGrad(y)) },
	})

	// The fused derivative ops out = g ⊙ d(y): ∂g = gout ⊙ d(y) is the op
	// again, ∂y = gout ⊙ (g ⊙ d′(y)).
	tanhGradOp = defFused("tanh_grad", "∂y = −2y ⊙ g ⊙ gout, ∂g = gout ⊙ (1 − y²)", (*Tape).tanhGrad,
		func(tp *Tape, y, g Var) Var { return tp.Scale(tp.Mul(y, g), -2) })
	sigmoidGradOp = defFused("sigmoid_grad", "∂y = g ⊙ (1 − 2y) ⊙ gout, ∂g = gout ⊙ y(1 − y)", (*Tape).sigmoidGrad,
		func(tp *Tape, y, g Var) Var { return tp.Mul(g, tp.AddScalar(tp.Scale(y, -2), 1)) })
	// relu_grad(y, g) = g ⊙ step(y): step′ = 0 almost everywhere, so
	// nothing flows to y.
	reluGradOp = defFused("relu_grad", "∂y = 0, ∂g = gout ⊙ step(y)", (*Tape).reluGrad, nil)
	// gelu_grad(x, g) = g ⊙ (Φ(x) + x·φ(x)), GELU's rule, whose input is x
	// (not GELU's output): d/dx (Φ + x·φ) = φ(x)·(2 − x²).
	geluGradOp = defFused("gelu_grad", "∂x = g ⊙ φ(x)(2 − x²) ⊙ gout, ∂g = gout ⊙ (Φ(x) + x·φ(x))", (*Tape).geluGrad,
		func(tp *Tape, x, g Var) Var {
			pdf := tp.Scale(tp.Exp(tp.Scale(tp.Square(x), -0.5)), 1/math.Sqrt(2*math.Pi))
			return tp.Mul(g, tp.Mul(pdf, tp.AddScalar(tp.Neg(tp.Square(x)), 2)))
		})
}

// defFused defines a fused derivative op out = g ⊙ d(y), recorded by
// fused(tp, y, g), whose partial in y is dy(tp, y, g) = g ⊙ d′(y) (nil for
// zero). Both rules follow: ∂y = gout ⊙ dy(y, g) and ∂g = fused(y, gout);
// ȯut = ẏ ⊙ dy(y, g) + fused(y, ġ).
func defFused(name, text string, fused func(tp *Tape, y, g Var) Var, dy func(tp *Tape, y, g Var) Var) *op {
	return def(op{name: name, text: text, derivative: true,
		batch: pointwiseSame(func(tp *Tape, _ *params, in []Var) Var { return fused(tp, in[0], in[1]) }),
		vjp: func(tp *Tape, out, gout Var, gin []Var) {
			in := tp.ins(out)
			if dy != nil && tp.wants(out, 0) {
				gin[0] = tp.Mul(dy(tp, in[0], in[1]), gout)
			}
			if tp.wants(out, 1) {
				gin[1] = fused(tp, in[0], gout)
			}
		},
		jvp: func(tp *Tape, out Var, t []Var) Var {
			in := tp.ins(out)
			var ty, tg Var
			if dy != nil && t[0].Valid() {
				ty = tp.Mul(dy(tp, in[0], in[1]), t[0])
			}
			if t[1].Valid() {
				tg = fused(tp, in[0], t[1])
			}
			return tp.sumTangents(ty, tg)
		},
	})
}

// Scale returns c·x; d/dx = c.
func (tp *Tape) Scale(x Var, c float64) Var {
	tp.check("scale", x)
	xv := tp.val(x)
	return tp.record(scaleOp, tensor.ScaleTo(tp.allocLike(xv), xv, c), &params{c: [2]float64{c}}, x)
}

// AddScalar returns x + c; d/dx = 1.
func (tp *Tape) AddScalar(x Var, c float64) Var {
	tp.check("add_scalar", x)
	xv := tp.val(x)
	return tp.record(addScalarOp, tensor.AddScalarTo(tp.allocLike(xv), xv, c), &params{c: [2]float64{c}}, x)
}

// PowScalar returns x^p; d/dx = p·x^(p−1).
func (tp *Tape) PowScalar(x Var, p float64) Var {
	tp.check("pow_scalar", x)
	xv := tp.val(x)
	return tp.record(powScalarOp, tensor.PowScalarTo(tp.allocLike(xv), xv, p), &params{c: [2]float64{p}}, x)
}

// powScalarGrad is p·x^(p−1) for y = pow_scalar(x, p).
func (tp *Tape) powScalarGrad(y Var) Var {
	p := tp.params(y).c[0]
	return tp.Scale(tp.PowScalar(tp.ins(y)[0], p-1), p)
}

// LeakyReLU returns x where x > 0 and slope·x elsewhere; d/dx = 1 or slope
// (slope at 0).
func (tp *Tape) LeakyReLU(x Var, slope float64) Var {
	tp.check("leaky_relu", x)
	xv := tp.val(x)
	return tp.record(leakyReLUOp, tensor.LeakyReLUTo(tp.allocLike(xv), xv, slope), &params{c: [2]float64{slope}}, x)
}

// leakyReLUGrad is the constant 1 where x > 0, else slope.
func (tp *Tape) leakyReLUGrad(y Var) Var {
	slope, x := tp.params(y).c[0], tp.ins(y)[0]
	if tp.trace { // as tape ops, so that Vmap recomputes it per slice
		pos := tp.Greater(x, tp.ScalarOf(tp.val(x).DType(), 0))
		return tp.AddScalar(tp.Scale(pos, 1-slope), slope)
	}
	m := tensor.MapTo(tp.allocLike(tp.val(x)), tp.val(x), func(v float64) float64 {
		if v > 0 {
			return 1
		}
		return slope
	})
	return tp.Const(m)
}

// Clamp returns x limited to [lo, hi]; d/dx = 1 inside the interval and on
// its ends (like PyTorch), 0 outside.
func (tp *Tape) Clamp(x Var, lo, hi float64) Var {
	tp.check("clamp", x)
	xv := tp.val(x)
	return tp.record(clampOp, tensor.ClampTo(tp.allocLike(xv), xv, lo, hi), &params{c: [2]float64{lo, hi}}, x)
}

// clampGrad is the constant mask lo ≤ x ≤ hi.
func (tp *Tape) clampGrad(y Var) Var {
	c, x := tp.params(y).c, tp.ins(y)[0]
	lo, hi := c[0], c[1]
	if tp.trace { // as tape ops, so that Vmap recomputes it per slice
		dt := tp.val(x).DType()
		return tp.Mul(tp.GreaterEqual(x, tp.ScalarOf(dt, lo)), tp.LessEqual(x, tp.ScalarOf(dt, hi)))
	}
	m := tensor.MapTo(tp.allocLike(tp.val(x)), tp.val(x), func(v float64) float64 {
		if v >= lo && v <= hi {
			return 1
		}
		return 0
	})
	return tp.Const(m)
}

// tanhGrad returns g ⊙ (1 − y²), tanh's derivative rule as one op instead
// of four (for speed: the rule runs for every tanh of every backward pass).
func (tp *Tape) tanhGrad(y, g Var) Var {
	return tp.fusedGrad(tanhGradOp, y, g, func(y, g float64) float64 { return g * (1 - y*y) })
}

// geluGrad returns g ⊙ (Φ(x) + x·φ(x)), GELU's derivative rule as one op
// instead of ten (for speed), with Φ(x) = ½·erfc(−x/√2), accurate in the
// left tail.
func (tp *Tape) geluGrad(x, g Var) Var {
	return tp.fusedGrad(geluGradOp, x, g, func(x, g float64) float64 {
		return g * (0.5*math.Erfc(-x/math.Sqrt2) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi))
	})
}

// geluGradOf is geluGrad for y = GELU(x) at hand: Φ(x) is read off y as
// y/x (two roundings) instead of an erfc, which leaves one exp per element;
// where x or y is 0, x is not finite or y/x would lose digits (|x| below
// 2⁻⁵⁰⁰), erfc computes it. The op recorded is gelu_grad(x, g), whose own
// rules are geluGrad's.
func (tp *Tape) geluGradOf(x, y, g Var) Var {
	xv, yv, gv := tp.val(x), tp.val(y), tp.val(g)
	if !sameShape(xv.Shape(), gv.Shape()) || !sameShape(xv.Shape(), yv.Shape()) {
		return tp.geluGrad(x, g) // panics naming the op
	}
	if xv.DType() != gv.DType() {
		dtypeMismatch("autograd.gelu_grad", xv, gv)
	}
	out := tp.allocLike(xv)
	if out.DType() == tensor.Float32 {
		geluGradKernel32(out.Data32(), xv.Data32(), yv.Data32(), gv.Data32())
	} else {
		geluGradKernel(out.Data(), xv.Data(), yv.Data(), gv.Data())
	}
	return tp.record2(geluGradOp, out, x, g, true)
}

// geluGradKernel computes d = g ⊙ (y/x + x·φ(x)) (see geluGradOf).
func geluGradKernel(d, xs, ys, gs []float64) {
	const invSqrt2Pi = 0.3989422804014327 // 1/√(2π)
	d, ys, gs = d[:len(xs)], ys[:len(xs)], gs[:len(xs)]
	for i, xt := range xs {
		x, y := xt, ys[i]
		var cdf float64
		if y != 0 && math.Abs(x) > 0x1p-500 && !math.IsInf(x, 0) {
			cdf = y / x
		} else {
			cdf = 0.5 * math.Erfc(-x/math.Sqrt2)
		}
		d[i] = gs[i] * (cdf + x*invSqrt2Pi*math.Exp(-0.5*x*x))
	}
}

// geluGradKernel32 is geluGradKernel for float32 data, with e^(−x²/2)
// from scalar.ExpForFloat32 (2⁻³⁶ relative, for a float32 result), taken
// for a block of elements at a time.
func geluGradKernel32(d, xs, ys, gs []float32) {
	const invSqrt2Pi = 0.3989422804014327 // 1/√(2π)
	var pdf [256]float64
	for lo := 0; lo < len(xs); lo += len(pdf) {
		n := min(len(pdf), len(xs)-lo)
		xb, yb, gb, db := xs[lo:lo+n], ys[lo:lo+n], gs[lo:lo+n], d[lo:lo+n]
		for i, xt := range xb {
			x := float64(xt)
			pdf[i] = -0.5 * x * x
		}
		scalar.ExpForFloat32(pdf[:n])
		for i, xt := range xb {
			x, y := float64(xt), float64(yb[i])
			var cdf float64
			if y != 0 && math.Abs(x) > 0x1p-500 && !math.IsInf(x, 0) {
				cdf = y / x
			} else {
				cdf = 0.5 * math.Erfc(-x/math.Sqrt2)
			}
			db[i] = float32(float64(gb[i]) * (cdf + x*invSqrt2Pi*pdf[i]))
		}
	}
}

// sigmoidGrad returns g ⊙ y(1 − y), the sigmoid's derivative rule as one op
// instead of three (for speed).
func (tp *Tape) sigmoidGrad(y, g Var) Var {
	return tp.fusedGrad(sigmoidGradOp, y, g, func(y, g float64) float64 { return g * y * (1 - y) })
}

// reluGrad returns g ⊙ step(y) (y = relu(x), so y > 0 exactly where x > 0),
// ReLU's derivative rule as one op instead of two (for speed).
func (tp *Tape) reluGrad(y, g Var) Var { return tp.fusedGrad(reluGradOp, y, g, nil) }

// fusedGrad records f(y, g) element-wise for y and g of one shape: a plain
// loop, since gonum has no such kernel. A nil f is relu_grad, which runs
// tensor.ReLUBackwardTo's vector kernel.
func (tp *Tape) fusedGrad(o *op, y, g Var, f func(y, g float64) float64) Var {
	yv, gv := tp.val(y), tp.val(g)
	if !sameShape(yv.Shape(), gv.Shape()) {
		panic(shapeErr("autograd."+o.name, "output and gradient shapes differ", yv.Shape(), gv.Shape()))
	}
	if yv.DType() != gv.DType() {
		dtypeMismatch("autograd."+o.name, yv, gv)
	}
	out := tp.allocLike(yv)
	switch {
	case f == nil:
		tensor.ReLUBackwardTo(out, yv, gv)
	case out.DType() == tensor.Float32:
		fusedKernel(out.Data32(), yv.Data32(), gv.Data32(), f)
	default:
		fusedKernel(out.Data(), yv.Data(), gv.Data(), f)
	}
	return tp.record2(o, out, y, g, true)
}

// fusedKernel computes d = f(y, g) element-wise, in float64 for float32
// data (rounded once).
func fusedKernel[T float32 | float64](d, ys, gs []T, f func(y, g float64) float64) {
	gs, d = gs[:len(ys)], d[:len(ys)]
	for i, y := range ys {
		d[i] = T(f(float64(y), float64(gs[i])))
	}
}
