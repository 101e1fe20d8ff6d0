package autograd

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// CustomOp is a differentiable op defined by the user, like PyTorch's
// torch.autograd.Function or JAX's custom_vjp: a forward kernel and a
// derivative rule. Apply records it on a tape like a built-in op, and Check
// verifies it numerically.
type CustomOp struct {
	// Name is shown in graphs and error messages.
	Name string
	// Forward computes the output from the input values. It must not modify
	// its inputs.
	Forward func(in []*tensor.Tensor) *tensor.Tensor
	// Backward returns the gradient with respect to each input (a zero Var
	// for "none"), given the inputs, the output and the output's gradient g.
	// Written with tape ops, it is differentiable again in create-graph mode;
	// a rule that computes plain tensors may wrap them with tp.Const (then
	// second derivatives through it are zero).
	Backward func(tp *Tape, in []Var, out, g Var) []Var
}

// Apply computes op on the inputs and records it.
// It panics if op lacks Forward or Backward, and with tensor.ErrShape if
// Backward returns a gradient of the wrong shape.
func (tp *Tape) Apply(op *CustomOp, in ...Var) Var {
	if op == nil || op.Forward == nil || op.Backward == nil {
		panic(fmt.Errorf("%w: custom op needs Forward and Backward", ErrTape))
	}
	vals := make([]*tensor.Tensor, len(in))
	for i, x := range in {
		tp.check(op.Name, x)
		vals[i] = x.Value()
	}
	out := op.Forward(vals)
	return tp.record(op.Name, out, customRule, &aux{fn: op}, in...) // not pooled: Forward may return storage it owns
}

func customRule(tp *Tape, y, g Var, gin []Var) {
	nd := &tp.nodes[y.id]
	op, in := tp.auxOf(y).fn.(*CustomOp), nd.inputs(tp)
	gs := op.Backward(tp, in, y, g)
	if len(gs) != len(in) {
		panic(fmt.Errorf("%w: custom op %s: Backward returned %d gradients for %d inputs", ErrTape, op.Name, len(gs), len(in)))
	}
	copy(gin, gs)
}
