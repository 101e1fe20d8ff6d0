package tensor

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// DType is a tensor's element type. The zero value is Float64, the type of
// every tensor made by New, Zeros and the other constructors that do not
// name one, so every program written before float32 existed runs unchanged.
type DType uint8

const (
	// Float64 is IEEE 754 double precision: PyTorch's torch.float64.
	Float64 DType = iota
	// Float32 is IEEE 754 single precision: PyTorch's torch.float32. It
	// halves the memory of a tensor and doubles the elements per SIMD
	// register of the matrix product.
	Float32
)

// String returns "float64" or "float32" (PyTorch's names without "torch.").
func (d DType) String() string {
	switch d {
	case Float64:
		return "float64"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size returns the bytes of one element: 8 or 4.
func (d DType) Size() int {
	if d == Float32 {
		return 4
	}
	return 8
}

// valid panics with ErrArg naming op unless d is Float64 or Float32.
func (d DType) valid(op string) {
	if d != Float64 && d != Float32 {
		argPanic(op, fmt.Sprintf("unknown element type %v", d))
	}
}

// Zeros returns a tensor of type d and the given shape filled with 0:
// tensor.Float32.Zeros(2, 3) is torch.zeros(2, 3, dtype=torch.float32).
// It panics like the package's Zeros, and with ErrArg if d is not
// Float64 or Float32. So do Ones, Full and Scalar.
func (d DType) Zeros(shape ...int) *Tensor { return zerosOf("tensor.Zeros", d, shape) }

// Ones returns a tensor of type d and the given shape filled with 1.
func (d DType) Ones(shape ...int) *Tensor { return fullOf("tensor.Ones", d, 1, shape) }

// Full returns a tensor of type d and the given shape filled with v
// (rounded to float32 for Float32).
func (d DType) Full(v float64, shape ...int) *Tensor { return fullOf("tensor.Full", d, v, shape) }

// Scalar returns a 0-d tensor of type d holding v (rounded for Float32).
func (d DType) Scalar(v float64) *Tensor { return fullOf("tensor.Scalar", d, v, nil) }

// zerosOf is zeros for either element type.
func zerosOf(op string, d DType, shape []int) *Tensor {
	if d == Float64 {
		return zeros(op, shape)
	}
	d.valid(op)
	n := shapes.Numel(op, shape)
	return &Tensor{shape: slices.Clone(shape), data32: make([]float32, n), dtype: Float32}
}

// fullOf is full for either element type.
func fullOf(op string, d DType, v float64, shape []int) *Tensor {
	t := zerosOf(op, d, shape)
	if v != 0 {
		fill(t, v)
	}
	return t
}

// fill sets every element of t to v (rounded for Float32).
func fill(t *Tensor, v float64) {
	for i := range t.data {
		t.data[i] = v
	}
	v32 := float32(v)
	for i := range t.data32 {
		t.data32[i] = v32
	}
}

// New32 returns a Float32 tensor over data (not copied) with the given
// shape; no shape means a 1-d tensor of len(data) elements. It panics like
// New.
func New32(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 && data != nil {
		shape = []int{len(data)}
	}
	n := shapes.Numel("tensor.New32", shape)
	if n != len(data) {
		shapePanic("tensor.New32", fmt.Sprintf("shape holds %d elements but data has %d", n, len(data)), shape)
	}
	if data == nil {
		data = []float32{} // a Float32 tensor's storage is never nil (see check)
	}
	return &Tensor{shape: slices.Clone(shape), data32: data, dtype: Float32}
}

// DType returns the tensor's element type. It panics with ErrArg on a nil t.
func (t *Tensor) DType() DType {
	if t == nil {
		panic(badAccessDType)
	}
	return t.dtype
}

var badAccessDType = badAccess("tensor.DType")

// Data32 returns the elements of a Float32 tensor in row-major order (not
// a copy). It panics with ErrDType on a Float64 tensor (use Data).
func (t *Tensor) Data32() []float32 {
	check("tensor.Data32", "t", t)
	if t.dtype != Float32 {
		dtypePanic("tensor.Data32", "Data32 of a float64 tensor: use Data, or To(tensor.Float32)", t.shape)
	}
	return t.data32
}

// Float64s returns a new slice holding t's elements as float64, whatever
// t's type: a copy of Data for Float64, each element widened (exactly) for
// Float32.
func (t *Tensor) Float64s() []float64 {
	check("tensor.Float64s", "t", t)
	if t.dtype == Float64 {
		return slices.Clone(t.data)
	}
	out := make([]float64, len(t.data32))
	for i, v := range t.data32 {
		out[i] = float64(v)
	}
	return out
}

// To returns t converted to element type d: a new tensor whose elements
// are t's rounded to nearest (float64 → float32; beyond float32's range they
// become ±Inf, as in PyTorch) or widened exactly (float32 → float64). Like
// PyTorch's Tensor.to, it returns t itself when t already has type d, so
// use Copy for a copy. It panics with ErrArg if d is not a known type.
func (t *Tensor) To(d DType) *Tensor {
	check("tensor.To", "t", t)
	d.valid("tensor.To")
	if t.dtype == d {
		return t
	}
	dst := zerosOf("tensor.To", d, t.shape)
	convert(dst, t)
	return dst
}

// ConvertTo writes src's elements, converted to dst's type, into dst (the
// shapes must be equal) and returns dst: To without allocating. It panics
// with ErrShape if the shapes differ.
func ConvertTo(dst, src *Tensor) *Tensor {
	check("tensor.ConvertTo", "dst", dst)
	check("tensor.ConvertTo", "src", src)
	checkDst("tensor.ConvertTo", dst, src.shape)
	convert(dst, src)
	return dst
}

// convert copies src into dst (equal lengths), converting the type.
func convert(dst, src *Tensor) {
	switch {
	case dst.dtype == src.dtype:
		copy(dst.data, src.data)
		copy(dst.data32, src.data32)
	case dst.dtype == Float32:
		for i, v := range src.data {
			dst.data32[i] = float32(v)
		}
	default:
		for i, v := range src.data32 {
			dst.data[i] = float64(v)
		}
	}
}

// sameDType panics with ErrDType naming op unless a and b have one element
// type. Element types are never converted implicitly (PyTorch would promote
// float32 with float64 to float64; tapegrad asks for an explicit To, so a
// model never doubles its memory or its time unseen).
func sameDType(op string, a, b *Tensor) {
	if a.dtype != b.dtype {
		dtypeMismatch(op, a, b)
	}
}

// dtypeMismatch is sameDType's panic, out of line so that sameDType inlines.
func dtypeMismatch(op string, a, b *Tensor) {
	dtypePanic(op, fmt.Sprintf("%v and %v operands (convert one with To)", a.dtype, b.dtype), a.shape, b.shape)
}

// only64 panics with ErrDType naming op unless t is Float64: for the
// functions that are defined for float64 only, each saying so in its doc.
func only64(op string, t *Tensor) {
	if t.dtype != Float64 {
		dtypePanic(op, "defined for float64 tensors only (convert with To(tensor.Float64))", t.shape)
	}
}

// float is the element types of tensors, for the kernels written once for
// both.
type float interface{ ~float32 | ~float64 }
