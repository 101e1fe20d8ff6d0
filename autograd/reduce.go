package autograd

import (
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// Reductions over axes: each takes the axes to reduce (all when none are
// given; negative axes count from the end) and comes in two forms, one
// dropping the reduced axes (Sum) and one keeping them with size 1
// (SumKeepDims), like tensor's. They panic with tensor.ErrShape on an axis
// out of range or given twice.
var sumOp, maxOp, minOp, logSumExpOp, varianceOp, normOp *op

func init() {
	sumOp = def(op{name: "sum",
		batch: batchReduce(func(tp *Tape, x Var, keep bool, axes []int, ps *params) Var { return tp.sum(x, keep, axes) }), text: "∂x = g broadcast back over the summed axes",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.expandGrad(y, g) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.reduceLike(y, t[0]) },
	})
	maxOp = def(op{name: "max",
		batch: batchReduce(func(tp *Tape, x Var, keep bool, axes []int, ps *params) Var { return tp.extremum(maxOp, x, keep, axes) }), text: "∂x = g at the maximum (split on ties), 0 elsewhere",
		vjp: extremumVJP, jvp: extremumJVP,
	})
	minOp = def(op{name: "min",
		batch: batchReduce(func(tp *Tape, x Var, keep bool, axes []int, ps *params) Var { return tp.extremum(minOp, x, keep, axes) }), text: "∂x = g at the minimum (split on ties), 0 elsewhere",
		vjp: extremumVJP, jvp: extremumJVP,
	})
	logSumExpOp = def(op{name: "logsumexp",
		batch: batchReduce(func(tp *Tape, x Var, keep bool, axes []int, ps *params) Var { return tp.logSumExp(x, keep, axes) }), text: "∂x = g ⊙ softmax(x) over the reduced axes",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Mul(tp.expandGrad(y, g), tp.softmaxOf(y)) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.reduceLike(y, tp.Mul(t[0], tp.softmaxOf(y))) },
	})
	varianceOp = def(op{name: "variance",
		batch: batchReduce(func(tp *Tape, x Var, keep bool, axes []int, ps *params) Var {
			return tp.variance(x, ps.corr, keep, axes)
		}), text: "∂x = g ⊙ 2(x − mean(x)) / (N − correction)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Mul(tp.expandGrad(y, g), tp.varianceGrad(y)) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.reduceLike(y, tp.Mul(t[0], tp.varianceGrad(y))) },
	})
	normOp = def(op{name: "norm",
		batch: batchReduce(func(tp *Tape, x Var, keep bool, axes []int, ps *params) Var { return tp.norm(x, keep, axes) }), text: "∂x = g ⊙ x / y (0 where y = 0, like PyTorch)",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Mul(tp.expandGrad(y, g), tp.normGrad(y)) },
		jvp: func(tp *Tape, y Var, t []Var) Var { return tp.reduceLike(y, tp.Mul(t[0], tp.normGrad(y))) },
	})
}

// reduce records the reduction o of x over axes computed by kernel into a
// pooled buffer; keep keeps the reduced axes with size 1.
//
// kernel is a package-level function (a closure would escape to the heap
// at every call) given the axes and the correction (variance's).
func (tp *Tape) reduce(o *op, x Var, keep bool, axes []int, ps params, kernel func(dst, x *tensor.Tensor, c tensor.Correction, axes []int) *tensor.Tensor) Var {
	tp.check(o.name, x)
	xv := tp.val(x)
	var buf [8]int
	ps.axes, ps.keep = tp.keepInts(axes...), keep // the tape's copy, so axes stays on the caller's stack
	out := tp.alloc(xv.DType(), shapes.ReduceShapeInto(buf[:0], o.qual, xv.Shape(), keep, ps.axes...))
	return tp.record(o, kernel(out, xv, ps.corr, ps.axes), &ps, x)
}

// Sum returns the sum of x over axes, dropping the reduced axes;
// ∂/∂x = 1 (the gradient is broadcast back).
func (tp *Tape) Sum(x Var, axes ...int) Var { return tp.sum(x, false, axes) }

