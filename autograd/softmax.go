package autograd

import "github.com/tapegrad/tapegrad/tensor"

// Ops along one axis: softmax, causal softmax and log-softmax (the scans
// are in scan.go), and softmax_grad, the rule of both softmaxes as one op.
var softmaxOp, causalSoftmaxOp, logSoftmaxOp, softmaxGradOp *op

func init() {
	softmaxOp = def(op{name: "softmax",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var { return tp.Softmax(in[0], axis) }), text: "∂x = y ⊙ (g − Σ g⊙y)",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			gin[0] = tp.softmaxGrad(y, g, tp.params(y).axes[0])
		},
		// ẏ = y ⊙ (ẋ − Σ ẋ⊙y): the same map, softmax's Jacobian being symmetric
		jvp: func(tp *Tape, y Var, t []Var) Var {
			return tp.softmaxGrad(y, t[0], tp.params(y).axes[0])
		},
	})
	// causal_softmax is Softmax(x + M, −1) for M the causal mask, whose
	// entries u > t add −Inf; those outputs are 0 (y = 0 there), so the
	// same rule sends them no gradient.
	causalSoftmaxOp = def(op{name: "causal_softmax",
		batch: trailing(func(tp *Tape, x Var) Var { return tp.CausalSoftmax(x) }), text: "∂x = y ⊙ (g − Σ g⊙y) (0 where u > t)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.softmaxGrad(y, g, -1) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.softmaxGrad(y, t[0], -1) },
	})
	// out = softmax_grad(y, g) = y ⊙ (g − s), s = Σ g⊙y along the axis. It
	// is symmetric in g (∂out/∂g = diag(y) − y·yᵀ per row), so
	// ∂g = softmax_grad(y, gout); ∂y = gout ⊙ (g − s) − g ⊙ Σ gout⊙y;
	// ȯut = softmax_grad(y, ġ) + ẏ ⊙ (g − s) − y ⊙ Σ g⊙ẏ.
	softmaxGradOp = def(op{name: "softmax_grad",
		batch: alongAxis(func(tp *Tape, _ *params, in []Var, axis int) Var { return tp.softmaxGrad(in[0], in[1], axis) }), derivative: true,
		text: "out = y ⊙ (g − s), s = Σ g⊙y: ∂y = gout ⊙ (g − s) − g ⊙ Σ gout⊙y, ∂g = y ⊙ (gout − Σ gout⊙y)",
		vjp: func(tp *Tape, out, gout Var, gin []Var) {
			in, axis := tp.ins(out), tp.params(out).axes[0]
			y, g := in[0], in[1]
			if tp.wants(out, 0) {
				s := tp.SumKeepDims(tp.Mul(g, y), axis)
				gin[0] = tp.Sub(tp.Mul(gout, tp.Sub(g, s)), tp.Mul(g, tp.SumKeepDims(tp.Mul(gout, y), axis)))
			}
			if tp.wants(out, 1) {
				gin[1] = tp.softmaxGrad(y, gout, axis)
			}
		},
		jvp: func(tp *Tape, out Var, t []Var) Var {
			in, axis := tp.ins(out), tp.params(out).axes[0]
			y, g := in[0], in[1]
			var ty, tg Var
			if t[0].Valid() {
				s := tp.SumKeepDims(tp.Mul(g, y), axis)
				ty = tp.Sub(tp.Mul(t[0], tp.Sub(g, s)), tp.Mul(y, tp.SumKeepDims(tp.Mul(g, t[0]), axis)))
			}
			if t[1].Valid() {
				tg = tp.softmaxGrad(y, t[1], axis)
			}
			return tp.sumTangents(ty, tg)
		},
	})
	logSoftmaxOp = def(op{name: "log_softmax",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var { return tp.LogSoftmax(in[0], axis) }), text: "∂x = g − exp(y) ⊙ Σ g",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			axis := tp.params(y).axes[0]
			gin[0] = tp.Sub(g, tp.Mul(tp.Exp(y), tp.SumKeepDims(g, axis)))
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			axis := tp.params(y).axes[0]
			return tp.Sub(t[0], tp.SumKeepDims(tp.Mul(tp.Exp(y), t[0]), axis))
		},
	})
}

// alongAxis records op o along axis of x, computed by kernel (a tensor
// …To function) into a pooled buffer of x's shape.
func (tp *Tape) alongAxis(o *op, x Var, axis int, kernel func(dst, x *tensor.Tensor, axis int) *tensor.Tensor) Var {
	tp.check(o.name, x)
	out := kernel(tp.allocLike(tp.val(x)), tp.val(x), axis)
	return tp.record(o, out, &params{axes: tp.keepInts(axis)}, x)
}

