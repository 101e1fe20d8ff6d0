package tensor

import (
	"fmt"
	"slices"
)

// Indexing along an axis: selecting, gathering, scattering and adding
// rows by index, and one-hot rows.

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
	dst := zerosLike(op, x, out)
	m := len(idx)
	for i, k := range idx {
		if k < 0 || k >= n {
			indexPanic(op, fmt.Sprintf("index %d out of range [0, %d) along axis %d", k, n, axis), x.shape)
		}
		for o := 0; o < outer; o++ {
			copyBlock(dst, (o*m+i)*inner, x, (o*n+k)*inner, inner)
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
	dst := zerosLike(op, x, out)
	for _, k := range idx {
		if k < 0 || k >= size {
			indexPanic(op, fmt.Sprintf("index %d out of range [0, %d) along axis %d", k, size, axis), x.shape)
		}
	}
	if x.dtype == Float32 {
		indexAddK(dst.data32, x.data32, idx, outer, m, size, inner)
	} else {
		indexAddK(dst.data, x.data, idx, outer, m, size, inner)
	}
	return dst
}

// indexAddK adds slice i of x (outer × m × inner) to slice idx[i] of dst
// (outer × size × inner), in the element type's own arithmetic (as
// PyTorch's index_add does); idx is within [0, size).
func indexAddK[T float](dst, x []T, idx []int, outer, m, size, inner int) {
	for i, k := range idx {
		for o := 0; o < outer; o++ {
			d := dst[(o*size+k)*inner : (o*size+k+1)*inner]
			s := x[(o*m+i)*inner : (o*m+i+1)*inner]
			for j, v := range s {
				d[j] += v
			}
		}
	}
}

// Gather picks one element along axis for every position of the other axes:
// out has x's shape without axis (and x's element type) and
// out[p] = x[p with idx[p] inserted at axis], where p runs over the other
// axes in row-major order. For logits of shape (n, classes) and labels idx,
// Gather(x, 1, idx)[i] = x[i, idx[i]].
// It panics with ErrShape if len(idx) is not the number of positions and
// with ErrIndex if an index is out of range.
func Gather(x *Tensor, axis int, idx []int) *Tensor {
	const op = "tensor.Gather"
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	return GatherTo(zerosLike(op, x, slices.Delete(slices.Clone(x.shape), axis, axis+1)), x, axis, idx)
}

// GatherTo writes Gather(x, axis, idx) into dst (any shape with one element
// per index, x's element type) and returns dst. It panics like Gather, and
// with ErrDType if dst's element type is not x's.
func GatherTo(dst, x *Tensor, axis int, idx []int) *Tensor {
	const op = "tensor.Gather"
	check(op, "dst", dst)
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	outer, n, inner := split3(x.shape, axis)
	if len(idx) != outer*inner {
		shapePanic(op, fmt.Sprintf("%d indices for %d positions", len(idx), outer*inner), x.shape)
	}
	if dst.Len() != len(idx) {
		shapePanic(op, fmt.Sprintf("destination holds %d elements for %d indices", dst.Len(), len(idx)), x.shape, dst.shape)
	}
	sameDType(op, dst, x)
	var bad int
	if x.dtype == Float32 {
		bad = gatherK(dst.data32, x.data32, idx, outer, n, inner)
	} else {
		bad = gatherK(dst.data, x.data, idx, outer, n, inner)
	}
	if bad >= 0 {
		indexPanic(op, fmt.Sprintf("index %d out of range [0, %d) along axis %d", idx[bad], n, axis), x.shape)
	}
	return dst
}

// gatherK sets dst[o·inner+i] = x[(o·n+idx[o·inner+i])·inner+i] for x of
// shape (outer, n, inner). It stops at the first index outside [0, n) and
// returns its position in idx, or −1 when there is none.
func gatherK[T float](dst, x []T, idx []int, outer, n, inner int) int {
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			p := o*inner + in
			k := idx[p]
			if k < 0 || k >= n {
				return p
			}
			dst[p] = x[(o*n+k)*inner+in]
		}
	}
	return -1
}

// Scatter is the adjoint of Gather: it returns a zero tensor of x's element
// type with a new axis of the given size inserted at axis, holding x[p] at
// index idx[p] of that axis. It panics like Gather, and with ErrShape on a
// negative size or too large a result.
func Scatter(x *Tensor, axis int, idx []int, size int) *Tensor {
	const op = "tensor.Scatter"
	check(op, "x", x)
	out := slices.Clone(x.shape)
	axis = normAxis(op, axis, len(out)+1, out)
	out = slices.Insert(out, axis, size)
	return ScatterTo(zerosLike(op, x, out), x, axis, idx)
}

// ScatterTo writes Scatter(x, axis, idx, size) into dst, whose shape is x's
// with the axis of that size inserted and whose element type is x's, and
// returns dst. It panics like Scatter, and with ErrDType if the element
// types differ.
func ScatterTo(dst, x *Tensor, axis int, idx []int) *Tensor {
	const op = "tensor.Scatter"
	check(op, "dst", dst)
	check(op, "x", x)
	axis = normAxis(op, axis, len(dst.shape), dst.shape)
	outer, size, inner := split3(dst.shape, axis)
	if len(idx) != x.Len() || outer*inner != x.Len() {
		shapePanic(op, fmt.Sprintf("%d indices for %d elements", len(idx), x.Len()), x.shape, dst.shape)
	}
	sameDType(op, dst, x)
	var bad int
	if x.dtype == Float32 {
		bad = scatterK(dst.data32, x.data32, idx, outer, size, inner)
	} else {
		bad = scatterK(dst.data, x.data, idx, outer, size, inner)
	}
	if bad >= 0 {
		indexPanic(op, fmt.Sprintf("index %d out of range [0, %d)", idx[bad], size), x.shape)
	}
	return dst
}

// scatterK clears dst (outer × size × inner) and adds x[p] at index idx[p]
// of its middle axis. It stops at the first index outside [0, size) and
// returns its position in idx, or −1 when there is none.
func scatterK[T float](dst, x []T, idx []int, outer, size, inner int) int {
	clear(dst)
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			p := o*inner + in
			k := idx[p]
			if k < 0 || k >= size {
				return p
			}
			dst[(o*size+k)*inner+in] += x[p]
		}
	}
	return -1
}

// OneHot returns the (len(labels), n) Float64 matrix with a 1 at
// (i, labels[i]); d.OneHot makes it of element type d.
// It panics with ErrIndex if a label is outside [0, n) and with ErrShape
// if n is negative or the matrix would exceed MaxElements elements.
func OneHot(labels []int, n int) *Tensor { return oneHot(Float64, labels, n) }

// OneHot returns the (len(labels), n) matrix of element type d with a 1 at
// (i, labels[i]): tensor.Float32.OneHot(labels, n) is PyTorch's
// one_hot(labels, n).to(torch.float32). It panics like the package's
// OneHot, and with ErrArg if d is not Float64 or Float32.
func (d DType) OneHot(labels []int, n int) *Tensor { return oneHot(d, labels, n) }

// oneHot is OneHot of element type d.
func oneHot(d DType, labels []int, n int) *Tensor {
	const op = "tensor.OneHot"
	d.valid(op)
	dst := zerosOf(op, d, []int{len(labels), n})
	for i, l := range labels {
		if l < 0 || l >= n {
			indexPanic(op, fmt.Sprintf("label %d at row %d is outside [0, %d)", l, i, n), []int{len(labels)})
		}
		dst.setAt(i*n+l, 1)
	}
	return dst
}
