package autograd

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// Scans along an axis: cumsum and logcumsumexp.
//
// logcumsumexp's rules are two weighted scans of y = logcumsumexp(x), each
// linear in its last argument and computed in one pass:
//
//	grad(x, y, g)ᵢ    = Σ_{j≥i} gⱼ·exp(xᵢ − yⱼ)   (the reverse rule)
//	tangent(x, y, h)ⱼ = Σ_{i≤j} hᵢ·exp(xᵢ − yⱼ)   (the forward rule)
//
// Both run as recurrences whose factors exp(yᵢ − yᵢ₊₁) and exp(xᵢ − yᵢ) are
// at most 1 (y never decreases and yᵢ ≥ xᵢ), so neither overflows for
// values of ±1000 nor loses small terms. The pair closes under
// differentiation (each one's derivatives are the other, or itself), so
// every order is exact, stable and linear in g: unlike PyTorch's rule, which
// sums log|g| by the sign of g and is not differentiable where g = 0.
var cumSumOp, logCumSumExpOp, lcseGradOp, lcseTangentOp *op

func init() {
	cumSumOp = def(op{name: "cumsum",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var { return tp.CumSum(in[0], axis) }), text: "∂x = g summed from the end (flip, cumsum, flip)",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			axis := tp.params(y).axes[0]
			gin[0] = tp.Flip(tp.CumSum(tp.Flip(g, axis), axis), axis)
		},
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.CumSum(t[0], tp.params(y).axes[0]) },
	})
	logCumSumExpOp = def(op{name: "logcumsumexp",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var { return tp.LogCumSumExp(in[0], axis) }), text: "∂xᵢ = Σ_{j≥i} gⱼ·exp(xᵢ − yⱼ)",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			gin[0] = tp.lcseScan(lcseGradOp, tp.ins(y)[0], y, g, tp.params(y).axes[0])
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			return tp.lcseScan(lcseTangentOp, tp.ins(y)[0], y, t[0], tp.params(y).axes[0])
		},
	})
	// a = grad(x, y, g): ∂x = h ⊙ a, ∂y = −g ⊙ tangent(x, y, h), ∂g = tangent(x, y, h);
	// ȧ = ẋ ⊙ a + grad(x, y, ġ − g ⊙ ẏ).
	lcseGradOp = def(op{name: "logcumsumexp_grad",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var {
			return tp.lcseScan(lcseGradOp, in[0], in[1], in[2], axis)
		}), derivative: true, text: "a = Σ_{j≥i} gⱼ·exp(xᵢ − yⱼ): ∂x = h ⊙ a, ∂y = −g ⊙ b(h), ∂g = b(h), b the tangent scan",
		vjp: func(tp *Tape, a, h Var, gin []Var) {
			x, y, g, axis := tp.lcseArgs(a)
			if tp.wants(a, 0) {
				gin[0] = tp.Mul(h, a)
			}
			if tp.wants(a, 1) || tp.wants(a, 2) {
				b := tp.lcseScan(lcseTangentOp, x, y, h, axis)
				gin[1], gin[2] = tp.Neg(tp.Mul(g, b)), b
			}
		},
		jvp: func(tp *Tape, a Var, t []Var) Var {
			x, y, g, axis := tp.lcseArgs(a)
			var tx Var
			if t[0].Valid() {
				tx = tp.Mul(t[0], a)
			}
			inner := t[2]
			if t[1].Valid() {
				inner = tp.sumTangents(inner, tp.Neg(tp.Mul(g, t[1])))
			}
			if inner.Valid() {
				inner = tp.lcseScan(lcseGradOp, x, y, inner, axis)
			}
			return tp.sumTangents(tx, inner)
		},
	})
	// b = tangent(x, y, h): ∂x = h ⊙ grad(x, y, k), ∂y = −k ⊙ b, ∂h = grad(x, y, k);
	// ḃ = −ẏ ⊙ b + tangent(x, y, ḣ + h ⊙ ẋ).
	lcseTangentOp = def(op{name: "logcumsumexp_tangent",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var {
			return tp.lcseScan(lcseTangentOp, in[0], in[1], in[2], axis)
		}), derivative: true, text: "b = Σ_{i≤j} hᵢ·exp(xᵢ − yⱼ): ∂x = h ⊙ a(k), ∂y = −k ⊙ b, ∂h = a(k), a the gradient scan",
		vjp: func(tp *Tape, b, k Var, gin []Var) {
			x, y, h, axis := tp.lcseArgs(b)
			if tp.wants(b, 0) || tp.wants(b, 2) {
				a := tp.lcseScan(lcseGradOp, x, y, k, axis)
				gin[0], gin[2] = tp.Mul(h, a), a
			}
			if tp.wants(b, 1) {
				gin[1] = tp.Neg(tp.Mul(k, b))
			}
		},
		jvp: func(tp *Tape, b Var, t []Var) Var {
			x, y, h, axis := tp.lcseArgs(b)
			var ty Var
			if t[1].Valid() {
				ty = tp.Neg(tp.Mul(t[1], b))
			}
			inner := t[2]
			if t[0].Valid() {
				inner = tp.sumTangents(inner, tp.Mul(h, t[0]))
			}
			if inner.Valid() {
				inner = tp.lcseScan(lcseTangentOp, x, y, inner, axis)
			}
			return tp.sumTangents(ty, inner)
		},
	})
}

