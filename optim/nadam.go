package optim

import (
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// NAdamConfig configures NAdam. Every field means what it holds: a field
// set to 0 is 0. Start from NAdamDefaults for PyTorch's defaults.
type NAdamConfig struct {
	// LR is the learning rate γ ≥ 0 (PyTorch's default 2e-3).
	LR float64
	// Beta1 is β₁ ∈ [0, 1) (PyTorch's default 0.9). At 0 the momentum
	// coefficients μₜ are 0 and the step is RMSprop-like: γ·g/(√v̂ + ε).
	Beta1 float64
	// Beta2 is β₂ ∈ [0, 1) (PyTorch's default 0.999); at 0, v = g².
	Beta2 float64
	// Eps is ε ≥ 0, added to √v̂ (PyTorch's default 1e-8); at 0 nothing is
	// added.
	Eps float64
	// WeightDecay is λ ≥ 0 (PyTorch's default 0), the L2 penalty added to
	// the gradient as λw. At 0 there is no decay.
	WeightDecay float64
	// MomentumDecay is ψ ≥ 0 (PyTorch's default 4e-3), the decay of the
	// momentum schedule μₜ = β₁·(1 − ½·0.96^(tψ)). At 0, μₜ = β₁/2 at every
	// step.
	MomentumDecay float64
}

// NAdamDefaults returns torch.optim.NAdam's defaults:
// NAdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, MomentumDecay: 4e-3}
// (no weight decay).
func NAdamDefaults() NAdamConfig {
	return NAdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, MomentumDecay: 4e-3}
}

// NAdam is Adam with Nesterov momentum (Dozat, 2016), exactly as
// torch.optim.NAdam of PyTorch 1.13 (the single-tensor path). At a
// parameter's step t (counted per parameter), with gradient g and the
// running product Πₜ = μ₁·…·μₜ (state "mu_product", 1 before the first
// step):
//
//	g ← g + λ·w                                  if λ ≠ 0
//	μₜ = β₁·(1 − ½·0.96^(tψ)),  μₜ₊₁ = β₁·(1 − ½·0.96^((t+1)ψ))
//	Πₜ = Πₜ₋₁·μₜ,  Π′ = Πₜ·μₜ·μₜ₊₁
//	m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²
//	d = √(v/(1 − β₂ᵗ)) + ε
//	w ← w − γ(1 − μₜ)/(1 − Πₜ)·g/d − γμₜ₊₁/(1 − Π′)·m/d
//
// Π′ is PyTorch 1.13's: it multiplies μₜ in twice (Πₜ already holds it).
// Later PyTorch releases use Π′ = Πₜ·μₜ₊₁ as the NAdam paper does; the two
// differ in the last factor of the momentum term only, by a relative
// amount that vanishes as Π → 0. The reference trajectories are 1.13's.
type NAdam struct {
	params  []autograd.Var
	cfg     NAdamConfig
	m, v    []vec     // first and second moments, of the parameters' types
	muProd  []float64 // each parameter's Πₜ (float64 for every type)
	steps   []int     // each parameter's own step count t
	scratch vec       // the L2-decayed gradient; zero without it
}

// NewNAdam returns NAdam over params with the configuration cfg, taken as
// given (start from NAdamDefaults for PyTorch's defaults). It panics with an
// error wrapping ErrConfig if params is empty, holds a non-parameter or a
// duplicate, if LR, Eps, WeightDecay or MomentumDecay is negative or not
// finite, or if Beta1 or Beta2 is outside [0, 1).
func NewNAdam(params []autograd.Var, cfg NAdamConfig) *NAdam {
	const op = "optim.NewNAdam"
	adamCheck(op, cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay)
	checkNonNeg(op, "MomentumDecay", cfg.MomentumDecay)
	ps := checkParams(op, params)
	o := &NAdam{params: ps, cfg: cfg, m: stateFor(ps), v: stateFor(ps),
		muProd: make([]float64, len(ps)), steps: make([]int, len(ps))}
	for i := range o.muProd {
		o.muProd[i] = 1
	}
	if cfg.WeightDecay != 0 {
		o.scratch = scratchFor(ps)
	}
	return o
}

// Config returns the configuration in use, with the current LR and Beta1.
func (o *NAdam) Config() NAdamConfig { return o.cfg }