// SumKeepDims is Sum keeping the reduced axes with size 1, so the result
// broadcasts against x.
func (tp *Tape) SumKeepDims(x Var, axes ...int) Var { return tp.sum(x, true, axes) }

func (tp *Tape) sum(x Var, keep bool, axes []int) Var {
	return tp.reduce(sumOp, x, keep, axes, params{}, sumKernel)
}

// Mean returns the mean of x over axes, dropping the reduced axes: Sum
// scaled by 1/count, so it needs no entry of its own.
func (tp *Tape) Mean(x Var, axes ...int) Var { return tp.mean(x, false, axes) }

// MeanKeepDims is Mean keeping the reduced axes with size 1.
func (tp *Tape) MeanKeepDims(x Var, axes ...int) Var { return tp.mean(x, true, axes) }

func (tp *Tape) mean(x Var, keep bool, axes []int) Var {
	s := tp.sum(x, keep, axes)
	n := tp.val(x).Len()
	if k := tp.val(s).Len(); k > 0 {
		n /= k
	}
	return tp.Scale(s, 1/float64(n))
}

// Max returns the maximum of x over axes, dropping the reduced axes. The
// gradient flows to the maximal elements, split equally among ties (PyTorch
// gives it to one of them for torch.max(dim) and splits it for amax).
func (tp *Tape) Max(x Var, axes ...int) Var { return tp.extremum(maxOp, x, false, axes) }

// MaxKeepDims is Max keeping the reduced axes with size 1.
func (tp *Tape) MaxKeepDims(x Var, axes ...int) Var { return tp.extremum(maxOp, x, true, axes) }

// Min returns the minimum of x over axes, dropping the reduced axes; the
// gradient flows to the minimal elements, split equally among ties.
func (tp *Tape) Min(x Var, axes ...int) Var { return tp.extremum(minOp, x, false, axes) }

// MinKeepDims is Min keeping the reduced axes with size 1.
func (tp *Tape) MinKeepDims(x Var, axes ...int) Var { return tp.extremum(minOp, x, true, axes) }

func (tp *Tape) extremum(o *op, x Var, keep bool, axes []int) Var {
	if o == minOp {
		return tp.reduce(o, x, keep, axes, params{}, minKernel)
	}
	return tp.reduce(o, x, keep, axes, params{}, maxKernel)
}

// extremumWeights is the constant mask(x = y) / count(x = y) of a max or min.
func (tp *Tape) extremumWeights(y Var) Var {
	x, ps := tp.ins(y)[0], tp.params(y)
	xv := tp.val(x)
	if tp.trace { // as tape ops, so that Vmap recomputes it per slice
		m := tp.Equal(x, tp.keepShape(y))
		return tp.Div(m, tp.SumKeepDims(m, ps.axes...))
	}
	mask := tensor.EqualTo(tp.allocLike(xv), xv, tp.val(tp.keepShape(y)))
	tensor.DivTo(mask, mask, tensor.SumKeepDims(mask, ps.axes...))
	return tp.Const(mask)
}

// extremumVJP: ∂x = g ⊙ mask(x = y) / count(x = y).
func extremumVJP(tp *Tape, y, g Var, gin []Var) {
	gin[0] = tp.Mul(tp.expandGrad(y, g), tp.extremumWeights(y))
}

// extremumJVP: ẏ = Σ ẋ ⊙ mask(x = y) / count(x = y) over the reduced axes.
func extremumJVP(tp *Tape, y Var, t []Var) Var {
	return tp.reduceLike(y, tp.Mul(t[0], tp.extremumWeights(y)))
}

// LogSumExp returns log Σ exp(x) over axes, dropping the reduced axes,
// stable for large |x|; ∂/∂x = exp(x − y) = softmax(x) along the reduced axes.
func (tp *Tape) LogSumExp(x Var, axes ...int) Var { return tp.logSumExp(x, false, axes) }

// LogSumExpKeepDims is LogSumExp keeping the reduced axes with size 1.
func (tp *Tape) LogSumExpKeepDims(x Var, axes ...int) Var { return tp.logSumExp(x, true, axes) }

