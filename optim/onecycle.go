package optim

import (
	"fmt"
	"math"
)

// Anneal is the shape of OneCycleLR's curves between two values.
type Anneal int

// The annealing shapes; the zero Anneal is none of them (set one).
const (
	// AnnealCos is half a cosine: end + (start − end)·(1 + cos(π·p))/2.
	AnnealCos Anneal = iota + 1
	// AnnealLinear is a straight line: start + (end − start)·p.
	AnnealLinear
)

// OneCycleConfig configures OneCycleLR. Every field means what it holds: a
// field set to 0 is 0 (and is refused where PyTorch would divide by it).
// Start from OneCycleDefaults, which takes the two settings PyTorch requires.
type OneCycleConfig struct {
	// MaxLR is the peak rate η_max > 0 (required by PyTorch).
	MaxLR float64
	// TotalSteps is the number of optimiser steps of the cycle, ≥ 1
	// (PyTorch: total_steps, or epochs·steps_per_epoch). Step may be
	// called TotalSteps times.
	TotalSteps int
	// PctStart ∈ [0, 1] is the fraction of the steps spent rising
	// (PyTorch's default 0.3).
	PctStart float64
	// Anneal is the curve's shape (PyTorch's default AnnealCos).
	Anneal Anneal
	// CycleMomentum cycles the optimiser's momentum inversely to the rate,
	// between MaxMomentum and BaseMomentum (PyTorch's default true); the
	// optimiser must then be a MomentumSetter. False leaves the momentum
	// alone.
	CycleMomentum bool
	// BaseMomentum is the momentum at the peak rate (PyTorch's default 0.85).
	BaseMomentum float64
	// MaxMomentum is the momentum at the start and end (PyTorch's default
	// 0.95).
	MaxMomentum float64
	// DivFactor > 0 gives the starting rate η₀ = MaxLR/DivFactor
	// (PyTorch's default 25).
	DivFactor float64
	// FinalDivFactor > 0 gives the final rate η₀/FinalDivFactor (PyTorch's
	// default 1e4).
	FinalDivFactor float64
	// ThreePhase adds a third phase: up to MaxLR, back down to η₀, then
	// down to the final rate (PyTorch's default false: up, then down to the
	// final rate).
	ThreePhase bool
}

// OneCycleDefaults returns torch.optim.lr_scheduler.OneCycleLR's defaults
// for a cycle of totalSteps optimiser steps peaking at maxLR: PctStart 0.3,
// AnnealCos, CycleMomentum true, BaseMomentum 0.85, MaxMomentum 0.95,
// DivFactor 25, FinalDivFactor 1e4, ThreePhase false.
func OneCycleDefaults(maxLR float64, totalSteps int) OneCycleConfig {
	return OneCycleConfig{MaxLR: maxLR, TotalSteps: totalSteps, PctStart: 0.3, Anneal: AnnealCos,
		CycleMomentum: true, BaseMomentum: 0.85, MaxMomentum: 0.95, DivFactor: 25, FinalDivFactor: 1e4}
}

// onePhase is one leg of the cycle: from step start to step end, the rate
// goes from lr0 to lr1 and the momentum from m0 to m1.
type onePhase struct {
	end              float64
	lr0, lr1, m0, m1 float64
}

// OneCycleLR is the 1cycle policy (Smith & Topin), exactly as
// torch.optim.lr_scheduler.OneCycleLR of PyTorch 1.13: the rate rises from
// η₀ = η_max/DivFactor to η_max over the first PctStart·TotalSteps steps
// and falls to η₀/FinalDivFactor by step TotalSteps, while (with
// CycleMomentum) the momentum falls from MaxMomentum to BaseMomentum and
// rises back. In the phase that holds step s, running from step a to b,
//
//	p = (s − a)/(b − a),   η(s) = anneal(η_start, η_end, p)
//
// with the phase ends at PctStart·TotalSteps − 1 and TotalSteps − 1 (three
// phases: PctStart·TotalSteps − 1, 2·PctStart·TotalSteps − 2 and
// TotalSteps − 1); the last phase extends to step TotalSteps, whose rate no
// step of the cycle uses (PyTorch's extrapolation there: back up the
// cosine, or with AnnealLinear below the final rate, where a negative rate
// is set to 0 here). Call Step after every optimiser step (per batch, not
// per epoch). The optimiser's own rate is ignored: OneCycleLR sets
// η(0) = η₀ when made.
type OneCycleLR struct {
	schedule
	cfg    OneCycleConfig
	mom    MomentumSetter // nil without CycleMomentum
	phases []onePhase
}