// Softmax returns exp(x) / Σ exp(x) along axis, stable for logits of ±1000.
// ∂/∂x: y ⊙ (g − Σ(g ⊙ y)) along axis.
func (tp *Tape) Softmax(x Var, axis int) Var {
	return tp.alongAxis(softmaxOp, x, axis, tensor.SoftmaxTo)
}

// CausalSoftmax returns the softmax along the last axis of x, (…, L, S),
// over the entries u ≤ t of each row t of the last two axes, 0 at u > t:
// Softmax(x + M, −1) for the causal mask M (0 where u ≤ t, −Inf where
// u > t), as causal attention applies it, without forming x + M (one op
// instead of two, for speed; tensor.CausalSoftmax). ∂/∂x: y ⊙ (g − Σ(g ⊙ y))
// along the last axis, 0 at u > t. It panics with tensor.ErrShape if x has
// fewer than two axes.
func (tp *Tape) CausalSoftmax(x Var) Var {
	tp.check(causalSoftmaxOp.qual, x)
	return tp.record1(causalSoftmaxOp, tensor.CausalSoftmaxTo(tp.allocLike(tp.val(x)), tp.val(x)), x)
}

// LogSoftmax returns x − logsumexp(x) along axis, stable for logits of
// ±1000. ∂/∂x: g − exp(y) ⊙ Σ g along axis.
func (tp *Tape) LogSoftmax(x Var, axis int) Var {
	return tp.alongAxis(logSoftmaxOp, x, axis, tensor.LogSoftmaxTo)
}

// softmaxGrad returns y ⊙ (g − Σ g⊙y) along axis, softmax's rule as one op
// (softmax_grad) instead of four, for speed: attention runs it on every
// score. y and g must have one shape and type.
func (tp *Tape) softmaxGrad(y, g Var, axis int) Var {
	const name = "autograd.softmax_grad"
	tp.check(name, y)
	tp.check(name, g)
	yv, gv := tp.val(y), tp.val(g)
	if !sameShape(yv.Shape(), gv.Shape()) {
		panic(shapeErr(name, "output and gradient shapes differ", yv.Shape(), gv.Shape()))
	}
	if yv.DType() != gv.DType() {
		dtypeMismatch(name, yv, gv)
	}
	sh := yv.Shape()
	if axis < 0 {
		axis += len(sh)
	}
	outer, n := 1, sh[axis]
	for _, d := range sh[:axis] {
		outer *= d
	}
	inner := 1
	for _, d := range sh[axis+1:] {
		inner *= d
	}
	out := tp.allocLike(yv)
	if out.DType() == tensor.Float32 {
		softmaxGradKernel(out.Data32(), yv.Data32(), gv.Data32(), outer, n, inner)
	} else {
		softmaxGradKernel(out.Data(), yv.Data(), gv.Data(), outer, n, inner)
	}
	return tp.record(softmaxGradOp, out, &params{axes: tp.keepInts(axis)}, y, g)
}

// softmaxGradKernel sets d = y ⊙ (g − s), s = Σ g⊙y over the middle axis
// of the (outer, n, inner) layout, the sum in float64 (four partial sums
// along a contiguous row, so the adds do not wait on each other).
func softmaxGradKernel[T float32 | float64](d, y, g []T, outer, n, inner int) {
	if inner == 1 {
		for o := range outer {
			ys, gs, ds := y[o*n:(o+1)*n], g[o*n:(o+1)*n], d[o*n:(o+1)*n]
			var s0, s1, s2, s3 float64
			j := 0
			for ; j+4 <= n; j += 4 {
				s0 += float64(gs[j]) * float64(ys[j])
				s1 += float64(gs[j+1]) * float64(ys[j+1])
				s2 += float64(gs[j+2]) * float64(ys[j+2])
				s3 += float64(gs[j+3]) * float64(ys[j+3])
			}
			for ; j < n; j++ {
				s0 += float64(gs[j]) * float64(ys[j])
			}
			s := (s0 + s1) + (s2 + s3)
			for j, v := range ys {
				ds[j] = T(float64(v) * (float64(gs[j]) - s))
			}
		}
		return
	}
	for o := range outer {
		base := o * n * inner
		for k := range inner {
			s := 0.0
			for j := range n {
				i := base + j*inner + k
				s += float64(g[i]) * float64(y[i])
			}
			for j := range n {
				i := base + j*inner + k
				d[i] = T(float64(y[i]) * (float64(g[i]) - s))
			}
		}
	}
}
