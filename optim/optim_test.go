package optim

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// twoParams returns a 2x2 and a 3-element parameter with fixed values.
func twoParams() []autograd.Var {
	return []autograd.Var{
		autograd.NewNamedParam("w", tensor.New([]float64{1, 2, 3, 4}, 2, 2)),
		autograd.NewNamedParam("v", tensor.New([]float64{-1, 0.5, 2}, 3)),
	}
}

// every lists one maker per optimiser, with non-default settings so that
// every state buffer exists.
var every = []struct {
	name string
	make func([]autograd.Var) optimiser
}{
	{"GD", func(ps []autograd.Var) optimiser { return NewGD(ps, GDConfig{LR: 0.1}) }},
	{"SGD", func(ps []autograd.Var) optimiser {
		return NewSGD(ps, SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01})
	}},
	{"Adam", func(ps []autograd.Var) optimiser {
		c := AdamDefaults()
		c.AMSGrad, c.WeightDecay = true, 0.1
		return NewAdam(ps, c)
	}},
	{"AdamW", func(ps []autograd.Var) optimiser {
		c := AdamWDefaults()
		c.AMSGrad = true
		return NewAdamW(ps, c)
	}},
	{"RMSprop", func(ps []autograd.Var) optimiser {
		c := RMSpropDefaults()
		c.Centered, c.Momentum, c.WeightDecay = true, 0.5, 0.1
		return NewRMSprop(ps, c)
	}},
	{"Adagrad", func(ps []autograd.Var) optimiser {
		c := AdagradDefaults()
		c.LRDecay, c.InitialAccumulatorValue, c.WeightDecay = 0.1, 0.1, 0.1
		return NewAdagrad(ps, c)
	}},
	{"NAdam", func(ps []autograd.Var) optimiser {
		c := NAdamDefaults()
		c.WeightDecay = 0.1
		return NewNAdam(ps, c)
	}},
	{"RAdam", func(ps []autograd.Var) optimiser {
		c := RAdamDefaults()
		c.WeightDecay = 0.1
		return NewRAdam(ps, c)
	}},
}

