package optim

import (
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// AdamConfig configures Adam. Every field means what it holds: a field set
// to 0 is 0. Start from AdamDefaults for PyTorch's defaults:
//
//	cfg := optim.AdamDefaults() // LR 1e-3, β = (0.9, 0.999), ε = 1e-8
//	cfg.LR = 3e-3
//	opt := optim.NewAdam(params, cfg)
type AdamConfig struct {
	// LR is the learning rate γ ≥ 0 (PyTorch's default 1e-3). At 0 the
	// moments advance but the parameters do not move.
	LR float64
	// Beta1 is β₁ ∈ [0, 1), the decay of the gradient's running mean
	// (PyTorch's default 0.9). At 0 the mean is the current gradient, m = g
	// (the usual setting for gradient-penalty GANs).
	Beta1 float64
	// Beta2 is β₂ ∈ [0, 1), the decay of the squared gradient's running mean
	// (PyTorch's default 0.999). At 0, v = g², and the step is γ·g/(|g| + ε).
	Beta2 float64
	// Eps is ε ≥ 0, added to the denominator √v̂ (PyTorch's default 1e-8).
	// At 0 nothing is added: an element whose g and v are both 0 becomes NaN
	// (0/0), as in PyTorch.
	Eps float64
	// WeightDecay is λ ≥ 0 (PyTorch's default 0): the L2 penalty ½λ‖w‖²,
	// added to the gradient as λw before the moments (for decoupled decay
	// use AdamW). At 0 there is no decay.
	WeightDecay float64
	// AMSGrad normalises by the running maximum of v instead of v
	// (PyTorch's default false).
	AMSGrad bool
}

// AdamDefaults returns torch.optim.Adam's defaults:
// AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
// (no weight decay, no AMSGrad).
func AdamDefaults() AdamConfig {
	return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// AdamWConfig configures AdamW. Every field means what it holds: a field
// set to 0 is 0 (WeightDecay 0 is Adam without decay). Start from
// AdamWDefaults for PyTorch's defaults.
type AdamWConfig struct {
	// LR is the learning rate γ ≥ 0 (PyTorch's default 1e-3).
	LR float64
	// Beta1 is β₁ ∈ [0, 1) (PyTorch's default 0.9); at 0, m = g.
	Beta1 float64
	// Beta2 is β₂ ∈ [0, 1) (PyTorch's default 0.999); at 0, v = g².
	Beta2 float64
	// Eps is ε ≥ 0 (PyTorch's default 1e-8); at 0 nothing is added to √v̂.
	Eps float64
	// WeightDecay is λ ≥ 0 (PyTorch's default 1e-2), the decoupled decay:
	// each step first scales w by 1 − γλ. At 0 there is no decay.
	WeightDecay float64
	// AMSGrad normalises by the running maximum of v instead of v
	// (PyTorch's default false).
	AMSGrad bool
}

// AdamWDefaults returns torch.optim.AdamW's defaults:
// AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}
// (no AMSGrad).
func AdamWDefaults() AdamWConfig {
	return AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}
}

// Adam is the Adam optimiser, exactly as torch.optim.Adam (maximize=false,
// the single-tensor path). At a parameter's step t (counted per parameter,
// so a step without its gradient does not count), with gradient g:
//
//	g ← g + λ·w                                     if λ ≠ 0
//	m ← β₁·m + (1 − β₁)·g
//	v ← β₂·v + (1 − β₂)·g²
//	v_max ← max(v_max, v), used for v below         with AMSGrad
//	w ← w − (γ / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε)
//
// that is w − γ·m̂/(√v̂ + ε) with the bias-corrected moments m̂ = m/(1 − β₁ᵗ),
// v̂ = v/(1 − β₂ᵗ), evaluated in the order written (ε sits outside the
// square root, after the bias correction of √v; βᵗ is correctly rounded, as
// glibc's pow gives it to PyTorch). Note that AMSGrad keeps the maximum of
// the raw v, as PyTorch does, not of v̂ as its documentation's pseudo-code
// reads; the two differ since 1 − β₂ᵗ changes with t.
type Adam struct {
	cfg AdamConfig
	st  adamState
}

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter), exactly
// as torch.optim.AdamW (maximize=false): the decay multiplies the parameter
// instead of entering the gradient,
//
//	w ← w·(1 − γλ)
//	m, v, v_max as in Adam with the raw gradient g
//	w ← w − (γ / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε)
type AdamW struct {
	cfg AdamWConfig
	st  adamState
}

