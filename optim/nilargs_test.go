package optim

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// stateful is every optimiser's method set.
type stateful interface {
	optimiser
	Stateful
}

// TestNilArgs calls every exported function and method of optim with nil
// and zero-value arguments (a nil or empty parameter list, the zero Var, a
// parameter without a gradient, a nil optimiser, nil state tensors, a
// zero-value optimiser or schedule) and fails if a runtime error escapes:
// each must work or panic with ErrConfig (or return ErrState). A new entry
// point without a row fails the test.
func TestNilArgs(t *testing.T) {
	var zero autograd.Var
	// withGrad returns two parameters, the first with a gradient and the
	// second without (Step skips it, as PyTorch skips a None grad).
	withGrad := func() []autograd.Var {
		ps := twoParams()
		ps[0].SetGrad(tensor.Ones(2, 2))
		return ps
	}
	rows := map[string][]func(){
		"SGDDefaults":      {func() { SGDDefaults() }},
		"AdamDefaults":     {func() { AdamDefaults() }},
		"AdamWDefaults":    {func() { AdamWDefaults() }},
		"RMSpropDefaults":  {func() { RMSpropDefaults() }},
		"AdagradDefaults":  {func() { AdagradDefaults() }},
		"NAdamDefaults":    {func() { NAdamDefaults() }},
		"RAdamDefaults":    {func() { RAdamDefaults() }},
		"OneCycleDefaults": {func() { OneCycleDefaults(0, 0) }},
		"PlateauDefaults":  {func() { PlateauDefaults() }},
		"NewReduceLROnPlateau": {
			func() { NewReduceLROnPlateau(nil, PlateauDefaults()) },
			func() { NewReduceLROnPlateau((*SGD)(nil), PlateauDefaults()) },
			func() { NewReduceLROnPlateau(NewSGD(twoParams(), SGDConfig{LR: 0.1}), PlateauConfig{}) },
		},
		"ReduceLROnPlateau.Step": {
			func() { new(ReduceLROnPlateau).Step(1) },
			func() { NewReduceLROnPlateau(NewSGD(twoParams(), SGDConfig{LR: 0.1}), PlateauDefaults()).Step(0) },
		},
		"ReduceLROnPlateau.State": {func() { new(ReduceLROnPlateau).State() }},
		"ReduceLROnPlateau.Epoch": {func() { new(ReduceLROnPlateau).Epoch() }},
		"ReduceLROnPlateau.SetEpoch": {
			func() { new(ReduceLROnPlateau).SetEpoch(0) },
			func() { NewReduceLROnPlateau(NewSGD(twoParams(), SGDConfig{LR: 0.1}), PlateauDefaults()).SetEpoch(-1) },
		},
		"ReduceLROnPlateau.ScheduleState": {func() { new(ReduceLROnPlateau).ScheduleState() }},
		"ReduceLROnPlateau.LoadScheduleState": {
			func() { new(ReduceLROnPlateau).LoadScheduleState(nil) },
			func() {
				NewReduceLROnPlateau(NewSGD(twoParams(), SGDConfig{LR: 0.1}), PlateauDefaults()).LoadScheduleState(nil)
			},
			func() {
				NewReduceLROnPlateau(NewSGD(twoParams(), SGDConfig{LR: 0.1}), PlateauDefaults()).LoadScheduleState(
					map[string]float64{"best": math.NaN(), "num_bad_epochs": 0, "cooldown_counter": 0, "lr": 0.1})
			},
		},
		"ReduceLROnPlateau.Restore": {
			func() { new(ReduceLROnPlateau).Restore(PlateauState{}) },
			func() {
				NewReduceLROnPlateau(NewSGD(twoParams(), SGDConfig{LR: 0.1}), PlateauDefaults()).Restore(PlateauState{BadEpochs: -1})
			},
		},
		"ClipGradNorm": {
			func() { ClipGradNorm(nil, 0) },
			func() { ClipGradNorm([]autograd.Var{zero}, 1) },
			func() { ClipGradNorm(withGrad(), 0) },
		},
		"ClipGradValue": {
			func() { ClipGradValue(nil, 0) },
			func() { ClipGradValue([]autograd.Var{zero}, 1) },
			func() { ClipGradValue(withGrad(), 0) },
		},
	}
	// Each optimiser: its constructor with nil and zero-Var parameter lists,
	// and its methods on a zero value and on a made optimiser whose second
	// parameter has no gradient.
	optimisers := []struct {
		name   string
		make   func([]autograd.Var) stateful
		zero   func() stateful
		config func(stateful)
	}{
		{"GD", func(ps []autograd.Var) stateful { return NewGD(ps, GDConfig{Rates: []*tensor.Tensor{nil, nil}}) },
			func() stateful { return new(GD) }, nil},
		{"SGD", func(ps []autograd.Var) stateful { return NewSGD(ps, SGDConfig{Momentum: 0.9}) },
			func() stateful { return new(SGD) }, func(o stateful) { o.(*SGD).Config() }},
		{"Adam", func(ps []autograd.Var) stateful { return NewAdam(ps, AdamDefaults()) },
			func() stateful { return new(Adam) }, func(o stateful) { o.(*Adam).Config() }},
		{"AdamW", func(ps []autograd.Var) stateful { return NewAdamW(ps, AdamWDefaults()) },
			func() stateful { return new(AdamW) }, func(o stateful) { o.(*AdamW).Config() }},
		{"RMSprop", func(ps []autograd.Var) stateful { return NewRMSprop(ps, RMSpropDefaults()) },
			func() stateful { return new(RMSprop) }, func(o stateful) { o.(*RMSprop).Config() }},
		{"Adagrad", func(ps []autograd.Var) stateful { return NewAdagrad(ps, AdagradDefaults()) },
			func() stateful { return new(Adagrad) }, func(o stateful) { o.(*Adagrad).Config() }},
		{"NAdam", func(ps []autograd.Var) stateful { return NewNAdam(ps, NAdamDefaults()) },
			func() stateful { return new(NAdam) }, func(o stateful) { o.(*NAdam).Config() }},
		{"RAdam", func(ps []autograd.Var) stateful { return NewRAdam(ps, RAdamDefaults()) },
			func() stateful { return new(RAdam) }, func(o stateful) { o.(*RAdam).Config() }},
	}
	for _, o := range optimisers {
		both := func(f func(stateful)) []func() {
			return []func(){func() { f(o.zero()) }, func() { f(o.make(withGrad())) }}
		}
		rows["New"+o.name] = []func(){
			func() { o.make(nil) },
			func() { o.make([]autograd.Var{autograd.NewParam(new(tensor.Tensor))}) },
			func() { o.make([]autograd.Var{zero, zero}) },
		}
		rows[o.name+".Step"] = both(func(s stateful) { s.Step(); s.Step() })
		rows[o.name+".ZeroGrad"] = both(func(s stateful) { s.ZeroGrad() })
		rows[o.name+".LR"] = both(func(s stateful) { s.LR() })
		rows[o.name+".SetLR"] = both(func(s stateful) { s.SetLR(0) })
		rows[o.name+".StateTensors"] = both(func(s stateful) { s.StateTensors() })
		rows[o.name+".LoadStateTensors"] = append(both(func(s stateful) { s.LoadStateTensors(nil) }),
			both(func(s stateful) { s.LoadStateTensors(map[string]*tensor.Tensor{"0.step": nil, "0.sum": nil}) })...)
		rows[o.name+".LoadStateTensors"] = append(rows[o.name+".LoadStateTensors"],
			both(func(s stateful) { s.LoadStateTensors(map[string]*tensor.Tensor{"0.step": new(tensor.Tensor)}) })...)
		if o.config != nil {
			rows[o.name+".Config"] = both(o.config)
		}
		if _, ok := o.zero().(MomentumSetter); ok {
			rows[o.name+".Momentum"] = both(func(s stateful) { s.(MomentumSetter).Momentum() })
			rows[o.name+".SetMomentum"] = append(both(func(s stateful) { s.(MomentumSetter).SetMomentum(0.5) }),
				both(func(s stateful) { s.(MomentumSetter).SetMomentum(-1) })...)
		}
	}
	// Each schedule: its constructor with a nil optimiser and with a nil
	// *SGD, and its methods on a zero value and on a made schedule.
	schedules := []struct {
		name string
		make func(LRSetter) schedulable
		zero func() schedulable
	}{
		{"StepLR", func(o LRSetter) schedulable { return NewStepLR(o, 1, 0) }, func() schedulable { return new(StepLR) }},
		{"ExponentialLR", func(o LRSetter) schedulable { return NewExponentialLR(o, 0) }, func() schedulable { return new(ExponentialLR) }},
		{"CosineAnnealingLR", func(o LRSetter) schedulable { return NewCosineAnnealingLR(o, 1, 0) }, func() schedulable { return new(CosineAnnealingLR) }},
		{"LinearWarmup", func(o LRSetter) schedulable { return NewLinearWarmup(o, 1, 1) }, func() schedulable { return new(LinearWarmup) }},
		{"OneCycleLR", func(o LRSetter) schedulable { return NewOneCycleLR(o, OneCycleDefaults(0.1, 10)) }, func() schedulable { return new(OneCycleLR) }},
		{"SequentialLR", func(o LRSetter) schedulable {
			return NewSequentialLR(o, []Schedule{NewStepLR(o, 1, 0.5), NewExponentialLR(o, 0.5)}, []int{1})
		}, func() schedulable { return new(SequentialLR) }},
		{"ChainedScheduler", func(o LRSetter) schedulable { return NewChainedScheduler(NewStepLR(o, 1, 0.5)) },
			func() schedulable { return new(ChainedScheduler) }},
	}
	for _, s := range schedules {
		both := func(f func(schedulable)) []func() {
			made := func() schedulable { return s.make(NewSGD(twoParams(), SGDConfig{LR: 0.1})) }
			return []func(){func() { f(s.zero()) }, func() { f(made()) }}
		}
		rows["New"+s.name] = []func(){
			func() { s.make(nil) },
			func() { s.make((*SGD)(nil)) },
		}
		rows[s.name+".At"] = both(func(s schedulable) { s.At(0) })
		rows[s.name+".Step"] = both(func(s schedulable) { s.Step() })
		rows[s.name+".Epoch"] = both(func(s schedulable) { s.Epoch() })
		rows[s.name+".SetEpoch"] = append(both(func(s schedulable) { s.SetEpoch(0) }), both(func(s schedulable) { s.SetEpoch(-1) })...)
	}
	made := func() *SGD { return NewSGD(twoParams(), SGDConfig{LR: 0.1}) }
	rows["OneCycleLR.MomentumAt"] = []func(){
		func() { new(OneCycleLR).MomentumAt(0) },
		func() { NewOneCycleLR(made(), OneCycleDefaults(0.1, 10)).MomentumAt(11) },
	}
	rows["NewOneCycleLR"] = append(rows["NewOneCycleLR"], func() { NewOneCycleLR(made(), OneCycleConfig{}) })
	rows["NewSequentialLR"] = append(rows["NewSequentialLR"],
		func() { NewSequentialLR(made(), nil, nil) },
		func() { NewSequentialLR(made(), []Schedule{nil, (*StepLR)(nil)}, []int{1}) })
	rows["NewChainedScheduler"] = append(rows["NewChainedScheduler"],
		func() { NewChainedScheduler() },
		func() { NewChainedScheduler(nil) },
		func() { NewChainedScheduler((*StepLR)(nil)) },
		func() { NewChainedScheduler(new(StepLR)) },
		func() { NewChainedScheduler(NewStepLR(made(), 1, 0.5), nil) })
	tapegradtest.CheckEntryPoints(t, rows, ErrConfig, ErrState, tensor.ErrShape, tensor.ErrArg)
}

// schedulable is every schedule's method set.
type schedulable interface {
	At(e int) float64
	Step()
	Epoch() int
	SetEpoch(e int)
}
