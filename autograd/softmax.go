package autograd

import "github.com/tapegrad/tapegrad/tensor"

// Softmax returns exp(x) / Σ exp(x) along axis, stable for logits of ±1000.
// ∂/∂x: y ⊙ (g − Σ(g ⊙ y)) along axis.
func (tp *Tape) Softmax(x Var, axis int) Var {
	tp.check("softmax", x)
	out := tensor.SoftmaxTo(tp.alloc(x.Shape()), x.Value(), axis)
	return tp.record("softmax", out, func(tp *Tape, y, g Var, gin []Var) {
		axis := tp.auxOf(y).ints[0]
		gin[0] = tp.Mul(y, tp.Sub(g, tp.SumKeepDims(tp.Mul(g, y), axis)))
	}, &aux{ints: tp.keepInts([]int{axis})}, x)
}

// LogSoftmax returns x − logsumexp(x) along axis, stable for logits of
// ±1000. ∂/∂x: g − exp(y) ⊙ Σ g along axis.
func (tp *Tape) LogSoftmax(x Var, axis int) Var {
	tp.check("log_softmax", x)
	out := tensor.LogSoftmaxTo(tp.alloc(x.Shape()), x.Value(), axis)
	return tp.record("log_softmax", out, func(tp *Tape, y, g Var, gin []Var) {
		axis := tp.auxOf(y).ints[0]
		gin[0] = tp.Sub(g, tp.Mul(tp.Exp(y), tp.SumKeepDims(g, axis)))
	}, &aux{ints: tp.keepInts([]int{axis})}, x)
}
