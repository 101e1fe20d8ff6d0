// Package autograd is tapegrad's reverse-mode automatic differentiation: a
// tape that records the ops of a forward pass and walks them backwards.
//
// # The tape
//
// A *Tape is a Wengert list. Each op (tp.Add, tp.MatMul, tp.Sigmoid, …)
// computes its value with a kernel from package tensor and records a node:
// the op's name, its inputs and its derivative rule. Backward seeds the loss
// with 1 and visits the nodes in reverse; each rule turns the gradient of its
// output into gradients of its inputs, which are summed (so a + a is right).
//
//	w := autograd.NewParam(tensor.RandN(rng, 3, 1)) // a leaf that outlives tapes
//	b := autograd.NewParam(tensor.Zeros(1))
//	tp := autograd.NewTape()
//	x := tp.Const(batch)                             // data: no gradient
//	a := tp.Sigmoid(tp.Add(tp.MatMul(x, w), b))      // z = xW + b, a = σ(z)
//	loss := tp.Mean(tp.Square(tp.Sub(a, tp.Const(y))))
//	tp.Backward(loss)                                // w.Grad(), b.Grad()
//
// # Values
//
// A Var is a small handle passed by value. Three kinds exist:
//   - parameters (NewParam): own their value and an accumulated gradient,
//     shared by any number of tapes; gradients add up across Backward calls
//     until ZeroGrad (gradient accumulation);
//   - tape leaves: tp.Const (data, no gradient) and tp.Var (an input you
//     differentiate with respect to);
//   - op results, valid until the tape is Reset.
//
// Reset recycles the tape's buffers for the next pass, so a steady training
// loop reuses memory instead of allocating it. Vars of a reset tape are
// invalid: using one panics with ErrTape.
//
// # Derivative rules are tape ops
//
// Every rule is written with the tape's own differentiable ops, beside its
// op's forward (see unary.go for the element-wise ops as data). Backward runs
// the rules with recording off; GradGraph runs the very same rules with
// recording on, so the gradient is itself a differentiable graph: gradients
// of gradients, Hessian-vector products and gradient penalties work for every
// op, to any order. Broadcasting is undone in one place (unbroadcast), for
// every op. Ops that are not differentiable (comparisons, ArgMax, OneHot)
// return constants; Step and Sign have derivative zero.
//
// # Gradients
//
//   - Backward(loss): accumulate ∂loss/∂θ into every parameter's Grad.
//   - BackwardWith(out, g): the same for a non-scalar out with seed g (a
//     vector-Jacobian product).
//   - Grad(y, xs…): return ∂y/∂x without touching stored gradients, like
//     torch.autograd.grad; GradGraph records them for higher orders; VJP takes
//     a seed, and VJPGraph is VJP recorded for higher orders.
//   - NoGrad(f) and a nil *Tape compute without recording, for inference.
//
// # Functional transforms
//
// For a Func of several tensors: Grad, ValueAndGrad, VJPFunc, JVP (forward
// products by the double-VJP construction), Jacobian (reverse) and
// JacobianFwd (forward), Hessian and HVP (a Hessian-vector product without
// forming the Hessian). They build on GradGraph, so they work for every op.
//
// # Seeing the graph
//
// Tape.DOT writes the recorded graph as Graphviz DOT (ops, shapes, optionally
// values and gradients); Tape.Explain runs a backward pass and narrates it
// step by step: each node's incoming gradient and the local rule applied, so a
// sigmoid network's backward pass reads as the course's BP1–BP4.
//
// # Gradient checking
//
// Check compares the tape's Jacobian of any function of several tensors with
// central finite differences in float64 (gonum's diff/fd), and reports the
// worst absolute and relative errors with the input and element where they
// occur. CheckSecond does the same for the gradient itself (second order).
// Defaults follow PyTorch's gradcheck: eps 1e-6, atol 1e-5, rtol 1e-3.
//
// # Errors and concurrency
//
// Shape misuse panics with a *tensor.ShapeError wrapping tensor.ErrShape that
// names the op and shapes; tape misuse (a Var of another tape or of a reset
// tape, the zero Var) panics wrapping ErrTape. Anomaly mode (SetAnomaly)
// stops at the first op producing NaN or Inf, naming it and its call site.
// A Tape holds no global state and is used by one goroutine at a time; two
// goroutines with two tapes run side by side, and many tapes may read the
// same parameters for inference concurrently. Backward writes parameters'
// gradients, so concurrent training must not share parameters.
package autograd
