package tensor

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// Reshape returns a copy of x with the given shape (one dimension may be −1).
// It panics with ErrShape if the element counts differ.
func Reshape(x *Tensor, shape ...int) *Tensor { return reshape("tensor.Reshape", x, shape) }

// reshape is Reshape naming op in its panics.
func reshape(op string, x *Tensor, shape []int) *Tensor {
	check(op, "x", x)
	s := shapes.ResolveShape(op, x.shape, len(x.data), shape)
	return &Tensor{shape: s, data: slices.Clone(x.data)}
}

// Flatten returns a copy of x as a 1-d tensor.
func Flatten(x *Tensor) *Tensor { return reshape("tensor.Flatten", x, []int{-1}) }

// Transpose returns x with its axes permuted: axis i of the result is axis
// perm[i] of x. With no perm it reverses the axes (NumPy's x.T).
// It panics with ErrShape if perm is not a permutation of x's axes.
func Transpose(x *Tensor, perm ...int) *Tensor {
	check("tensor.Transpose", "x", x)
	p, out := shapes.PermShape(x.shape, perm)
	dst := zeros("tensor.Transpose", out)
	transposeTo(dst, x, p)
	return dst
}

func transposeTo(dst, x *Tensor, p []int) {
	r := len(p)
	if r == 2 && p[0] == 1 {
		rows, cols := x.shape[0], x.shape[1]
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				dst.data[j*rows+i] = x.data[i*cols+j]
			}
		}
		return
	}
	// strides of x, read in the order of dst's axes
	xs := make([]int, r)
	s := 1
	for i := r - 1; i >= 0; i-- {
		xs[i] = s
		s *= x.shape[i]
	}
	st := make([]int, r)
	for i, a := range p {
		st[i] = xs[a]
	}
	eachBroadcast(dst.shape, st, nil, func(o, ix, _, n, k, _ int) {
		for i := 0; i < n; i++ {
			dst.data[o+i] = x.data[ix+i*k]
		}
	})
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
	dst := zeros(op, out)
	outer, n, inner := split3(x.shape, axis)
	w := (end - start) * inner
	for o := 0; o < outer; o++ {
		copy(dst.data[o*w:(o+1)*w], x.data[(o*n+start)*inner:(o*n+end)*inner])
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
	dst := zeros(op, out)
	outer, n, inner := split3(x.shape, axis)
	m := out[axis]
	for o := 0; o < outer; o++ {
		copy(dst.data[(o*m+before)*inner:(o*m+before+n)*inner], x.data[o*n*inner:(o+1)*n*inner])
	}
	return dst
}

// Concat joins tensors along axis; all other dimensions must agree.
// It panics with ErrShape if they do not, no tensor is given or the result
// would hold more than MaxElements elements, and with ErrArg on a nil tensor.
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
	}
	dst := zeros(op, out)
	outer, m, inner := split3(out, axis)
	off := 0
	for _, x := range xs {
		n := x.shape[axis]
		for o := 0; o < outer; o++ {
			copy(dst.data[(o*m+off)*inner:(o*m+off+n)*inner], x.data[o*n*inner:(o+1)*n*inner])
		}
		off += n
	}
	return dst
}

// Stack joins tensors of equal shape along a new axis at position axis.
// It panics with ErrShape if the shapes differ.
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
		us[i] = Unsqueeze(x, axis)
	}
	return Concat(axis, us...)
}

// IndexSelect returns the slices of x at the given indices along axis, in
// order (indices may repeat): out[…, i, …] = x[…, idx[i], …].
// It panics with ErrIndex if an index is out of range.
func IndexSelect(x *Tensor, axis int, idx []int) *Tensor {
	const op = "tensor.IndexSelect"
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	outer, n, inner := split3(x.shape, axis)
	out := slices.Clone(x.shape)
	out[axis] = len(idx)
	dst := zeros(op, out)
	m := len(idx)
	for i, k := range idx {
		if k < 0 || k >= n {
			indexPanic(op, fmt.Sprintf("index %d out of range [0, %d) along axis %d", k, n, axis), x.shape)
		}
		for o := 0; o < outer; o++ {
			copy(dst.data[(o*m+i)*inner:(o*m+i+1)*inner], x.data[(o*n+k)*inner:(o*n+k+1)*inner])
		}
	}
	return dst
}

