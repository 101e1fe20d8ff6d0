package shapes

import (
	"fmt"
	"slices"
)

// NormAxis maps a possibly negative axis (counting from the end) to
// [0, rank). It panics with ErrShape naming op, shape and the axis as given
// if it is out of range.
func NormAxis(op string, axis, rank int, shape []int) int {
	a := axis
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		Panic(op, fmt.Sprintf("axis %d out of range for rank %d", axis, rank), shape)
	}
	return a
}

// NormAxisScalar is NormAxis for an axis of shape, except that, as in
// PyTorch, a 0-d shape accepts axis 0 and −1, which name its single element
// (the result is then 0; callers treat it as an axis of size 1). The ops
// that follow PyTorch here (Variance, Std, Norm, CumSum, LogCumSumExp,
// Flip) use it; the older reductions reject any axis of a 0-d shape.
func NormAxisScalar(op string, axis int, shape []int) int {
	if len(shape) == 0 && (axis == 0 || axis == -1) {
		return 0
	}
	return NormAxis(op, axis, len(shape), shape)
}

// BroadcastShapesInto returns the NumPy broadcast of shapes a and b,
// appended into dst[:0] so a caller with a stack buffer does not allocate:
// aligned at the trailing axis, each pair of dimensions must be equal or one
// of them 1. ok is false when the shapes do not broadcast.
func BroadcastShapesInto(dst, a, b []int) (shape []int, ok bool) {
	n := max(len(a), len(b))
	dst = dst[:0]
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			dst = append(dst, da)
		case da == 1:
			dst = append(dst, db)
		default:
			return nil, false
		}
	}
	return dst, true
}

// ReduceShape returns shape reduced over axes (all axes when none are given;
// negative axes count from the end): the reduced axes become 1 with keepDims,
// or are dropped without it. It panics with ErrShape naming op on an axis out
// of range or given twice.
func ReduceShape(op string, shape []int, keepDims bool, axes ...int) []int {
	return ReduceShapeInto(make([]int, 0, len(shape)), op, shape, keepDims, axes...)
}

// ReduceShapeInto is ReduceShape appending into dst[:0].
func ReduceShapeInto(dst []int, op string, shape []int, keepDims bool, axes ...int) []int {
	var rb [16]bool
	red := ReducedAxes(rb[:0], op, shape, axes)
	out := dst[:0]
	for i, d := range shape {
		switch {
		case !red[i]:
			out = append(out, d)
		case keepDims:
			out = append(out, 1)
		}
	}
	return out
}

// ReducedAxes marks, in red's storage when it fits, the axes of shape to
// reduce: all when axes is empty. It panics like ReduceShape.
func ReducedAxes(red []bool, op string, shape []int, axes []int) []bool {
	if cap(red) >= len(shape) {
		red = red[:len(shape)]
		clear(red)
	} else {
		red = make([]bool, len(shape))
	}
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
		return red
	}
	for _, a := range axes {
		a = NormAxis(op, a, len(shape), shape)
		if red[a] {
			Panic(op, fmt.Sprintf("axis %d given twice", a), shape)
		}
		red[a] = true
	}
	return red
}

// MarkAxes is ReducedAxes with NormAxisScalar's rule for 0-d shapes: there
// it checks axes (each 0 or −1, at most one of them) and returns an empty
// mask. It panics like ReducedAxes.
func MarkAxes(mask []bool, op string, shape []int, axes []int) []bool {
	if len(shape) > 0 {
		return ReducedAxes(mask, op, shape, axes)
	}
	for i, a := range axes {
		NormAxisScalar(op, a, shape)
		if i > 0 {
			Panic(op, fmt.Sprintf("axis %d given twice", a), shape)
		}
	}
	return mask[:0]
}

// ResolveShape returns shape with a single −1 replaced by the dimension that
// makes its element count n (from is the operand's shape, for the error).
// It panics with ErrShape naming op if that is impossible, including when
// the shape is not valid (see Numel).
func ResolveShape(op string, from []int, n int, shape []int) []int {
	return ResolveShapeInto(make([]int, 0, len(shape)), op, from, n, shape)
}

