package optim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// PlateauMode says whether ReduceLROnPlateau's metric should fall or rise.
type PlateauMode int

// The modes; the zero PlateauMode is neither (set one).
const (
	// PlateauMin: the metric improves by falling (a loss).
	PlateauMin PlateauMode = iota + 1
	// PlateauMax: the metric improves by rising (an accuracy).
	PlateauMax
)

// ThresholdMode says how ReduceLROnPlateau's Threshold measures an
// improvement.
type ThresholdMode int

// The threshold modes; the zero ThresholdMode is neither (set one).
const (
	// ThresholdRel: better means below best·(1 − Threshold) (min) or above
	// best·(1 + Threshold) (max).
	ThresholdRel ThresholdMode = iota + 1
	// ThresholdAbs: better means below best − Threshold (min) or above
	// best + Threshold (max).
	ThresholdAbs
)

// PlateauConfig configures ReduceLROnPlateau. Every field means what it
// holds: a field set to 0 is 0. Start from PlateauDefaults for PyTorch's
// defaults.
type PlateauConfig struct {
	// Mode is PlateauMin or PlateauMax (PyTorch's default "min").
	Mode PlateauMode
	// Factor ∈ [0, 1) multiplies the rate at a reduction (PyTorch's default
	// 0.1). At 0 a reduction sets the rate to MinLR.
	Factor float64
	// Patience ≥ 0 is the number of epochs without improvement tolerated;
	// the next one reduces the rate (PyTorch's default 10). At 0 every
	// epoch without improvement reduces it.
	Patience int
	// Threshold ≥ 0 is the least improvement that counts (PyTorch's default
	// 1e-4); at 0 any strict improvement counts.
	Threshold float64
	// ThresholdMode is ThresholdRel or ThresholdAbs (PyTorch's default "rel").
	ThresholdMode ThresholdMode
	// Cooldown ≥ 0 is the number of epochs after a reduction during which
	// bad epochs are not counted (PyTorch's default 0: none).
	Cooldown int
	// MinLR ≥ 0 is the floor of the rate (PyTorch's default 0).
	MinLR float64
	// Eps ≥ 0: a reduction smaller than Eps is skipped (PyTorch's default
	// 1e-8). At 0 any reduction is applied.
	Eps float64
}

// PlateauDefaults returns torch.optim.lr_scheduler.ReduceLROnPlateau's
// defaults: Mode PlateauMin, Factor 0.1, Patience 10, Threshold 1e-4,
// ThresholdMode ThresholdRel, Cooldown 0, MinLR 0, Eps 1e-8.
func PlateauDefaults() PlateauConfig {
	return PlateauConfig{Mode: PlateauMin, Factor: 0.1, Patience: 10, Threshold: 1e-4,
		ThresholdMode: ThresholdRel, Eps: 1e-8}
}

// ReduceLROnPlateau lowers the learning rate when a metric stops
// improving, exactly as torch.optim.lr_scheduler.ReduceLROnPlateau of
// PyTorch 1.13. Each Step(metric), once per epoch:
//
//	if metric is better than best (see ThresholdMode): best = metric, bad = 0
//	else bad = bad + 1
//	if cooling down: cooldown = cooldown − 1, bad = 0
//	if bad > Patience:
//	    η′ = max(η·Factor, MinLR);  if η − η′ > Eps: η = η′
//	    cooldown = Cooldown, bad = 0
//
// best starts at +∞ (min) or −∞ (max); a NaN metric is never better. Unlike
// the other schedules it keeps no base rate: it scales the optimiser's
// current one, so it may follow another schedule's changes.
//
// nn/checkpoint's WithSchedule saves and restores it whole (Epoch, and
// ScheduleState: the rest of State and the optimiser's current rate);
// State and Restore give the running state to other code.
type ReduceLROnPlateau struct {
	opt    LRSetter
	cfg    PlateauConfig
	st     PlateauState
	better func(a, best float64) bool
}

// PlateauState is ReduceLROnPlateau's running state (PyTorch's
// state_dict without the settings).
type PlateauState struct {
	Best      float64 // the best metric so far (±Inf before the first Step)
	BadEpochs int     // epochs without improvement since the last one
	Cooldown  int     // epochs of cooldown left
	Epoch     int     // Step calls so far
}

