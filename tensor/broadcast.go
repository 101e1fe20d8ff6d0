package tensor

import (
	"fmt"
	"slices"
	"sync"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// BroadcastShapes returns the NumPy broadcast of shapes a and b: aligned at
// the trailing axis, each pair of dimensions must be equal or one of them 1.
// ok is false when the shapes do not broadcast or a dimension is negative.
func BroadcastShapes(a, b []int) (shape []int, ok bool) {
	if slices.ContainsFunc(a, isNeg) || slices.ContainsFunc(b, isNeg) {
		return nil, false
	}
	return shapes.BroadcastShapesInto(nil, a, b)
}

func isNeg(d int) bool { return d < 0 }

// broadcastInto is BroadcastShapes appending into dst[:0].
func broadcastInto(dst, a, b []int) ([]int, bool) { return shapes.BroadcastShapesInto(dst, a, b) }

// mustBroadcast returns the broadcast shape of a and b or panics with ErrShape naming op.
func mustBroadcast(op string, a, b []int) []int {
	s, ok := BroadcastShapes(a, b)
	if !ok {
		shapePanic(op, "shapes do not broadcast (trailing dimensions must be equal or 1)", a, b)
	}
	return s
}

// bstrides returns the strides of a tensor of shape s viewed in the broadcast
// shape out: 0 along broadcast (size-1 or missing) axes.
func bstrides(s, out []int) []int { return bstridesInto(nil, s, out) }

// bstridesInto is bstrides writing into st's storage when it is large enough.
func bstridesInto(st []int, s, out []int) []int {
	if cap(st) >= len(out) {
		st = st[:len(out)]
		clear(st)
	} else {
		st = make([]int, len(out))
	}
	stride := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(s) - len(out) + i
		if j < 0 {
			continue
		}
		if s[j] != 1 {
			st[i] = stride
		}
		stride *= s[j]
	}
	return st
}

// CanBroadcastTo reports whether shape s broadcasts to shape to without
// changing to (every dimension of s equals its partner in to or is 1).
func CanBroadcastTo(s, to []int) bool {
	if len(s) > len(to) {
		return false
	}
	for i := range s {
		d, t := s[len(s)-1-i], to[len(to)-1-i]
		if d != t && d != 1 {
			return false
		}
	}
	return true
}

// BroadcastTo returns x broadcast (materialised) to shape, of x's element
// type. It panics with ErrShape if x's shape does not broadcast to shape or
// shape is not valid (see Zeros).
func BroadcastTo(x *Tensor, shape ...int) *Tensor {
	check("tensor.BroadcastTo", "x", x)
	return ExpandTo(zerosOf("tensor.BroadcastTo", x.dtype, shape), x)
}

// ExpandTo writes x broadcast to dst's shape into dst (PyTorch's expand,
// materialised) and returns dst: dst[i] = x[i with broadcast axes at 0].
// It panics with ErrShape if x's shape does not broadcast to dst's and
// with ErrDType if dst and x differ in type.
func ExpandTo(dst, x *Tensor) *Tensor {
	check("tensor.BroadcastTo", "dst", dst)
	check("tensor.BroadcastTo", "x", x)
	if !CanBroadcastTo(x.shape, dst.shape) {
		shapePanic("tensor.BroadcastTo", "cannot broadcast the first shape to the second", x.shape, dst.shape)
	}
	if dst.dtype|x.dtype != Float64 {
		sameDType("tensor.BroadcastTo", dst, x)
		expand(dst.data32, x.data32, dst.shape, x.shape)
		return dst
	}
	expand(dst.data, x.data, dst.shape, x.shape)
	return dst
}

// expand is ExpandTo's loop for either element type: d of shape ds holds
// x of shape xs broadcast.
func expand[T float](d, x []T, ds, xs []int) {
	switch {
	case len(x) == len(d):
		copy(d, x)
	case len(x) == 1:
		v := x[0]
		for i := range d {
			d[i] = v
		}
	default:
		eachBroadcast(ds, bstrides(xs, ds), nil, func(o, ia, _, n, sa, _ int) {
			d := d[o : o+n]
			for k := range d {
				d[k] = x[ia+k*sa]
			}
		})
	}
}

// SumTo returns x summed over the axes along which shape was broadcast to
// x's shape: the adjoint of BroadcastTo, used to reduce the gradient of a
// broadcast operand. The result has x's type. It panics with ErrShape if
// shape does not broadcast to x's shape.
func SumTo(x *Tensor, shape ...int) *Tensor {
	check("tensor.SumTo", "x", x)
	return ReduceSumTo(zerosOf("tensor.SumTo", x.dtype, shape), x)
}

