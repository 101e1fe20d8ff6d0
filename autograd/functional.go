package autograd

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// Functional transforms, in the manner of JAX's grad/jvp/jacrev/jacfwd/hessian
// and torch.func: plain functions of a Func and the point xs at which to
// differentiate. Each records f once on a fresh tape (leaves made with
// Tape.Var) and builds every derivative from VJPs of that one recording, in
// create-graph mode where a second order is needed. The inputs are never
// modified; every returned tensor is a fresh copy that owns its storage.
//
// Shapes: for f: (x₀, …, xₙ₋₁) ↦ y, a Jacobian block ∂y/∂xᵢ has shape
// y.shape ++ xᵢ.shape (row-major, output index first), like jax.jacrev.

// recordFunc runs f on a new tape with every input a Tape.Var leaf.
func recordFunc(f Func, xs []*tensor.Tensor) (*Tape, []Var, Var) {
	tp := NewTape()
	xv := leaves(tp, xs)
	return tp, xv, f(tp, xv)
}

// copies returns the values of vs as tensors that own their storage.
func copies(vs []Var) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(vs))
	for i, v := range vs {
		out[i] = v.Value().Copy()
	}
	return out
}

// checkLike panics with tensor.ErrShape unless ts has one tensor of each
// shape of xs.
func checkLike(op string, ts, xs []*tensor.Tensor) {
	checkTensors(op, ts)
	if len(ts) != len(xs) {
		panic(&tensor.ShapeError{Op: op, Msg: fmt.Sprintf("%d tensors for %d inputs", len(ts), len(xs)), Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
	for i := range ts {
		if !sameShape(ts[i].Shape(), xs[i].Shape()) {
			panic(shapeErr(op, fmt.Sprintf("tensor %d must have input %d's shape", i, i), xs[i].Shape(), ts[i].Shape()))
		}
	}
}

// checkFunc panics with ErrTape if f is nil or a tensor of xs is nil: the
// functional transforms' and the checker's argument check.
func checkFunc(op string, f Func, xs []*tensor.Tensor) {
	if f == nil {
		panic(fmt.Errorf("%w: %s of a nil Func", ErrTape, op))
	}
	checkTensors(op, xs)
}

// checkTensors panics with ErrTape if a tensor of ts is nil.
func checkTensors(op string, ts []*tensor.Tensor) {
	for i, t := range ts {
		if t == nil {
			panic(fmt.Errorf("%w: %s: tensor %d is nil", ErrTape, op, i))
		}
	}
}

// Grad returns ∇f(xs): ∂f/∂xᵢ for each input, each of xᵢ's shape, for a
// scalar (one-element) f. One forward and one backward pass.
// It panics with tensor.ErrShape if f's output has more than one element.
func Grad(f Func, xs []*tensor.Tensor) []*tensor.Tensor {
	_, g := ValueAndGrad(f, xs)
	return g
}

// ValueAndGrad returns f(xs) and ∇f(xs) from one forward and one backward
// pass. It panics with tensor.ErrShape if f's output has more than one element.
func ValueAndGrad(f Func, xs []*tensor.Tensor) (float64, []*tensor.Tensor) {
	checkFunc("autograd.ValueAndGrad", f, xs)
	tp, xv, y := recordFunc(f, xs)
	if y.Value().Len() != 1 {
		panic(shapeErr("autograd.Grad", "f must return one element; use VJPFunc or Jacobian", y.Shape()))
	}
	return y.Item(), copies(tp.Grad(y, xv...))
}

// VJPFunc returns y = f(xs) and the vector-Jacobian products vᵀ·∂y/∂xᵢ (one
// per input, of xᵢ's shape) from one forward and one backward pass.
// It panics with tensor.ErrShape if v's shape is not y's.
func VJPFunc(f Func, xs []*tensor.Tensor, v *tensor.Tensor) (out *tensor.Tensor, vjp []*tensor.Tensor) {
	checkFunc("autograd.VJPFunc", f, xs)
	tp, xv, y := recordFunc(f, xs)
	return y.Value().Copy(), copies(tp.VJP(y, tp.Const(v), xv...))
}

// JVP returns y = f(xs) and the Jacobian-vector product J·t = Σᵢ ∂y/∂xᵢ·tᵢ
// (of y's shape), the forward-mode derivative of f along the tangents, in
// one forward pass: each input carries its tangent (SetTangent) and every
// op computes its output's tangent by its forward rule beside its value,
// so the cost is a small multiple of f's (at most about 3× for a matrix
// product, whose tangent takes two more products).
// It panics with tensor.ErrShape unless tangents match xs in number and shape.
func JVP(f Func, xs, tangents []*tensor.Tensor) (out, jvp *tensor.Tensor) {
	checkFunc("autograd.JVP", f, xs)
	checkLike("autograd.JVP", tangents, xs)
	tp := NewTape()
	y := f(tp, duals(tp, xs, tangents))
	return tp.val(y).Copy(), tp.val(tp.Tangent(y)).Copy()
}

// duals makes each input a constant leaf carrying its tangent.
func duals(tp *Tape, xs, tangents []*tensor.Tensor) []Var {
	xv := make([]Var, len(xs))
	for i, x := range xs {
		xv[i] = tp.Const(x)
		tp.SetTangent(xv[i], tp.Const(tangents[i]))
	}
	return xv
}

// Jacobian returns ∂y/∂xᵢ for each input, of shape y.shape ++ xᵢ.shape, in
// reverse mode: one VJP per element of y on a single recording (cheap when y
// is small and the inputs large).
func Jacobian(f Func, xs []*tensor.Tensor) []*tensor.Tensor {
	checkFunc("autograd.Jacobian", f, xs)
	tp, xv, y := recordFunc(f, xs)
	return jacRev(tp, y, xv)
}

// jacRev builds ∂y/∂xᵢ row by row: row k is e_kᵀ·∂y/∂xᵢ.
func jacRev(tp *Tape, y Var, xv []Var) []*tensor.Tensor {
	m := y.Value().Len()
	js := jacAlloc(y.Shape(), values(xv))
	seed := tensor.ZerosLike(y.Value())
	for k := range m {
		zero(seed)
		setFlat(seed, k, 1)
		for i, g := range tp.VJP(y, tp.Const(seed), xv...) {
			copyAt(js[i], k*g.Value().Len(), g.Value())
		}
	}
	return js
}

// JacobianFwd returns the same Jacobians as Jacobian in forward mode: one
// JVP per input element (column J·e_j), each a forward pass with one unit
// tangent on a reused tape (cheap when the inputs are small and y large).
func JacobianFwd(f Func, xs []*tensor.Tensor) []*tensor.Tensor {
	checkFunc("autograd.JacobianFwd", f, xs)
	tp := NewTape()
	var js []*tensor.Tensor
	ts := make([]*tensor.Tensor, len(xs))
	for i, x := range xs {
		ts[i] = tensor.ZerosLike(x)
	}
	for i, x := range xs {
		n := x.Len()
		for j := range n {
			setFlat(ts[i], j, 1)
			tp.Reset()
			y := f(tp, duals(tp, xs, ts))
			if js == nil {
				js = jacAlloc(tp.val(y).Shape(), xs)
			}
			for k, v := range tp.val(tp.Tangent(y)).Float64s() {
				setFlat(js[i], k*n+j, v)
			}
			setFlat(ts[i], j, 0)
		}
	}
	if js == nil { // no input elements: f's output shape from one plain pass
		tp.Reset()
		js = jacAlloc(tp.val(f(tp, leaves(tp, xs))).Shape(), xs)
	}
	return js
}

// jacAlloc returns zero tensors of shape out ++ xᵢ.shape, of xᵢ's type.
func jacAlloc(out []int, xs []*tensor.Tensor) []*tensor.Tensor {
	js := make([]*tensor.Tensor, len(xs))
	for i, x := range xs {
		js[i] = x.DType().Zeros(append(append([]int{}, out...), x.Shape()...)...)
	}
	return js
}

// Hessian returns every block H[i][j] = ∂²f/∂xᵢ∂xⱼ of a scalar f, of shape
// xᵢ.shape ++ xⱼ.shape (for a single input, H[0][0] is the Hessian). It
// records ∇f in create-graph mode and takes its reverse-mode Jacobian: one
// backward pass per element of all inputs together. Use HVP when only
// products with the Hessian are needed.
// It panics with tensor.ErrShape if f's output has more than one element.
func Hessian(f Func, xs []*tensor.Tensor) [][]*tensor.Tensor {
	checkFunc("autograd.Hessian", f, xs)
	tp, xv, y := recordFunc(f, xs)
	gs := tp.GradGraph(y, xv...)
	h := make([][]*tensor.Tensor, len(xv))
	for i, g := range gs {
		h[i] = jacRev(tp, g, xv)
	}
	return h
}

// HVP returns the Hessian-vector product H·v of a scalar f without forming
// H, forward over reverse: the inputs carry the tangents v, the gradient
// ∇f is recorded (GradGraph) and its tangent is (H·v)ᵢ = Σⱼ ∂²f/∂xᵢ∂xⱼ·vⱼ.
// Cost: about one forward and one backward pass, each with tangents. The
// result has one tensor per input, of its shape.
// It panics with tensor.ErrShape if f's output has more than one element or
// vs does not match xs in number and shape.
func HVP(f Func, xs, vs []*tensor.Tensor) []*tensor.Tensor {
	checkFunc("autograd.HVP", f, xs)
	checkLike("autograd.HVP", vs, xs)
	tp, xv, y := recordFuncWith(f, xs, vs)
	if tp.val(y).Len() != 1 {
		panic(shapeErr("autograd.HVP", "f must return one element", tp.val(y).Shape()))
	}
	out := make([]*tensor.Tensor, len(xv))
	for i, g := range tp.GradGraph(y, xv...) {
		out[i] = tp.val(tp.Tangent(g)).Copy()
	}
	return out
}

// recordFuncWith is recordFunc with input i carrying the tangent ts[i].
func recordFuncWith(f Func, xs, ts []*tensor.Tensor) (*Tape, []Var, Var) {
	tp := NewTape()
	xv := leaves(tp, xs)
	for i, x := range xv {
		tp.SetTangent(x, tp.Const(ts[i]))
	}
	return tp, xv, f(tp, xv)
}

// values returns the values of vs.
func values(vs []Var) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(vs))
	for i, v := range vs {
		out[i] = v.Value()
	}
	return out
}
