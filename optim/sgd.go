package optim

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// SGDConfig configures SGD. Every field means what it holds: a field set
// to 0 is 0. Every default of torch.optim.SGD is zero, so the zero
// SGDConfig (also SGDDefaults) is PyTorch's SGD, except LR, which has no
// default in PyTorch 1.13 (lr is required) and must be set:
//
//	opt := optim.NewSGD(params, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
type SGDConfig struct {
	// LR is the learning rate γ ≥ 0; set it (PyTorch 1.13 requires it,
	// 2.2 and later default to 1e-3). At 0 the parameters do not move.
	LR float64
	// Momentum is μ ≥ 0 (PyTorch's default 0). At 0 there is no momentum
	// buffer: w ← w − γg.
	Momentum float64
	// Dampening is τ, finite (PyTorch's default 0); the gradient enters the
	// momentum buffer with weight 1 − τ. At 0 it enters whole.
	Dampening float64
	// WeightDecay is λ ≥ 0 (PyTorch's default 0): the L2 penalty ½λ‖w‖²,
	// added to the gradient as λw. At 0 there is no decay.
	WeightDecay float64
	// Nesterov switches on Nesterov momentum (PyTorch's default false); it
	// needs Momentum > 0 and Dampening = 0.
	Nesterov bool
}

// SGDDefaults returns torch.optim.SGD's defaults, all zero: no momentum,
// dampening or weight decay, and LR 0, which the caller must set (PyTorch
// 1.13 has no default learning rate).
func SGDDefaults() SGDConfig { return SGDConfig{} }

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and weight decay, exactly as torch.optim.SGD
// (maximize=false). At step t, for each parameter w with gradient g:
//
//	g ← g + λ·w                       if λ ≠ 0
//	b ← g                             at the parameter's first step, if μ ≠ 0
//	b ← μ·b + (1 − τ)·g               at later steps, if μ ≠ 0
//	g ← g + μ·b   (Nesterov)  or  g ← b   (otherwise), if μ ≠ 0
//	w ← w − γ·g
//
// The momentum buffer b starts as a copy of the first gradient (not zero),
// as in PyTorch, whose momentum convention differs from Sutskever et al.'s
// by the learning rate sitting outside the buffer.
type SGD struct {
	params  []autograd.Var
	cfg     SGDConfig
	buf     []vec  // momentum buffers, nil without momentum
	started []bool // whether buf[i] holds a first gradient yet
	scratch vec    // the decayed or Nesterov gradient, as long as the largest parameter
}

// NewSGD returns SGD over params with the configuration cfg, taken as given.
// It panics with an error wrapping ErrConfig if params is empty, holds a
// non-parameter or a duplicate, if LR, Momentum or WeightDecay is negative
// or not finite, if Dampening is not finite, or if Nesterov is set without
// Momentum > 0 and Dampening = 0.
func NewSGD(params []autograd.Var, cfg SGDConfig) *SGD {
	const op = "optim.NewSGD"
	o := &SGD{params: checkParams(op, params), cfg: cfg}
	checkNonNeg(op, "LR", cfg.LR)
	checkNonNeg(op, "Momentum", cfg.Momentum)
	checkNonNeg(op, "WeightDecay", cfg.WeightDecay)
	checkFinite(op, "Dampening", cfg.Dampening)
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		configPanic(op, "Nesterov", true, "Momentum > 0 and Dampening = 0 (Nesterov momentum needs a momentum and no dampening)")
	}
	if cfg.Momentum != 0 {
		o.allocMomentum()
	}
	if cfg.WeightDecay != 0 || cfg.Nesterov {
		o.scratch = scratchFor(o.params)
	}
	return o
}

// Config returns the configuration in use, with the current LR.
func (o *SGD) Config() SGDConfig { return o.cfg }

// Step applies one SGD update (see SGD) to every parameter with a gradient.
// Each line of the rule is one whole-slice pass over the parameter (a gonum
// floats call for float64), in the order of PyTorch's single-tensor code
// (whose ops these are, one for one); nothing is allocated.
func (o *SGD) Step() {
	for i, p := range o.params {
		var ref vec
		if o.buf != nil {
			ref = o.buf[i]
		}
		w, g := gradOf("optim.SGD.Step", i, p, ref)
		switch {
		case g == nil:
		case is32(w):
			sgdStep[float32](o, i, w, g)
		default:
			sgdStep[float64](o, i, w, g)
		}
	}
}

// sgdStep applies the SGD rule to params[i], of value w and gradient g of
// element type T. Each hyper-parameter is rounded to T once, as PyTorch
// rounds a Python float given to a float32 tensor op.
func sgdStep[T float](o *SGD, i int, wt, gt *tensor.Tensor) {
	c := o.cfg
	w, g := data[T](wt), data[T](gt)
	d := g
	if c.WeightDecay != 0 {
		d = scratchOf[T](&o.scratch, len(g))
		axpyTo(d, g, T(c.WeightDecay), w) // d = g + λ·w
	}
	if c.Momentum != 0 {
		b := slice[T](o.buf[i])
		if o.started[i] {
			scal(T(c.Momentum), b)       // b = μ·b
			axpy(b, T(1-c.Dampening), d) //   + (1 − τ)·d
		} else {
			copy(b, d)
			o.started[i] = true
		}
		if c.Nesterov {
			dst := scratchOf[T](&o.scratch, len(g))
			axpyTo(dst, d, T(c.Momentum), b) // d = d + μ·b
			d = dst
		} else {
			d = b
		}
	}
	axpy(w, T(-c.LR), d) // w = w + (−γ)·d
}

// ZeroGrad zeroes every parameter's gradient.
func (o *SGD) ZeroGrad() { zeroGrads(o.params) }

// LR returns the learning rate γ.
func (o *SGD) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate γ. It panics with ErrConfig if lr is negative
// or not finite.
func (o *SGD) SetLR(lr float64) { o.cfg.LR = setLR("optim.SGD.SetLR", lr) }

// allocMomentum makes the momentum buffers, once.
func (o *SGD) allocMomentum() {
	if o.buf == nil {
		o.buf = stateFor(o.params)
		o.started = make([]bool, len(o.params))
	}
}

// Momentum returns the momentum μ, the coefficient OneCycleLR cycles.
func (o *SGD) Momentum() float64 { return o.cfg.Momentum }

// SetMomentum sets the momentum μ for the following steps; a first μ ≠ 0
// makes the momentum buffers (each starts at its parameter's next
// gradient, as in PyTorch). It panics with ErrConfig if mu is negative or
// not finite, or if it is 0 with Nesterov set.
func (o *SGD) SetMomentum(mu float64) {
	const op = "optim.SGD.SetMomentum"
	checkNonNeg(op, "momentum", mu)
	if o.cfg.Nesterov && mu == 0 {
		configPanic(op, "momentum", mu, "> 0 with Nesterov")
	}
	if mu != 0 {
		o.allocMomentum()
	}
	o.cfg.Momentum = mu
}
