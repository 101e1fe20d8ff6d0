package tensor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/tapegrad/tapegrad/internal/scalar"
	"github.com/tapegrad/tapegrad/tensor/internal/vec"
)

// MapTo writes f(x) element-wise into dst (same element count as x; dst may
// be x) and returns dst. On Float32 tensors f gets each element widened to
// float64 and its result is rounded to float32. It panics with ErrShape if
// the shapes differ, with ErrDType if dst and x differ in type, and with
// ErrArg if f is nil or a tensor is nil or a zero value.
func MapTo(dst, x *Tensor, f func(float64) float64) *Tensor {
	checkFunc("tensor.Map", f)
	return mapTo("tensor.Map", dst, x, f)
}

// mapTo is MapTo naming op in its panic, for the element-wise ops built on
// it, whose f is never nil.
func mapTo(op string, dst, x *Tensor, f func(float64) float64) *Tensor {
	if checkUnary(op, dst, x) {
		map32(dst.data32, x.data32, f)
		return dst
	}
	for i, v := range x.data {
		dst.data[i] = f(v)
	}
	return dst
}

// map32 sets d[i] = f(x[i]) computed in float64 and rounded.
func map32(d, x []float32, f func(float64) float64) {
	d = d[:len(x)]
	for i, v := range x {
		d[i] = float32(f(float64(v)))
	}
}

// checkUnary panics with ErrArg naming op if dst or x is nil or a zero
// value, with ErrShape if dst's shape is not x's and with ErrDType if
// their types differ. It reports whether they are Float32.
func checkUnary(op string, dst, x *Tensor) (is32 bool) {
	check(op, "dst", dst)
	check(op, "x", x)
	checkDst(op, dst, x.shape)
	if dst.dtype|x.dtype == Float64 {
		return false
	}
	sameDType(op, dst, x)
	return true
}

// Map returns f(x) element-wise, of x's type (on Float32, f of each element
// widened, rounded). It panics with ErrArg if x or f is nil.
func Map(x *Tensor, f func(float64) float64) *Tensor {
	checkFunc("tensor.Map", f)
	return mapTo("tensor.Map", like("tensor.Map", x), x, f)
}

// unary returns f(x) element-wise, naming op in its panics: the
// element-wise functions below are unary with their f. Like all of them,
// it panics with ErrArg if x is nil or a zero-value Tensor. Their results
// have x's element type; on Float32 each element is f of the element
// widened to float64, rounded to float32 (exact for Neg, Abs, Square,
// Sqrt, Sign and Step, correctly rounded nearly always for the others),
// and their To forms panic with ErrDType if dst is not of x's type.
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
	if checkUnary("tensor.ReLU", dst, x) {
		vec.ReLU32(dst.data32, x.data32)
		return dst
	}
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
// does not have their shape, and with ErrDType if the three are not of one
// type.
func ReLUBackwardTo(dst, y, g *Tensor) *Tensor {
	check("tensor.ReLUBackward", "dst", dst)
	check("tensor.ReLUBackward", "y", y)
	check("tensor.ReLUBackward", "g", g)
	if !sameShape(y, g) {
		shapePanic("tensor.ReLUBackward", fmt.Sprintf("y %v and g %v differ in shape (dst %v)", y.shape, g.shape, dst.shape),
			y.shape, g.shape, dst.shape)
	}
	checkDst("tensor.ReLUBackward", dst, y.shape)
	if dst.dtype|y.dtype|g.dtype != Float64 {
		sameDType("tensor.ReLUBackward", y, g)
		sameDType("tensor.ReLUBackward", dst, y)
		vec.ReLUBackward32(dst.data32, y.data32, g.data32)
		return dst
	}
	vec.ReLUBackward(dst.data, y.data, g.data)
	return dst
}

// Step returns the Heaviside step (1 where x > 0, else 0) element-wise.
func Step(x *Tensor) *Tensor { return unary("tensor.Step", x, scalar.Step) }