// NewReduceLROnPlateau returns a ReduceLROnPlateau schedule of opt; it does
// not change the rate. It panics with ErrConfig if opt is nil, Mode or
// ThresholdMode is not one of its constants, Factor is outside [0, 1),
// Patience or Cooldown is negative, or Threshold, MinLR or Eps is negative
// or not finite.
func NewReduceLROnPlateau(opt LRSetter, cfg PlateauConfig) *ReduceLROnPlateau {
	const op = "optim.NewReduceLROnPlateau"
	base := newSchedule(op, opt)
	if cfg.Mode != PlateauMin && cfg.Mode != PlateauMax {
		configPanic(op, "Mode", int(cfg.Mode), "PlateauMin or PlateauMax")
	}
	if cfg.ThresholdMode != ThresholdRel && cfg.ThresholdMode != ThresholdAbs {
		configPanic(op, "ThresholdMode", int(cfg.ThresholdMode), "ThresholdRel or ThresholdAbs")
	}
	if !(cfg.Factor >= 0 && cfg.Factor < 1) {
		configPanic(op, "Factor", cfg.Factor, "0 ≤ Factor < 1")
	}
	if cfg.Patience < 0 {
		configPanic(op, "Patience", cfg.Patience, "≥ 0")
	}
	if cfg.Cooldown < 0 {
		configPanic(op, "Cooldown", cfg.Cooldown, "≥ 0")
	}
	checkNonNeg(op, "Threshold", cfg.Threshold)
	checkNonNeg(op, "MinLR", cfg.MinLR)
	checkNonNeg(op, "Eps", cfg.Eps)
	s := &ReduceLROnPlateau{opt: base.opt, cfg: cfg}
	th := cfg.Threshold
	switch {
	case cfg.Mode == PlateauMin && cfg.ThresholdMode == ThresholdRel:
		s.better = func(a, best float64) bool { return a < best*(1-th) }
	case cfg.Mode == PlateauMin:
		s.better = func(a, best float64) bool { return a < best-th }
	case cfg.ThresholdMode == ThresholdRel:
		s.better = func(a, best float64) bool { return a > best*(th+1) }
	default:
		s.better = func(a, best float64) bool { return a > best+th }
	}
	s.st = s.fresh()
	return s
}

// fresh is the state before the first Step.
func (s *ReduceLROnPlateau) fresh() PlateauState {
	if s.cfg.Mode == PlateauMax {
		return PlateauState{Best: math.Inf(-1)}
	}
	return PlateauState{Best: math.Inf(1)}
}

// made panics with ErrConfig naming op if s is a zero value.
func (s *ReduceLROnPlateau) made(op string) {
	if s.opt == nil {
		panic(fmt.Errorf("%w: %s: zero-value schedule; make it with NewReduceLROnPlateau", ErrConfig, op))
	}
}

// Step records one epoch's metric and lowers the optimiser's rate if the
// metric has not improved for more than Patience epochs (see
// ReduceLROnPlateau). It panics with ErrConfig if s is a zero value.
func (s *ReduceLROnPlateau) Step(metric float64) {
	s.made("optim.ReduceLROnPlateau.Step")
	st := &s.st
	st.Epoch++
	if s.better(metric, st.Best) {
		st.Best, st.BadEpochs = metric, 0
	} else {
		st.BadEpochs++
	}
	if st.Cooldown > 0 {
		st.Cooldown--
		st.BadEpochs = 0
	}
	if st.BadEpochs > s.cfg.Patience {
		old := s.opt.LR()
		lr := max(old*s.cfg.Factor, s.cfg.MinLR)
		if old-lr > s.cfg.Eps {
			s.opt.SetLR(lr)
		}
		st.Cooldown, st.BadEpochs = s.cfg.Cooldown, 0
	}
}

// State returns the running state, to save beside a checkpoint.
func (s *ReduceLROnPlateau) State() PlateauState { return s.st }

