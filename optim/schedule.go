package optim

import (
	"fmt"
	"math"
	"reflect"
)

// The schedules' convention (made after the optimiser, Step once per epoch
// after the optimiser's steps, closed forms) is in the package doc.

// schedule holds what every schedule shares: the optimiser, the base rate
// and the epoch counter.
type schedule struct {
	opt   LRSetter
	base  float64
	epoch int
	// absolute marks a schedule whose rates do not scale with base
	// (OneCycleLR): SequentialLR keeps its base, ChainedScheduler refuses it.
	absolute bool
}

// core returns the shared part; it seals Schedule to this package's types.
func (s *schedule) core() *schedule { return s }

// setEpoch sets the epoch count, as after e calls of Step; it panics with
// ErrConfig if e < 0 or the schedule has no optimiser (a zero value).
func (s *schedule) setEpoch(op string, e int) {
	if s.opt == nil {
		configPanic(op, "optimiser", nil, "the one given to the constructor")
	}
	if e < 0 {
		configPanic(op, "epoch", e, "≥ 0")
	}
	s.epoch = e
}

func newSchedule(op string, opt LRSetter) schedule {
	if v := reflect.ValueOf(opt); opt == nil || v.Kind() == reflect.Pointer && v.IsNil() {
		panic(fmt.Errorf("%w: %s: nil optimiser %T", ErrConfig, op, opt))
	}
	return schedule{opt: opt, base: opt.LR()}
}

// made panics with ErrConfig naming op if s is a zero value, made without
// its New function (it has no optimiser, and At would divide by zero).
func (s *schedule) made(op string) {
	if s.opt == nil {
		panic(fmt.Errorf("%w: %s: zero-value schedule; make it with its New function", ErrConfig, op))
	}
}

// StepLR multiplies the learning rate by γ every stepSize epochs:
//
//	η(e) = η₀·γ^⌊e / stepSize⌋
//
// like torch.optim.lr_scheduler.StepLR. Call Step once per epoch, after the
// epoch's optimiser steps.
type StepLR struct {
	schedule
	stepSize int
	gamma    float64
}

// NewStepLR returns a StepLR schedule of opt's rate and sets the rate for
// epoch 0 (η₀). It panics with ErrConfig if opt is nil, stepSize < 1, or
// gamma is negative or not finite.
func NewStepLR(opt LRSetter, stepSize int, gamma float64) *StepLR {
	const op = "optim.NewStepLR"
	s := &StepLR{schedule: newSchedule(op, opt), stepSize: stepSize, gamma: gamma}
	if stepSize < 1 {
		configPanic(op, "stepSize", stepSize, "≥ 1")
	}
	checkNonNeg(op, "gamma", gamma)
	s.opt.SetLR(s.At(0))
	return s
}

// At returns the rate of epoch e ≥ 0, η₀·γ^⌊e/stepSize⌋.
// It panics with ErrConfig if s is a zero value.
func (s *StepLR) At(e int) float64 {
	s.made("optim.StepLR.At")
	return s.base * powInt(s.gamma, e/s.stepSize)
}

// Step advances one epoch and sets the optimiser's rate to At(Epoch()).
// It panics with ErrConfig if s is a zero value (not made by its New function).
func (s *StepLR) Step() {
	s.made("optim.StepLR.Step")
	s.epoch++
	s.opt.SetLR(s.At(s.epoch))
}

// Epoch returns the number of Step calls so far.
func (s *StepLR) Epoch() int { return s.epoch }

// SetEpoch puts the schedule where e calls of Step leave it: Epoch() = e
// and the optimiser's rate At(e). Checkpoints use it to resume a schedule.
// It panics with ErrConfig if e < 0 or s is a zero value.
func (s *StepLR) SetEpoch(e int) {
	s.setEpoch("optim.StepLR.SetEpoch", e)
	s.opt.SetLR(s.At(e))
}

// ExponentialLR multiplies the learning rate by γ every epoch:
//
//	η(e) = η₀·γᵉ
//
// like torch.optim.lr_scheduler.ExponentialLR. Call Step once per epoch, after the
// epoch's optimiser steps.
type ExponentialLR struct {
	schedule
	gamma float64
}

// NewExponentialLR returns an ExponentialLR schedule of opt's rate and sets
// the rate for epoch 0 (η₀). It panics with ErrConfig if opt is nil or gamma
// is negative or not finite.
func NewExponentialLR(opt LRSetter, gamma float64) *ExponentialLR {
	const op = "optim.NewExponentialLR"
	s := &ExponentialLR{schedule: newSchedule(op, opt), gamma: gamma}
	checkNonNeg(op, "gamma", gamma)
	s.opt.SetLR(s.At(0))
	return s
}

// At returns the rate of epoch e ≥ 0, η₀·γᵉ.
// It panics with ErrConfig if s is a zero value.
func (s *ExponentialLR) At(e int) float64 {
	s.made("optim.ExponentialLR.At")
	return s.base * powInt(s.gamma, e)
}

// Step advances one epoch and sets the optimiser's rate to At(Epoch()).
// It panics with ErrConfig if s is a zero value (not made by its New function).
func (s *ExponentialLR) Step() {
	s.made("optim.ExponentialLR.Step")
	s.epoch++
	s.opt.SetLR(s.At(s.epoch))
}

// Epoch returns the number of Step calls so far.
func (s *ExponentialLR) Epoch() int { return s.epoch }

