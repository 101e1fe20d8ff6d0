package autograd

import (
	"math"

	"github.com/tapegrad/tapegrad/tensor"
)

// Ops along one axis: softmax, log-softmax and the scans.
var softmaxOp, logSoftmaxOp, cumSumOp, logCumSumExpOp *op

func init() {
	softmaxOp = def(op{name: "softmax", text: "∂x = y ⊙ (g − Σ g⊙y)",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			axis := tp.params(y).axes[0]
			gin[0] = tp.Mul(y, tp.Sub(g, tp.SumKeepDims(tp.Mul(g, y), axis)))
		},
		// ẏ = y ⊙ (ẋ − Σ ẋ⊙y): the same map, softmax's Jacobian being symmetric
		jvp: func(tp *Tape, y Var, t []Var) Var {
			axis := tp.params(y).axes[0]
			return tp.Mul(y, tp.Sub(t[0], tp.SumKeepDims(tp.Mul(t[0], y), axis)))
		},
	})
	logSoftmaxOp = def(op{name: "log_softmax", text: "∂x = g − exp(y) ⊙ Σ g",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			axis := tp.params(y).axes[0]
			gin[0] = tp.Sub(g, tp.Mul(tp.Exp(y), tp.SumKeepDims(g, axis)))
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			axis := tp.params(y).axes[0]
			return tp.Sub(t[0], tp.SumKeepDims(tp.Mul(tp.Exp(y), t[0]), axis))
		},
	})
	cumSumOp = def(op{name: "cumsum", text: "∂x = g summed from the end (flip, cumsum, flip)",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			axis := tp.params(y).axes[0]
			gin[0] = tp.Flip(tp.CumSum(tp.Flip(g, axis), axis), axis)
		},
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.CumSum(t[0], tp.params(y).axes[0]) },
	})
	logCumSumExpOp = def(op{name: "logcumsumexp", text: "∂xᵢ = Σ_{j≥i} gⱼ·exp(xᵢ − yⱼ), summed in log space by the sign of g",
		vjp: logCumSumExpVJP,
		jvp: logCumSumExpJVP,
	})
}

// Softmax returns exp(x) / Σ exp(x) along axis, stable for logits of ±1000.
// ∂/∂x: y ⊙ (g − Σ(g ⊙ y)) along axis.
func (tp *Tape) Softmax(x Var, axis int) Var {
	tp.check("softmax", x)
	out := tensor.SoftmaxTo(tp.alloc(tp.val(x).Shape()), tp.val(x), axis)
	return tp.record(softmaxOp, out, &params{axes: tp.keepInts(axis)}, x)
}

// LogSoftmax returns x − logsumexp(x) along axis, stable for logits of
// ±1000. ∂/∂x: g − exp(y) ⊙ Σ g along axis.
func (tp *Tape) LogSoftmax(x Var, axis int) Var {
	tp.check("log_softmax", x)
	out := tensor.LogSoftmaxTo(tp.alloc(tp.val(x).Shape()), tp.val(x), axis)
	return tp.record(logSoftmaxOp, out, &params{axes: tp.keepInts(axis)}, x)
}

// CumSum returns the cumulative sum of x along axis, yᵢ = Σ_{j≤i} xⱼ
// (torch.cumsum); the gradient is the cumulative sum of g from the end.
// It panics with tensor.ErrShape on a bad axis.
func (tp *Tape) CumSum(x Var, axis int) Var {
	tp.check("cumsum", x)
	out := tensor.CumSumTo(tp.alloc(tp.val(x).Shape()), tp.val(x), axis)
	return tp.record(cumSumOp, out, &params{axes: tp.keepInts(axis)}, x)
}

// LogCumSumExp returns yᵢ = log Σ_{j≤i} exp(xⱼ) along axis
// (torch.logcumsumexp), exact for values of ±1000. Its derivative rules
// follow PyTorch's: the gradient ∂xᵢ = Σ_{j≥i} gⱼ·exp(xᵢ − yⱼ) is summed in
// log space separately for the positive and the negative parts of g, so it
// neither overflows nor loses the small terms.
// It panics with tensor.ErrShape on a bad axis.
func (tp *Tape) LogCumSumExp(x Var, axis int) Var {
	tp.check("logcumsumexp", x)
	out := tensor.LogCumSumExpTo(tp.alloc(tp.val(x).Shape()), tp.val(x), axis)
	return tp.record(logCumSumExpOp, out, &params{axes: tp.keepInts(axis)}, x)
}

// logParts returns log(max(v, 0)) and log(max(−v, 0)) with the logarithm
// of 0 replaced by the lowest float64, as PyTorch's rule does (−Inf would
// give Inf − Inf = NaN where it meets an infinite y).
func (tp *Tape) logParts(v Var) (pos, neg Var) {
	low := tp.Scalar(-math.MaxFloat64)
	zero := tp.Scalar(0)
	la := tp.Log(tp.Abs(v))
	return tp.Where(tp.Greater(v, zero), la, low), tp.Where(tp.Less(v, zero), la, low)
}

// logCumSumExpVJP: ∂x = exp(x + rlcse(log g⁺ − y)) − exp(x + rlcse(log g⁻ − y)),
// rlcse the log-cum-sum-exp from the end.
func logCumSumExpVJP(tp *Tape, y, g Var, gin []Var) {
	axis, x := tp.params(y).axes[0], tp.ins(y)[0]
	rev := func(v Var) Var { return tp.Flip(tp.LogCumSumExp(tp.Flip(v, axis), axis), axis) }
	pos, neg := tp.logParts(g)
	gin[0] = tp.Sub(tp.Exp(tp.Add(x, rev(tp.Sub(pos, y)))), tp.Exp(tp.Add(x, rev(tp.Sub(neg, y)))))
}

// logCumSumExpJVP: ẏⱼ = Σ_{i≤j} exp(xᵢ − yⱼ)·ẋᵢ
// = exp(lcse(x + log ẋ⁺) − y) − exp(lcse(x + log ẋ⁻) − y).
func logCumSumExpJVP(tp *Tape, y Var, t []Var) Var {
	axis, x := tp.params(y).axes[0], tp.ins(y)[0]
	pos, neg := tp.logParts(t[0])
	part := func(l Var) Var { return tp.Exp(tp.Sub(tp.LogCumSumExp(tp.Add(x, l), axis), y)) }
	return tp.Sub(part(pos), part(neg))
}