func (tp *Tape) logSumExp(x Var, keep bool, axes []int) Var {
	return tp.reduce(logSumExpOp, x, keep, axes, params{}, logSumExpKernel)
}

// softmaxOf is exp(x − y) for y = logsumexp(x): softmax along the reduced axes.
func (tp *Tape) softmaxOf(y Var) Var { return tp.Exp(tp.Sub(tp.ins(y)[0], tp.keepShape(y))) }

// Variance returns the variance of x over axes, dropping the reduced axes:
// Σ(x − mean)² / (N − c), N the number of elements reduced, with Bessel's
// correction c = tensor.Unbiased (PyTorch's default, correction=1) or
// without it, c = tensor.Biased. Two passes (the mean, then the squared
// deviations) keep it accurate for data with a large offset. Like PyTorch,
// N ≤ c gives NaN or Inf. ∂/∂x = 2(x − mean)/(N − c). (Named Variance, not
// Var, which makes a leaf.)
func (tp *Tape) Variance(x Var, c tensor.Correction, axes ...int) Var {
	return tp.variance(x, c, false, axes)
}

// VarianceKeepDims is Variance keeping the reduced axes with size 1.
func (tp *Tape) VarianceKeepDims(x Var, c tensor.Correction, axes ...int) Var {
	return tp.variance(x, c, true, axes)
}

func (tp *Tape) variance(x Var, c tensor.Correction, keep bool, axes []int) Var {
	return tp.reduce(varianceOp, x, keep, axes, params{corr: c}, varianceKernel)
}

// varianceGrad is 2(x − mean(x)) / (N − c) for y = variance(x), with tape
// ops (so it records for higher orders).
func (tp *Tape) varianceGrad(y Var) Var {
	x, ps := tp.ins(y)[0], tp.params(y)
	n := tp.val(x).Len() / max(tp.val(y).Len(), 1)
	return tp.Scale(tp.Sub(x, tp.MeanKeepDims(x, ps.axes...)), 2/float64(n-int(ps.corr)))
}

// Std returns the standard deviation √Variance(x, c, axes…) over axes,
// dropping the reduced axes: a composition (Sqrt of Variance), so its
// gradient at zero variance is Inf or NaN, as PyTorch's is.
func (tp *Tape) Std(x Var, c tensor.Correction, axes ...int) Var {
	return tp.Sqrt(tp.Variance(x, c, axes...))
}

// StdKeepDims is Std keeping the reduced axes with size 1.
func (tp *Tape) StdKeepDims(x Var, c tensor.Correction, axes ...int) Var {
	return tp.Sqrt(tp.VarianceKeepDims(x, c, axes...))
}

// Norm returns the Euclidean (L2) norm √Σx² of x over axes, dropping the
// reduced axes, computed without overflow (tensor.Norm). Over all axes of a
// matrix it is the Frobenius norm (see FrobeniusNorm). ∂/∂x = x/y, and 0
// where y = 0, as PyTorch's gradient of torch.linalg.vector_norm.
func (tp *Tape) Norm(x Var, axes ...int) Var { return tp.norm(x, false, axes) }

// NormKeepDims is Norm keeping the reduced axes with size 1.
func (tp *Tape) NormKeepDims(x Var, axes ...int) Var { return tp.norm(x, true, axes) }

// FrobeniusNorm returns the Frobenius norm of each matrix of x (the last two
// axes), √Σᵢⱼ xᵢⱼ², like torch.linalg.matrix_norm(x, 'fro'): Norm over
// axes −2 and −1. It panics with tensor.ErrShape below rank 2.
func (tp *Tape) FrobeniusNorm(x Var) Var {
	tp.check("frobenius_norm", x)
	if len(tp.val(x).Shape()) < 2 {
		panic(shapeErr("autograd.frobenius_norm", "needs rank ≥ 2", tp.val(x).Shape()))
	}
	return tp.norm(x, false, []int{-2, -1})
}

func (tp *Tape) norm(x Var, keep bool, axes []int) Var {
	return tp.reduce(normOp, x, keep, axes, params{}, normKernel)
}

