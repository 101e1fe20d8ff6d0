package autograd

import (
	"strings"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// reduceOp records a reduction over axes (all when none) computed by f.
func (tp *Tape) reduceOp(op string, x Var, keepDims bool, axes []int, f func(dst, x *tensor.Tensor, axes ...int) *tensor.Tensor, rule Rule) Var {
	name := strings.TrimPrefix(op, "autograd.")
	tp.check(name, x)
	xv := x.Value()
	var buf [8]int
	kept := tp.keepInts(axes) // the kernel gets the tape's copy, so axes stays on the caller's stack
	out := f(tp.alloc(shapes.ReduceShapeInto(buf[:0], op, xv.Shape(), keepDims, kept...)), xv, kept...)
	return tp.record(name, out, rule, &aux{ints: kept, b: [2]bool{keepDims}}, x)
}

// expandGrad reshapes the gradient g of a reduction of x over ax back to the
// keep-dims shape and broadcasts it to x's shape.
func (tp *Tape) expandGrad(g Var, x Var, ax aux) Var {
	if !ax.b[0] {
		var buf [8]int
		g = tp.Reshape(g, shapes.ReduceShapeInto(buf[:0], "autograd.reduce", x.Shape(), true, ax.ints...)...)
	}
	return tp.BroadcastTo(g, x.Shape()...)
}

// keepShape returns y reshaped to the keep-dims shape of its reduction of x.
func (tp *Tape) keepShape(y, x Var, ax aux) Var {
	if ax.b[0] {
		return y
	}
	var buf [8]int
	return tp.Reshape(y, shapes.ReduceShapeInto(buf[:0], "autograd.reduce", x.Shape(), true, ax.ints...)...)
}

// Sum returns the sum of x over axes (all when none are given; negative
// axes count from the end), dropping the reduced axes as tensor.Sum does.
// The gradient broadcasts g back. It panics with tensor.ErrShape on an axis
// out of range or given twice.
func (tp *Tape) Sum(x Var, axes ...int) Var { return tp.sum(x, false, axes) }

// SumKeepDims is Sum keeping the reduced axes as size 1 (tensor.SumKeepDims),
// so the result broadcasts against x.
func (tp *Tape) SumKeepDims(x Var, axes ...int) Var { return tp.sum(x, true, axes) }

func (tp *Tape) sum(x Var, keepDims bool, axes []int) Var {
	return tp.reduceOp("autograd.sum", x, keepDims, axes, tensor.SumAxesTo, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		x, ax := nd.inputs(tp)[0], *tp.auxOf(y)
		gin[0] = tp.expandGrad(g, x, ax)
	})
}

// Mean returns the mean of x over axes (all when none are given), dropping
// the reduced axes: Sum scaled by 1/count, so it needs no rule of its own.
// It panics like Sum.
func (tp *Tape) Mean(x Var, axes ...int) Var { return tp.mean(x, false, axes) }

// MeanKeepDims is Mean keeping the reduced axes as size 1.
func (tp *Tape) MeanKeepDims(x Var, axes ...int) Var { return tp.mean(x, true, axes) }

func (tp *Tape) mean(x Var, keepDims bool, axes []int) Var {
	tp.check("mean", x)
	s := tp.sum(x, keepDims, axes)
	n := x.Value().Len()
	if k := s.Value().Len(); k > 0 {
		n /= k
	}
	return tp.Scale(s, 1/float64(n))
}

// Max returns the maximum of x over axes (all when none are given),
// dropping the reduced axes. The gradient flows to the maximal elements,
// split equally among ties. It panics like Sum.
func (tp *Tape) Max(x Var, axes ...int) Var {
	return tp.reduceOp("autograd.max", x, false, axes, tensor.MaxAxesTo, extremumRule)
}

// MaxKeepDims is Max keeping the reduced axes as size 1.
func (tp *Tape) MaxKeepDims(x Var, axes ...int) Var {
	return tp.reduceOp("autograd.max", x, true, axes, tensor.MaxAxesTo, extremumRule)
}

// Min returns the minimum of x over axes (all when none are given),
// dropping the reduced axes; the gradient flows to the minimal elements,
// split equally among ties. It panics like Sum.
func (tp *Tape) Min(x Var, axes ...int) Var {
	return tp.reduceOp("autograd.min", x, false, axes, tensor.MinAxesTo, extremumRule)
}

// MinKeepDims is Min keeping the reduced axes as size 1.
func (tp *Tape) MinKeepDims(x Var, axes ...int) Var {
	return tp.reduceOp("autograd.min", x, true, axes, tensor.MinAxesTo, extremumRule)
}

// extremumRule: ∂y/∂x = mask(x = y) / count(x = y), the mask a constant.
func extremumRule(tp *Tape, y, g Var, gin []Var) {
	nd := &tp.nodes[y.id]
	x, ax := nd.inputs(tp)[0], *tp.auxOf(y)
	yk := tp.keepShape(y, x, ax).Value()
	mask := tensor.EqualTo(tp.alloc(x.Shape()), x.Value(), yk)
	cnt := tensor.SumKeepDims(mask, ax.ints...)
	tensor.DivTo(mask, mask, cnt)
	gin[0] = tp.Mul(tp.expandGrad(g, x, ax), tp.Const(mask))
}

// LogSumExp returns log Σ exp(x) over axes (all when none are given),
// dropping the reduced axes, stable for large |x|;
// ∂/∂x = exp(x − y) = softmax(x) along the reduced axes. It panics like Sum.
func (tp *Tape) LogSumExp(x Var, axes ...int) Var { return tp.logSumExp(x, false, axes) }

// LogSumExpKeepDims is LogSumExp keeping the reduced axes as size 1.
func (tp *Tape) LogSumExpKeepDims(x Var, axes ...int) Var { return tp.logSumExp(x, true, axes) }

func (tp *Tape) logSumExp(x Var, keepDims bool, axes []int) Var {
	return tp.reduceOp("autograd.logsumexp", x, keepDims, axes, tensor.LogSumExpAxesTo, func(tp *Tape, y, g Var, gin []Var) {
		nd := &tp.nodes[y.id]
		x, ax := nd.inputs(tp)[0], *tp.auxOf(y)
		p := tp.Exp(tp.Sub(x, tp.keepShape(y, x, ax)))
		gin[0] = tp.Mul(tp.expandGrad(g, x, ax), p)
	})
}

// ArgMax returns the index of the largest element along axis (as float64,
// a constant: not differentiable).
func (tp *Tape) ArgMax(x Var, axis int) Var {
	tp.check("argmax", x)
	return tp.Const(tensor.ArgMax(x.Value(), axis))
}
