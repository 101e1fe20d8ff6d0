package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// Tensor is a dense, row-major, contiguous n-d array of float64 or float32
// (its DType; float64 unless made otherwise). A 0-d tensor (empty shape)
// holds one scalar. The zero value is not usable: every function and
// method given a nil *Tensor panics with ErrArg, and so does every one
// given a zero-value Tensor but String, which prints it, and Shape, Data,
// DType, Rank and Len, which report that it holds nothing (of type
// Float64). Make tensors with New, Zeros, Scalar and the other
// constructors.
//
// Tensors are mutable (Set, Data, Data32, the To kernels), but every
// function of this package that returns a new *Tensor leaves its operands
// unchanged.
type Tensor struct {
	shape  []int
	data   []float64 // the elements of a Float64 tensor; nil for Float32
	data32 []float32 // the elements of a Float32 tensor; nil for Float64
	dtype  DType
}

// New returns a tensor over data (not copied) with the given shape.
// No shape means a 1-d tensor of len(data) elements.
// It panics with ErrShape if the shape's element count differs from len(data),
// a dimension is negative or the count exceeds MaxElements.
func New(data []float64, shape ...int) *Tensor {
	if len(shape) == 0 && data != nil {
		shape = []int{len(data)}
	}
	n := shapes.Numel("tensor.New", shape)
	if n != len(data) {
		shapePanic("tensor.New", fmt.Sprintf("shape holds %d elements but data has %d", n, len(data)), shape)
	}
	return &Tensor{shape: slices.Clone(shape), data: data}
}

// zeros is Zeros naming op in its panic: every function that makes a tensor
// of a shape it has computed makes it here, so the element count is checked
// (shapes.Numel) in one place.
func zeros(op string, shape []int) *Tensor {
	n := shapes.Numel(op, shape)
	return &Tensor{shape: slices.Clone(shape), data: make([]float64, n)}
}

// like returns a zero tensor of x's shape, panicking with ErrArg naming op
// if x is nil or a zero-value Tensor: the result of op(x) before op writes it.
func like(op string, x *Tensor) *Tensor {
	check(op, "x", x)
	if x.dtype == Float32 {
		return &Tensor{shape: slices.Clone(x.shape), data32: make([]float32, len(x.data32)), dtype: Float32}
	}
	return &Tensor{shape: slices.Clone(x.shape), data: make([]float64, len(x.data))}
}

// Zeros returns a tensor of the given shape filled with 0. Zeros() is a 0-d scalar.
// It panics with ErrShape on a negative dimension or more than MaxElements
// elements. So do Ones, Full, RandN and RandU.
func Zeros(shape ...int) *Tensor { return zeros("tensor.Zeros", shape) }

// Ones returns a tensor of the given shape filled with 1.
func Ones(shape ...int) *Tensor { return full("tensor.Ones", 1, shape) }

// Full returns a tensor of the given shape filled with v.
func Full(v float64, shape ...int) *Tensor { return full("tensor.Full", v, shape) }

func full(op string, v float64, shape []int) *Tensor {
	t := zeros(op, shape)
	for i := range t.data {
		t.data[i] = v
	}
	return t
}

// Scalar returns a 0-d tensor holding v.
func Scalar(v float64) *Tensor { return &Tensor{shape: []int{}, data: []float64{v}} }

// ZerosLike returns a zero tensor of t's shape and element type.
func ZerosLike(t *Tensor) *Tensor { return like("tensor.ZerosLike", t) }

// OnesLike returns a tensor of ones of t's shape and element type.
func OnesLike(t *Tensor) *Tensor {
	check("tensor.OnesLike", "t", t)
	return fullOf("tensor.OnesLike", t.dtype, 1, t.shape)
}

