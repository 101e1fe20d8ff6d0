package optim

import (
	"fmt"
	"reflect"
)

// Schedule is a learning-rate schedule of this package in closed form:
// StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup, OneCycleLR,
// SequentialLR and ChainedScheduler. SequentialLR and ChainedScheduler
// compose them. (ReduceLROnPlateau, driven by a metric, is not one.)
type Schedule interface {
	// At returns the rate of epoch e (step e for OneCycleLR).
	At(e int) float64
	// Step advances one epoch and sets the optimiser's rate.
	Step()
	// Epoch returns the number of Step calls so far.
	Epoch() int
	// SetEpoch puts the schedule where e calls of Step leave it.
	SetEpoch(e int)
	core() *schedule
}

var (
	_ Schedule = (*StepLR)(nil)
	_ Schedule = (*ExponentialLR)(nil)
	_ Schedule = (*CosineAnnealingLR)(nil)
	_ Schedule = (*LinearWarmup)(nil)
	_ Schedule = (*OneCycleLR)(nil)
	_ Schedule = (*SequentialLR)(nil)
	_ Schedule = (*ChainedScheduler)(nil)
)

// checkParts panics with ErrConfig naming op unless every schedule of ss was
// made (by its New function) over opt.
func checkParts(op string, opt LRSetter, ss []Schedule) {
	if len(ss) == 0 {
		panic(fmt.Errorf("%w: %s: no schedules", ErrConfig, op))
	}
	for i, s := range ss {
		if v := reflect.ValueOf(s); s == nil || v.Kind() == reflect.Pointer && v.IsNil() {
			panic(fmt.Errorf("%w: %s: schedules[%d] is nil", ErrConfig, op, i))
		}
		c := s.core()
		c.made(op)
		if c.opt != opt {
			panic(fmt.Errorf("%w: %s: schedules[%d] drives another optimiser; all must drive the same one", ErrConfig, op, i))
		}
	}
}

// SequentialLR runs schedules one after another, switching at milestones,
// like torch.optim.lr_scheduler.SequentialLR of PyTorch 1.13: with
// milestones m₁ < m₂ < …, epoch e uses schedule i, the one with
// mᵢ ≤ e < mᵢ₊₁ (m₀ = 0), at its own epoch e − mᵢ:
//
//	η(e) = schedules[i].At(e − mᵢ)
//
// Each schedule starts afresh at its milestone, from the optimiser's rate
// before the first schedule was made: every schedule's base rate η₀
// becomes schedules[0]'s, as PyTorch's share the group's initial_lr (a
// OneCycleLR keeps its own). Make schedules[0] first, then the others. For
// example, a linear warm-up over 5 epochs, then a cosine over 95:
//
//	warm := optim.NewLinearWarmup(opt, 0.1, 5)
//	cos := optim.NewCosineAnnealingLR(opt, 95, 0)
//	sched := optim.NewSequentialLR(opt, []optim.Schedule{warm, cos}, []int{5})
type SequentialLR struct {
	schedule
	parts      []Schedule
	milestones []int
}

// NewSequentialLR returns the sequence of schedules (see SequentialLR) and
// sets the rate of epoch 0. It panics with ErrConfig if opt is nil, a
// schedule is nil, a zero value or drives another optimiser, or milestones
// is not len(schedules) − 1 increasing epochs ≥ 1.
func NewSequentialLR(opt LRSetter, schedules []Schedule, milestones []int) *SequentialLR {
	const op = "optim.NewSequentialLR"
	s := &SequentialLR{schedule: newSchedule(op, opt)}
	checkParts(op, s.opt, schedules)
	if len(milestones) != len(schedules)-1 {
		configPanic(op, "len(milestones)", len(milestones), fmt.Sprintf("len(schedules) − 1 = %d", len(schedules)-1))
	}
	prev := 0
	for i, m := range milestones {
		if m <= prev {
			configPanic(op, fmt.Sprintf("milestones[%d]", i), m, fmt.Sprintf("> %d (increasing, ≥ 1)", prev))
		}
		prev = m
	}
	s.parts = append([]Schedule(nil), schedules...)
	s.milestones = append([]int(nil), milestones...)
	base := schedules[0].core().base
	s.base = base
	for _, p := range s.parts {
		if c := p.core(); !c.absolute {
			c.base = base
		}
	}
	s.SetEpoch(0)
	return s
}