// adamState is the per-parameter state shared by Adam and AdamW, aligned
// with params; each buffer has its parameter's element type.
type adamState struct {
	params  []autograd.Var
	m, v    []vec // first and second moments
	vmax    []vec // AMSGrad's running maximum of v, nil without it
	steps   []int // each parameter's own step count t
	scratch vec   // the L2-decayed gradient; zero without L2 decay
}

func newAdamState(op string, params []autograd.Var, amsgrad, l2 bool) adamState {
	ps := checkParams(op, params)
	st := adamState{params: ps, m: stateFor(ps), v: stateFor(ps), steps: make([]int, len(ps))}
	if amsgrad {
		st.vmax = stateFor(ps)
	}
	if l2 {
		st.scratch = scratchFor(ps)
	}
	return st
}

// adamCheck validates the settings shared by Adam and AdamW.
func adamCheck(op string, lr, b1, b2, eps, wd float64) {
	checkNonNeg(op, "LR", lr)
	checkBeta(op, "Beta1", b1)
	checkBeta(op, "Beta2", b2)
	checkNonNeg(op, "Eps", eps)
	checkNonNeg(op, "WeightDecay", wd)
}

// NewAdam returns Adam over params with the configuration cfg, taken as
// given (start from AdamDefaults for PyTorch's defaults).
// It panics with an error wrapping ErrConfig if params is empty, holds a
// non-parameter or a duplicate, if LR, Eps or WeightDecay is negative or not
// finite, or if Beta1 or Beta2 is outside [0, 1).
func NewAdam(params []autograd.Var, cfg AdamConfig) *Adam {
	const op = "optim.NewAdam"
	adamCheck(op, cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay)
	return &Adam{cfg: cfg, st: newAdamState(op, params, cfg.AMSGrad, cfg.WeightDecay != 0)}
}

// NewAdamW returns AdamW over params with the configuration cfg, taken as
// given (start from AdamWDefaults for PyTorch's defaults).
// It panics with an error wrapping ErrConfig if params is empty, holds a
// non-parameter or a duplicate, if LR, Eps or WeightDecay is negative or not
// finite, or if Beta1 or Beta2 is outside [0, 1).
func NewAdamW(params []autograd.Var, cfg AdamWConfig) *AdamW {
	const op = "optim.NewAdamW"
	adamCheck(op, cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay)
	return &AdamW{cfg: cfg, st: newAdamState(op, params, cfg.AMSGrad, false)}
}

// adamCoeffs are the scalars of one Adam step of one parameter, in
// float64 as PyTorch computes them in Python floats; the kernel rounds
// each to the parameter's type once, where PyTorch passes it to a tensor
// op.
type adamCoeffs struct {
	lr, b1, b2, c1, c2, eps, l2, decay float64
	negStep                            float64 // −γ/(1 − β₁ᵗ)
	bc2Sqrt                            float64 // √(1 − β₂ᵗ)
}

// step applies one Adam update to every parameter with a gradient: with L2
// decay l2 added to the gradient, or with decoupled decay (w scaled by
// 1 − γ·decay). It allocates nothing.
func (s *adamState) step(op string, lr, b1, b2, eps, l2, decay float64) {
	k := adamCoeffs{lr: lr, b1: b1, b2: b2, eps: eps, l2: l2, decay: decay,
		c1: 1 - b1, c2: 1 - b2} // computed at run time, as Python computes 1 - beta
	for i, p := range s.params {
		w, g := gradOf(op, i, p, s.m[i])
		if g == nil {
			continue
		}
		s.steps[i]++
		k.negStep = -(lr / (1 - powInt(b1, s.steps[i])))  // −γ/(1 − β₁ᵗ)
		k.bc2Sqrt = math.Sqrt(1 - powInt(b2, s.steps[i])) // √(1 − β₂ᵗ)
		if is32(w) {
			adamStep[float32](s, i, w, g, &k)
		} else {
			adamStep[float64](s, i, w, g, &k)
		}
	}
}

