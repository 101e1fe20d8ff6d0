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
	{"Adam", func(ps []autograd.Var) optimiser { return NewAdam(ps, AdamConfig{AMSGrad: true, WeightDecay: 0.1}) }},
	{"AdamW", func(ps []autograd.Var) optimiser { return NewAdamW(ps, AdamWConfig{AMSGrad: true}) }},
	{"RMSprop", func(ps []autograd.Var) optimiser {
		return NewRMSprop(ps, RMSpropConfig{Centered: true, Momentum: 0.5, WeightDecay: 0.1})
	}},
	{"Adagrad", func(ps []autograd.Var) optimiser {
		return NewAdagrad(ps, AdagradConfig{LRDecay: 0.1, InitialAccumulatorValue: 0.1, WeightDecay: 0.1})
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

// TestDefaults checks that zero config fields take torch.optim's defaults
// (the values of PyTorch's documentation) and explicit ones are kept.
func TestDefaults(t *testing.T) {
	ps := twoParams
	tests := []struct {
		name      string
		got, want any
	}{
		{"SGD", NewSGD(ps(), SGDConfig{}).Config(), SGDConfig{LR: 1e-3}},
		{"SGD explicit", NewSGD(ps(), SGDConfig{LR: 0.5, Momentum: 0.9, Dampening: 0.1}).Config(),
			SGDConfig{LR: 0.5, Momentum: 0.9, Dampening: 0.1}},
		{"Adam", NewAdam(ps(), AdamConfig{}).Config(), AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}},
		{"Adam explicit", NewAdam(ps(), AdamConfig{LR: 0.1, Beta1: 0.5, Beta2: 0.9, Eps: 1e-6, WeightDecay: 0.1, AMSGrad: true}).Config(),
			AdamConfig{LR: 0.1, Beta1: 0.5, Beta2: 0.9, Eps: 1e-6, WeightDecay: 0.1, AMSGrad: true}},
		{"AdamW", NewAdamW(ps(), AdamWConfig{}).Config(), AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}},
		{"RMSprop", NewRMSprop(ps(), RMSpropConfig{}).Config(), RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}},
		{"Adagrad", NewAdagrad(ps(), AdagradConfig{}).Config(), AdagradConfig{LR: 1e-2, Eps: 1e-10}},
		{"GD", NewGD(ps(), GDConfig{}).LR(), 1e-3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
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
