package optim

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// RMSpropConfig configures RMSprop. Every field means what it holds: a
// field set to 0 is 0. Start from RMSpropDefaults for PyTorch's defaults.
type RMSpropConfig struct {
	// LR is the learning rate γ ≥ 0 (PyTorch's default 1e-2).
	LR float64
	// Alpha is the smoothing constant α ≥ 0 of the running mean of g²
	// (PyTorch's default 0.99). At 0, v = g² (and ḡ = g when centered, so
	// the centered denominator is ε alone).
	Alpha float64
	// Eps is ε ≥ 0, added to the denominator √v (PyTorch's default 1e-8).
	// At 0 nothing is added: a zero gradient with v = 0 gives NaN (0/0).
	Eps float64
	// WeightDecay is λ ≥ 0 (PyTorch's default 0), added to the gradient as
	// λw. At 0 there is no decay.
	WeightDecay float64
	// Momentum is μ ≥ 0 (PyTorch's default 0). At 0 there is no momentum
	// buffer.
	Momentum float64
	// Centered normalises by an estimate of the gradient's variance,
	// v − ḡ², instead of its second moment v (PyTorch's default false).
	Centered bool
}

// RMSpropDefaults returns torch.optim.RMSprop's defaults:
// RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8} (no weight decay,
// momentum or centering).
func RMSpropDefaults() RMSpropConfig {
	return RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}
}

// RMSprop is the RMSprop optimiser, exactly as torch.optim.RMSprop
// (maximize=false). For each parameter w with gradient g:
//
//	g ← g + λ·w                      if λ ≠ 0
//	v ← α·v + (1 − α)·g²
//	ḡ ← α·ḡ + (1 − α)·g              if centered
//	d ← √(v − ḡ²) + ε   (centered)   or   d ← √v + ε
//	b ← μ·b + g/d,  w ← w − γ·b      if μ > 0 (b starts at 0)
//	w ← w − γ·g/d                    otherwise
//
// ε is added after the square root (TensorFlow adds it inside).
type RMSprop struct {
	params []autograd.Var
	cfg    RMSpropConfig
	sq     []vec // v, the running mean of g², of the parameters' types
	avg    []vec // ḡ, the running mean of g; nil unless centered
	buf    []vec // momentum buffers; nil unless Momentum > 0
	denom  vec   // d for one parameter, as long as the largest
	grad   vec   // the L2-decayed gradient; zero without weight decay
}

// NewRMSprop returns RMSprop over params with the configuration cfg, taken
// as given (start from RMSpropDefaults for PyTorch's defaults).
// It panics with an error wrapping ErrConfig if params is empty, holds a
// non-parameter or a duplicate, or if LR, Alpha, Eps, WeightDecay or
// Momentum is negative or not finite.
func NewRMSprop(params []autograd.Var, cfg RMSpropConfig) *RMSprop {
	const op = "optim.NewRMSprop"
	checkNonNeg(op, "LR", cfg.LR)
	checkNonNeg(op, "Alpha", cfg.Alpha)
	checkNonNeg(op, "Eps", cfg.Eps)
	checkNonNeg(op, "WeightDecay", cfg.WeightDecay)
	checkNonNeg(op, "Momentum", cfg.Momentum)
	ps := checkParams(op, params)
	o := &RMSprop{params: ps, cfg: cfg, sq: stateFor(ps), denom: scratchFor(ps)}
	if cfg.WeightDecay != 0 {
		o.grad = scratchFor(ps)
	}
	if cfg.Centered {
		o.avg = stateFor(ps)
	}
	if cfg.Momentum > 0 {
		o.buf = stateFor(ps)
	}
	return o
}

// Config returns the configuration in use, with the current LR.
func (o *RMSprop) Config() RMSpropConfig { return o.cfg }

// Step applies one RMSprop update (see RMSprop) to every parameter with a
// gradient: two branch-free loops per parameter (the denominator d, then
// the update), in PyTorch's order of operations; it allocates nothing.
func (o *RMSprop) Step() {
	for i, p := range o.params {
		w, g := gradOf("optim.RMSprop.Step", i, p, o.sq[i])
		switch {
		case g == nil:
		case is32(w):
			rmspropStep[float32](o, i, w, g)
		default:
			rmspropStep[float64](o, i, w, g)
		}
	}
}

// rmspropStep applies one RMSprop update to params[i], of value w and
// gradient g of element type T, in T arithmetic (each hyper-parameter
// rounded to T).
func rmspropStep[T float](o *RMSprop, i int, wt, gt *tensor.Tensor) {
	c := o.cfg
	alpha, ca, eps, negLR := T(c.Alpha), T(1-c.Alpha), T(c.Eps), T(-c.LR)
	w, g := data[T](wt), data[T](gt)
	n := len(g)
	if c.WeightDecay != 0 {
		dg := scratchOf[T](&o.grad, n)
		axpyTo(dg, g, T(c.WeightDecay), w) // g + λ·w
		g = dg
	}
	sq, d := slice[T](o.sq[i])[:n], scratchOf[T](&o.denom, n)
	if o.avg != nil {
		avg := slice[T](o.avg[i])[:n]
		for j, gj := range g {
			s := sq[j]*alpha + ca*gj*gj
			a := avg[j]*alpha + ca*gj
			sq[j], avg[j] = s, a
			d[j] = sqrt(s-a*a) + eps // torch: addcmul(…, value=−1), the same in IEEE
		}
	} else {
		for j, gj := range g {
			s := sq[j]*alpha + ca*gj*gj
			sq[j] = s
			d[j] = sqrt(s) + eps
		}
	}
	w = w[:n]
	if c.Momentum > 0 {
		mu := T(c.Momentum)
		buf := slice[T](o.buf[i])[:n]
		for j, gj := range g {
			b := buf[j]*mu + gj/d[j]
			buf[j] = b
			w[j] += negLR * b
		}
	} else {
		for j, gj := range g {
			w[j] += negLR * gj / d[j]
		}
	}
}

// ZeroGrad zeroes every parameter's gradient.
func (o *RMSprop) ZeroGrad() { zeroGrads(o.params) }

// LR returns the learning rate γ.
func (o *RMSprop) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate γ. It panics with ErrConfig if lr is negative
// or not finite.
func (o *RMSprop) SetLR(lr float64) { o.cfg.LR = setLR("optim.RMSprop.SetLR", lr) }

// Momentum returns the momentum μ, the coefficient OneCycleLR cycles.
func (o *RMSprop) Momentum() float64 { return o.cfg.Momentum }

// SetMomentum sets the momentum μ for the following steps; a first μ > 0
// makes the momentum buffers, at zero as PyTorch's start. It panics with
// ErrConfig if mu is negative or not finite.
func (o *RMSprop) SetMomentum(mu float64) {
	checkNonNeg("optim.RMSprop.SetMomentum", "momentum", mu)
	if mu > 0 && o.buf == nil {
		o.buf = stateFor(o.params)
	}
	o.cfg.Momentum = mu
}
