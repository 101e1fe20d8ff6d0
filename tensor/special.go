package tensor

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/scalar"
)

// This file holds element-wise special functions (trigonometric, the
// log1p/expm1 pair, erf and the smooth activations GELU, SiLU and
// Softsign) and the broadcasting Hypot, each as F(x) and FTo(dst, x). Every
// kernel is a plain loop calling Go's math package, whose functions are
// accurate near 0 and in the tails (gonum's floats has none of them); the
// unary ones go through mapTo (unary.go), Hypot through binary.go's
// broadcasting binaryKernel. GELU is the exception, for speed: gelu.go
// evaluates erfc's rational function itself where it needs no exp. On Float32 tensors each element is computed
// in float64 and rounded to float32, and the To forms panic with ErrDType
// if dst's type is not x's.

// Sin returns sin(x) element-wise (x in radians).
func Sin(x *Tensor) *Tensor { return SinTo(like("tensor.Sin", x), x) }

// SinTo writes sin(x) into dst (x's shape; dst may be x) and returns dst.
// It panics with ErrShape if dst's shape is not x's. The other unary To
// functions of this file follow the same contract.
func SinTo(dst, x *Tensor) *Tensor { return mapTo("tensor.Sin", dst, x, math.Sin) }

// Cos returns cos(x) element-wise (x in radians).
func Cos(x *Tensor) *Tensor { return CosTo(like("tensor.Cos", x), x) }

// CosTo writes cos(x) into dst.
func CosTo(dst, x *Tensor) *Tensor { return mapTo("tensor.Cos", dst, x, math.Cos) }

// Tan returns tan(x) element-wise (x in radians; large but finite near odd
// multiples of π/2, which no float64 hits exactly).
func Tan(x *Tensor) *Tensor { return TanTo(like("tensor.Tan", x), x) }

// TanTo writes tan(x) into dst.
func TanTo(dst, x *Tensor) *Tensor { return mapTo("tensor.Tan", dst, x, math.Tan) }

// Atan returns arctan(x) element-wise, in (−π/2, π/2); ±Inf give ±π/2.
func Atan(x *Tensor) *Tensor { return AtanTo(like("tensor.Atan", x), x) }

// AtanTo writes arctan(x) into dst.
func AtanTo(dst, x *Tensor) *Tensor { return mapTo("tensor.Atan", dst, x, math.Atan) }

// Asinh returns arsinh(x) = log(x + √(x²+1)) element-wise, computed without
// cancellation for negative x and without overflow for large |x|.
func Asinh(x *Tensor) *Tensor { return AsinhTo(like("tensor.Asinh", x), x) }

// AsinhTo writes arsinh(x) into dst.
func AsinhTo(dst, x *Tensor) *Tensor { return mapTo("tensor.Asinh", dst, x, math.Asinh) }

// Log1p returns log(1+x) element-wise, accurate for |x| near 0 where
// log(1+x) loses 1+x's rounding (log1p(1e-10) = 1e-10 − 5e-21); −Inf at
// x = −1, NaN below.
func Log1p(x *Tensor) *Tensor { return Log1pTo(like("tensor.Log1p", x), x) }

// Log1pTo writes log(1+x) into dst.
func Log1pTo(dst, x *Tensor) *Tensor { return mapTo("tensor.Log1p", dst, x, math.Log1p) }

// Expm1 returns eˣ − 1 element-wise, accurate for |x| near 0 where eˣ − 1
// cancels; −1 at −Inf, +Inf for x above about 709.78.
func Expm1(x *Tensor) *Tensor { return Expm1To(like("tensor.Expm1", x), x) }

// Expm1To writes eˣ − 1 into dst.
func Expm1To(dst, x *Tensor) *Tensor { return mapTo("tensor.Expm1", dst, x, math.Expm1) }

// Erf returns the error function erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt
// element-wise, in [−1, 1].
func Erf(x *Tensor) *Tensor { return ErfTo(like("tensor.Erf", x), x) }

// ErfTo writes erf(x) into dst.
func ErfTo(dst, x *Tensor) *Tensor { return mapTo("tensor.Erf", dst, x, math.Erf) }

// Erfc returns the complementary error function erfc(x) = 1 − erf(x)
// element-wise (torch.erfc), accurate in the right tail where 1 − erf(x)
// rounds to 0: erfc(10) = 2.088e-45.
func Erfc(x *Tensor) *Tensor { return ErfcTo(like("tensor.Erfc", x), x) }

// ErfcTo writes erfc(x) into dst.
func ErfcTo(dst, x *Tensor) *Tensor { return mapTo("tensor.Erfc", dst, x, math.Erfc) }

// specialGELU is x·Φ(x) written as ½·x·erfc(−x/√2): the same function as
// ½·x·(1 + erf(x/√2)), but erfc keeps the left tail, where 1 + erf cancels.
func specialGELU(x float64) float64 {
	if math.IsInf(x, -1) {
		return math.Copysign(0, -1) // the limit; the formula would be −Inf·0
	}
	return 0.5 * x * math.Erfc(-x/math.Sqrt2)
}