// Arange returns the 1-d tensor start, start+step, … up to but excluding
// stop: ⌈(stop − start)/step⌉ elements, none if that is negative.
// It panics with ErrShape if step is 0, start, stop or step is not finite,
// or the count exceeds MaxElements.
func Arange(start, stop, step float64) *Tensor {
	const op = "tensor.Arange"
	if step == 0 || math.IsNaN(step) || math.IsInf(step, 0) {
		shapePanic(op, fmt.Sprintf("step %v must be finite and non-zero", step))
	}
	if math.IsNaN(start) || math.IsInf(start, 0) || math.IsNaN(stop) || math.IsInf(stop, 0) {
		shapePanic(op, fmt.Sprintf("start %v and stop %v must be finite", start, stop))
	}
	c := math.Ceil((stop - start) / step) // ±Inf if stop − start overflows
	if !(c <= MaxElements) {
		shapePanic(op, fmt.Sprintf("start %v, stop %v, step %v make %g elements, more than MaxElements = %d",
			start, stop, step, c, MaxElements))
	}
	n := 0
	if c > 0 {
		n = int(c)
	}
	t := zeros(op, []int{n})
	for i := range t.data {
		t.data[i] = start + float64(i)*step
	}
	return t
}

// Linspace returns n evenly spaced values from start to stop inclusive.
// It panics with ErrShape if n is negative or above MaxElements.
func Linspace(start, stop float64, n int) *Tensor {
	t := zeros("tensor.Linspace", []int{n})
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
// It panics with ErrArg if rng is nil and like Zeros on a bad shape.
func RandN(rng *rand.Rand, shape ...int) *Tensor {
	const op = "tensor.RandN"
	if rng == nil {
		argPanic(op, "nil *rand.Rand")
	}
	t := zeros(op, shape)
	for i := range t.data {
		t.data[i] = rng.NormFloat64()
	}
	return t
}

// RandU returns a tensor of samples uniform on [lo, hi) drawn from rng.
// It panics with ErrArg if rng is nil and like Zeros on a bad shape.
func RandU(rng *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	const op = "tensor.RandU"
	if rng == nil {
		argPanic(op, "nil *rand.Rand")
	}
	t := zeros(op, shape)
	for i := range t.data {
		t.data[i] = lo + (hi-lo)*rng.Float64()
	}
	return t
}

// Shape returns the tensor's shape. The slice is the tensor's own: do not modify it.
// Shape, Data, Rank and Len panic with ErrArg on a nil t; on a zero-value
// Tensor they report what it holds (no shape, no data), where every other
// method but String panics with ErrArg.
func (t *Tensor) Shape() []int {
	if t == nil {
		panic(badAccessShape)
	}
	return t.shape
}

// Data returns the elements of a Float64 tensor in row-major order (not a
// copy). It panics with ErrDType on a Float32 tensor: use Data32 there, or
// Float64s for a widened copy of either.
func (t *Tensor) Data() []float64 {
	if t == nil {
		panic(badAccessData)
	}
	if t.dtype != Float64 {
		panic(badDataType)
	}
	return t.data
}

// badDataType is Data's panic on a Float32 tensor, made once like
// badAccessData, so that Data stays inlinable (the tape calls it for
// every node).
var badDataType = &ShapeError{Op: "tensor.Data", Msg: "Data of a float32 tensor: use Data32, or Float64s for a float64 copy", Err: ErrDType}

// Rank returns the number of dimensions (0 for a scalar).
func (t *Tensor) Rank() int {
	if t == nil {
		panic(badAccessRank)
	}
	return len(t.shape)
}

// Len returns the number of elements.
func (t *Tensor) Len() int {
	if t == nil {
		panic(badAccessLen)
	}
	return len(t.data) + len(t.data32) // one of them is empty
}

// The ErrArg panics of the accessors above, which the autograd tape calls
// for every node. They test only for nil, not for the zero value as check
// does, and panic with one of these errors, made once, rather than call
// check's error path, which finds the user's call site (Site stays empty;
// the panic's stack shows the line): both would stop the compiler from
// inlining them into their callers (autograd's allocZero, Var.Shape, …).
var (
	badAccessShape = badAccess("tensor.Shape")
	badAccessData  = badAccess("tensor.Data")
	badAccessRank  = badAccess("tensor.Rank")
	badAccessLen   = badAccess("tensor.Len")
)

func badAccess(op string) *ShapeError {
	return &ShapeError{Op: op, Msg: "nil *Tensor", Err: ErrArg}
}

// Dim returns the size of axis i; negative i counts from the end.
// It panics with ErrShape if i is out of range.
func (t *Tensor) Dim(i int) int {
	check("tensor.Dim", "t", t)
	return t.shape[normAxis("tensor.Dim", i, len(t.shape), t.shape)]
}

// Item returns the single element of a tensor with one element.
// It panics with ErrShape otherwise.
func (t *Tensor) Item() float64 {
	check("tensor.Item", "t", t)
	if t.Len() != 1 {
		shapePanic("tensor.Item", "needs exactly one element", t.shape)
	}
	return t.at(0)
}

// at returns element i (flat, row-major) as a float64, whatever the type.
func (t *Tensor) at(i int) float64 {
	if t.dtype == Float32 {
		return float64(t.data32[i])
	}
	return t.data[i]
}

// setAt stores v as element i (flat), rounding it to float32 in a Float32 tensor.
func (t *Tensor) setAt(i int, v float64) {
	if t.dtype == Float32 {
		t.data32[i] = float32(v)
		return
	}
	t.data[i] = v
}

// offset returns the flat index of idx, panicking with ErrIndex when out of range.
func (t *Tensor) offset(op string, idx []int) int {
	check(op, "t", t)
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

// At returns the element at the given indices (one per axis), as a
// float64 whatever the tensor's type.
// It panics with ErrIndex if they are out of range.
func (t *Tensor) At(idx ...int) float64 { return t.at(t.offset("tensor.At", idx)) }

// Set stores v at the given indices (one per axis), rounded to float32 in a
// Float32 tensor. It panics with ErrIndex if they are out of range.
func (t *Tensor) Set(v float64, idx ...int) { t.setAt(t.offset("tensor.Set", idx), v) }

// Copy returns a deep copy of t, of t's element type.
func (t *Tensor) Copy() *Tensor {
	check("tensor.Copy", "t", t)
	return &Tensor{shape: slices.Clone(t.shape), data: slices.Clone(t.data), data32: slices.Clone(t.data32), dtype: t.dtype}
}

// CopyFrom copies src's elements into t. It panics with ErrShape if the
// shapes differ and with ErrDType if the element types do (convert with To).
func (t *Tensor) CopyFrom(src *Tensor) {
	check("tensor.CopyFrom", "t", t)
	check("tensor.CopyFrom", "src", src)
	if !slices.Equal(t.shape, src.shape) {
		shapePanic("tensor.CopyFrom", "shapes differ", t.shape, src.shape)
	}
	sameDType("tensor.CopyFrom", t, src)
	copy(t.data, src.data)
	copy(t.data32, src.data32)
}

// init gives internal/shapes.Reuse, the only way autograd's buffer pool
// reshapes a recycled tensor in place, access to a tensor's fields (see
// internal/shapes/reuse.go); users cannot reach it.
func init() {
	shapes.RegisterReuse(func(t *Tensor) (*[]int, *[]float64, *[]float32) {
		if t == nil {
			return nil, nil, nil
		}
		if t.dtype == Float32 {
			return &t.shape, nil, &t.data32
		}
		return &t.shape, &t.data, nil
	})
}

// SameShape reports whether a and b have equal shapes (whatever their types).
// It panics with ErrArg if either is nil or a zero-value Tensor.
func SameShape(a, b *Tensor) bool {
	check("tensor.SameShape", "a", a)
	check("tensor.SameShape", "b", b)
	return slices.Equal(a.shape, b.shape)
}

// sameShape is SameShape for tensors already checked.
func sameShape(a, b *Tensor) bool { return slices.Equal(a.shape, b.shape) }

// numel returns the product of shape's dimensions, for a shape (or a run of
// axes of one) of a tensor already made, whose count shapes.Numel checked.
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
