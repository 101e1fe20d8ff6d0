package autograd

import (
	"fmt"
	"slices"

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
// reverse mode: the vector-Jacobian products of every unit vector of y's
// space, mapped with Vmap (functorch's jacrev), so one batched backward
// pass computes many rows (cheap when y is small and the inputs large).
// The rows are computed jacChunk at a time, which bounds the memory.
func Jacobian(f Func, xs []*tensor.Tensor) []*tensor.Tensor {
	checkFunc("autograd.Jacobian", f, xs)
	k := len(xs)
	ys, dt := outShape(f, xs)
	// ⟨f(x), v⟩ differentiated, for a batch of vectors v
	row := GradOf(func(tp *Tape, v []Var) Var { return tp.Sum(tp.Mul(f(tp, v[:k]), v[k])) }, seq(k)...)
	js := jacAlloc(ys, xs)
	m := shapes.Numel("autograd.Jacobian", ys)
	for lo := 0; lo < m; lo += jacChunk {
		hi := min(m, lo+jacChunk)
		seeds := unitRows(dt, ys, lo, hi)
		rows := Call(Vmap(row, unmappedThen(k, 1), nil), append(slices.Clone(xs), seeds)...)
		for i, r := range rows {
			copyAt(js[i], lo*xs[i].Len(), r)
		}
	}
	return js
}

// jacChunk is how many rows or columns of a Jacobian (or a Hessian) one
// mapped pass computes.
const jacChunk = 256

// outShape returns the shape and element type of f's output at xs, from
// one pass that records nothing.
func outShape(f Func, xs []*tensor.Tensor) ([]int, tensor.DType) {
	in := make([]Var, len(xs))
	for i, x := range xs {
		in[i] = Const(x)
	}
	y := f(nil, in).Value()
	return y.Shape(), y.DType()
}

// seq returns 0, 1, …, k−1.
func seq(k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = i
	}
	return out
}

// unmappedThen returns the in-axes of k unmapped inputs followed by m
// inputs mapped along axis 0.
func unmappedThen(k, m int) []int {
	axes := make([]int, k+m)
	for i := range k {
		axes[i] = Unbatched
	}
	return axes
}

// unitRows returns the unit vectors e_lo … e_(hi−1) of a space of the
// given shape, stacked: shape (hi − lo) ++ shape.
func unitRows(dt tensor.DType, shape []int, lo, hi int) *tensor.Tensor {
	t := dt.Zeros(append([]int{hi - lo}, shape...)...)
	n := shapes.Numel("autograd.Jacobian", shape)
	for r := range hi - lo {
		setFlat(t, r*n+lo+r, 1)
	}
	return t
}

// unitBlocks returns, for the inputs xs seen as one vector (x₀'s elements,
// then x₁'s, …), the unit vectors e_lo … e_(hi−1) split by input: one
// tensor (hi − lo) ++ xᵢ.shape per input.
func unitBlocks(xs []*tensor.Tensor, lo, hi int) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(xs))
	off := 0
	for i, x := range xs {
		out[i] = x.DType().Zeros(append([]int{hi - lo}, x.Shape()...)...)
		n := x.Len()
		for r := lo; r < hi; r++ {
			if r >= off && r < off+n {
				setFlat(out[i], (r-lo)*n+r-off, 1)
			}
		}
		off += n
	}
	return out
}

// JacobianFwd returns the same Jacobians as Jacobian in forward mode: the
// Jacobian-vector products of every unit vector of the inputs' space,
// mapped with Vmap (functorch's jacfwd), one batched forward pass with
// tangents for many columns (cheap when the inputs are small and y large).
func JacobianFwd(f Func, xs []*tensor.Tensor) []*tensor.Tensor {
	checkFunc("autograd.JacobianFwd", f, xs)
	k := len(xs)
	ys, _ := outShape(f, xs)
	col := func(tp *Tape, v []Var) []Var {
		for i := range k {
			tp.SetTangent(v[i], v[k+i])
		}
		return []Var{tp.Tangent(f(tp, v[:k]))}
	}
	js := jacAlloc(ys, xs)
	n := 0
	for _, x := range xs {
		n += x.Len()
	}
	m := shapes.Numel("autograd.JacobianFwd", ys)
	for lo := 0; lo < n; lo += jacChunk {
		hi := min(n, lo+jacChunk)
		cols := Call(Vmap(col, unmappedThen(k, k), nil), append(slices.Clone(xs), unitBlocks(xs, lo, hi)...)...)[0]
		// cols[c] is column lo + c of the inputs' joint Jacobian
		cv := cols.Float64s()
		off := 0
		for i, x := range xs {
			nx := x.Len()
			for c := max(lo, off); c < min(hi, off+nx); c++ {
				for r := range m {
					setFlat(js[i], r*nx+c-off, cv[(c-lo)*m+r])
				}
			}
			off += nx
		}
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
// xᵢ.shape ++ xⱼ.shape (for a single input, H[0][0] is the Hessian): the
// reverse-mode Jacobian of the recorded gradient ∇f (GradOf), its rows
// mapped with Vmap (functorch's hessian is jacfwd(jacrev); reverse over
// reverse is exact too). Use HVP when only products with the Hessian are
// needed.
// It panics with tensor.ErrShape if f's output has more than one element.
func Hessian(f Func, xs []*tensor.Tensor) [][]*tensor.Tensor {
	checkFunc("autograd.Hessian", f, xs)
	k := len(xs)
	if ys, _ := outShape(f, xs); shapes.Numel("autograd.Hessian", ys) != 1 {
		panic(shapeErr("autograd.Hessian", "f must return one element", ys))
	}
	grad := GradOf(f, seq(k)...)
	// Σᵢ ⟨∇ᵢf, vᵢ⟩ differentiated, for a batch of vectors v
	row := GradOf(func(tp *Tape, v []Var) Var {
		var s Var
		for i, g := range grad(tp, v[:k]) {
			if t := tp.Sum(tp.Mul(g, v[k+i])); s.Valid() {
				s = tp.Add(s, t)
			} else {
				s = t
			}
		}
		return s
	}, seq(k)...)
	h := make([][]*tensor.Tensor, k)
	for i, x := range xs {
		h[i] = jacAlloc(x.Shape(), xs)
	}
	n := 0
	for _, x := range xs {
		n += x.Len()
	}
	for lo := 0; lo < n; lo += jacChunk {
		hi := min(n, lo+jacChunk)
		rows := Call(Vmap(row, unmappedThen(k, k), nil), append(slices.Clone(xs), unitBlocks(xs, lo, hi)...)...)
		off := 0
		for i, x := range xs {
			nx := x.Len()
			for r := max(lo, off); r < min(hi, off+nx); r++ {
				for j, rj := range rows {
					nj := xs[j].Len()
					copyAt(h[i][j], (r-off)*nj, tensor.Reshape(tensor.Slice(rj, 0, r-lo, r-lo+1), nj))
				}
			}
			off += nx
		}
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
