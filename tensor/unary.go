package tensor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/tapegrad/tapegrad/internal/scalar"
	"github.com/tapegrad/tapegrad/tensor/internal/vec"
)

// MapTo writes f(x) element-wise into dst (same element count as x; dst may
// be x) and returns dst. It panics with ErrShape if the shapes differ and
// with ErrArg if f is nil or a tensor is nil or a zero value.
func MapTo(dst, x *Tensor, f func(float64) float64) *Tensor {
	checkFunc("tensor.Map", f)
	return mapTo("tensor.Map", dst, x, f)
}

// mapTo is MapTo naming op in its panic, for the element-wise ops built on
// it, whose f is never nil.
func mapTo(op string, dst, x *Tensor, f func(float64) float64) *Tensor {
	checkUnary(op, dst, x)
	for i, v := range x.data {
		dst.data[i] = f(v)
	}
	return dst
}

// checkUnary panics with ErrArg naming op if dst or x is nil or a zero
// value, and with ErrShape if dst's shape is not x's.
func checkUnary(op string, dst, x *Tensor) {
	check(op, "dst", dst)
	check(op, "x", x)
	checkDst(op, dst, x.shape)
}

// Map returns f(x) element-wise. It panics with ErrArg if x or f is nil.
func Map(x *Tensor, f func(float64) float64) *Tensor {
	checkFunc("tensor.Map", f)
	return mapTo("tensor.Map", like("tensor.Map", x), x, f)
}

// unary returns f(x) element-wise, naming op in its panics: the
// element-wise functions below are unary with their f. Like all of them,
// it panics with ErrArg if x is nil or a zero-value Tensor.
func unary(op string, x *Tensor, f func(float64) float64) *Tensor {
	return mapTo(op, like(op, x), x, f)
}

func neg(x float64) float64    { return -x }
func square(x float64) float64 { return x * x }

// Neg returns −x.
func Neg(x *Tensor) *Tensor { return unary("tensor.Neg", x, neg) }

// Exp returns eˣ element-wise.
func Exp(x *Tensor) *Tensor { return unary("tensor.Exp", x, math.Exp) }

// Log returns the natural logarithm element-wise (−Inf at 0, NaN below).
func Log(x *Tensor) *Tensor { return unary("tensor.Log", x, math.Log) }

// Sqrt returns √x element-wise.
func Sqrt(x *Tensor) *Tensor { return unary("tensor.Sqrt", x, math.Sqrt) }

// Abs returns |x| element-wise.
func Abs(x *Tensor) *Tensor { return unary("tensor.Abs", x, math.Abs) }

// Square returns x² element-wise.
func Square(x *Tensor) *Tensor { return unary("tensor.Square", x, square) }

// Sign returns the sign of x element-wise (−1, 0, 1).
func Sign(x *Tensor) *Tensor { return unary("tensor.Sign", x, scalar.Sign) }

// Tanh returns tanh(x) element-wise.
func Tanh(x *Tensor) *Tensor { return unary("tensor.Tanh", x, math.Tanh) }

// Sigmoid returns σ(x) = 1/(1+e^(−x)) element-wise, stable for large |x|.
func Sigmoid(x *Tensor) *Tensor { return unary("tensor.Sigmoid", x, scalar.Sigmoid) }

// ReLU returns max(x, 0) element-wise (NaN stays NaN).
func ReLU(x *Tensor) *Tensor { return ReLUTo(like("tensor.ReLU", x), x) }

// ReLUTo writes ReLU(x) into dst (dst may be x) and returns dst: x where
// x > 0 or x is NaN (passed through bit for bit), +0 elsewhere, −0
// included. It is the hot path of ReLU networks, so it runs a vector
// kernel (AVX assembly on amd64, tensor/internal/vec) rather than Map's
// call per element. It panics with ErrShape if dst's shape is not x's.
func ReLUTo(dst, x *Tensor) *Tensor {
	checkUnary("tensor.ReLU", dst, x)
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
	check("tensor.ReLUBackward", "dst", dst)
	check("tensor.ReLUBackward", "y", y)
	check("tensor.ReLUBackward", "g", g)
	if !sameShape(y, g) {
		shapePanic("tensor.ReLUBackward", fmt.Sprintf("y %v and g %v differ in shape (dst %v)", y.shape, g.shape, dst.shape),
			y.shape, g.shape, dst.shape)
	}
	checkDst("tensor.ReLUBackward", dst, y.shape)
	vec.ReLUBackward(dst.data, y.data, g.data)
	return dst
}

// Step returns the Heaviside step (1 where x > 0, else 0) element-wise.
func Step(x *Tensor) *Tensor { return unary("tensor.Step", x, scalar.Step) }

// Softplus returns log(1+eˣ) element-wise, stable for large |x|.
func Softplus(x *Tensor) *Tensor { return unary("tensor.Softplus", x, scalar.Softplus) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere.
func LeakyReLU(x *Tensor, slope float64) *Tensor {
	return LeakyReLUTo(like("tensor.LeakyReLU", x), x, slope)
}

// LeakyReLUTo writes LeakyReLU(x, slope) into dst.
func LeakyReLUTo(dst, x *Tensor, slope float64) *Tensor {
	checkUnary("tensor.LeakyReLU", dst, x)
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
func Clamp(x *Tensor, lo, hi float64) *Tensor { return ClampTo(like("tensor.Clamp", x), x, lo, hi) }

// ClampTo writes Clamp(x, lo, hi) into dst.
func ClampTo(dst, x *Tensor, lo, hi float64) *Tensor {
	checkUnary("tensor.Clamp", dst, x)
	for i, v := range x.data {
		dst.data[i] = math.Min(math.Max(v, lo), hi)
	}
	return dst
}

// Scale returns c·x.
func Scale(x *Tensor, c float64) *Tensor { return ScaleTo(like("tensor.Scale", x), x, c) }

// ScaleTo writes c·x into dst.
func ScaleTo(dst, x *Tensor, c float64) *Tensor {
	checkUnary("tensor.Scale", dst, x)
	floats.ScaleTo(dst.data, c, x.data)
	return dst
}

// AddScalar returns x + c.
func AddScalar(x *Tensor, c float64) *Tensor { return AddScalarTo(like("tensor.AddScalar", x), x, c) }

// AddScalarTo writes x + c into dst.
func AddScalarTo(dst, x *Tensor, c float64) *Tensor {
	checkUnary("tensor.AddScalar", dst, x)
	for i, v := range x.data {
		dst.data[i] = v + c
	}
	return dst
}

// PowScalar returns x^p element-wise.
func PowScalar(x *Tensor, p float64) *Tensor { return PowScalarTo(like("tensor.PowScalar", x), x, p) }

// PowScalarTo writes x^p into dst, with fast paths for p = 1, 2, 0.5 and −1.
func PowScalarTo(dst, x *Tensor, p float64) *Tensor {
	checkUnary("tensor.PowScalar", dst, x)
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