// GELU returns the exact Gaussian error linear unit x·Φ(x) =
// ½·x·(1 + erf(x/√2)) element-wise, Φ the standard normal CDF (PyTorch's
// gelu with approximate='none'). It is computed as ½·x·erfc(−x/√2), which
// is the same function but keeps full relative accuracy in the left tail:
// GELU(−10) ≈ −7.6e-23, where the erf form (PyTorch's) rounds to −0.
// −Inf gives −0, the limit, where PyTorch gives NaN (−Inf·0).
func GELU(x *Tensor) *Tensor { return GELUTo(like("tensor.GELU", x), x) }

// GELUTo writes GELU(x) into dst.
// Its kernels are gelu.go's geluSlice and geluSlice32.
func GELUTo(dst, x *Tensor) *Tensor {
	if checkUnary("tensor.GELU", dst, x) {
		geluSlice32(dst.data32, x.data32)
	} else {
		geluSlice(dst.data, x.data)
	}
	return dst
}

// specialGELUTanhC is √(2/π), the tanh approximation's scale.
const specialGELUTanhC = 0.7978845608028654

// specialGELUTanh is ½·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³),
// written as x·σ(2u) (1 + tanh(u) = 2σ(2u)) so the left tail does not cancel.
func specialGELUTanh(x float64) float64 {
	if math.IsInf(x, -1) {
		return math.Copysign(0, -1) // the limit; x·σ(2u) would be −Inf·0
	}
	u := specialGELUTanhC * (x + 0.044715*x*x*x)
	return x * scalar.Sigmoid(2*u)
}

// GELUTanh returns the tanh approximation of GELU,
// ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), element-wise (PyTorch's gelu
// with approximate='tanh'). It is computed as x·σ(2u), u the tanh's
// argument, using 1 + tanh(u) = 2σ(2u): the same function, without the
// cancellation of 1 + tanh(u) for negative x (PyTorch's form rounds to −0
// below about −7.2, this one only below about −21.5, where the true value
// underflows). For |x| beyond about 5.6e102, x³ overflows and the result is
// x for positive x and −0 for negative x, the limits; −Inf gives −0 where
// PyTorch gives NaN (−Inf·0).
func GELUTanh(x *Tensor) *Tensor { return GELUTanhTo(like("tensor.GELUTanh", x), x) }

// GELUTanhTo writes GELUTanh(x) into dst.
func GELUTanhTo(dst, x *Tensor) *Tensor {
	return mapTo("tensor.GELUTanh", dst, x, specialGELUTanh)
}

// specialSiLU is x·σ(x) with the stable sigmoid (scalar.Sigmoid).
func specialSiLU(x float64) float64 {
	if math.IsInf(x, -1) {
		return math.Copysign(0, -1) // the limit; x·σ(x) would be −Inf·0
	}
	return x * scalar.Sigmoid(x)
}

// SiLU returns the sigmoid linear unit (swish) x·σ(x) = x/(1+e^(−x))
// element-wise, computed with a sigmoid that never overflows: SiLU(1000) =
// 1000, SiLU(−1000) = −0; +Inf gives +Inf and −Inf gives −0, the limits,
// where PyTorch gives NaN for −Inf (−Inf/Inf).
func SiLU(x *Tensor) *Tensor { return SiLUTo(like("tensor.SiLU", x), x) }

// SiLUTo writes SiLU(x) into dst.
func SiLUTo(dst, x *Tensor) *Tensor { return mapTo("tensor.SiLU", dst, x, specialSiLU) }

// specialSoftsign is x/(1+|x|).
func specialSoftsign(x float64) float64 { return x / (1 + math.Abs(x)) }

// Softsign returns x/(1+|x|) element-wise, in (−1, 1). As in PyTorch, the
// formula is taken literally, so ±Inf give NaN (Inf/Inf) rather than the
// limits ±1.
func Softsign(x *Tensor) *Tensor { return SoftsignTo(like("tensor.Softsign", x), x) }

// SoftsignTo writes Softsign(x) into dst.
func SoftsignTo(dst, x *Tensor) *Tensor {
	return mapTo("tensor.Softsign", dst, x, specialSoftsign)
}

// hypotK is Hypot's kernel: binaryKernel.apply broadcasts, with flat loops
// for equal shapes and one-element operands; float32 operands are widened
// and the float64 hypot rounded to float32.
var hypotK = widened("tensor.Hypot", math.Hypot)

// Hypot returns √(a²+b²) element-wise with NumPy broadcasting, computed by
// math.Hypot without overflow or underflow (Hypot(3e200, 4e200) = 5e200);
// it is +Inf if either operand is ±Inf, even when the other is NaN, as in
// C's hypot and PyTorch. It panics with ErrShape if the shapes do not
// broadcast.
func Hypot(a, b *Tensor) *Tensor { return hypotK.run(a, b) }

// HypotTo writes Hypot(a, b) into dst, which must have the broadcast shape
// of a and b, and returns dst. dst may be a or b when its shape is theirs.
// It panics with ErrShape if the shapes do not broadcast or dst's shape is
// not their broadcast.
func HypotTo(dst, a, b *Tensor) *Tensor { hypotK.apply(dst, a, b); return dst }
