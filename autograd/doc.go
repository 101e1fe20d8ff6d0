// Package autograd is tapegrad's automatic differentiation: a tape that
// records the ops of a forward pass and walks them backwards (reverse mode),
// and tangents that ride along the forward pass (forward mode), both driven
// by one table of ops.
//
// # The tape
//
// A *Tape is a Wengert list. Each op (tp.Add, tp.MatMul, tp.Sigmoid, …)
// computes its value with a kernel from package tensor and records a node:
// a pointer to the op's table entry and its inputs. Backward seeds the loss
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
// # The op table
//
// Every differentiable op is one entry of one table, defined in an init
// function beside the Tape method that computes the op (unary.go,
// binary.go, pointwise.go, matmul.go, reduce.go, shape.go, softmax.go,
// scan.go, custom.go, and the layers' conv.go, pooling.go, norm.go):
//
//	tanhOp = defUnary("tanh", "∂x = g ⊙ (1 − y²)", math.Tanh, nil,
//		func(tp *Tape, x, y, g Var) Var { return tp.tanhGrad(y, g) })
//
// An entry holds the op's name, its rule in one line of text (printed by
// Explain, DOT and RuleText, listed by Ops), its reverse rule (vjp: the
// gradient reaching the output y becomes one gradient per input), its
// forward rule (jvp: the inputs' tangents become the output's tangent),
// optionally an into rule (Backward's speed path that writes a parameter's
// gradient straight into its storage, as the matrix product's GEMM with β
// does) and its batching rule (batch: the op computed on inputs that carry
// a leading batch axis, for Vmap; vmap.go and batch.go). Element-wise unary ops are data (a
// function and its derivative d(x, y, g) = g ⊙ f′(x)); both rules come from
// d, since for an element-wise op the forward rule is d applied to the
// tangent. Composite ops (Mean, Std, Stack, Squeeze, GELU's pieces inside
// its rule…) need no entry: they are made of entries.
//
// Rules are written with the tape's own differentiable ops. Backward runs
// them keeping only values; GradGraph runs the very same rules recording
// them, so the gradient is itself a differentiable graph: gradients of
// gradients, Hessian-vector products and gradient penalties work for every
// op, to any order. Broadcasting is undone in one place for gradients
// (unbroadcast) and applied in one place for tangents (forwardRule). Ops
// that are not differentiable (comparisons, ArgMax, OneHot) return
// constants (recorded, with their inputs, on a Vmap trace so that they are
// recomputed per slice); Step and Sign have derivative zero.
//
// # Adding an op
//
// One place, and one row:
//  1. a kernel in package tensor (F and FTo(dst, …)) if none exists;
//  2. in autograd, the method that computes the value into a pooled buffer
//     (tp.alloc) and records it (tp.record, with params for its constants
//     or axes), and its entry, def(op{name, text, vjp, jvp, batch}),
//     beside it (most batching rules are one of batch.go's families:
//     pointwise, batchReduce, alongAxis, batchShape) —
//     rules read the inputs with tp.ins(y), the constants with
//     tp.params(y), and ask tp.wants(y, i) before computing input i's
//     gradient;
//  3. a row in the root gradcheck_test.go table, which checks the rules
//     against central differences (first and second order), the forward
//     rule against the reverse one (⟨J·v, u⟩ = ⟨v, Jᵀ·u⟩) and forward over
//     reverse against reverse over reverse.
//
// Tests walk the table and fail when an entry lacks a rule, a text or a
// gradient-check row; the README's op table lists every entry; every row
// is also mapped with Vmap and compared with a loop.
//
// # Phases
//
// What an op records depends on one value, the tape's phase: forward
// (record rules where a gradient is needed), noGrad (values only),
// backwardValues (the rules of Backward or Grad run; their ops keep values
// only) and backwardGraph (the rules of GradGraph run and are recorded).
// Debugging (anomaly mode, hooks, Explain's tracing) sits behind one
// pointer, nil when off, and so does forward mode: the hot path of a plain
// forward or backward pass tests a phase and two pointers. The buffer pool
// replays each pass's allocations, so a steady training loop allocates
// nothing.
//
// # Vmap
//
// Vmap(f, inAxes, outAxes) maps f over an axis of its inputs as one batched
// computation: f is recorded once on a trace tape (a tape whose ops keep
// their inputs and parameters whatever the phase, so the record is
// complete, backward passes included) on the first slice of each mapped
// input, and the record is replayed on the caller's tape by each op's
// batching rule. Vmap(GradOf(loss), …) gives per-sample gradients;
// Jacobian, JacobianFwd and Hessian map VJPs or JVPs over unit vectors.
// See vmap.go for what tracing means for Go code in f.
//
// # Forward mode
//
// SetTangent(x, v) makes x carry a tangent; each op computed from x then
// computes its own tangent by its forward rule, in the same pass, and
// Tangent(y) reads it (JAX's jvp, PyTorch's forward AD). A JVP costs a
// small multiple of the forward pass (a matrix product's tangent takes two
// more products). Tangents are ordinary Vars: a backward pass recorded with
// GradGraph carries them too (forward over reverse: HVP), and a tangent can
// be differentiated (reverse over forward). Forward mode does not nest.
//
// # Element types
//
// A Var has its value's element type, tensor.Float64 or tensor.Float32
// (see package tensor): an op's result has its operands' type, and so does
// every gradient and tangent (a float32 parameter's Grad is float32).
// Operands of two types are refused with tensor.ErrDType naming the op;
// nothing is converted implicitly (convert with tensor.Tensor.To, or a
// model with nn.To). Constants a program builds (Scalar, Const) are
// float64 unless made otherwise: ScalarOf(tensor.Float32, c) records a
// float32 one, and methods taking a Go float64 (Scale, AddScalar, Clamp…)
// work with either type.
//
// The derivative rules are written with tape ops, which do not mention a
// type, so the op table is the same for both: each method picks its kernel
// by its inputs' type, and the buffer pool keys buffers by type as well as
// shape (a float32 training step allocates nothing, like a float64 one).
// The gradient checker (Check, CheckSecond) widens float32 inputs and
// checks in float64, where central differences are accurate; the float32
// kernels are checked by running every gradient-check row in float32
// against float64 (the root package's TestFloat32AgreesWithFloat64).
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
// For a Func of several tensors: Grad, ValueAndGrad, VJPFunc, JVP (true
// forward mode), Jacobian (reverse: one VJP per output element) and
// JacobianFwd (forward: one JVP per input element), Hessian and HVP (a
// Hessian-vector product, forward over reverse, without forming the
// Hessian). They work for every op of the table.
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
// worst absolute and relative errors, how many elements failed, and the five
// worst failing ones, each named by multi-indices in its tensor's shape:
// ∂y[1,0]/∂x0[0,1] is the derivative of output element y[1,0] with respect
// to element [0,1] of the first input (y[] for a scalar output).
// CheckSecond checks second derivatives: it runs Check on f, then
// differentiates the gradient the tape records (GradGraph) numerically and
// compares that with the tape's derivative of it, ∂g0[2]/∂x1[0,1] for the
// gradient g0 = ∂s/∂x0. Its second step cannot see a wrong first derivative
// (it checks the derivative of whatever gradient is recorded), hence the
// Check first; analytic second derivatives that are all zero get a hint
// that a rule computes with tensor values instead of tape ops.
// Defaults follow PyTorch's gradcheck: eps 1e-6, atol 1e-5, rtol 1e-3.
//
// # Errors and concurrency
//
// Shape misuse panics with a *tensor.ShapeError wrapping tensor.ErrShape that
// names the op and shapes; tape misuse (a Var of another tape or of a reset
// tape, the zero Var, a nil tensor or function, Backward or Grad re-entered
// from a hook or rule or from a second goroutine) panics wrapping ErrTape,
// naming the user's call site. Anomaly mode (SetAnomaly)
// stops at the first op producing NaN or Inf, naming it and its call site.
// A Tape holds no global state and is used by one goroutine at a time; two
// goroutines with two tapes run side by side, and many tapes may read the
// same parameters for inference concurrently. Backward writes parameters'
// gradients, so concurrent training must not share parameters.
package autograd
