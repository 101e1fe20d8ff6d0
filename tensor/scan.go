package tensor

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// This file holds the scans along one axis (CumSum, LogCumSumExp) and Flip.
// Each keeps x's shape; negative axes count from the end, and, as in
// PyTorch, a 0-d tensor accepts axis 0 or −1 and is treated as one element.
// Results have x's element type; a To form panics with ErrDType if dst's
// type is not x's. Float32 inputs accumulate in float64: CumSum's running
// total and LogCumSumExp's running value are kept in float64 and each
// output is rounded to float32 once, so the rounding errors of the float32
// outputs do not accumulate along the axis.

// CumSum returns the cumulative sum of x along axis, a tensor of x's shape:
//
//	y[…, k, …] = Σ_{j ≤ k} x[…, j, …]
//
// summed left to right in float64 (PyTorch's order, so rounding grows with
// the axis's length as in any running sum; for float32 the running total
// is float64 too and each output is rounded once). It panics with ErrShape if axis is out of range.
func CumSum(x *Tensor, axis int) *Tensor { return CumSumTo(like("tensor.CumSum", x), x, axis) }

// CumSumTo writes CumSum(x, axis) into dst (x's shape; dst may be x) and
// returns dst. It panics with ErrShape if axis is out of range or dst's
// shape is not x's, and with ErrDType if dst's element type is not x's.
func CumSumTo(dst, x *Tensor, axis int) *Tensor {
	n, inner := scanShape("tensor.CumSum", dst, x, axis)
	if x.dtype == Float32 {
		scan32(dst.data32, x.data32, n, inner, func(acc, v float64) float64 { return acc + v })
		return dst
	}
	d, xd := dst.data, x.data
	for base := 0; base < len(d); base += n * inner {
		row, src := d[base:base+n*inner], xd[base:base+n*inner]
		if inner == 1 {
			acc := src[0]
			row[0] = acc
			for k := 1; k < n; k++ {
				acc += src[k]
				row[k] = acc
			}
			continue
		}
		copy(row[:inner], src[:inner])
		for k := inner; k < len(row); k += inner {
			floats.AddTo(row[k:k+inner], row[k-inner:k], src[k:k+inner])
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
	return LogCumSumExpTo(like("tensor.LogCumSumExp", x), x, axis)
}

// LogCumSumExpTo writes LogCumSumExp(x, axis) into dst (x's shape; dst may
// be x) and returns dst. It panics with ErrShape if axis is out of range or
// dst's shape is not x's, and with ErrDType if dst's element type is not x's.
func LogCumSumExpTo(dst, x *Tensor, axis int) *Tensor {
	n, inner := scanShape("tensor.LogCumSumExp", dst, x, axis)
	if x.dtype == Float32 {
		scan32(dst.data32, x.data32, n, inner, scanLogAddExp)
		return dst
	}
	d, xd := dst.data, x.data
	for base := 0; base < len(d); base += n * inner {
		row, src := d[base:base+n*inner], xd[base:base+n*inner]
		// y_0 = x_0: logaddexp(−Inf, x_0) is x_0 for every x_0.
		copy(row[:inner], src[:inner])
		for k := inner; k < len(row); k += inner {
			prev, cur := row[k-inner:k], row[k:k+inner]
			for i, v := range src[k : k+inner] {
				cur[i] = scanLogAddExp(prev[i], v)
			}
		}
	}
	return dst
}

// scan32 is the float32 scan: along each run of n·inner elements it keeps
// the running value y_k = f(y_{k−1}, x_k) (y_0 = x_0) in float64, per inner
// index, and writes each y_k rounded to float32 into d (which may be x).
func scan32(d, x []float32, n, inner int, f func(acc, v float64) float64) {
	buf := getF64(inner)
	defer putF64(buf)
	acc := *buf
	for base := 0; base < len(d); base += n * inner {
		row, src := d[base:base+n*inner], x[base:base+n*inner]
		for i, v := range src[:inner] {
			acc[i] = float64(v)
			row[i] = v
		}
		for k := inner; k < len(row); k += inner {
			cur := row[k : k+inner]
			for i, v := range src[k : k+inner] {
				acc[i] = f(acc[i], float64(v))
				cur[i] = float32(acc[i])
			}
		}
	}
}

// scanShape checks axis and dst (x's shape) and returns the length n of
// the axis and the number inner of elements after it: x is a run of
// n·inner elements per index before axis, element k of a run starting at
// offset k·inner. A 0-d x is one run of one element. It panics with
// ErrShape naming op if axis is out of range or dst's shape is not x's.
func scanShape(op string, dst, x *Tensor, axis int) (n, inner int) {
	check(op, "dst", dst)
	check(op, "x", x)
	a := shapes.NormAxisScalar(op, axis, x.shape)
	checkDst(op, dst, x.shape)
	sameDType(op, dst, x)
	if len(x.shape) == 0 {
		return 1, 1
	}
	_, n, inner = split3(x.shape, a)
	return n, inner
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

// Flip returns x with the order of its elements reversed along each of the
// given axes (all axes when none are given; negative axes count from the
// end): y[…, i, …] = x[…, n−1−i, …] for each flipped axis of size n. It is
// torch.flip, except that no axes means all axes (NumPy's np.flip and this
// package's reductions), where torch.flip with an empty list copies x.
// It panics with ErrShape on an axis out of range or given twice.
func Flip(x *Tensor, axes ...int) *Tensor { return FlipTo(like("tensor.Flip", x), x, axes...) }

// FlipTo writes Flip(x, axes...) into dst (x's shape) and returns dst. dst
// may be x; the flip then first copies x. It panics with ErrShape on a bad
// axis or if dst's shape is not x's, and with ErrDType if dst's element
// type is not x's (Flip moves elements and never rounds).
func FlipTo(dst, x *Tensor, axes ...int) *Tensor {
	const op = "tensor.Flip"
	check(op, "dst", dst)
	check(op, "x", x)
	shape := x.shape
	var fb [8]bool
	flip := shapes.MarkAxes(fb[:0], op, shape, axes)
	checkDst(op, dst, shape)
	sameDType(op, dst, x)
	if dst.Len() == 0 {
		return dst
	}
	// Walk dst row by row along the last axis (eachBroadcast): src is the
	// offset in x of dst's first element, step[ax] how the offset moves as
	// dst's index along ax grows: −stride on flipped axes, which start at
	// their far end.
	step := make([]int, len(shape))
	src, stride := 0, 1
	for ax := len(shape) - 1; ax >= 0; ax-- {
		step[ax] = stride
		if flip[ax] {
			step[ax] = -stride
			src += (shape[ax] - 1) * stride
		}
		stride *= shape[ax]
	}
	if x.dtype == Float32 {
		flipCopy(dst.data32, x.data32, shape, step, src)
	} else {
		flipCopy(dst.data, x.data, shape, step, src)
	}
	return dst
}

// flipCopy is FlipTo's copy for either type: dst's element at offset o+i of
// the row starting at o comes from x at src+off+i·k, where eachBroadcast
// walks the offsets off with the strides step. It copies x first when it
// is d (flipping in place).
func flipCopy[T float](d, xd []T, shape, step []int, src int) {
	if &d[0] == &xd[0] {
		xd = slices.Clone(xd)
	}
	eachBroadcast(shape, step, nil, func(o, off, _, n, k, _ int) {
		row, at := d[o:o+n], src+off
		if k == 1 {
			copy(row, xd[at:at+n])
			return
		}
		for i := range row {
			row[i] = xd[at+i*k]
		}
	})
}