// part returns the schedule of epoch e and its own epoch there.
func (s *SequentialLR) part(e int) (Schedule, int) {
	i, start := 0, 0
	for i < len(s.milestones) && s.milestones[i] <= e {
		start = s.milestones[i]
		i++
	}
	return s.parts[i], e - start
}

// At returns the rate of epoch e ≥ 0. It panics with ErrConfig if s is a
// zero value.
func (s *SequentialLR) At(e int) float64 {
	s.made("optim.SequentialLR.At")
	p, pe := s.part(e)
	return p.At(pe)
}

// Step advances one epoch and sets the optimiser's rate (through the
// current schedule's SetEpoch). It panics with ErrConfig if s is a zero
// value.
func (s *SequentialLR) Step() {
	s.made("optim.SequentialLR.Step")
	s.SetEpoch(s.epoch + 1)
}

// Epoch returns the number of Step calls so far.
func (s *SequentialLR) Epoch() int { return s.epoch }

// SetEpoch puts the sequence where e calls of Step leave it: the current
// schedule at its own epoch. Checkpoints use it to resume. It panics with
// ErrConfig if e < 0 or s is a zero value.
func (s *SequentialLR) SetEpoch(e int) {
	s.setEpoch("optim.SequentialLR.SetEpoch", e)
	p, pe := s.part(e)
	p.SetEpoch(pe)
}

// ChainedScheduler applies several schedules at once, multiplying their
// factors, like torch.optim.lr_scheduler.ChainedScheduler of PyTorch 1.13
// for multiplicative schedules: with η₀ the first schedule's base rate,
//
//	η(e) = η₀ · Π (schedules[i].At(e) / η₀)
//
// every schedule's base rate becoming η₀. For StepLR, ExponentialLR and
// LinearWarmup this is PyTorch's chain to rounding. PyTorch chains by
// applying each schedule's recursive form in turn, so a CosineAnnealingLR
// in a chain differs there (its recursive form is not a factor);
// OneCycleLR, which sets absolute rates, is refused.
type ChainedScheduler struct {
	schedule
	parts []Schedule
}

// NewChainedScheduler returns the chain of schedules (see
// ChainedScheduler) over their common optimiser and sets the rate of
// epoch 0. It panics with ErrConfig if there is no schedule, one is nil, a
// zero value or a OneCycleLR, or they drive different optimisers.
func NewChainedScheduler(schedules ...Schedule) *ChainedScheduler {
	const op = "optim.NewChainedScheduler"
	if len(schedules) == 0 || schedules[0] == nil || reflect.ValueOf(schedules[0]).IsNil() {
		panic(fmt.Errorf("%w: %s: no first schedule", ErrConfig, op))
	}
	first := schedules[0].core()
	first.made(op)
	checkParts(op, first.opt, schedules)
	s := &ChainedScheduler{schedule: schedule{opt: first.opt, base: first.base}}
	for i, p := range schedules {
		c := p.core()
		if c.absolute {
			panic(fmt.Errorf("%w: %s: schedules[%d] (%T) sets absolute rates and cannot be chained", ErrConfig, op, i, p))
		}
		c.base = s.base
	}
	s.parts = append([]Schedule(nil), schedules...)
	s.SetEpoch(0)
	return s
}

// At returns the rate of epoch e ≥ 0, η₀·Π(Atᵢ(e)/η₀). It panics with
// ErrConfig if s is a zero value.
func (s *ChainedScheduler) At(e int) float64 {
	s.made("optim.ChainedScheduler.At")
	if s.base == 0 {
		return 0 // every factor is 0/0; PyTorch's products stay 0
	}
	lr := s.base
	for _, p := range s.parts {
		lr *= p.At(e) / s.base
	}
	return lr
}

// Step advances every schedule one epoch and sets the optimiser's rate to
// At(Epoch()). It panics with ErrConfig if s is a zero value.
func (s *ChainedScheduler) Step() {
	s.made("optim.ChainedScheduler.Step")
	s.SetEpoch(s.epoch + 1)
}

// Epoch returns the number of Step calls so far.
func (s *ChainedScheduler) Epoch() int { return s.epoch }

// SetEpoch puts the chain and every schedule in it where e calls of Step
// leave them, and sets the rate At(e). It panics with ErrConfig if e < 0 or
// s is a zero value.
func (s *ChainedScheduler) SetEpoch(e int) {
	s.setEpoch("optim.ChainedScheduler.SetEpoch", e)
	for _, p := range s.parts {
		p.core().epoch = e
	}
	s.opt.SetLR(s.At(e))
}