// Step applies one NAdam update (see NAdam) to every parameter with a
// gradient: one branch-free loop per parameter in PyTorch's order of
// operations; it allocates nothing.
func (o *NAdam) Step() {
	c := o.cfg
	for i, p := range o.params {
		w, g := gradOf("optim.NAdam.Step", i, p, o.m[i])
		if g == nil {
			continue
		}
		o.steps[i]++
		t := float64(o.steps[i])
		bc2 := 1 - powInt(c.Beta2, o.steps[i])
		mu := c.Beta1 * (1 - 0.5*math.Pow(0.96, t*c.MomentumDecay))
		muNext := c.Beta1 * (1 - 0.5*math.Pow(0.96, (t+1)*c.MomentumDecay))
		o.muProd[i] *= mu
		prodNext := o.muProd[i] * mu * muNext // PyTorch 1.13 (see NAdam)
		kg := -c.LR * (1 - mu) / (1 - o.muProd[i])
		km := -c.LR * muNext / (1 - prodNext)
		if is32(w) {
			nadamStep[float32](o, i, w, g, bc2, kg, km)
		} else {
			nadamStep[float64](o, i, w, g, bc2, kg, km)
		}
	}
}

// nadamStep applies one NAdam update to params[i], of value w and gradient
// g of element type T, in T arithmetic, with the step's bias correction
// bc2 = 1 − β₂ᵗ and the coefficients kg and km of g/d and m/d (computed in
// float64, as PyTorch computes them in Python floats, and rounded to T).
func nadamStep[T float](o *NAdam, i int, wt, gt *tensor.Tensor, bc2, kg, km float64) {
	c := o.cfg
	w, g := data[T](wt), data[T](gt)
	if c.WeightDecay != 0 {
		d := scratchOf[T](&o.scratch, len(g))
		axpyTo(d, g, T(c.WeightDecay), w) // g + λ·w
		g = d
	}
	b1, b2, c1, c2, eps := T(c.Beta1), T(c.Beta2), T(1-c.Beta1), T(1-c.Beta2), T(c.Eps)
	bc, kgT, kmT := T(bc2), T(kg), T(km)
	m, v, w := slice[T](o.m[i])[:len(g)], slice[T](o.v[i])[:len(g)], w[:len(g)]
	for j, gj := range g {
		mj := m[j]*b1 + c1*gj
		vj := v[j]*b2 + c2*gj*gj
		m[j], v[j] = mj, vj
		d := sqrt(vj/bc) + eps
		w[j] += kgT * gj / d
		w[j] += kmT * mj / d
	}
}

// ZeroGrad zeroes every parameter's gradient.
func (o *NAdam) ZeroGrad() { zeroGrads(o.params) }

// LR returns the learning rate γ.
func (o *NAdam) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate γ. It panics with ErrConfig if lr is negative
// or not finite.
func (o *NAdam) SetLR(lr float64) { o.cfg.LR = setLR("optim.NAdam.SetLR", lr) }

// Momentum returns β₁, the coefficient OneCycleLR cycles.
func (o *NAdam) Momentum() float64 { return o.cfg.Beta1 }

// SetMomentum sets β₁. It panics with ErrConfig unless 0 ≤ b1 < 1.
func (o *NAdam) SetMomentum(b1 float64) { o.cfg.Beta1 = setBeta("optim.NAdam.SetMomentum", b1) }

// RAdamConfig configures RAdam. Every field means what it holds: a field
// set to 0 is 0. Start from RAdamDefaults for PyTorch's defaults.
type RAdamConfig struct {
	// LR is the learning rate γ ≥ 0 (PyTorch's default 1e-3).
	LR float64
	// Beta1 is β₁ ∈ [0, 1) (PyTorch's default 0.9); at 0, m = g.
	Beta1 float64
	// Beta2 is β₂ ∈ [0, 1) (PyTorch's default 0.999). At 0, ρ∞ = 1 and
	// every step is the unrectified w ← w − γ·m̂.
	Beta2 float64
	// Eps is ε ≥ 0, added to √v (PyTorch's default 1e-8); at 0 nothing is
	// added.
	Eps float64
	// WeightDecay is λ ≥ 0 (PyTorch's default 0), the L2 penalty added to
	// the gradient as λw. At 0 there is no decay.
	WeightDecay float64
}

