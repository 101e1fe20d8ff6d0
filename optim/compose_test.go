package optim

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestComposedSchedules replays the reference SequentialLR,
// ChainedScheduler and OneCycleLR runs on SGD with momentum: the rate and
// the momentum after construction and after each Step must match
// PyTorch's to tolRel (its recursive forms against our closed forms, and
// glibc's cos against math.Cos, differ by rounding only).
func TestComposedSchedules(t *testing.T) {
	ref := loadReference(t)
	if len(ref.Composed) == 0 {
		t.Fatal("no composed schedules in the reference data")
	}
	for _, rc := range ref.Composed {
		t.Run(rc.Name, func(t *testing.T) {
			opt := NewSGD(twoParams(), SGDConfig{LR: rc.BaseLR, Momentum: rc.Momentum})
			s := newScheduleOf(t, rc.Spec[0].(string), rc.Spec[1].(map[string]any), opt).(Schedule)
			lrs, moms := []float64{opt.LR()}, []float64{opt.Momentum()}
			for range len(rc.LRs) - 1 {
				s.Step()
				lrs = append(lrs, opt.LR())
				moms = append(moms, opt.Momentum())
			}
			// Rates of size 0.1 down to 1e-5: an absolute 1e-15 is a
			// relative 1e-10 at worst, and tolRel governs the rest.
			eq := cmpopts.EquateApprox(tolRel, 1e-15)
			for i, lr := range rc.LRs {
				if lr < 0 { // PyTorch's linear OneCycleLR past its end; ours stops at 0
					rc.LRs[i] = 0
				}
			}
			if diff := cmp.Diff(rc.LRs, lrs, eq); diff != "" {
				t.Errorf("rates (-torch +got):\n%s", diff)
			}
			if diff := cmp.Diff(rc.Momenta, moms, eq); diff != "" {
				t.Errorf("momenta (-torch +got):\n%s", diff)
			}
			// At agrees with what Step set.
			for e, want := range lrs {
				if got := s.At(e); got != want {
					t.Errorf("At(%d) = %v, Step set %v", e, got, want)
				}
			}
			t.Logf("max |Δ| vs torch: rate %.3g, momentum %.3g",
				maxDev([][]float64{lrs}, [][]float64{rc.LRs}), maxDev([][]float64{moms}, [][]float64{rc.Momenta}))
		})
	}
}

// TestComposedSetEpoch checks that SetEpoch(e) leaves every composed
// schedule where e calls of Step do, rate and momentum bit for bit.
func TestComposedSetEpoch(t *testing.T) {
	mk := map[string]func(*SGD) Schedule{
		"SequentialLR": func(o *SGD) Schedule {
			return NewSequentialLR(o, []Schedule{NewLinearWarmup(o, 0.1, 3), NewCosineAnnealingLR(o, 6, 0), NewExponentialLR(o, 0.9)}, []int{3, 7})
		},
		"ChainedScheduler": func(o *SGD) Schedule {
			return NewChainedScheduler(NewLinearWarmup(o, 0.1, 3), NewStepLR(o, 2, 0.5))
		},
		"OneCycleLR": func(o *SGD) Schedule { return NewOneCycleLR(o, OneCycleDefaults(1, 11)) },
	}
	newSGD := func() *SGD {
		return NewSGD([]autograd.Var{autograd.NewParam(tensor.Zeros(1))}, SGDConfig{LR: 0.1, Momentum: 0.9})
	}
	for name, f := range mk {
		t.Run(name, func(t *testing.T) {
			stepped := newSGD()
			s := f(stepped)
			for e := range 12 {
				set := newSGD()
				s2 := f(set)
				s2.SetEpoch(e)
				if s2.Epoch() != e || set.LR() != stepped.LR() || set.Momentum() != stepped.Momentum() {
					t.Errorf("SetEpoch(%d): epoch %d, rate %v, momentum %v; after %d Steps: rate %v, momentum %v",
						e, s2.Epoch(), set.LR(), set.Momentum(), e, stepped.LR(), stepped.Momentum())
				}
				if e < 11 {
					s.Step()
				}
			}
			tapegradtest.CheckPanic(t, func() { f(newSGD()).SetEpoch(-1) }, ErrConfig, "SetEpoch", "epoch")
		})
	}
}