// NewOneCycleLR returns a OneCycleLR schedule of opt and sets the rate (and
// momentum) of step 0. It panics with ErrConfig if opt is nil, MaxLR is not
// finite and > 0, TotalSteps < 1, PctStart is outside [0, 1], Anneal is not
// AnnealCos or AnnealLinear, DivFactor or FinalDivFactor is not finite and
// > 0, a phase would be empty (PyTorch divides by its length), or with
// CycleMomentum if opt is not a MomentumSetter or a momentum is invalid for
// it.
func NewOneCycleLR(opt LRSetter, cfg OneCycleConfig) *OneCycleLR {
	const op = "optim.NewOneCycleLR"
	s := &OneCycleLR{schedule: newSchedule(op, opt), cfg: cfg}
	s.absolute = true
	if !(cfg.MaxLR > 0) || math.IsInf(cfg.MaxLR, 1) {
		configPanic(op, "MaxLR", cfg.MaxLR, "a finite value > 0")
	}
	if cfg.TotalSteps < 1 {
		configPanic(op, "TotalSteps", cfg.TotalSteps, "≥ 1")
	}
	if !(cfg.PctStart >= 0 && cfg.PctStart <= 1) {
		configPanic(op, "PctStart", cfg.PctStart, "0 ≤ PctStart ≤ 1")
	}
	if cfg.Anneal != AnnealCos && cfg.Anneal != AnnealLinear {
		configPanic(op, "Anneal", int(cfg.Anneal), "AnnealCos or AnnealLinear")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"DivFactor", cfg.DivFactor}, {"FinalDivFactor", cfg.FinalDivFactor}} {
		if !(f.v > 0) || math.IsInf(f.v, 1) {
			configPanic(op, f.name, f.v, "a finite value > 0")
		}
	}
	initial := cfg.MaxLR / cfg.DivFactor
	final := initial / cfg.FinalDivFactor
	up := cfg.PctStart*float64(cfg.TotalSteps) - 1
	last := float64(cfg.TotalSteps - 1)
	hi, lo := cfg.MaxMomentum, cfg.BaseMomentum
	if cfg.ThreePhase {
		s.phases = []onePhase{
			{up, initial, cfg.MaxLR, hi, lo},
			{2*cfg.PctStart*float64(cfg.TotalSteps) - 2, cfg.MaxLR, initial, lo, hi},
			{last, initial, final, hi, hi},
		}
	} else {
		s.phases = []onePhase{{up, initial, cfg.MaxLR, hi, lo}, {last, cfg.MaxLR, final, lo, hi}}
	}
	start := 0.0
	for i, ph := range s.phases {
		if !(ph.end != start) {
			configPanic(op, fmt.Sprintf("phase %d", i+1), fmt.Sprintf("steps %v to %v", start, ph.end),
				"a phase of non-zero length (raise TotalSteps or change PctStart)")
		}
		start = ph.end
	}
	if cfg.CycleMomentum {
		m, ok := opt.(MomentumSetter)
		if !ok {
			panic(fmt.Errorf("%w: %s: CycleMomentum needs an optimiser with a momentum (a MomentumSetter), not %T", ErrConfig, op, opt))
		}
		s.mom = m
		m.SetMomentum(hi) // PyTorch sets max_momentum first
	}
	s.base = initial
	s.set(0)
	return s
}

// anneal interpolates from a to b at fraction p along cfg.Anneal's curve,
// in PyTorch's order of operations.
func (s *OneCycleLR) anneal(a, b, p float64) float64 {
	if s.cfg.Anneal == AnnealLinear {
		return (b-a)*p + a
	}
	return b + (a-b)/2*(math.Cos(math.Pi*p)+1)
}

// at returns the rate and momentum of step e.
func (s *OneCycleLR) at(op string, e int) (lr, mom float64) {
	s.made(op)
	if e < 0 || e > s.cfg.TotalSteps {
		configPanic(op, "step", e, fmt.Sprintf("0 ≤ step ≤ TotalSteps (%d)", s.cfg.TotalSteps))
	}
	x, start := float64(e), 0.0
	for i, ph := range s.phases {
		if x <= ph.end || i == len(s.phases)-1 {
			p := (x - start) / (ph.end - start)
			// Past the last phase's end (step TotalSteps) PyTorch
			// extrapolates; a linear rate may fall below 0 there.
			return max(s.anneal(ph.lr0, ph.lr1, p), 0), s.anneal(ph.m0, ph.m1, p)
		}
		start = ph.end
	}
	panic("unreachable")
}

// set puts the optimiser at step e's rate and momentum.
func (s *OneCycleLR) set(e int) {
	lr, m := s.at("optim.OneCycleLR", e)
	s.opt.SetLR(lr)
	if s.mom != nil {
		s.mom.SetMomentum(m)
	}
}

// At returns the rate of step e, 0 ≤ e ≤ TotalSteps. It panics with
// ErrConfig if e is out of range or s is a zero value.
func (s *OneCycleLR) At(e int) float64 {
	lr, _ := s.at("optim.OneCycleLR.At", e)
	return lr
}

// MomentumAt returns the momentum of step e (used only with CycleMomentum),
// 0 ≤ e ≤ TotalSteps. It panics with ErrConfig if e is out of range or s
// is a zero value.
func (s *OneCycleLR) MomentumAt(e int) float64 {
	_, m := s.at("optim.OneCycleLR.MomentumAt", e)
	return m
}

// Step advances one step and sets the optimiser's rate (and momentum) to
// those of Epoch(). It panics with ErrConfig past TotalSteps calls, as
// PyTorch raises, or if s is a zero value.
func (s *OneCycleLR) Step() {
	s.made("optim.OneCycleLR.Step")
	s.at("optim.OneCycleLR.Step", s.epoch+1)
	s.epoch++
	s.set(s.epoch)
}

// Epoch returns the number of Step calls so far (optimiser steps, despite
// the name shared with the other schedules).
func (s *OneCycleLR) Epoch() int { return s.epoch }

// SetEpoch puts the schedule where e calls of Step leave it, rate and
// momentum included. Checkpoints use it to resume. It panics with ErrConfig
// if e is outside [0, TotalSteps] or s is a zero value.
func (s *OneCycleLR) SetEpoch(e int) {
	const op = "optim.OneCycleLR.SetEpoch"
	if e > s.cfg.TotalSteps {
		configPanic(op, "epoch", e, fmt.Sprintf("≤ TotalSteps (%d)", s.cfg.TotalSteps))
	}
	s.setEpoch(op, e)
	s.set(e)
}