// RAdamDefaults returns torch.optim.RAdam's defaults:
// RAdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} (no weight decay).
func RAdamDefaults() RAdamConfig {
	return RAdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// RAdam is rectified Adam (Liu et al., 2019), exactly as torch.optim.RAdam
// of PyTorch 1.13 (the single-tensor path). At a parameter's step t, with
// gradient g:
//
//	g ← g + λ·w                                   if λ ≠ 0
//	m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²
//	m̂ = m/(1 − β₁ᵗ)
//	ρ∞ = 2/(1 − β₂) − 1,  ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
//	if ρₜ > 5:  r = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))
//	            w ← w − m̂·γ·(√(1 − β₂ᵗ)/(√v + ε))·r
//	otherwise:  w ← w − m̂·γ                       (SGD with momentum)
//
// With the defaults the first six steps are unrectified.
type RAdam struct {
	params  []autograd.Var
	cfg     RAdamConfig
	m, v    []vec // first and second moments, of the parameters' types
	steps   []int // each parameter's own step count t
	scratch vec   // the L2-decayed gradient; zero without it
}

// NewRAdam returns RAdam over params with the configuration cfg, taken as
// given (start from RAdamDefaults for PyTorch's defaults). It panics with an
// error wrapping ErrConfig if params is empty, holds a non-parameter or a
// duplicate, if LR, Eps or WeightDecay is negative or not finite, or if
// Beta1 or Beta2 is outside [0, 1).
func NewRAdam(params []autograd.Var, cfg RAdamConfig) *RAdam {
	const op = "optim.NewRAdam"
	adamCheck(op, cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay)
	ps := checkParams(op, params)
	o := &RAdam{params: ps, cfg: cfg, m: stateFor(ps), v: stateFor(ps), steps: make([]int, len(ps))}
	if cfg.WeightDecay != 0 {
		o.scratch = scratchFor(ps)
	}
	return o
}

// Config returns the configuration in use, with the current LR and Beta1.
func (o *RAdam) Config() RAdamConfig { return o.cfg }

// Step applies one RAdam update (see RAdam) to every parameter with a
// gradient, in PyTorch's order of operations; it allocates nothing.
func (o *RAdam) Step() {
	c := o.cfg
	rhoInf := 2/(1-c.Beta2) - 1
	for i, p := range o.params {
		w, g := gradOf("optim.RAdam.Step", i, p, o.m[i])
		if g == nil {
			continue
		}
		o.steps[i]++
		t := o.steps[i]
		k := radamCoeffs{bc1: 1 - powInt(c.Beta1, t)}
		b2t := powInt(c.Beta2, t)
		bc2 := 1 - b2t
		rho := rhoInf - 2*float64(t)*b2t/bc2
		if k.rect = rho > 5; k.rect {
			k.r = math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho))
			k.sbc2 = math.Sqrt(bc2)
		}
		if is32(w) {
			radamStep[float32](o, i, w, g, &k)
		} else {
			radamStep[float64](o, i, w, g, &k)
		}
	}
}

// radamCoeffs are the scalars of one RAdam step of one parameter, in
// float64 as PyTorch computes them in Python floats.
type radamCoeffs struct {
	bc1  float64 // 1 − β₁ᵗ
	rect bool    // ρₜ > 5: the rectified update
	r    float64 // the rectification term, when rect
	sbc2 float64 // √(1 − β₂ᵗ), when rect
}

// radamStep applies one RAdam update to params[i], of value w and gradient
// g of element type T, in T arithmetic (each coefficient rounded to T).
func radamStep[T float](o *RAdam, i int, wt, gt *tensor.Tensor, k *radamCoeffs) {
	c := o.cfg
	w, g := data[T](wt), data[T](gt)
	if c.WeightDecay != 0 {
		d := scratchOf[T](&o.scratch, len(g))
		axpyTo(d, g, T(c.WeightDecay), w) // g + λ·w
		g = d
	}
	b1, b2, c1, c2 := T(c.Beta1), T(c.Beta2), T(1-c.Beta1), T(1-c.Beta2)
	bc1, lr := T(k.bc1), T(c.LR)
	m, v, w := slice[T](o.m[i])[:len(g)], slice[T](o.v[i])[:len(g)], w[:len(g)]
	if k.rect {
		r, sbc2, eps := T(k.r), T(k.sbc2), T(c.Eps)
		for j, gj := range g {
			mj := m[j]*b1 + c1*gj
			vj := v[j]*b2 + c2*gj*gj
			m[j], v[j] = mj, vj
			w[j] -= mj / bc1 * lr * (sbc2 / (sqrt(vj) + eps)) * r
		}
		return
	}
	for j, gj := range g {
		mj := m[j]*b1 + c1*gj
		m[j], v[j] = mj, v[j]*b2+c2*gj*gj
		w[j] -= mj / bc1 * lr
	}
}

// ZeroGrad zeroes every parameter's gradient.
func (o *RAdam) ZeroGrad() { zeroGrads(o.params) }

// LR returns the learning rate γ.
func (o *RAdam) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate γ. It panics with ErrConfig if lr is negative
// or not finite.
func (o *RAdam) SetLR(lr float64) { o.cfg.LR = setLR("optim.RAdam.SetLR", lr) }

// Momentum returns β₁, the coefficient OneCycleLR cycles.
func (o *RAdam) Momentum() float64 { return o.cfg.Beta1 }

// SetMomentum sets β₁. It panics with ErrConfig unless 0 ≤ b1 < 1.
func (o *RAdam) SetMomentum(b1 float64) { o.cfg.Beta1 = setBeta("optim.RAdam.SetMomentum", b1) }