// ResolveShapeInto is ResolveShape appending into dst[:0].
func ResolveShapeInto(dst []int, op string, from []int, n int, shape []int) []int {
	if n < 0 {
		Panic(op, fmt.Sprintf("negative element count %d", n), from)
	}
	out := append(dst[:0], shape...)
	free := -1
	for i, d := range out {
		switch {
		case d == -1 && free < 0:
			free = i
		case d < 0:
			bad := slices.Clone(shape)
			Panic(op, fmt.Sprintf("bad target shape %v (one −1 at most, no other negatives)", bad), from)
		}
	}
	if free < 0 {
		if m, ok := numel(out); !ok || m != n {
			bad := slices.Clone(shape)
			Panic(op, fmt.Sprintf("cannot reshape %d elements to %v", n, bad), from, bad)
		}
		return out
	}
	out[free] = 1
	prod, ok := numel(out) // the other dimensions' count
	if !ok || prod == 0 || n%prod != 0 {
		bad := slices.Clone(shape)
		Panic(op, fmt.Sprintf("cannot infer −1 in %v for %d elements", bad, n), from)
	}
	out[free] = n / prod
	return out
}

// InversePerm returns the permutation q that undoes perm: q[perm[i]] = i.
// It panics with ErrShape naming tensor.Transpose (whose gradient inverts
// its permutation) if perm is not a permutation of 0, …, len(perm)−1.
func InversePerm(perm []int) []int {
	inv := make([]int, len(perm))
	for i := range inv {
		inv[i] = -1
	}
	for i, p := range perm {
		if p < 0 || p >= len(perm) || inv[p] >= 0 {
			bad := slices.Clone(perm)
			Panic("tensor.Transpose", fmt.Sprintf("%v is not a permutation of 0…%d", bad, len(perm)-1))
		}
		inv[p] = i
	}
	return inv
}

// PermShape checks perm against shape (no perm reverses the axes; negative
// axes count from the end) and returns the normalised permutation p and the
// permuted shape out[i] = shape[p[i]]. It panics with ErrShape if perm is
// not a permutation of the axes.
func PermShape(shape []int, perm []int) (p, out []int) {
	const op = "tensor.Transpose"
	r := len(shape)
	if len(perm) == 0 {
		perm = make([]int, r)
		for i := range perm {
			perm[i] = r - 1 - i
		}
	}
	if len(perm) != r {
		Panic(op, fmt.Sprintf("permutation %v has %d axes for rank %d", perm, len(perm), r), shape)
	}
	seen := make([]bool, r)
	p = make([]int, r)
	out = make([]int, r)
	for i, a := range perm {
		a = NormAxis(op, a, r, shape)
		if seen[a] {
			Panic(op, fmt.Sprintf("permutation %v repeats axis %d", perm, a), shape)
		}
		seen[a] = true
		p[i] = a
		out[i] = shape[a]
	}
	return p, out
}

// SqueezeShape returns shape without the given size-1 axes (all size-1 axes
// when none are given). It panics with ErrShape if a named axis is out of
// range or not of size 1.
func SqueezeShape(shape []int, axes ...int) []int {
	const op = "tensor.Squeeze"
	drop := make([]bool, len(shape))
	if len(axes) == 0 {
		for i, d := range shape {
			drop[i] = d == 1
		}
	}
	for _, a := range axes {
		a = NormAxis(op, a, len(shape), shape)
		if shape[a] != 1 {
			Panic(op, fmt.Sprintf("axis %d has size %d, not 1", a, shape[a]), shape)
		}
		drop[a] = true
	}
	out := []int{}
	for i, d := range shape {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return out
}

// UnsqueezeShape returns shape with a size-1 axis inserted at position axis
// of the result (negative counts from the end). It panics with ErrShape if
// axis is outside [−rank−1, rank].
func UnsqueezeShape(shape []int, axis int) []int {
	axis = NormAxis("tensor.Unsqueeze", axis, len(shape)+1, shape)
	return slices.Insert(slices.Clone(shape), axis, 1)
}
