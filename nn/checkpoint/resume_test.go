package checkpoint

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// stepper is an optimiser with saveable state.
type stepper interface {
	optim.Optimizer
	Optimizer
}

// train runs n full-batch steps of cross-entropy on a fixed data set and
// returns the losses.
func train(model nn.Module, opt stepper, n int) []float64 {
	rng := rand.New(rand.NewPCG(5, 6))
	x := tensor.RandN(rng, 16, 4)
	labels := make([]int, 16)
	for i := range labels {
		labels[i] = rng.IntN(3)
	}
	tp := autograd.NewTape()
	var losses []float64
	for range n {
		tp.Reset()
		loss := nn.CrossEntropy(tp, model.Forward(tp, tp.Const(x)), labels)
		opt.ZeroGrad()
		tp.Backward(loss)
		opt.Step()
		losses = append(losses, loss.Item())
	}
	return losses
}

// TestResumeBitIdentical trains 20 steps in one run, and 10 steps, a save
// (model and optimiser state), a load into a freshly made model (other
// random weights) and optimiser, and 10 more steps; the weights and the last
// 10 losses must be bit-identical, for every optimiser and the options that
// add state (momentum, Nesterov, AMSGrad, centering, decay).
func TestResumeBitIdentical(t *testing.T) {
	tests := []struct {
		name string
		make func([]autograd.Var) stepper
	}{
		{"GD", func(p []autograd.Var) stepper { return optim.NewGD(p, optim.GDConfig{LR: 0.1}) }},
		{"SGD momentum dampening", func(p []autograd.Var) stepper {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 1e-3})
		}},
		{"SGD Nesterov", func(p []autograd.Var) stepper {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
		}},
		{"Adam", func(p []autograd.Var) stepper { return optim.NewAdam(p, optim.AdamConfig{LR: 0.01}) }},
		{"Adam AMSGrad L2", func(p []autograd.Var) stepper {
			return optim.NewAdam(p, optim.AdamConfig{LR: 0.01, AMSGrad: true, WeightDecay: 1e-2})
		}},
		{"AdamW", func(p []autograd.Var) stepper { return optim.NewAdamW(p, optim.AdamWConfig{LR: 0.01}) }},
		{"RMSprop centered momentum", func(p []autograd.Var) stepper {
			return optim.NewRMSprop(p, optim.RMSpropConfig{LR: 0.01, Centered: true, Momentum: 0.5, WeightDecay: 1e-3})
		}},
		{"Adagrad", func(p []autograd.Var) stepper {
			return optim.NewAdagrad(p, optim.AdagradConfig{LR: 0.1, LRDecay: 0.01, InitialAccumulatorValue: 0.1})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			newModel := func(seed uint64) *nn.Sequential {
				return nn.NewMLP(rand.New(rand.NewPCG(seed, 2)), []int{4, 8, 3}, nn.Tanh(), nil)
			}
			one := newModel(1)
			wantLosses := train(one, tc.make(nn.Params(one)), 20)[10:]

			first := newModel(1)
			opt := tc.make(nn.Params(first))
			train(first, opt, 10)
			p := filepath.Join(t.TempDir(), "ckpt.safetensors")
			if err := Save(p, first, WithOptimizer(opt)); err != nil {
				t.Fatal(err)
			}

			resumed := newModel(77)
			opt2 := tc.make(nn.Params(resumed))
			if err := Load(p, resumed, WithOptimizer(opt2)); err != nil {
				t.Fatal(err)
			}
			gotLosses := train(resumed, opt2, 10)
			if diff := cmp.Diff(wantLosses, gotLosses); diff != "" {
				t.Errorf("losses of steps 11–20 (-one run +resumed):\n%s", diff)
			}
			if diff := cmp.Diff(paramBits(one), paramBits(resumed)); diff != "" {
				t.Errorf("weights after 20 steps (-one run +resumed):\n%s", diff)
			}
		})
	}
}

// TestResumeNeedsState shows the test above has teeth: resuming Adam without
// its state (a fresh optimiser) does not reproduce the one-run weights.
func TestResumeNeedsState(t *testing.T) {
	newModel := func(seed uint64) *nn.Sequential {
		return nn.NewMLP(rand.New(rand.NewPCG(seed, 2)), []int{4, 8, 3}, nn.Tanh(), nil)
	}
	mk := func(p []autograd.Var) stepper { return optim.NewAdam(p, optim.AdamConfig{LR: 0.01}) }
	one := newModel(1)
	train(one, mk(nn.Params(one)), 20)
	first := newModel(1)
	train(first, mk(nn.Params(first)), 10)
	p := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := Save(p, first); err != nil {
		t.Fatal(err)
	}
	resumed := newModel(77)
	if err := Load(p, resumed); err != nil {
		t.Fatal(err)
	}
	train(resumed, mk(nn.Params(resumed)), 10)
	if cmp.Equal(paramBits(one), paramBits(resumed)) {
		t.Error("resuming Adam without its moments gave the one-run weights; the resume test cannot tell")
	}
}