// adamStep applies one Adam update to params[i], of value w and gradient g
// of element type T, in T arithmetic. The optional terms are whole-slice
// passes, as in PyTorch; the rest is one branch-free loop in PyTorch's
// order of operations.
func adamStep[T float](s *adamState, i int, wt, gt *tensor.Tensor, k *adamCoeffs) {
	w, g := data[T](wt), data[T](gt)
	if k.decay != 0 {
		scal(T(1-k.lr*k.decay), w) // w = w·(1 − γλ)
	}
	if k.l2 != 0 {
		d := scratchOf[T](&s.scratch, len(g))
		axpyTo(d, g, T(k.l2), w) // g + λ·w
		g = d
	}
	b1, b2, c1, c2, eps := T(k.b1), T(k.b2), T(k.c1), T(k.c2), T(k.eps)
	negStep, bc2Sqrt := T(k.negStep), T(k.bc2Sqrt)
	m, v := slice[T](s.m[i])[:len(g)], slice[T](s.v[i])[:len(g)]
	w = w[:len(g)]
	if s.vmax == nil {
		for j, gj := range g {
			mj := m[j]*b1 + c1*gj
			vj := v[j]*b2 + c2*gj*gj
			m[j], v[j] = mj, vj
			w[j] += negStep * mj / (sqrt(vj)/bc2Sqrt + eps)
		}
		return
	}
	vmax := slice[T](s.vmax[i])[:len(g)]
	for j, gj := range g {
		mj := m[j]*b1 + c1*gj
		vj := v[j]*b2 + c2*gj*gj
		vm := max(vmax[j], vj) // NaN-propagating, like torch.maximum
		m[j], v[j], vmax[j] = mj, vj, vm
		w[j] += negStep * mj / (sqrt(vm)/bc2Sqrt + eps)
	}
}

// Config returns the configuration in use, with the current LR.
func (o *Adam) Config() AdamConfig { return o.cfg }

// Step applies one Adam update (see Adam) to every parameter with a gradient.
func (o *Adam) Step() {
	c := o.cfg
	o.st.step("optim.Adam.Step", c.LR, c.Beta1, c.Beta2, c.Eps, c.WeightDecay, 0)
}

// ZeroGrad zeroes every parameter's gradient.
func (o *Adam) ZeroGrad() { zeroGrads(o.st.params) }

// LR returns the learning rate γ.
func (o *Adam) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate γ. It panics with ErrConfig if lr is negative
// or not finite.
func (o *Adam) SetLR(lr float64) { o.cfg.LR = setLR("optim.Adam.SetLR", lr) }

// Config returns the configuration in use, with the current LR.
func (o *AdamW) Config() AdamWConfig { return o.cfg }

// Step applies one AdamW update (see AdamW) to every parameter with a gradient.
func (o *AdamW) Step() {
	c := o.cfg
	o.st.step("optim.AdamW.Step", c.LR, c.Beta1, c.Beta2, c.Eps, 0, c.WeightDecay)
}

// ZeroGrad zeroes every parameter's gradient.
func (o *AdamW) ZeroGrad() { zeroGrads(o.st.params) }

// LR returns the learning rate γ.
func (o *AdamW) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate γ. It panics with ErrConfig if lr is negative
// or not finite.
func (o *AdamW) SetLR(lr float64) { o.cfg.LR = setLR("optim.AdamW.SetLR", lr) }

// Momentum returns β₁, the coefficient OneCycleLR cycles.
func (o *Adam) Momentum() float64 { return o.cfg.Beta1 }

// SetMomentum sets β₁. It panics with ErrConfig unless 0 ≤ b1 < 1.
func (o *Adam) SetMomentum(b1 float64) { o.cfg.Beta1 = setBeta("optim.Adam.SetMomentum", b1) }

// Momentum returns β₁, the coefficient OneCycleLR cycles.
func (o *AdamW) Momentum() float64 { return o.cfg.Beta1 }

// SetMomentum sets β₁. It panics with ErrConfig unless 0 ≤ b1 < 1.
func (o *AdamW) SetMomentum(b1 float64) { o.cfg.Beta1 = setBeta("optim.AdamW.SetMomentum", b1) }