// ReduceSumTo writes into dst the sum of x over the axes along which dst's
// shape broadcasts to x's shape (the adjoint of ExpandTo) and returns dst.
// Float32 sums accumulate in float64 and are rounded once at the end, so
// each is the float64 sum of the same elements rounded (more accurate than
// PyTorch's float32 sums). It panics with ErrShape if dst's shape does not
// broadcast to x's and with ErrDType if dst and x differ in type.
func ReduceSumTo(dst, x *Tensor) *Tensor {
	check("tensor.SumTo", "dst", dst)
	check("tensor.SumTo", "x", x)
	if !CanBroadcastTo(dst.shape, x.shape) {
		shapePanic("tensor.SumTo", "the target shape does not broadcast to the operand", x.shape, dst.shape)
	}
	if dst.dtype|x.dtype != Float64 {
		sameDType("tensor.SumTo", dst, x)
		if len(x.data32) == len(dst.data32) {
			copy(dst.data32, x.data32)
			return dst
		}
		reduceSum32(dst.data32, x.data32, dst.shape, x.shape)
		return dst
	}
	if len(x.data) == len(dst.data) {
		copy(dst.data, x.data)
		return dst
	}
	reduceSum(dst.data, x.data, dst.shape, x.shape)
	return dst
}

// sumAcc holds the float64 accumulators of reduceSum32 for destinations
// too long for its stack buffer, so that a training step's gradient
// reductions allocate nothing once warm.
var sumAcc = sync.Pool{New: func() any { return new([]float64) }}

// reduceSum32 is ReduceSumTo's float32 kernel: reduceSum into float64
// accumulators (on the stack for up to 512 outputs, else from sumAcc),
// then rounded into dst.
func reduceSum32(dst, x []float32, ds, xs []int) {
	var buf [512]float64
	acc := buf[:0]
	if len(dst) <= len(buf) {
		acc = buf[:len(dst)]
	} else {
		p := sumAcc.Get().(*[]float64)
		defer sumAcc.Put(p)
		if cap(*p) < len(dst) {
			*p = make([]float64, len(dst))
		}
		acc = (*p)[:len(dst)]
	}
	reduceSum(acc, x, ds, xs)
	for i, v := range acc {
		dst[i] = float32(v)
	}
}

// reduceSum sets acc (of shape ds, fewer elements than x) to the sums of
// x (of shape xs) over the axes along which ds is broadcast, accumulating
// in float64 whatever x's type.
func reduceSum[T float](acc []float64, x []T, ds, xs []int) {
	clear(acc)
	if len(acc) == 1 {
		s := 0.0
		for _, v := range x {
			s += float64(v)
		}
		acc[0] = s
		return
	}
	eachBroadcast(xs, bstrides(ds, xs), nil, func(o, id, _, n, sd, _ int) {
		src := x[o : o+n]
		if sd == 0 {
			s := 0.0
			for _, v := range src {
				s += float64(v)
			}
			acc[id] += s
			return
		}
		d := acc[id : id+n]
		for k, v := range src {
			d[k] += float64(v)
		}
	})
}

// eachBroadcast walks a contiguous output of shape out row by row (the last
// axis), calling f(outOffset, aOffset, bOffset, rowLen, aStride, bStride)
// where a and b are operands with broadcast strides sa and sb (sb may be nil).
func eachBroadcast(out, sa, sb []int, f func(o, ia, ib, n, ka, kb int)) {
	r := len(out)
	if r == 0 {
		f(0, 0, 0, 1, 0, 0)
		return
	}
	n := out[r-1]
	if n == 0 || numel(out) == 0 {
		return
	}
	var zb, ibuf [8]int
	if sb == nil {
		sb = zb[:0]
		if r > len(zb) {
			sb = make([]int, r)
		}
		sb = sb[:r]
	}
	idx := ibuf[:0]
	if r-1 > len(ibuf) {
		idx = make([]int, r-1)
	}
	idx = idx[:r-1]
	ia, ib := 0, 0
	rows := numel(out) / n
	for row := 0; row < rows; row++ {
		f(row*n, ia, ib, n, sa[r-1], sb[r-1])
		// advance the odometer over the leading axes
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			ia += sa[ax]
			ib += sb[ax]
			if idx[ax] < out[ax] {
				break
			}
			ia -= sa[ax] * out[ax]
			ib -= sb[ax] * out[ax]
			idx[ax] = 0
		}
	}
}

// checkDst panics with ErrShape if dst's shape is not want.
func checkDst(op string, dst *Tensor, want []int) {
	if len(dst.shape) != len(want) {
		dstPanic(op, dst.shape, want)
	}
	for i := range want {
		if dst.shape[i] != want[i] {
			dstPanic(op, dst.shape, want)
		}
	}
}

// dstPanic reports a destination of the wrong shape. It copies the shapes
// before formatting, so callers' shape buffers stay on their stacks.
func dstPanic(op string, got, want []int) {
	g, w := slices.Clone(got), slices.Clone(want)
	shapePanic(op, fmt.Sprintf("destination has shape %v, want %v", g, w), g, w)
}
