package optim

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// GDConfig configures plain gradient descent. Every field means what it
// holds: LR has no default and must be set (0 is a zero rate).
type GDConfig struct {
	// LR is the global learning rate η ≥ 0, the rate a schedule drives; set
	// it. At 0 the parameters do not move.
	LR float64
	// Rates, if not nil, holds one rate tensor α per parameter, aligned with
	// the parameter list: of the parameter's shape (a rate per element), a
	// one-element tensor such as tensor.Scalar(0.1) (a rate per parameter),
	// or nil (rate 1), each of its parameter's element type (for a float32
	// parameter, tensor.Float32.Scalar(0.1)). Rates must be finite and ≥ 0.
	// The tensors are not copied: the optimiser reads them at every Step,
	// so changing their elements changes the following steps.
	Rates []*tensor.Tensor
}

// GD is plain gradient descent, the course's update
//
//	ŵ = w − (η·α) ⊙ ∇C
//
// with η the learning rate (LR) and α the parameter's rate tensor from
// GDConfig.Rates (1 when none is given). With no Rates it is exactly SGD
// without momentum or weight decay: w ← w + (−η)·∇C, element by element.
// A float32 parameter is updated in float32 arithmetic: η·α is computed in
// float64 and rounded to float32 for a one-element rate, and in float32
// (η rounded) for a rate per element.
type GD struct {
	params []autograd.Var
	rates  []*tensor.Tensor
	lr     float64
}

// NewGD returns gradient descent over params.
// It panics with an error wrapping ErrConfig if params is empty, holds a
// non-parameter or a duplicate, if LR is negative or not finite, if Rates
// has not one entry per parameter or holds a negative or non-finite rate;
// with one wrapping tensor.ErrShape if a rate tensor has neither the
// parameter's shape nor one element, and with one wrapping tensor.ErrDType
// if it has another element type than its parameter.
func NewGD(params []autograd.Var, cfg GDConfig) *GD {
	const op = "optim.NewGD"
	o := &GD{params: checkParams(op, params), lr: cfg.LR}
	checkNonNeg(op, "LR", o.lr)
	if cfg.Rates != nil {
		if len(cfg.Rates) != len(params) {
			configPanic(op, "len(Rates)", len(cfg.Rates), fmt.Sprintf("one rate tensor per parameter (%d)", len(params)))
		}
		for i, r := range cfg.Rates {
			if r == nil {
				continue
			}
			if r.Len() != 1 && !tensor.SameShape(r, params[i].Value()) {
				panic(&tensor.ShapeError{Op: op, Shapes: [][]int{r.Shape(), params[i].Value().Shape()},
					Msg: fmt.Sprintf("Rates[%d] must have the parameter's shape or one element", i), Err: tensor.ErrShape})
			}
			if r.DType() != params[i].Value().DType() {
				shapes.DTypePanic(op, fmt.Sprintf("Rates[%d] is %v but its parameter is %v (convert it with To)",
					i, r.DType(), params[i].Value().DType()), r.Shape(), params[i].Value().Shape())
			}
			for _, a := range r.Float64s() {
				if !(a >= 0) || math.IsInf(a, 1) {
					configPanic(op, fmt.Sprintf("an element of Rates[%d]", i), a, "a finite rate ≥ 0")
				}
			}
		}
		o.rates = append([]*tensor.Tensor(nil), cfg.Rates...)
	}
	return o
}

// Step applies w ← w − (η·α) ⊙ ∇C to every parameter with a gradient.
// Without a per-element rate it is one whole-slice pass per parameter (a
// gonum floats.AddScaled for float64).
func (o *GD) Step() {
	for i, p := range o.params {
		w, g := gradOf("optim.GD.Step", i, p, vec{})
		if g == nil {
			continue
		}
		var r *tensor.Tensor
		if o.rates != nil {
			r = o.rates[i]
		}
		if is32(w) {
			gdStep[float32](o.lr, r, w, g)
		} else {
			gdStep[float64](o.lr, r, w, g)
		}
	}
}

// gdStep applies w ← w − (η·α) ⊙ g for a value w, gradient g and rate
// tensor r (nil: α = 1) of element type T.
func gdStep[T float](lr float64, r, wt, gt *tensor.Tensor) {
	w, g := data[T](wt), data[T](gt)
	switch {
	case r == nil:
		axpy(w, T(-lr), g)
	case r.Len() == 1:
		axpy(w, T(-(lr * r.Item())), g)
	default:
		// w[j] += −(η·α[j])·g[j]: gonum has no three-operand form.
		a := data[T](r)
		w, g = w[:len(a)], g[:len(a)]
		eta := T(lr)
		for j := range a {
			w[j] += -(eta * a[j]) * g[j]
		}
	}
}

// ZeroGrad zeroes every parameter's gradient.
func (o *GD) ZeroGrad() { zeroGrads(o.params) }

// LR returns the learning rate η.
func (o *GD) LR() float64 { return o.lr }

// SetLR sets the learning rate η. It panics with ErrConfig if lr is negative
// or not finite.
func (o *GD) SetLR(lr float64) { o.lr = setLR("optim.GD.SetLR", lr) }
