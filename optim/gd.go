package optim

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
	"gonum.org/v1/gonum/floats"
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
	// or nil (rate 1). Rates must be finite and ≥ 0. The tensors are not
	// copied: the optimiser reads them at every Step, so changing their
	// elements changes the following steps.
	Rates []*tensor.Tensor
}

// GD is plain gradient descent, the course's update
//
//	ŵ = w − (η·α) ⊙ ∇C
//
// with η the learning rate (LR) and α the parameter's rate tensor from
// GDConfig.Rates (1 when none is given). With no Rates it is exactly SGD
// without momentum or weight decay: w ← w + (−η)·∇C, element by element.
type GD struct {
	params []autograd.Var
	rates  []*tensor.Tensor
	lr     float64
}

// NewGD returns gradient descent over params.
// It panics with an error wrapping ErrConfig if params is empty, holds a
// non-parameter or a duplicate, if LR is negative or not finite, if Rates
// has not one entry per parameter or holds a negative or non-finite rate;
// and with one wrapping tensor.ErrShape if a rate tensor has neither the
// parameter's shape nor one element.
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
			for _, a := range r.Data() {
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
// Without a per-element rate it is one gonum floats.AddScaled per parameter.
func (o *GD) Step() {
	for i, p := range o.params {
		w, g := gradOf("optim.GD.Step", p, p.Value().Len())
		if g == nil {
			continue
		}
		var r *tensor.Tensor
		if o.rates != nil {
			r = o.rates[i]
		}
		switch {
		case r == nil:
			floats.AddScaled(w, -o.lr, g)
		case r.Len() == 1:
			floats.AddScaled(w, -(o.lr * r.Data()[0]), g)
		default:
			// w[j] += −(η·α[j])·g[j]: gonum has no three-operand form.
			a := r.Data()
			w, g = w[:len(a)], g[:len(a)]
			for j := range a {
				w[j] += -(o.lr * a[j]) * g[j]
			}
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
