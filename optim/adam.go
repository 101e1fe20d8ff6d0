package optim

import (
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"gonum.org/v1/gonum/floats"
)

// AdamConfig configures Adam; the defaults are torch.optim.Adam's. A zero
// LR, Beta1, Beta2 or Eps means its default (so exactly 0 cannot be asked
// for: give a tiny value such as 1e-300, whose effect is below rounding).
type AdamConfig struct {
	// LR is the learning rate γ ≥ 0 (default 1e-3).
	LR float64
	// Beta1 is β₁ ∈ [0, 1), the decay of the gradient's running mean
	// (default 0.9).
	Beta1 float64
	// Beta2 is β₂ ∈ [0, 1), the decay of the squared gradient's running mean
	// (default 0.999).
	Beta2 float64
	// Eps is ε ≥ 0, added to the denominator √v̂ (default 1e-8).
	Eps float64
	// WeightDecay is λ ≥ 0 (default 0): the L2 penalty ½λ‖w‖², added to the
	// gradient as λw before the moments (for decoupled decay use AdamW).
	WeightDecay float64
	// AMSGrad normalises by the running maximum of v instead of v.
	AMSGrad bool
}

// AdamWConfig configures AdamW; the defaults are torch.optim.AdamW's. A zero
// LR, Beta1, Beta2, Eps or WeightDecay means its default (see AdamConfig;
// for no weight decay at all use Adam).
type AdamWConfig struct {
	// LR is the learning rate γ ≥ 0 (default 1e-3).
	LR float64
	// Beta1 is β₁ ∈ [0, 1) (default 0.9).
	Beta1 float64
	// Beta2 is β₂ ∈ [0, 1) (default 0.999).
	Beta2 float64
	// Eps is ε ≥ 0 (default 1e-8).
	Eps float64
	// WeightDecay is λ ≥ 0 (default 1e-2), the decoupled decay: each step
	// first scales w by 1 − γλ.
	WeightDecay float64
	// AMSGrad normalises by the running maximum of v instead of v.
	AMSGrad bool
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
// with params.
type adamState struct {
	params  []autograd.Var
	m, v    [][]float64 // first and second moments
	vmax    [][]float64 // AMSGrad's running maximum of v, nil without it
	steps   []int       // each parameter's own step count t
	scratch []float64   // the L2-decayed gradient; nil without L2 decay
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

// adamCheck fills in the defaults shared by Adam and AdamW and validates.
func adamCheck(op string, lr, b1, b2, eps, wd *float64, wdDefault float64) {
	*lr = orDefault(*lr, 1e-3)
	*b1 = orDefault(*b1, 0.9)
	*b2 = orDefault(*b2, 0.999)
	*eps = orDefault(*eps, 1e-8)
	*wd = orDefault(*wd, wdDefault)
	checkNonNeg(op, "LR", *lr)
	checkBeta(op, "Beta1", *b1)
	checkBeta(op, "Beta2", *b2)
	checkNonNeg(op, "Eps", *eps)
	checkNonNeg(op, "WeightDecay", *wd)
}

// NewAdam returns Adam over params with the given configuration.
// It panics with an error wrapping ErrConfig if params is empty, holds a
// non-parameter or a duplicate, if LR, Eps or WeightDecay is negative or not
// finite, or if Beta1 or Beta2 is outside [0, 1).
func NewAdam(params []autograd.Var, cfg AdamConfig) *Adam {
	const op = "optim.NewAdam"
	adamCheck(op, &cfg.LR, &cfg.Beta1, &cfg.Beta2, &cfg.Eps, &cfg.WeightDecay, 0)
	return &Adam{cfg: cfg, st: newAdamState(op, params, cfg.AMSGrad, cfg.WeightDecay != 0)}
}

// NewAdamW returns AdamW over params with the given configuration.
// It panics with an error wrapping ErrConfig if params is empty, holds a
// non-parameter or a duplicate, if LR, Eps or WeightDecay is negative or not
// finite, or if Beta1 or Beta2 is outside [0, 1).
func NewAdamW(params []autograd.Var, cfg AdamWConfig) *AdamW {
	const op = "optim.NewAdamW"
	adamCheck(op, &cfg.LR, &cfg.Beta1, &cfg.Beta2, &cfg.Eps, &cfg.WeightDecay, 1e-2)
	return &AdamW{cfg: cfg, st: newAdamState(op, params, cfg.AMSGrad, false)}
}

// step applies one Adam update to every parameter with a gradient: with L2
// decay l2 added to the gradient, or with decoupled decay (w scaled by
// 1 − γ·decay). The optional terms are whole-slice gonum passes, as in
// PyTorch; the rest is one branch-free loop per parameter in PyTorch's order
// of operations. It allocates nothing.
func (s *adamState) step(op string, lr, b1, b2, eps, l2, decay float64) {
	c1, c2 := 1-b1, 1-b2 // computed at run time, as Python computes 1 - beta
	for i, p := range s.params {
		w, g := gradOf(op, p, len(s.m[i]))
		if g == nil {
			continue
		}
		s.steps[i]++
		negStep := -(lr / (1 - powInt(b1, s.steps[i])))  // −γ/(1 − β₁ᵗ)
		bc2Sqrt := math.Sqrt(1 - powInt(b2, s.steps[i])) // √(1 − β₂ᵗ)
		if decay != 0 {
			floats.Scale(1-lr*decay, w) // w = w·(1 − γλ)
		}
		if l2 != 0 {
			d := s.scratch[:len(g)]
			floats.AddScaledTo(d, g, l2, w) // g + λ·w
			g = d
		}
		m, v := s.m[i][:len(g)], s.v[i][:len(g)]
		w = w[:len(g)]
		if s.vmax == nil {
			for j, gj := range g {
				mj := m[j]*b1 + c1*gj
				vj := v[j]*b2 + c2*gj*gj
				m[j], v[j] = mj, vj
				w[j] += negStep * mj / (math.Sqrt(vj)/bc2Sqrt + eps)
			}
			continue
		}
		vmax := s.vmax[i][:len(g)]
		for j, gj := range g {
			mj := m[j]*b1 + c1*gj
			vj := v[j]*b2 + c2*gj*gj
			vm := max(vmax[j], vj) // NaN-propagating, like torch.maximum
			m[j], v[j], vmax[j] = mj, vj, vm
			w[j] += negStep * mj / (math.Sqrt(vm)/bc2Sqrt + eps)
		}
	}
}

// Config returns the configuration in use, defaults filled in and LR current.
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

// Config returns the configuration in use, defaults filled in and LR current.
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
