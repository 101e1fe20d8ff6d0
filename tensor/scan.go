package tensor

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
)

// This file holds the scans along one axis (CumSum, LogCumSumExp) and Flip.
// Each keeps x's shape; negative axes count from the end, and, as in
// PyTorch, a 0-d tensor accepts axis 0 or −1 and is treated as one element.

// CumSum returns the cumulative sum of x along axis, a tensor of x's shape:
//
//	y[…, k, …] = Σ_{j ≤ k} x[…, j, …]
//
// summed left to right in float64 (PyTorch's order, so rounding grows with
// the axis's length as in any running sum). It panics with ErrShape if axis
// is out of range.
func CumSum(x *Tensor, axis int) *Tensor { return CumSumTo(Zeros(x.Shape()...), x, axis) }

// CumSumTo writes CumSum(x, axis) into dst (x's shape; dst may be x) and
// returns dst. It panics with ErrShape if axis is out of range or dst's
// shape is not x's.
func CumSumTo(dst, x *Tensor, axis int) *Tensor {
	const op = "tensor.CumSum"
	outer, n, inner := scanSplit(op, x.Shape(), axis)
	kernelCheckDst(op, dst, x.Shape())
	d, xd := dst.Data(), x.Data()
	if n == 0 || inner == 0 {
		return dst
	}
	for o := 0; o < outer; o++ {
		base := o * n * inner
		if inner == 1 {
			row, src := d[base:base+n], xd[base:base+n]
			acc := src[0]
			row[0] = acc
			for k := 1; k < n; k++ {
				acc += src[k]
				row[k] = acc
			}
			continue
		}
		copy(d[base:base+inner], xd[base:base+inner])
		for k := 1; k < n; k++ {
			cur := base + k*inner
			floats.AddTo(d[cur:cur+inner], d[cur-inner:cur], xd[cur:cur+inner])
		}
	}
	return dst
}

// LogCumSumExp returns the cumulative log-sum-exp of x along axis, a
// tensor of x's shape:
//
//	y[…, k, …] = log Σ_{j ≤ k} exp(x[…, j, …])
//
// computed as PyTorch does, by the running y_k = logaddexp(y_{k−1}, x_k)
// with logaddexp(a, b) = max + log1p(exp(min − max)), so no exp overflows:
// LogCumSumExp([1000 1000]) = [1000 1000+ln 2]. −Inf elements add nothing
// (exp(−Inf) = 0), a run of −Inf from the start stays −Inf, +Inf gives +Inf
// from there on, and a NaN gives NaN from there on. Each step rounds once
// or twice, so the error grows with the axis's length. It panics with
// ErrShape if axis is out of range.
func LogCumSumExp(x *Tensor, axis int) *Tensor {
	return LogCumSumExpTo(Zeros(x.Shape()...), x, axis)
}

// LogCumSumExpTo writes LogCumSumExp(x, axis) into dst (x's shape; dst may
// be x) and returns dst. It panics with ErrShape if axis is out of range or
// dst's shape is not x's.
func LogCumSumExpTo(dst, x *Tensor, axis int) *Tensor {
	const op = "tensor.LogCumSumExp"
	outer, n, inner := scanSplit(op, x.Shape(), axis)
	kernelCheckDst(op, dst, x.Shape())
	d, xd := dst.Data(), x.Data()
	if n == 0 || inner == 0 {
		return dst
	}
	for o := 0; o < outer; o++ {
		base := o * n * inner
		// y_0 = x_0: logaddexp(−Inf, x_0) is x_0 for every x_0.
		copy(d[base:base+inner], xd[base:base+inner])
		for k := 1; k < n; k++ {
			cur := base + k*inner
			prev, src, row := d[cur-inner:cur], xd[cur:cur+inner], d[cur:cur+inner]
			for i, v := range src {
				row[i] = scanLogAddExp(prev[i], v)
			}
		}
	}
	return dst
}

// scanLogAddExp is log(eᵃ + eᵇ) as max + log1p(exp(min − max)), PyTorch's
// logcumsumexp step: NaN if either is NaN, and a (= b) when both are the
// same infinity, where min − max would be NaN.
func scanLogAddExp(a, b float64) float64 {
	if a != a || b != b {
		return math.NaN()
	}
	lo, hi := min(a, b), max(a, b)
	if lo == hi && math.IsInf(lo, 0) {
		return a
	}
	return hi + math.Log1p(math.Exp(lo-hi))
}

// scanSplit returns the sizes of the axes before axis (as one), of axis,
// and after it (as one), panicking with ErrShape naming op if axis is out
// of range. A 0-d shape is one element: (1, 1, 1).
func scanSplit(op string, shape []int, axis int) (outer, n, inner int) {
	a := kernelAxis(op, axis, shape)
	if len(shape) == 0 {
		return 1, 1, 1
	}
	outer, inner = 1, 1
	for _, d := range shape[:a] {
		outer *= d
	}
	for _, d := range shape[a+1:] {
		inner *= d
	}
	return outer, shape[a], inner
}

// Flip returns x with the order of its elements reversed along each of the
// given axes (all axes when none are given; negative axes count from the
// end): y[…, i, …] = x[…, n−1−i, …] for each flipped axis of size n. It is
// torch.flip, except that no axes means all axes (NumPy's np.flip and this
// package's reductions), where torch.flip with an empty list copies x.
// It panics with ErrShape on an axis out of range or given twice.
func Flip(x *Tensor, axes ...int) *Tensor { return FlipTo(Zeros(x.Shape()...), x, axes...) }

// FlipTo writes Flip(x, axes...) into dst (x's shape) and returns dst. dst
// may be x; the flip then first copies x. It panics with ErrShape on a bad
// axis or if dst's shape is not x's.
func FlipTo(dst, x *Tensor, axes ...int) *Tensor {
	const op = "tensor.Flip"
	shape := x.Shape()
	flip := make([]bool, max(len(shape), 1))
	for i := range flip {
		flip[i] = len(axes) == 0
	}
	for _, a := range axes {
		i := kernelAxis(op, a, shape)
		if flip[i] {
			kernelShapePanic(op, fmt.Sprintf("axis %d given twice", a), shape)
		}
		flip[i] = true
	}
	kernelCheckDst(op, dst, shape)
	d, xd := dst.Data(), x.Data()
	if len(d) == 0 {
		return dst
	}
	if &d[0] == &xd[0] {
		xd = slices.Clone(xd)
	}
	r := len(shape)
	if r == 0 {
		d[0] = xd[0]
		return dst
	}
	// Walk dst row by row along the last axis; src is the offset in x of
	// the row's first element, step[ax] how src moves as dst's index along
	// ax grows: −stride on flipped axes, which start at their far end.
	step := make([]int, r)
	src, stride := 0, 1
	for ax := r - 1; ax >= 0; ax-- {
		step[ax] = stride
		if flip[ax] {
			step[ax] = -stride
			src += (shape[ax] - 1) * stride
		}
		stride *= shape[ax]
	}
	n := shape[r-1]
	idx := make([]int, r)
	for o := 0; o < len(d); o += n {
		row := d[o : o+n]
		if flip[r-1] {
			for i := range row {
				row[i] = xd[src-i]
			}
		} else {
			copy(row, xd[src:src+n])
		}
		// advance the odometer over the leading axes
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			src += step[ax]
			if idx[ax] < shape[ax] {
				break
			}
			src -= step[ax] * shape[ax]
			idx[ax] = 0
		}
	}
	return dst
}