// Restore sets the running state to one State returned; the optimiser's
// rate is not part of it (restore that with SetLR). It panics with
// ErrConfig if s is a zero value or a count is negative.
func (s *ReduceLROnPlateau) Restore(st PlateauState) {
	const op = "optim.ReduceLROnPlateau.Restore"
	s.made(op)
	if st.BadEpochs < 0 || st.Cooldown < 0 || st.Epoch < 0 {
		configPanic(op, "state", st, "counts ≥ 0")
	}
	s.st = st
}

// Epoch returns the number of Step calls so far (State().Epoch).
func (s *ReduceLROnPlateau) Epoch() int { return s.st.Epoch }

// SetEpoch sets the number of Step calls so far; unlike the other
// schedules' SetEpoch it changes neither the rate nor the rest of the state
// (see LoadScheduleState). It panics with ErrConfig if s is a zero value or
// e is negative.
func (s *ReduceLROnPlateau) SetEpoch(e int) {
	const op = "optim.ReduceLROnPlateau.SetEpoch"
	s.made(op)
	if e < 0 {
		configPanic(op, "epoch", e, "≥ 0")
	}
	s.st.Epoch = e
}

// The names of ScheduleState's values, after PyTorch's state_dict.
const (
	plateauBest     = "best"
	plateauBad      = "num_bad_epochs"
	plateauCooldown = "cooldown_counter"
	plateauLR       = "lr"
)

// ScheduleState returns the state beyond Epoch that resuming needs, by
// name: "best", "num_bad_epochs" and "cooldown_counter" (State's Best,
// BadEpochs and Cooldown) and "lr", the optimiser's current rate, which
// ReduceLROnPlateau scales rather than computes. nn/checkpoint saves it
// beside the epoch. It panics with ErrConfig if s is a zero value.
func (s *ReduceLROnPlateau) ScheduleState() map[string]float64 {
	s.made("optim.ReduceLROnPlateau.ScheduleState")
	return map[string]float64{
		plateauBest:     s.st.Best,
		plateauBad:      float64(s.st.BadEpochs),
		plateauCooldown: float64(s.st.Cooldown),
		plateauLR:       s.opt.LR(),
	}
}

// LoadScheduleState restores a state ScheduleState returned: Best,
// BadEpochs and Cooldown (Epoch is kept; see SetEpoch) and the optimiser's
// rate, with SetLR. It checks every value first and returns an error
// wrapping ErrState, changing nothing, if a name is missing or unknown,
// best is NaN, a count is not an integer in [0, 2³¹) or the rate is not a
// finite number ≥ 0. It panics with ErrConfig if s is a zero value.
func (s *ReduceLROnPlateau) LoadScheduleState(st map[string]float64) error {
	s.made("optim.ReduceLROnPlateau.LoadScheduleState")
	want := []string{plateauBest, plateauCooldown, plateauLR, plateauBad} // sorted
	if got := slices.Sorted(maps.Keys(st)); !slices.Equal(got, want) {
		return fmt.Errorf("%w: ReduceLROnPlateau state has values %s, want %s",
			ErrState, strings.Join(got, ", "), strings.Join(want, ", "))
	}
	if math.IsNaN(st[plateauBest]) {
		return fmt.Errorf("%w: ReduceLROnPlateau state %s is NaN", ErrState, plateauBest)
	}
	for _, k := range []string{plateauBad, plateauCooldown} {
		if v := st[k]; !(v >= 0 && v < 1<<31 && v == math.Trunc(v)) {
			return fmt.Errorf("%w: ReduceLROnPlateau state %s = %v is not a count (an integer in [0, 2³¹))", ErrState, k, v)
		}
	}
	if lr := st[plateauLR]; !(lr >= 0 && !math.IsInf(lr, 1)) {
		return fmt.Errorf("%w: ReduceLROnPlateau state %s = %v is not a rate (finite, ≥ 0)", ErrState, plateauLR, lr)
	}
	s.opt.SetLR(st[plateauLR])
	s.st.Best = st[plateauBest]
	s.st.BadEpochs = int(st[plateauBad])
	s.st.Cooldown = int(st[plateauCooldown])
	return nil
}