// SetEpoch puts the schedule where e calls of Step leave it: Epoch() = e
// and the optimiser's rate At(e). Checkpoints use it to resume a schedule.
// It panics with ErrConfig if e < 0 or s is a zero value.
func (s *ExponentialLR) SetEpoch(e int) {
	s.setEpoch("optim.ExponentialLR.SetEpoch", e)
	s.opt.SetLR(s.At(e))
}

// CosineAnnealingLR anneals the learning rate from η₀ to ηmin along half a
// cosine over tMax epochs (SGDR without restarts), in PyTorch's closed form:
//
//	η(e) = ηmin + (η₀ − ηmin)·(1 + cos(π·e/tMax))/2
//
// Past tMax the rate climbs back along the cosine (period 2·tMax), as
// torch.optim.lr_scheduler.CosineAnnealingLR does. Call Step once per epoch, after the
// epoch's optimiser steps.
type CosineAnnealingLR struct {
	schedule
	tMax   int
	etaMin float64
}

// NewCosineAnnealingLR returns a CosineAnnealingLR schedule of opt's rate
// and sets the rate for epoch 0 (η₀). It panics with ErrConfig if opt is nil,
// tMax < 1, or etaMin is negative or not finite.
func NewCosineAnnealingLR(opt LRSetter, tMax int, etaMin float64) *CosineAnnealingLR {
	const op = "optim.NewCosineAnnealingLR"
	s := &CosineAnnealingLR{schedule: newSchedule(op, opt), tMax: tMax, etaMin: etaMin}
	if tMax < 1 {
		configPanic(op, "tMax", tMax, "≥ 1")
	}
	checkNonNeg(op, "etaMin", etaMin)
	s.opt.SetLR(s.At(0))
	return s
}

// At returns the rate of epoch e ≥ 0, ηmin + (η₀ − ηmin)·(1 + cos(π·e/tMax))/2.
// It panics with ErrConfig if s is a zero value.
func (s *CosineAnnealingLR) At(e int) float64 {
	s.made("optim.CosineAnnealingLR.At")
	return s.etaMin + (s.base-s.etaMin)*(1+math.Cos(math.Pi*float64(e)/float64(s.tMax)))/2
}

// Step advances one epoch and sets the optimiser's rate to At(Epoch()).
// It panics with ErrConfig if s is a zero value (not made by its New function).
func (s *CosineAnnealingLR) Step() {
	s.made("optim.CosineAnnealingLR.Step")
	s.epoch++
	s.opt.SetLR(s.At(s.epoch))
}

// Epoch returns the number of Step calls so far.
func (s *CosineAnnealingLR) Epoch() int { return s.epoch }

// SetEpoch puts the schedule where e calls of Step leave it: Epoch() = e
// and the optimiser's rate At(e). Checkpoints use it to resume a schedule.
// It panics with ErrConfig if e < 0 or s is a zero value.
func (s *CosineAnnealingLR) SetEpoch(e int) {
	s.setEpoch("optim.CosineAnnealingLR.SetEpoch", e)
	s.opt.SetLR(s.At(e))
}

// LinearWarmup raises the learning rate linearly from startFactor·η₀ to η₀
// over the first n epochs and keeps η₀ afterwards:
//
//	η(e) = η₀·(f + (1 − f)·min(e, n)/n)
//
// like torch.optim.lr_scheduler.LinearLR with end_factor 1. Call Step once per epoch, after the
// epoch's optimiser steps.
type LinearWarmup struct {
	schedule
	start float64
	n     int
}

// NewLinearWarmup returns a LinearWarmup schedule of opt's rate and sets the
// rate for epoch 0 (startFactor·η₀). It panics with ErrConfig if opt is nil,
// startFactor is outside (0, 1], or n < 1.
func NewLinearWarmup(opt LRSetter, startFactor float64, n int) *LinearWarmup {
	const op = "optim.NewLinearWarmup"
	s := &LinearWarmup{schedule: newSchedule(op, opt), start: startFactor, n: n}
	if !(startFactor > 0 && startFactor <= 1) {
		configPanic(op, "startFactor", startFactor, "0 < startFactor ≤ 1")
	}
	if n < 1 {
		configPanic(op, "n", n, "≥ 1")
	}
	s.opt.SetLR(s.At(0))
	return s
}

// At returns the rate of epoch e ≥ 0, η₀·(f + (1 − f)·min(e, n)/n).
// It panics with ErrConfig if s is a zero value.
func (s *LinearWarmup) At(e int) float64 {
	s.made("optim.LinearWarmup.At")
	return s.base * (s.start + (1-s.start)*float64(min(e, s.n))/float64(s.n))
}

// Step advances one epoch and sets the optimiser's rate to At(Epoch()).
// It panics with ErrConfig if s is a zero value (not made by its New function).
func (s *LinearWarmup) Step() {
	s.made("optim.LinearWarmup.Step")
	s.epoch++
	s.opt.SetLR(s.At(s.epoch))
}

// Epoch returns the number of Step calls so far.
func (s *LinearWarmup) Epoch() int { return s.epoch }

// SetEpoch puts the schedule where e calls of Step leave it: Epoch() = e
// and the optimiser's rate At(e). Checkpoints use it to resume a schedule.
// It panics with ErrConfig if e < 0 or s is a zero value.
func (s *LinearWarmup) SetEpoch(e int) {
	s.setEpoch("optim.LinearWarmup.SetEpoch", e)
	s.opt.SetLR(s.At(e))
}
