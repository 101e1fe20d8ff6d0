package autograd

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// CustomOp is a differentiable op defined by the user, like PyTorch's
// torch.autograd.Function or JAX's custom_vjp/custom_jvp: a forward kernel
// and its derivative rules. Apply records it on a tape like a built-in op
// (through one table entry, "custom", that calls these functions), and
// Check verifies it numerically.
type CustomOp struct {
	// Name is shown in graphs, Explain and error messages.
	Name string
	// Rule is the derivative rule in one line, for Explain and DOT
	// ("" shows "rule of NAME").
	Rule string
	// Forward computes the output from the input values. It must not modify
	// its inputs.
	Forward func(in []*tensor.Tensor) *tensor.Tensor
	// Backward returns the gradient with respect to each input (a zero Var
	// for "none"), given the inputs, the output and the output's gradient g.
	// Written with tape ops, it is differentiable again in create-graph mode;
	// a rule that computes plain tensors may wrap them with tp.Const (then
	// second derivatives through it are zero).
	Backward func(tp *Tape, in []Var, out, g Var) []Var
	// JVP, optional, returns the output's tangent given the inputs'
	// tangents (a zero Var for an input without one), for forward mode
	// (SetTangent, the functional JVP). A custom op without it panics with
	// ErrTape when a tangent reaches it.
	JVP func(tp *Tape, in []Var, out Var, tangents []Var) Var
}

// customOp is the table entry of every CustomOp; the node's parameters say
// which.
var customOp *op

func init() {
	customOp = def(op{name: "custom",
		batch: batchCustom, text: "the custom op's Backward",
		vjp: func(tp *Tape, y, g Var, gin []Var) {
			c, in := tp.params(y).custom, tp.ins(y)
			gs := c.Backward(tp, in, y, g)
			if len(gs) != len(in) {
				panic(fmt.Errorf("%w: custom op %s: Backward returned %d gradients for %d inputs", ErrTape, c.Name, len(gs), len(in)))
			}
			copy(gin, gs)
		},
		jvp: func(tp *Tape, y Var, t []Var) Var {
			c := tp.params(y).custom
			if c.JVP == nil {
				panic(fmt.Errorf("%w: custom op %s has no JVP, and a tangent reached it (forward mode)", ErrTape, c.Name))
			}
			out := c.JVP(tp, tp.ins(y), y, t)
			if out.Valid() {
				tp.check(c.Name+" (JVP)", out)
				if !sameShape(tp.val(out).Shape(), tp.val(y).Shape()) {
					panic(shapeErr("autograd."+c.Name+" (JVP)", "JVP returned a tangent of the wrong shape", tp.val(y).Shape(), tp.val(out).Shape()))
				}
			}
			return out
		},
	})
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
		vals[i] = tp.val(x)
	}
	out := op.Forward(vals) // not pooled: Forward may return storage it owns
	if out == nil {
		panic(fmt.Errorf("%w: custom op %s: Forward returned a nil tensor", ErrTape, op.Name))
	}
	return tp.record(customOp, out, &params{custom: op}, in...)
}
