package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// Tensor is a dense, row-major, contiguous n-d array of float64.
// A 0-d tensor (empty shape) holds one scalar. The zero value is not usable;
// make tensors with New, Zeros, Scalar and the other constructors.
//
// Tensors are mutable (Set, Data, the To kernels), but every function of this
// package that returns a new *Tensor leaves its operands unchanged.
type Tensor struct {
	shape []int
	data  []float64
}

// New returns a tensor over data (not copied) with the given shape.
// No shape means a 1-d tensor of len(data) elements.
// It panics with ErrShape if the shape's element count differs from len(data)
// or a dimension is negative.
func New(data []float64, shape ...int) *Tensor {
	if len(shape) == 0 && data != nil {
		shape = []int{len(data)}
	}
	n := checkShape("tensor.New", shape)
	if n != len(data) {
		shapePanic("tensor.New", fmt.Sprintf("shape holds %d elements but data has %d", n, len(data)), shape)
	}
	return &Tensor{shape: slices.Clone(shape), data: data}
}

// checkShape returns the element count of shape, panicking on a negative dimension.
func checkShape(op string, shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			shapePanic(op, "negative dimension", shape)
		}
		n *= d
	}
	return n
}

// Zeros returns a tensor of the given shape filled with 0. Zeros() is a 0-d scalar.
// It panics with ErrShape on a negative dimension.
func Zeros(shape ...int) *Tensor {
	n := checkShape("tensor.Zeros", shape)
	return &Tensor{shape: slices.Clone(shape), data: make([]float64, n)}
}

// Ones returns a tensor of the given shape filled with 1.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a tensor of the given shape filled with v.
func Full(v float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = v
	}
	return t
}

// Scalar returns a 0-d tensor holding v.
func Scalar(v float64) *Tensor { return &Tensor{shape: []int{}, data: []float64{v}} }

// ZerosLike returns a zero tensor of t's shape.
func ZerosLike(t *Tensor) *Tensor { return Zeros(t.shape...) }

// OnesLike returns a tensor of ones of t's shape.
func OnesLike(t *Tensor) *Tensor { return Ones(t.shape...) }

// Arange returns the 1-d tensor start, start+step, … up to but excluding stop.
// It panics with ErrShape if step is 0 or not finite.
func Arange(start, stop, step float64) *Tensor {
	if step == 0 || math.IsNaN(step) || math.IsInf(step, 0) {
		shapePanic("tensor.Arange", fmt.Sprintf("step %v must be finite and non-zero", step))
	}
	n := int(math.Ceil((stop - start) / step))
	if n < 0 {
		n = 0
	}
	t := Zeros(n)
	for i := range t.data {
		t.data[i] = start + float64(i)*step
	}
	return t
}

// Linspace returns n evenly spaced values from start to stop inclusive.
// It panics with ErrShape if n is negative.
func Linspace(start, stop float64, n int) *Tensor {
	checkShape("tensor.Linspace", []int{n})
	t := Zeros(n)
	if n == 1 {
		t.data[0] = start
		return t
	}
	for i := range t.data {
		t.data[i] = start + (stop-start)*float64(i)/float64(n-1)
	}
	if n > 1 {
		t.data[n-1] = stop
	}
	return t
}

// RandN returns a tensor of standard normal samples drawn from rng.
func RandN(rng *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = rng.NormFloat64()
	}
	return t
}

// RandU returns a tensor of samples uniform on [lo, hi) drawn from rng.
func RandU(rng *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = lo + (hi-lo)*rng.Float64()
	}
	return t
}

// Shape returns the tensor's shape. The slice is the tensor's own: do not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Data returns the tensor's elements in row-major order (not a copy).
func (t *Tensor) Data() []float64 { return t.data }

// Rank returns the number of dimensions (0 for a scalar).
func (t *Tensor) Rank() int { return len(t.shape) }

// Len returns the number of elements.
func (t *Tensor) Len() int { return len(t.data) }

// Dim returns the size of axis i; negative i counts from the end.
// It panics with ErrShape if i is out of range.
func (t *Tensor) Dim(i int) int { return t.shape[normAxis("tensor.Dim", i, len(t.shape), t.shape)] }

// Item returns the single element of a tensor with one element.
// It panics with ErrShape otherwise.
func (t *Tensor) Item() float64 {
	if len(t.data) != 1 {
		shapePanic("tensor.Item", "needs exactly one element", t.shape)
	}
	return t.data[0]
}

// offset returns the flat index of idx, panicking with ErrIndex when out of range.
func (t *Tensor) offset(op string, idx []int) int {
	if len(idx) != len(t.shape) {
		indexPanic(op, fmt.Sprintf("%d indices for a rank-%d tensor", len(idx), len(t.shape)), t.shape)
	}
	off := 0
	for i, v := range idx {
		if v < 0 || v >= t.shape[i] {
			indexPanic(op, fmt.Sprintf("index %v out of range", idx), t.shape)
		}
		off = off*t.shape[i] + v
	}
	return off
}

// At returns the element at the given indices (one per axis).
// It panics with ErrIndex if they are out of range.
func (t *Tensor) At(idx ...int) float64 { return t.data[t.offset("tensor.At", idx)] }

// Set stores v at the given indices (one per axis).
// It panics with ErrIndex if they are out of range.
func (t *Tensor) Set(v float64, idx ...int) { t.data[t.offset("tensor.Set", idx)] = v }

// Copy returns a deep copy of t.
func (t *Tensor) Copy() *Tensor {
	return &Tensor{shape: slices.Clone(t.shape), data: slices.Clone(t.data)}
}

// CopyFrom copies src's elements into t. It panics with ErrShape if the
// shapes differ.
func (t *Tensor) CopyFrom(src *Tensor) {
	if !slices.Equal(t.shape, src.shape) {
		shapePanic("tensor.CopyFrom", "shapes differ", t.shape, src.shape)
	}
	copy(t.data, src.data)
}

// init gives internal/shapes.Reuse, the only way autograd's buffer pool
// reshapes a recycled tensor in place, access to a tensor's fields (see
// internal/shapes/reuse.go); users cannot reach it.
func init() {
	shapes.RegisterReuse(func(t *Tensor) (*[]int, *[]float64) { return &t.shape, &t.data })
}

// SameShape reports whether a and b have equal shapes.
func SameShape(a, b *Tensor) bool { return slices.Equal(a.shape, b.shape) }

// numel returns the product of shape's dimensions.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// normAxis maps a possibly negative axis to [0, rank), panicking with ErrShape.
func normAxis(op string, axis, rank int, shape []int) int {
	return shapes.NormAxis(op, axis, rank, shape)
}
