package optim

import (
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
	"gonum.org/v1/gonum/floats"
)

// ClipGradNorm rescales the gradients of params in place so that their
// joint Euclidean norm, as if they were concatenated into one vector, is at
// most maxNorm, and returns that norm before clipping, like PyTorch's
// torch.nn.utils.clip_grad_norm_ (norm_type 2):
//
//	N = ‖(‖g₁‖₂, …, ‖gₖ‖₂)‖₂,   c = min(1, maxNorm/(N + 10⁻⁶)),   gᵢ ← c·gᵢ
//
// Parameters whose Grad is nil are skipped (no gradients: N = 0). The 10⁻⁶
// keeps c finite for zero gradients and leaves the clipped norm slightly
// below maxNorm. A NaN or infinite N is returned and scales the gradients by
// NaN or 0 as PyTorch's does; check the result if gradients may overflow.
// The norms use gonum's overflow-safe floats.Norm and math.Hypot.
// A maxNorm of +Inf clips nothing, which computes the norm alone.
//
// Float32 gradients (a model may mix the types) have their norm
// accumulated in float64: the sum of the squares, each exact in float64
// and unable to overflow it, rounded once by the square root. N and c stay
// float64, and a float32 gradient is multiplied by c rounded to float32.
// PyTorch computes a float32 model's norm in float32 instead, so its N may
// differ from ours in the last float32 digits.
// It panics with ErrConfig if maxNorm is negative or NaN or a parameter is
// the zero Var.
func ClipGradNorm(params []autograd.Var, maxNorm float64) float64 {
	const op = "optim.ClipGradNorm"
	if !(maxNorm >= 0) {
		configPanic(op, "maxNorm", maxNorm, "≥ 0")
	}
	total := 0.0
	for i, p := range params {
		checkValid(op, i, p)
		if g := p.Grad(); g != nil {
			total = math.Hypot(total, norm2(g))
		}
	}
	c := maxNorm / (total + 1e-6)
	if !(c >= 1) { // c < 1, or NaN from a NaN norm (PyTorch scales by it too)
		for _, p := range params {
			if g := p.Grad(); g != nil {
				if is32(g) {
					scal(float32(c), g.Data32())
				} else {
					scal(c, g.Data())
				}
			}
		}
	}
	return total
}

// norm2 returns the Euclidean norm of g's elements in float64: gonum's
// floats.Norm for float64; for float32 the float64 square root of the
// float64 sum of squares (each square is exact and below 2²⁵⁶, so the sum
// cannot overflow float64 and needs none of floats.Norm's scaling).
func norm2(g *tensor.Tensor) float64 {
	if !is32(g) {
		return floats.Norm(g.Data(), 2)
	}
	s := 0.0
	for _, x := range g.Data32() {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// ClipGradValue clamps every gradient element of params to [−clip, clip] in
// place, like PyTorch's torch.nn.utils.clip_grad_value_:
//
//	gᵢⱼ ← max(−clip, min(clip, gᵢⱼ))
//
// Parameters whose Grad is nil are skipped; NaN elements stay NaN. A
// float32 gradient is clamped to ±clip rounded to float32, as PyTorch
// rounds the bounds of a float32 clamp.
// It panics with ErrConfig if clip is negative or NaN or a parameter is the
// zero Var.
func ClipGradValue(params []autograd.Var, clip float64) {
	const op = "optim.ClipGradValue"
	if !(clip >= 0) {
		configPanic(op, "clip", clip, "≥ 0")
	}
	for i, p := range params {
		checkValid(op, i, p)
		if g := p.Grad(); g != nil {
			tensor.ClampTo(g, g, -clip, clip)
		}
	}
}