// IndexAdd returns a tensor of x's shape with axis resized to size, zero but
// for the slices of x added at the given indices: out[…, idx[i], …] += x[…, i, …].
// It is the adjoint of IndexSelect. It panics with ErrIndex on a bad index
// and with ErrShape on a negative size or too large a result.
func IndexAdd(x *Tensor, axis int, idx []int, size int) *Tensor {
	const op = "tensor.IndexAdd"
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	outer, m, inner := split3(x.shape, axis)
	if m != len(idx) {
		shapePanic(op, fmt.Sprintf("%d indices for axis %d of size %d", len(idx), axis, m), x.shape)
	}
	out := slices.Clone(x.shape)
	out[axis] = size
	dst := zeros(op, out)
	for i, k := range idx {
		if k < 0 || k >= size {
			indexPanic(op, fmt.Sprintf("index %d out of range [0, %d) along axis %d", k, size, axis), x.shape)
		}
		for o := 0; o < outer; o++ {
			d := dst.data[(o*size+k)*inner : (o*size+k+1)*inner]
			s := x.data[(o*m+i)*inner : (o*m+i+1)*inner]
			for j, v := range s {
				d[j] += v
			}
		}
	}
	return dst
}

// Gather picks one element along axis for every position of the other axes:
// out has x's shape without axis and out[p] = x[p with idx[p] inserted at axis],
// where p runs over the other axes in row-major order. For logits of shape
// (n, classes) and labels idx, Gather(x, 1, idx)[i] = x[i, idx[i]].
// It panics with ErrShape if len(idx) is not the number of positions and
// with ErrIndex if an index is out of range.
func Gather(x *Tensor, axis int, idx []int) *Tensor {
	const op = "tensor.Gather"
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	return GatherTo(zeros(op, slices.Delete(slices.Clone(x.shape), axis, axis+1)), x, axis, idx)
}

// GatherTo writes Gather(x, axis, idx) into dst (any shape with one element
// per index) and returns dst.
func GatherTo(dst, x *Tensor, axis int, idx []int) *Tensor {
	const op = "tensor.Gather"
	check(op, "dst", dst)
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	outer, n, inner := split3(x.shape, axis)
	if len(idx) != outer*inner {
		shapePanic(op, fmt.Sprintf("%d indices for %d positions", len(idx), outer*inner), x.shape)
	}
	if len(dst.data) != len(idx) {
		shapePanic(op, fmt.Sprintf("destination holds %d elements for %d indices", len(dst.data), len(idx)), x.shape, dst.shape)
	}
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			p := o*inner + in
			k := idx[p]
			if k < 0 || k >= n {
				indexPanic(op, fmt.Sprintf("index %d out of range [0, %d) along axis %d", k, n, axis), x.shape)
			}
			dst.data[p] = x.data[(o*n+k)*inner+in]
		}
	}
	return dst
}

// Scatter is the adjoint of Gather: it returns a zero tensor with a new axis
// of the given size inserted at axis, holding x[p] at index idx[p] of that
// axis. It panics like Gather, and with ErrShape on a negative size or too
// large a result.
func Scatter(x *Tensor, axis int, idx []int, size int) *Tensor {
	const op = "tensor.Scatter"
	check(op, "x", x)
	out := slices.Clone(x.shape)
	axis = normAxis(op, axis, len(out)+1, out)
	out = slices.Insert(out, axis, size)
	return ScatterTo(zeros(op, out), x, axis, idx)
}

// ScatterTo writes Scatter(x, axis, idx, size) into dst, whose shape is x's
// with the axis of that size inserted, and returns dst.
func ScatterTo(dst, x *Tensor, axis int, idx []int) *Tensor {
	const op = "tensor.Scatter"
	check(op, "dst", dst)
	check(op, "x", x)
	axis = normAxis(op, axis, len(dst.shape), dst.shape)
	outer, size, inner := split3(dst.shape, axis)
	if len(idx) != len(x.data) || outer*inner != len(x.data) {
		shapePanic(op, fmt.Sprintf("%d indices for %d elements", len(idx), len(x.data)), x.shape, dst.shape)
	}
	clear(dst.data)
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			p := o*inner + in
			k := idx[p]
			if k < 0 || k >= size {
				indexPanic(op, fmt.Sprintf("index %d out of range [0, %d)", k, size), x.shape)
			}
			dst.data[(o*size+k)*inner+in] += x.data[p]
		}
	}
	return dst
}

// OneHot returns the (len(labels), n) matrix with a 1 at (i, labels[i]).
// It panics with ErrIndex if a label is outside [0, n) and with ErrShape
// if n is negative or the matrix would exceed MaxElements elements.
func OneHot(labels []int, n int) *Tensor {
	dst := zeros("tensor.OneHot", []int{len(labels), n})
	for i, l := range labels {
		if l < 0 || l >= n {
			indexPanic("tensor.OneHot", fmt.Sprintf("label %d at row %d is outside [0, %d)", l, i, n), []int{len(labels)})
		}
		dst.data[i*n+l] = 1
	}
	return dst
}
