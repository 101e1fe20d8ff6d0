package tensor

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// Every function of this file moves elements without arithmetic (IndexAdd
// and Scatter also add, in the element type's own arithmetic), so it works
// alike on both element types and keeps its operand's: the result of a
// Float32 x is Float32, holding exactly x's values. The movement is written once: block copies go
// through copyBlock and element-wise moves through generic kernels (the
// …K functions) called for x's storage.

// Reshape returns a copy of x with the given shape (one dimension may be −1).
// It panics with ErrShape if the element counts differ.
func Reshape(x *Tensor, shape ...int) *Tensor { return reshape("tensor.Reshape", x, shape) }

// reshape is Reshape naming op in its panics.
func reshape(op string, x *Tensor, shape []int) *Tensor {
	check(op, "x", x)
	s := shapes.ResolveShape(op, x.shape, x.Len(), shape)
	return &Tensor{shape: s, data: slices.Clone(x.data), data32: slices.Clone(x.data32), dtype: x.dtype}
}

// zerosLike returns a zero tensor of x's element type and the given shape.
func zerosLike(op string, x *Tensor, shape []int) *Tensor { return zerosOf(op, x.dtype, shape) }

// copyBlock copies n elements of x from flat offset xo to dst at offset do;
// dst and x have one element type. It is the one place the block-copying
// ops (Slice, Pad, Concat, IndexSelect) touch storage.
func copyBlock(dst *Tensor, do int, x *Tensor, xo, n int) {
	if x.dtype == Float32 {
		copy(dst.data32[do:do+n], x.data32[xo:xo+n])
		return
	}
	copy(dst.data[do:do+n], x.data[xo:xo+n])
}

// Flatten returns a copy of x as a 1-d tensor.
func Flatten(x *Tensor) *Tensor { return reshape("tensor.Flatten", x, []int{-1}) }

// Transpose returns x with its axes permuted: axis i of the result is axis
// perm[i] of x. With no perm it reverses the axes (NumPy's x.T).
// It panics with ErrShape if perm is not a permutation of x's axes.
func Transpose(x *Tensor, perm ...int) *Tensor {
	check("tensor.Transpose", "x", x)
	p, out := shapes.PermShape(x.shape, perm)
	dst := zerosLike("tensor.Transpose", x, out)
	if x.dtype == Float32 {
		transposeK(dst.data32, x.data32, dst.shape, x.shape, p)
	} else {
		transposeK(dst.data, x.data, dst.shape, x.shape, p)
	}
	return dst
}

// transposeK writes x (of shape xshape) with its axes permuted by p into
// dst (of shape out): out[j] = x[i] where i[p[k]] = j[k].
func transposeK[T float](dst, x []T, out, xshape, p []int) {
	r := len(p)
	if r == 2 && p[0] == 1 {
		rows, cols := xshape[0], xshape[1]
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				dst[j*rows+i] = x[i*cols+j]
			}
		}
		return
	}
	if r > 2 && p[r-1] == r-1 && xshape[r-1] > 1 {
		transposeRunsK(dst, x, out, xshape, p)
		return
	}
	// strides of x, read in the order of dst's axes
	xs := make([]int, r)
	s := 1
	for i := r - 1; i >= 0; i-- {
		xs[i] = s
		s *= xshape[i]
	}
	st := make([]int, r)
	for i, a := range p {
		st[i] = xs[a]
	}
	eachBroadcast(out, st, nil, func(o, ix, _, n, k, _ int) {
		for i := 0; i < n; i++ {
			dst[o+i] = x[ix+i*k]
		}
	})
}

// transposeRunsK is transposeK for a permutation p that keeps the last
// axis: each run of xshape[r−1] elements is copied whole, the outer axes
// walked by an odometer.
func transposeRunsK[T float](dst, x []T, out, xshape, p []int) {
	r := len(p)
	n := xshape[r-1]
	if len(dst) == 0 {
		return
	}
	var sb, ib [8]int
	st, idx := sb[:0], ib[:0]
	if r > len(sb) {
		st, idx = make([]int, 0, r), make([]int, 0, r)
	}
	st, idx = st[:r-1], idx[:r-1]
	// stride in x of each of dst's outer axes
	for i, a := range p[:r-1] {
		k := n
		for _, d := range xshape[a+1 : r-1] {
			k *= d
		}
		st[i] = k
	}
	ix := 0
	for o := 0; o < len(dst); o += n {
		copy(dst[o:o+n], x[ix:ix+n])
		for j := r - 2; j >= 0; j-- {
			idx[j]++
			ix += st[j]
			if idx[j] < out[j] {
				break
			}
			ix -= idx[j] * st[j]
			idx[j] = 0
		}
	}
}

// T returns x with its last two axes swapped. It panics with ErrShape below rank 2.
func T(x *Tensor) *Tensor {
	check("tensor.T", "x", x)
	r := len(x.shape)
	if r < 2 {
		shapePanic("tensor.T", "needs rank ≥ 2", x.shape)
	}
	p := make([]int, r)
	for i := range p {
		p[i] = i
	}
	p[r-2], p[r-1] = r-1, r-2
	return Transpose(x, p...)
}