// Softplus returns log(1+eˣ) element-wise, stable for large |x|.
func Softplus(x *Tensor) *Tensor { return unary("tensor.Softplus", x, scalar.Softplus) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere. For Float32,
// slope is rounded to float32 and the product is a float32 product, as
// are the scalars of Clamp, Scale, AddScalar and PowScalar (PyTorch's rule
// for a Python number with a float32 tensor).
func LeakyReLU(x *Tensor, slope float64) *Tensor {
	return LeakyReLUTo(like("tensor.LeakyReLU", x), x, slope)
}

// LeakyReLUTo writes LeakyReLU(x, slope) into dst.
func LeakyReLUTo(dst, x *Tensor, slope float64) *Tensor {
	if checkUnary("tensor.LeakyReLU", dst, x) {
		leakyReLU(dst.data32, x.data32, float32(slope))
		return dst
	}
	for i, v := range x.data {
		if v > 0 {
			dst.data[i] = v
		} else {
			dst.data[i] = slope * v
		}
	}
	return dst
}

// leakyReLU is LeakyReLUTo's loop for either type.
func leakyReLU[T float](d, x []T, slope T) {
	d = d[:len(x)]
	for i, v := range x {
		if v > 0 {
			d[i] = v
		} else {
			d[i] = slope * v
		}
	}
}

// Clamp returns x limited to [lo, hi] element-wise: min(max(x, lo), hi)
// with math.Max's and math.Min's rules (NaN stays NaN; lo > hi gives hi).
func Clamp(x *Tensor, lo, hi float64) *Tensor { return ClampTo(like("tensor.Clamp", x), x, lo, hi) }

// ClampTo writes Clamp(x, lo, hi) into dst; for Float32, lo and hi are
// rounded to float32 first.
func ClampTo(dst, x *Tensor, lo, hi float64) *Tensor {
	if checkUnary("tensor.Clamp", dst, x) {
		lo, hi = float64(float32(lo)), float64(float32(hi))
		d := dst.data32[:len(x.data32)]
		for i, v := range x.data32 {
			d[i] = float32(math.Min(math.Max(float64(v), lo), hi)) // exact: the result is v, lo or hi
		}
		return dst
	}
	for i, v := range x.data {
		dst.data[i] = math.Min(math.Max(v, lo), hi)
	}
	return dst
}

// Scale returns c·x.
func Scale(x *Tensor, c float64) *Tensor { return ScaleTo(like("tensor.Scale", x), x, c) }

// ScaleTo writes c·x into dst.
func ScaleTo(dst, x *Tensor, c float64) *Tensor {
	if checkUnary("tensor.Scale", dst, x) {
		scale(dst.data32, float32(c), x.data32)
		return dst
	}
	floats.ScaleTo(dst.data, c, x.data)
	return dst
}

// scale sets d = c·x for slices of one length.
func scale[T float](d []T, c T, x []T) {
	d = d[:len(x)]
	for i, v := range x {
		d[i] = c * v
	}
}

// AddScalar returns x + c.
func AddScalar(x *Tensor, c float64) *Tensor { return AddScalarTo(like("tensor.AddScalar", x), x, c) }

// AddScalarTo writes x + c into dst.
func AddScalarTo(dst, x *Tensor, c float64) *Tensor {
	if checkUnary("tensor.AddScalar", dst, x) {
		addScalar(dst.data32, x.data32, float32(c))
		return dst
	}
	for i, v := range x.data {
		dst.data[i] = v + c
	}
	return dst
}

// addScalar sets d = x + c for slices of one length.
func addScalar[T float](d, x []T, c T) {
	d = d[:len(x)]
	for i, v := range x {
		d[i] = v + c
	}
}

// PowScalar returns x^p element-wise.
func PowScalar(x *Tensor, p float64) *Tensor { return PowScalarTo(like("tensor.PowScalar", x), x, p) }

// PowScalarTo writes x^p into dst, with fast paths for p = 1, 2, 0.5 and −1.
// For Float32, p is rounded to float32; x² and 1/x are float32 operations,
// the other powers math.Pow (math.Sqrt for ½) of the widened element,
// rounded.
func PowScalarTo(dst, x *Tensor, p float64) *Tensor {
	if checkUnary("tensor.PowScalar", dst, x) {
		powScalar32(dst.data32, x.data32, float32(p))
		return dst
	}
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

// powScalar32 is PowScalarTo's float32 loop.
func powScalar32(d, x []float32, p float32) {
	d = d[:len(x)]
	switch p {
	case 1:
		copy(d, x)
	case 2:
		for i, v := range x {
			d[i] = v * v
		}
	case 0.5:
		for i, v := range x {
			d[i] = float32(math.Sqrt(float64(v)))
		}
	case -1:
		for i, v := range x {
			d[i] = 1 / v
		}
	default:
		p := float64(p)
		for i, v := range x {
			d[i] = float32(math.Pow(float64(v), p))
		}
	}
}
