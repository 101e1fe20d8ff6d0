package optim

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// AdagradConfig configures Adagrad. Every field means what it holds: a
// field set to 0 is 0. Start from AdagradDefaults for PyTorch's defaults.
type AdagradConfig struct {
	// LR is the learning rate γ ≥ 0 (PyTorch's default 1e-2).
	LR float64
	// LRDecay is η ≥ 0 (PyTorch's default 0): step t uses the rate
	// γ/(1 + (t − 1)·η). At 0 the rate stays γ.
	LRDecay float64
	// WeightDecay is λ ≥ 0 (PyTorch's default 0), added to the gradient as
	// λw. At 0 there is no decay.
	WeightDecay float64
	// InitialAccumulatorValue is the starting value ≥ 0 of the sum of
	// squared gradients (PyTorch's default 0).
	InitialAccumulatorValue float64
	// Eps is ε ≥ 0, added to the denominator √s (PyTorch's default 1e-10).
	// At 0 nothing is added: an element whose gradients have all been 0
	// gives NaN (0/0).
	Eps float64
}

// AdagradDefaults returns torch.optim.Adagrad's defaults:
// AdagradConfig{LR: 1e-2, Eps: 1e-10} (no rate decay, weight decay or
// initial accumulator).
func AdagradDefaults() AdagradConfig { return AdagradConfig{LR: 1e-2, Eps: 1e-10} }

// Adagrad is the Adagrad optimiser, exactly as torch.optim.Adagrad
// (maximize=false). At a parameter's step t (counted per parameter), with
// gradient g and s starting at InitialAccumulatorValue:
//
//	g ← g + λ·w                      if λ ≠ 0
//	γₜ = γ / (1 + (t − 1)·η)
//	s ← s + g²
//	w ← w − γₜ·g / (√s + ε)
type Adagrad struct {
	params []autograd.Var
	cfg    AdagradConfig
	sum    []vec // s, the sums of squared gradients, of the parameters' types
	steps  []int // each parameter's own step count t
	grad   vec   // the L2-decayed gradient; zero without weight decay
}

// NewAdagrad returns Adagrad over params with the configuration cfg, taken
// as given (start from AdagradDefaults for PyTorch's defaults).
// It panics with an error wrapping ErrConfig if params is empty, holds a
// non-parameter or a duplicate, or if LR, LRDecay, WeightDecay,
// InitialAccumulatorValue or Eps is negative or not finite.
func NewAdagrad(params []autograd.Var, cfg AdagradConfig) *Adagrad {
	const op = "optim.NewAdagrad"
	checkNonNeg(op, "LR", cfg.LR)
	checkNonNeg(op, "LRDecay", cfg.LRDecay)
	checkNonNeg(op, "WeightDecay", cfg.WeightDecay)
	checkNonNeg(op, "InitialAccumulatorValue", cfg.InitialAccumulatorValue)
	checkNonNeg(op, "Eps", cfg.Eps)
	ps := checkParams(op, params)
	o := &Adagrad{params: ps, cfg: cfg, sum: stateFor(ps), steps: make([]int, len(ps))}
	if cfg.WeightDecay != 0 {
		o.grad = scratchFor(ps)
	}
	for _, s := range o.sum {
		s.fill(cfg.InitialAccumulatorValue) // rounded to float32 for a float32 parameter, as torch.full_like
	}
	return o
}

// Config returns the configuration in use, with the current LR.
func (o *Adagrad) Config() AdagradConfig { return o.cfg }

// Step applies one Adagrad update (see Adagrad) to every parameter with a
// gradient: one branch-free loop per parameter in PyTorch's order of
// operations (weight decay a whole-slice pass before it); it allocates
// nothing.
func (o *Adagrad) Step() {
	c := o.cfg
	for i, p := range o.params {
		w, g := gradOf("optim.Adagrad.Step", i, p, o.sum[i])
		if g == nil {
			continue
		}
		o.steps[i]++
		negLR := -(c.LR / (1 + float64(o.steps[i]-1)*c.LRDecay)) // −γₜ
		if is32(w) {
			adagradStep[float32](o, i, w, g, negLR)
		} else {
			adagradStep[float64](o, i, w, g, negLR)
		}
	}
}

// adagradStep applies one Adagrad update with rate −γₜ = negLR (computed in
// float64, as PyTorch computes it in Python floats) to params[i], of value
// w and gradient g of element type T, in T arithmetic.
func adagradStep[T float](o *Adagrad, i int, wt, gt *tensor.Tensor, negLR float64) {
	w, g := data[T](wt), data[T](gt)
	n := len(g)
	if o.cfg.WeightDecay != 0 {
		d := scratchOf[T](&o.grad, n)
		axpyTo(d, g, T(o.cfg.WeightDecay), w) // g + λ·w
		g = d
	}
	k, eps := T(negLR), T(o.cfg.Eps)
	s, w := slice[T](o.sum[i])[:n], w[:n]
	for j, gj := range g {
		sj := s[j] + gj*gj
		s[j] = sj
		w[j] += k * gj / (sqrt(sj) + eps)
	}
}

// ZeroGrad zeroes every parameter's gradient.
func (o *Adagrad) ZeroGrad() { zeroGrads(o.params) }

// LR returns the base learning rate γ (before the LRDecay factor).
func (o *Adagrad) LR() float64 { return o.cfg.LR }

// SetLR sets the base learning rate γ. It panics with ErrConfig if lr is
// negative or not finite.
func (o *Adagrad) SetLR(lr float64) { o.cfg.LR = setLR("optim.Adagrad.SetLR", lr) }