// Squeeze returns a copy of x without the given size-1 axes (all of them
// when none are given; negative axes count from the end). It panics with
// ErrShape if a named axis is out of range or not of size 1.
func Squeeze(x *Tensor, axes ...int) *Tensor {
	check("tensor.Squeeze", "x", x)
	return reshape("tensor.Squeeze", x, shapes.SqueezeShape(x.shape, axes...))
}

// Unsqueeze returns a copy of x with a size-1 axis inserted at position axis
// of the result (negative counts from the end). It panics with ErrShape if
// axis is outside [−rank−1, rank].
func Unsqueeze(x *Tensor, axis int) *Tensor {
	check("tensor.Unsqueeze", "x", x)
	return reshape("tensor.Unsqueeze", x, shapes.UnsqueezeShape(x.shape, axis))
}

// split3 views shape around axis as (outer, n, inner).
func split3(shape []int, axis int) (outer, n, inner int) {
	return numel(shape[:axis]), shape[axis], numel(shape[axis+1:])
}

// Slice returns the elements of x with index in [start, end) along axis.
// It panics with ErrShape if the range is not within the axis.
func Slice(x *Tensor, axis, start, end int) *Tensor {
	const op = "tensor.Slice"
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	if start < 0 || end < start || end > x.shape[axis] {
		shapePanic(op, fmt.Sprintf("range [%d, %d) is not within axis %d of size %d", start, end, axis, x.shape[axis]), x.shape)
	}
	out := slices.Clone(x.shape)
	out[axis] = end - start
	dst := zerosLike(op, x, out)
	outer, n, inner := split3(x.shape, axis)
	w := (end - start) * inner
	for o := 0; o < outer; o++ {
		copyBlock(dst, o*w, x, (o*n+start)*inner, w)
	}
	return dst
}

// Pad returns x with `before` zeros prepended and `after` zeros appended
// along axis: the adjoint of Slice. It panics with ErrShape on negative
// padding or a result of more than MaxElements elements.
func Pad(x *Tensor, axis, before, after int) *Tensor {
	const op = "tensor.Pad"
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	if before < 0 || after < 0 {
		shapePanic(op, fmt.Sprintf("negative padding %d, %d", before, after), x.shape)
	}
	shapes.CheckDim(op, "padding", before, x.shape)
	shapes.CheckDim(op, "padding", after, x.shape)
	out := slices.Clone(x.shape)
	out[axis] += before + after // at most 3·MaxElements: no overflow
	dst := zerosLike(op, x, out)
	outer, n, inner := split3(x.shape, axis)
	m := out[axis]
	for o := 0; o < outer; o++ {
		copyBlock(dst, (o*m+before)*inner, x, o*n*inner, n*inner)
	}
	return dst
}

// Concat joins tensors along axis; all other dimensions must agree, and so
// must the element types (the result has theirs).
// It panics with ErrShape if the dimensions do not, no tensor is given or
// the result would hold more than MaxElements elements, with ErrDType if
// the element types differ, and with ErrArg on a nil tensor.
func Concat(axis int, xs ...*Tensor) *Tensor {
	const op = "tensor.Concat"
	if len(xs) == 0 {
		shapePanic(op, "no tensors to concatenate")
	}
	for _, x := range xs {
		check(op, "in xs", x)
	}
	axis = normAxis(op, axis, len(xs[0].shape), xs[0].shape)
	out := slices.Clone(xs[0].shape)
	out[axis] = 0
	for _, x := range xs {
		if len(x.shape) != len(out) {
			shapePanic(op, "ranks differ", xs[0].shape, x.shape)
		}
		for i, d := range x.shape {
			if i != axis && d != out[i] {
				shapePanic(op, fmt.Sprintf("dimension %d differs", i), xs[0].shape, x.shape)
			}
		}
		out[axis] += x.shape[axis] // each term ≤ MaxElements: no overflow before the check
		shapes.CheckDim(op, "concatenated size", out[axis], xs[0].shape)
		sameDType(op, xs[0], x)
	}
	dst := zerosLike(op, xs[0], out)
	outer, m, inner := split3(out, axis)
	off := 0
	for _, x := range xs {
		n := x.shape[axis]
		for o := 0; o < outer; o++ {
			copyBlock(dst, (o*m+off)*inner, x, o*n*inner, n*inner)
		}
		off += n
	}
	return dst
}

// Stack joins tensors of equal shape and element type along a new axis at
// position axis. It panics with ErrShape if the shapes differ and with
// ErrDType if the element types do.
func Stack(axis int, xs ...*Tensor) *Tensor {
	const op = "tensor.Stack"
	if len(xs) == 0 {
		shapePanic(op, "no tensors to stack")
	}
	for _, x := range xs {
		check(op, "in xs", x)
	}
	axis = normAxis(op, axis, len(xs[0].shape)+1, xs[0].shape)
	us := make([]*Tensor, len(xs))
	for i, x := range xs {
		if !sameShape(x, xs[0]) {
			shapePanic(op, "shapes differ", xs[0].shape, x.shape)
		}
		sameDType(op, xs[0], x)
		us[i] = Unsqueeze(x, axis)
	}
	return Concat(axis, us...)
}
