package autograd

import "github.com/tapegrad/tapegrad/tensor"

// Ops along one axis: softmax and log-softmax (the scans are in scan.go).
var softmaxOp, logSoftmaxOp *op

func init() {
	softmaxOp = def(op{name: "softmax",
		batch: alongAxis(func(tp *Tape, ps *params, in []Var, axis int) Var { return tp.Softmax(in[0], axis) }), text: "∂x = y ⊙ (g − Σ g⊙y)",
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

// LogSoftmax returns x − logsumexp(x) along axis, stable for logits of
// ±1000. ∂/∂x: g − exp(y) ⊙ Σ g along axis.
func (tp *Tape) LogSoftmax(x Var, axis int) Var {
	return tp.alongAxis(logSoftmaxOp, x, axis, tensor.LogSoftmaxTo)
}
