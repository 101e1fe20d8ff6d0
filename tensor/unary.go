package tensor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/tapegrad/tapegrad/internal/scalar"
	"github.com/tapegrad/tapegrad/tensor/internal/vec"
)

// MapTo writes f(x) element-wise into dst (same element count as x; dst may
// be x) and returns dst. It panics with ErrShape if the shapes differ.
func MapTo(dst, x *Tensor, f func(float64) float64) *Tensor { return mapTo("tensor.Map", dst, x, f) }

// mapTo is MapTo naming op in its panic, for the element-wise ops built on it.
func mapTo(op string, dst, x *Tensor, f func(float64) float64) *Tensor {
	checkDst(op, dst, x.shape)
	for i, v := range x.data {
		dst.data[i] = f(v)
	}
	return dst
}

// Map returns f(x) element-wise.
func Map(x *Tensor, f func(float64) float64) *Tensor { return MapTo(Zeros(x.shape...), x, f) }

func neg(x float64) float64    { return -x }
func square(x float64) float64 { return x * x }

// Neg returns −x.
func Neg(x *Tensor) *Tensor { return Map(x, neg) }

// Exp returns eˣ element-wise.
func Exp(x *Tensor) *Tensor { return Map(x, math.Exp) }

// Log returns the natural logarithm element-wise (−Inf at 0, NaN below).
func Log(x *Tensor) *Tensor { return Map(x, math.Log) }

// Sqrt returns √x element-wise.
func Sqrt(x *Tensor) *Tensor { return Map(x, math.Sqrt) }

// Abs returns |x| element-wise.
func Abs(x *Tensor) *Tensor { return Map(x, math.Abs) }

// Square returns x² element-wise.
func Square(x *Tensor) *Tensor { return Map(x, square) }

// Sign returns the sign of x element-wise (−1, 0, 1).
func Sign(x *Tensor) *Tensor { return Map(x, scalar.Sign) }

// Tanh returns tanh(x) element-wise.
func Tanh(x *Tensor) *Tensor { return Map(x, math.Tanh) }

// Sigmoid returns σ(x) = 1/(1+e^(−x)) element-wise, stable for large |x|.
func Sigmoid(x *Tensor) *Tensor { return Map(x, scalar.Sigmoid) }

// ReLU returns max(x, 0) element-wise (NaN stays NaN).
func ReLU(x *Tensor) *Tensor { return ReLUTo(Zeros(x.shape...), x) }

// ReLUTo writes ReLU(x) into dst (dst may be x) and returns dst: x where
// x > 0 or x is NaN (passed through bit for bit), +0 elsewhere, −0
// included. It is the hot path of ReLU networks, so it runs a vector
// kernel (AVX assembly on amd64, tensor/internal/vec) rather than Map's
// call per element. It panics with ErrShape if dst's shape is not x's.
func ReLUTo(dst, x *Tensor) *Tensor {
	checkDst("tensor.ReLU", dst, x.shape)
	vec.ReLU(dst.data, x.data)
	return dst
}

// ReLUBackwardTo writes ReLU's vector-Jacobian product into dst and
// returns dst: dst = g where y > 0, else +0, for y = ReLU(x) the forward
// output (positive exactly where x is) and g the gradient of the loss
// with respect to y; PyTorch's threshold_backward rule. A NaN, zero or
// negative y gives +0; a kept element of g is copied bit for bit (NaN,
// Inf and −0 included). dst may be y or g. It runs the same vector kernels
// as ReLUTo. It panics with ErrShape if y and g differ in shape or dst
// does not have their shape.
func ReLUBackwardTo(dst, y, g *Tensor) *Tensor {
	if !SameShape(y, g) {
		shapePanic("tensor.ReLUBackward", fmt.Sprintf("y %v and g %v differ in shape (dst %v)", y.shape, g.shape, dst.shape),
			y.shape, g.shape, dst.shape)
	}
	checkDst("tensor.ReLUBackward", dst, y.shape)
	vec.ReLUBackward(dst.data, y.data, g.data)
	return dst
}

// Step returns the Heaviside step (1 where x > 0, else 0) element-wise.
func Step(x *Tensor) *Tensor { return Map(x, scalar.Step) }

// Softplus returns log(1+eˣ) element-wise, stable for large |x|.
func Softplus(x *Tensor) *Tensor { return Map(x, scalar.Softplus) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere.
func LeakyReLU(x *Tensor, slope float64) *Tensor { return LeakyReLUTo(Zeros(x.shape...), x, slope) }

// LeakyReLUTo writes LeakyReLU(x, slope) into dst.
func LeakyReLUTo(dst, x *Tensor, slope float64) *Tensor {
	checkDst("tensor.LeakyReLU", dst, x.shape)
	for i, v := range x.data {
		if v > 0 {
			dst.data[i] = v
		} else {
			dst.data[i] = slope * v
		}
	}
	return dst
}

// Clamp returns x limited to [lo, hi] element-wise.
func Clamp(x *Tensor, lo, hi float64) *Tensor { return ClampTo(Zeros(x.shape...), x, lo, hi) }

// ClampTo writes Clamp(x, lo, hi) into dst.
func ClampTo(dst, x *Tensor, lo, hi float64) *Tensor {
	checkDst("tensor.Clamp", dst, x.shape)
	for i, v := range x.data {
		dst.data[i] = math.Min(math.Max(v, lo), hi)
	}
	return dst
}

// Scale returns c·x.
func Scale(x *Tensor, c float64) *Tensor { return ScaleTo(Zeros(x.shape...), x, c) }

// ScaleTo writes c·x into dst.
func ScaleTo(dst, x *Tensor, c float64) *Tensor {
	checkDst("tensor.Scale", dst, x.shape)
	floats.ScaleTo(dst.data, c, x.data)
	return dst
}

// AddScalar returns x + c.
func AddScalar(x *Tensor, c float64) *Tensor { return AddScalarTo(Zeros(x.shape...), x, c) }

// AddScalarTo writes x + c into dst.
func AddScalarTo(dst, x *Tensor, c float64) *Tensor {
	checkDst("tensor.AddScalar", dst, x.shape)
	for i, v := range x.data {
		dst.data[i] = v + c
	}
	return dst
}

// PowScalar returns x^p element-wise.
func PowScalar(x *Tensor, p float64) *Tensor { return PowScalarTo(Zeros(x.shape...), x, p) }

// PowScalarTo writes x^p into dst, with fast paths for p = 1, 2, 0.5 and −1.
func PowScalarTo(dst, x *Tensor, p float64) *Tensor {
	checkDst("tensor.PowScalar", dst, x.shape)
	switch p {
	case 1:
		copy(dst.data, x.data)
	case 2:
		for i, v := range x.data {
			dst.data[i] = v * v
		}
	case 0.5:
		for i, v := range x.data {
			dst.data[i] = math.Sqrt(v)
		}
	case -1:
		for i, v := range x.data {
			dst.data[i] = 1 / v
		}
	default:
		for i, v := range x.data {
			dst.data[i] = math.Pow(v, p)
		}
	}
	return dst
}