// TestInvalidPanics checks that every invalid setting panics with an error
// wrapping the documented sentinel and naming the offending field.
func TestInvalidPanics(t *testing.T) {
	ps := twoParams
	nan := math.NaN()
	tests := []struct {
		name  string
		f     func()
		want  error
		field string // text the message must contain
	}{
		{"empty params", func() { NewSGD(nil, SGDConfig{}) }, ErrConfig, "empty parameter list"},
		{"non-parameter", func() { NewAdam([]autograd.Var{autograd.Const(tensor.Zeros(2))}, AdamConfig{}) }, ErrConfig, "params[0]"},
		{"duplicate", func() { p := ps(); NewAdagrad([]autograd.Var{p[0], p[1], p[0]}, AdagradConfig{}) }, ErrConfig, "params[2] is params[0]"},
		{"GD negative LR", func() { NewGD(ps(), GDConfig{LR: -1}) }, ErrConfig, "LR"},
		{"GD rate count", func() { NewGD(ps(), GDConfig{Rates: []*tensor.Tensor{nil}}) }, ErrConfig, "len(Rates)"},
		{"GD negative rate", func() { NewGD(ps(), GDConfig{Rates: []*tensor.Tensor{tensor.Scalar(-1), nil}}) }, ErrConfig, "Rates[0]"},
		{"GD NaN rate", func() { NewGD(ps(), GDConfig{Rates: []*tensor.Tensor{nil, tensor.Full(nan, 3)}}) }, ErrConfig, "Rates[1]"},
		{"GD rate shape", func() { NewGD(ps(), GDConfig{Rates: []*tensor.Tensor{tensor.Ones(4), nil}}) }, tensor.ErrShape, "Rates[0]"},
		{"SGD negative LR", func() { NewSGD(ps(), SGDConfig{LR: -0.1}) }, ErrConfig, "LR"},
		{"SGD NaN LR", func() { NewSGD(ps(), SGDConfig{LR: nan}) }, ErrConfig, "LR"},
		{"SGD infinite LR", func() { NewSGD(ps(), SGDConfig{LR: math.Inf(1)}) }, ErrConfig, "LR"},
		{"SGD negative momentum", func() { NewSGD(ps(), SGDConfig{Momentum: -0.9}) }, ErrConfig, "Momentum"},
		{"SGD negative weight decay", func() { NewSGD(ps(), SGDConfig{WeightDecay: -1}) }, ErrConfig, "WeightDecay"},
		{"SGD NaN dampening", func() { NewSGD(ps(), SGDConfig{Momentum: 0.9, Dampening: nan}) }, ErrConfig, "Dampening"},
		{"SGD Nesterov without momentum", func() { NewSGD(ps(), SGDConfig{Nesterov: true}) }, ErrConfig, "Nesterov"},
		{"SGD Nesterov with dampening", func() { NewSGD(ps(), SGDConfig{Nesterov: true, Momentum: 0.9, Dampening: 0.1}) }, ErrConfig, "Nesterov"},
		{"Adam Beta1 = 1", func() { NewAdam(ps(), AdamConfig{Beta1: 1}) }, ErrConfig, "Beta1"},
		{"Adam negative Beta2", func() { NewAdam(ps(), AdamConfig{Beta2: -0.5}) }, ErrConfig, "Beta2"},
		{"Adam NaN Beta2", func() { NewAdam(ps(), AdamConfig{Beta2: nan}) }, ErrConfig, "Beta2"},
		{"Adam negative Eps", func() { NewAdam(ps(), AdamConfig{Eps: -1e-8}) }, ErrConfig, "Eps"},
		{"Adam negative weight decay", func() { NewAdam(ps(), AdamConfig{WeightDecay: -1}) }, ErrConfig, "WeightDecay"},
		{"AdamW Beta1 > 1", func() { NewAdamW(ps(), AdamWConfig{Beta1: 1.5}) }, ErrConfig, "Beta1"},
		{"AdamW negative LR", func() { NewAdamW(ps(), AdamWConfig{LR: -1}) }, ErrConfig, "LR"},
		{"RMSprop negative Alpha", func() { NewRMSprop(ps(), RMSpropConfig{Alpha: -0.1}) }, ErrConfig, "Alpha"},
		{"RMSprop negative momentum", func() { NewRMSprop(ps(), RMSpropConfig{Momentum: -0.1}) }, ErrConfig, "Momentum"},
		{"RMSprop infinite Eps", func() { NewRMSprop(ps(), RMSpropConfig{Eps: math.Inf(1)}) }, ErrConfig, "Eps"},
		{"Adagrad negative LRDecay", func() { NewAdagrad(ps(), AdagradConfig{LRDecay: -1}) }, ErrConfig, "LRDecay"},
		{"Adagrad negative accumulator", func() { NewAdagrad(ps(), AdagradConfig{InitialAccumulatorValue: -1}) }, ErrConfig, "InitialAccumulatorValue"},
		{"Adagrad negative weight decay", func() { NewAdagrad(ps(), AdagradConfig{WeightDecay: -1}) }, ErrConfig, "WeightDecay"},
		{"SetLR negative", func() { NewAdam(ps(), AdamConfig{}).SetLR(-1) }, ErrConfig, "lr"},
		{"SetLR NaN", func() { NewSGD(ps(), SGDConfig{}).SetLR(nan) }, ErrConfig, "lr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tt.f, tt.want, tt.field) })
	}
}

// TestDefaults checks the XxxDefaults constructors against torch.optim's
// keyword defaults (PyTorch 1.13's documentation), and that a constructor
// keeps its config as given: a field set to 0 stays 0 (Config reports it,
// and the zero-setting trajectories of TestTrajectories check the steps).
func TestDefaults(t *testing.T) {
	ps := twoParams
	tests := []struct {
		name      string
		got, want any
	}{
		{"SGDDefaults", SGDDefaults(), SGDConfig{}},
		{"AdamDefaults", AdamDefaults(), AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}},
		{"AdamWDefaults", AdamWDefaults(), AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}},
		{"RMSpropDefaults", RMSpropDefaults(), RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}},
		{"AdagradDefaults", AdagradDefaults(), AdagradConfig{LR: 1e-2, Eps: 1e-10}},
		{"NAdamDefaults", NAdamDefaults(), NAdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, MomentumDecay: 4e-3}},
		{"RAdamDefaults", RAdamDefaults(), RAdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}},
		{"OneCycleDefaults", OneCycleDefaults(0.5, 100), OneCycleConfig{MaxLR: 0.5, TotalSteps: 100, PctStart: 0.3, Anneal: AnnealCos,
			CycleMomentum: true, BaseMomentum: 0.85, MaxMomentum: 0.95, DivFactor: 25, FinalDivFactor: 1e4}},
		{"PlateauDefaults", PlateauDefaults(), PlateauConfig{Mode: PlateauMin, Factor: 0.1, Patience: 10, Threshold: 1e-4,
			ThresholdMode: ThresholdRel, Eps: 1e-8}},

		{"SGD zero", NewSGD(ps(), SGDConfig{}).Config(), SGDConfig{}},
		{"SGD explicit", NewSGD(ps(), SGDConfig{LR: 0.5, Momentum: 0.9, Dampening: 0.1}).Config(),
			SGDConfig{LR: 0.5, Momentum: 0.9, Dampening: 0.1}},
		{"Adam zero", NewAdam(ps(), AdamConfig{}).Config(), AdamConfig{}},
		{"Adam explicit", NewAdam(ps(), AdamConfig{LR: 0.1, Beta1: 0.5, Beta2: 0.9, Eps: 1e-6, WeightDecay: 0.1, AMSGrad: true}).Config(),
			AdamConfig{LR: 0.1, Beta1: 0.5, Beta2: 0.9, Eps: 1e-6, WeightDecay: 0.1, AMSGrad: true}},
		{"AdamW zero", NewAdamW(ps(), AdamWConfig{}).Config(), AdamWConfig{}},
		{"RMSprop zero", NewRMSprop(ps(), RMSpropConfig{}).Config(), RMSpropConfig{}},
		{"Adagrad zero", NewAdagrad(ps(), AdagradConfig{}).Config(), AdagradConfig{}},
		{"NAdam zero", NewNAdam(ps(), NAdamConfig{}).Config(), NAdamConfig{}},
		{"RAdam zero", NewRAdam(ps(), RAdamConfig{}).Config(), RAdamConfig{}},
		{"GD zero", NewGD(ps(), GDConfig{}).LR(), 0.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

// TestZeroMeansZero checks by hand that a zero setting whose PyTorch
// default is not zero acts as zero. One step from w = 1 with g = 0.5:
//
//	Adam β₁ = 0, β₂ = 0.999, ε = 0, γ = 0.1: m = g, v = 0.001·g²,
//	  w ← w − (γ/1)·g/(√v/√0.001) = w − γ·g/|g| = 0.9
//	Adam β₁ = 0.9 (for contrast): the same 0.9 at step 1 (m/(1−β₁) = g),
//	  but at step 2 with g = −0.5: β₁ = 0 gives 0.9 + 0.1 = 1.0
//	AdamW λ = 0: no decay, the same steps as Adam
//	SGD μ = 0 after a first step: w ← w − γg, no buffer (no state)
func TestZeroMeansZero(t *testing.T) {
	run := func(opt Optimizer, p autograd.Var, grads ...float64) float64 {
		for _, g := range grads {
			p.SetGrad(tensor.Full(g, 1))
			opt.Step()
		}
		return p.Value().Data()[0]
	}
	param := func() autograd.Var { return autograd.NewParam(tensor.Full(1, 1)) }
	tests := []struct {
		name      string
		got, want float64
	}{
		{"Adam β₁=0 step 2", func() float64 {
			p := param()
			return run(NewAdam([]autograd.Var{p}, AdamConfig{LR: 0.1, Beta2: 0.999}), p, 0.5, -0.5)
		}(), 1.0},
		{"AdamW β₁=0 λ=0 step 2", func() float64 {
			p := param()
			return run(NewAdamW([]autograd.Var{p}, AdamWConfig{LR: 0.1, Beta2: 0.999}), p, 0.5, -0.5)
		}(), 1.0},
		{"SGD μ=0", func() float64 {
			p := param()
			return run(NewSGD([]autograd.Var{p}, SGDConfig{LR: 0.1}), p, 0.5, -0.5, 1)
		}(), 0.9},
		{"RMSprop α=0 ε=0", func() float64 { // v = g²: each step moves γ·sign(g)
			p := param()
			return run(NewRMSprop([]autograd.Var{p}, RMSpropConfig{LR: 0.1}), p, 0.5, 2, 4)
		}(), 0.7},
	}
	for _, tt := range tests {
		// Each value is a few roundings from the decimal: 1e-15.
		if math.Abs(tt.got-tt.want) > 1e-15 {
			t.Errorf("%s: w = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	// A β₁ of 0.9 gives a different second step: the zero was honoured.
	p := param()
	if got := run(NewAdam([]autograd.Var{p}, AdamConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999}), p, 0.5, -0.5); math.Abs(got-1) < 1e-3 {
		t.Errorf("Adam β₁=0.9 step 2: w = %v, want it away from β₁=0's 1.0", got)
	}
	if s := NewSGD(twoParams(), SGDConfig{LR: 0.1}).StateTensors(); len(s) != 0 {
		t.Errorf("SGD μ=0 keeps state %v, want none", s)
	}
}

// TestLRAndZeroGrad checks LR/SetLR and ZeroGrad on every optimiser.
func TestLRAndZeroGrad(t *testing.T) {
	for _, o := range every {
		t.Run(o.name, func(t *testing.T) {
			ps := twoParams()
			opt := o.make(ps)
			opt.SetLR(0.25)
			if got := opt.LR(); got != 0.25 {
				t.Errorf("LR after SetLR(0.25) = %v, want 0.25", got)
			}
			opt.SetLR(0) // a zero rate is allowed through SetLR
			if got := opt.LR(); got != 0 {
				t.Errorf("LR after SetLR(0) = %v, want 0", got)
			}
			g := tensor.Full(3, 2, 2)
			ps[0].SetGrad(g)
			opt.ZeroGrad() // ps[1] has no gradient: left nil
			if diff := cmp.Diff([]float64{0, 0, 0, 0}, ps[0].Grad().Data()); diff != "" {
				t.Errorf("gradient after ZeroGrad (-want +got):\n%s", diff)
			}
			if ps[0].Grad() != g {
				t.Error("ZeroGrad replaced the gradient's buffer")
			}
			if ps[1].Grad() != nil {
				t.Error("ZeroGrad made a gradient for a parameter that had none")
			}
		})
	}
}

// TestStepSkipsNilGrad checks that Step leaves parameters without a
// gradient untouched, and moves those with one.
func TestStepSkipsNilGrad(t *testing.T) {
	for _, o := range every {
		t.Run(o.name, func(t *testing.T) {
			ps := twoParams()
			opt := o.make(ps)
			opt.Step() // no gradients at all
			want := [][]float64{{1, 2, 3, 4}, {-1, 0.5, 2}}
			got := [][]float64{ps[0].Value().Data(), ps[1].Value().Data()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("values after a step without gradients (-want +got):\n%s", diff)
			}
			ps[1].SetGrad(tensor.Ones(3))
			opt.Step()
			if diff := cmp.Diff(want[0], ps[0].Value().Data()); diff != "" {
				t.Errorf("parameter without a gradient moved (-want +got):\n%s", diff)
			}
			for j, v := range ps[1].Value().Data() {
				if !(v < want[1][j]) {
					t.Errorf("v[%d] = %v after a step along gradient 1, want below %v", j, v, want[1][j])
				}
			}
		})
	}
}

// TestStepAllocs checks that a steady-state Step allocates nothing.
func TestStepAllocs(t *testing.T) {
	for _, o := range every {
		t.Run(o.name, func(t *testing.T) {
			ps := twoParams()
			for _, p := range ps {
				p.SetGrad(tensor.Full(0.5, p.Shape()...))
			}
			opt := o.make(ps)
			opt.Step()
			if n := testing.AllocsPerRun(100, opt.Step); n != 0 {
				t.Errorf("Step allocates %v times per call, want 0", n)
			}
		})
	}
}