// TestComposedInvalid checks the constructors' panics.
func TestComposedInvalid(t *testing.T) {
	sgd := func() *SGD { return NewSGD(twoParams(), SGDConfig{LR: 0.1}) }
	o := sgd()
	other := sgd()
	ad := NewAdagrad(twoParams(), AdagradDefaults())
	oc := func(f func(*OneCycleConfig)) func() {
		return func() {
			c := OneCycleDefaults(0.1, 10)
			f(&c)
			NewOneCycleLR(o, c)
		}
	}
	tests := []struct {
		name, field string
		f           func()
	}{
		{"Sequential no schedules", "no schedules", func() { NewSequentialLR(o, nil, nil) }},
		{"Sequential nil schedule", "schedules[0] is nil", func() { NewSequentialLR(o, []Schedule{nil}, nil) }},
		{"Sequential zero schedule", "zero-value", func() { NewSequentialLR(o, []Schedule{new(StepLR)}, nil) }},
		{"Sequential other optimiser", "schedules[1] drives another", func() {
			NewSequentialLR(o, []Schedule{NewStepLR(o, 1, 0.5), NewStepLR(other, 1, 0.5)}, []int{2})
		}},
		{"Sequential milestone count", "len(milestones)", func() { NewSequentialLR(o, []Schedule{NewStepLR(o, 1, 0.5)}, []int{2}) }},
		{"Sequential milestones not increasing", "milestones[1]", func() {
			NewSequentialLR(o, []Schedule{NewStepLR(o, 1, 0.5), NewStepLR(o, 1, 0.5), NewStepLR(o, 1, 0.5)}, []int{3, 3})
		}},
		{"Sequential zero milestone", "milestones[0]", func() { NewSequentialLR(o, []Schedule{NewStepLR(o, 1, 0.5), NewStepLR(o, 1, 0.5)}, []int{0}) }},
		{"Chained none", "no first schedule", func() { NewChainedScheduler() }},
		{"Chained other optimiser", "drives another", func() { NewChainedScheduler(NewStepLR(o, 1, 0.5), NewStepLR(other, 1, 0.5)) }},
		{"Chained OneCycle", "absolute rates", func() { NewChainedScheduler(NewStepLR(o, 1, 0.5), NewOneCycleLR(o, OneCycleDefaults(0.1, 10))) }},
		{"OneCycle zero MaxLR", "MaxLR", oc(func(c *OneCycleConfig) { c.MaxLR = 0 })},
		{"OneCycle zero steps", "TotalSteps", oc(func(c *OneCycleConfig) { c.TotalSteps = 0 })},
		{"OneCycle PctStart", "PctStart", oc(func(c *OneCycleConfig) { c.PctStart = 1.5 })},
		{"OneCycle zero Anneal", "Anneal", oc(func(c *OneCycleConfig) { c.Anneal = 0 })},
		{"OneCycle zero DivFactor", "DivFactor", oc(func(c *OneCycleConfig) { c.DivFactor = 0 })},
		{"OneCycle zero FinalDivFactor", "FinalDivFactor", oc(func(c *OneCycleConfig) { c.FinalDivFactor = 0 })},
		{"OneCycle empty phase", "phase 1", oc(func(c *OneCycleConfig) { c.PctStart = 0.1 })},
		{"OneCycle momentum of Adagrad", "MomentumSetter", func() { NewOneCycleLR(ad, OneCycleDefaults(0.1, 10)) }},
		{"OneCycle momentum ≥ 1 for Adam", "momentum", func() {
			c := OneCycleDefaults(0.1, 10)
			c.MaxMomentum = 1
			NewOneCycleLR(NewAdam(twoParams(), AdamDefaults()), c)
		}},
		{"OneCycle past the end", "step", func() {
			s := NewOneCycleLR(o, OneCycleDefaults(0.1, 10))
			for range 11 {
				s.Step()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tt.f, ErrConfig, tt.field) })
	}
}