// normGrad is x / y for y = norm(x), with the zero norms replaced by 1 (so
// the gradient there is 0 and stays finite to any order).
func (tp *Tape) normGrad(y Var) Var {
	yk := tp.keepShape(y)
	if tp.trace { // as tape ops, so that Vmap recomputes it per slice
		return tp.Div(tp.ins(y)[0], tp.Add(yk, tp.Equal(yk, tp.ScalarOf(tp.val(yk).DType(), 0))))
	}
	zero := tensor.MapTo(tp.allocLike(tp.val(yk)), tp.val(yk), func(v float64) float64 { return b2f(v == 0) })
	return tp.Div(tp.ins(y)[0], tp.Add(yk, tp.Const(zero)))
}

// keepShape returns the output y of a reduction reshaped to its keep-dims
// shape, so it broadcasts against the input.
func (tp *Tape) keepShape(y Var) Var {
	ps := tp.params(y)
	if ps.keep {
		return y
	}
	var buf [8]int
	x := tp.ins(y)[0]
	return tp.Reshape(y, shapes.ReduceShapeInto(buf[:0], "autograd.reduce", tp.val(x).Shape(), true, ps.axes...)...)
}

// expandGrad broadcasts the gradient g of the reduction y of x back to x's
// shape.
func (tp *Tape) expandGrad(y, g Var) Var {
	ps, x := tp.params(y), tp.ins(y)[0]
	if !ps.keep {
		var buf [8]int
		g = tp.Reshape(g, shapes.ReduceShapeInto(buf[:0], "autograd.reduce", tp.val(x).Shape(), true, ps.axes...)...)
	}
	return tp.BroadcastTo(g, tp.val(x).Shape()...)
}

// reduceLike sums t over y's axes (keeping them as y does): the forward
// rules of reductions are sums of weighted tangents over the reduced axes.
func (tp *Tape) reduceLike(y Var, t Var) Var {
	if !t.Valid() {
		return Var{}
	}
	ps := tp.params(y)
	return tp.sum(t, ps.keep, ps.axes)
}

// ArgMax returns the index of the largest element along axis (as float64,
// a constant: not differentiable).
func (tp *Tape) ArgMax(x Var, axis int) Var {
	tp.check("argmax", x)
	m := tensor.ArgMax(tp.val(x), axis)
	if tp != nil && tp.trace { // Vmap replays it: keep the input and the axis
		return tp.record(argMaxOp, m, &params{axes: tp.keepInts(axis)}, x)
	}
	return tp.Const(m)
}

// The reductions' kernels, in reduce's form (the correction is variance's).
func sumKernel(dst, x *tensor.Tensor, c tensor.Correction, axes []int) *tensor.Tensor {
	return tensor.SumAxesTo(dst, x, axes...)
}
func maxKernel(dst, x *tensor.Tensor, c tensor.Correction, axes []int) *tensor.Tensor {
	return tensor.MaxAxesTo(dst, x, axes...)
}
func minKernel(dst, x *tensor.Tensor, c tensor.Correction, axes []int) *tensor.Tensor {
	return tensor.MinAxesTo(dst, x, axes...)
}
func logSumExpKernel(dst, x *tensor.Tensor, c tensor.Correction, axes []int) *tensor.Tensor {
	return tensor.LogSumExpAxesTo(dst, x, axes...)
}
func varianceKernel(dst, x *tensor.Tensor, c tensor.Correction, axes []int) *tensor.Tensor {
	return tensor.VarianceTo(dst, x, c, axes...)
}
func normKernel(dst, x *tensor.Tensor, c tensor.Correction, axes []int) *tensor.Tensor {
	return tensor.NormTo(dst, x, axes...)
}

// argMaxOp is ArgMax's entry, which only a Vmap trace records (elsewhere
// the result is a constant); not in the op table, as nothing about it is
// differentiable.
var argMaxOp = &op{name: "argmax", qual: "autograd.argmax", text: "not differentiable (indices)", nondiff: true}

func init() {
	argMaxOp.batch = alongAxis(func(tp *Tape, _ *params, in []Var, axis int) Var { return tp.ArgMax(in[0], axis) })
}