// CumSum returns the cumulative sum of x along axis, yᵢ = Σ_{j≤i} xⱼ
// (torch.cumsum); the gradient is the cumulative sum of g from the end.
// It panics with tensor.ErrShape on a bad axis.
func (tp *Tape) CumSum(x Var, axis int) Var {
	return tp.alongAxis(cumSumOp, x, axis, tensor.CumSumTo)
}

// LogCumSumExp returns yᵢ = log Σ_{j≤i} exp(xⱼ) along axis
// (torch.logcumsumexp), exact for values of ±1000. Its gradient
// ∂xᵢ = Σ_{j≥i} gⱼ·exp(xᵢ − yⱼ) and its tangent are stable scans, exact to
// any order (see the scans above; PyTorch's rule differs where g = 0).
// It panics with tensor.ErrShape on a bad axis.
func (tp *Tape) LogCumSumExp(x Var, axis int) Var {
	return tp.alongAxis(logCumSumExpOp, x, axis, tensor.LogCumSumExpTo)
}

// lcseArgs returns the inputs x, y, and the scanned vector of a scan node,
// and its axis.
func (tp *Tape) lcseArgs(s Var) (x, y, v Var, axis int) {
	in := tp.ins(s)
	return in[0], in[1], in[2], tp.params(s).axes[0]
}

// lcseScan records the scan o (lcseGradOp or lcseTangentOp) of v along
// axis, for y = logcumsumexp(x); a zero Var v gives the zero Var.
func (tp *Tape) lcseScan(o *op, x, y, v Var, axis int) Var {
	if !v.Valid() {
		return Var{}
	}
	xv, yv, vv := tp.val(x), tp.val(y), tp.val(v)
	if !sameShape(xv.Shape(), vv.Shape()) {
		panic(shapeErr(o.qual, "the scanned vector must have x's shape", xv.Shape(), vv.Shape()))
	}
	if xv.DType() != vv.DType() {
		dtypeMismatch(o.qual, xv, vv)
	}
	out := tp.allocLike(xv)
	outer, n, inner := axisSplit(o.qual, xv.Shape(), axis)
	reverse := o == lcseGradOp
	if xv.DType() == tensor.Float32 {
		lcseScanKernel(out.Data32(), xv.Data32(), yv.Data32(), vv.Data32(), outer, n, inner, reverse)
	} else {
		lcseScanKernel(out.Data(), xv.Data(), yv.Data(), vv.Data(), outer, n, inner, reverse)
	}
	return tp.record(o, out, &params{axes: tp.keepInts(axis)}, x, y, v)
}

// lcseScanKernel runs lcseLine over every line of an (outer, n, inner)
// block (computing in float64 for float32 data).
func lcseScanKernel[T float32 | float64](od, xd, yd, vd []T, outer, n, inner int, reverse bool) {
	for b := range outer {
		for c := range inner {
			base := b*n*inner + c
			lcseLine(od[base:], xd[base:], yd[base:], vd[base:], n, inner, reverse)
		}
	}
}

// lcseLine runs one line of a scan: n elements at stride s. reverse is the
// gradient scan, aᵢ = exp(xᵢ − yᵢ)·Tᵢ with Tᵢ = vᵢ + exp(yᵢ − yᵢ₊₁)·Tᵢ₊₁;
// otherwise the tangent scan, bⱼ = exp(yⱼ₋₁ − yⱼ)·bⱼ₋₁ + exp(xⱼ − yⱼ)·vⱼ.
// Positions where y is −Inf (x has been −Inf so far) contribute nothing.
func lcseLine[T float32 | float64](out, x, y, v []T, n, s int, reverse bool) {
	decay := func(from, to float64) float64 { // exp(from − to), 0 when from is −Inf
		if math.IsInf(from, -1) {
			return 0
		}
		return math.Exp(from - to)
	}
	if reverse {
		t := 0.0
		for i := n - 1; i >= 0; i-- {
			if i < n-1 {
				t *= decay(float64(y[i*s]), float64(y[(i+1)*s]))
			}
			t += float64(v[i*s])
			out[i*s] = T(decay(float64(x[i*s]), float64(y[i*s])) * t)
		}
		return
	}
	b := 0.0
	for j := range n {
		if j > 0 {
			b *= decay(float64(y[(j-1)*s]), float64(y[j*s]))
		}
		b += decay(float64(x[j*s]), float64(y[j*s])) * float64(v[j*s])
		out[j*s] = T(b)
	}
}

// axisSplit returns the sizes before, along and after axis of shape,
// panicking with tensor.ErrShape naming op on a bad axis.
func axisSplit(op string, shape []int, axis int) (outer, n, inner int) {
	if len(shape) == 0 { // a 0-d tensor is one element along axis 0 or −1, as in tensor's scans
		return 1, 1, 1
	}
	a := shapes.NormAxis(op, axis, len(shape), shape)
	outer, n, inner = 1, shape[a], 1
	for _, d := range shape[:a] {
		outer *= d
	}
	for _, d := range shape[a+1:] {
		inner *= d
	}
	return outer, n, inner
}
