package optim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// stateful is an optimiser with saveable state.
type stateful interface {
	optim.Optimizer
	optim.Stateful
}

// stateOf returns the names and shapes of an optimiser's state tensors.
func stateOf(o optim.Stateful) map[string][]int {
	out := map[string][]int{}
	for k, v := range o.StateTensors() {
		out[k] = v.Shape()
	}
	return out
}

// TestStateTensorNames checks each optimiser's state names (PyTorch's
// optimizer.state_dict() slot names) after one step on two parameters of
// shapes (2, 3) and (3).
func TestStateTensorNames(t *testing.T) {
	params := func() []autograd.Var {
		ps := []autograd.Var{autograd.NewParam(tensor.Ones(2, 3)), autograd.NewParam(tensor.Ones(3))}
		for _, p := range ps {
			p.SetGrad(tensor.Full(0.5, p.Shape()...))
		}
		return ps
	}
	tests := []struct {
		name string
		make func([]autograd.Var) stateful
		want map[string][]int
	}{
		{"GD", func(p []autograd.Var) stateful { return optim.NewGD(p, optim.GDConfig{LR: 0.1}) }, map[string][]int{}},
		{"SGD momentum", func(p []autograd.Var) stateful { return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9}) }, map[string][]int{"0.momentum_buffer": {2, 3}, "1.momentum_buffer": {3}}},
		{"Adam AMSGrad", func(p []autograd.Var) stateful {
			return optim.NewAdam(p, optim.AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, AMSGrad: true})
		}, map[string][]int{"0.exp_avg": {2, 3}, "0.exp_avg_sq": {2, 3}, "0.max_exp_avg_sq": {2, 3}, "0.step": {},
			"1.exp_avg": {3}, "1.exp_avg_sq": {3}, "1.max_exp_avg_sq": {3}, "1.step": {}}},
		{"RMSprop centered momentum", func(p []autograd.Var) stateful {
			return optim.NewRMSprop(p, optim.RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8, Centered: true, Momentum: 0.1})
		}, map[string][]int{"0.square_avg": {2, 3}, "0.grad_avg": {2, 3}, "0.momentum_buffer": {2, 3},
			"1.square_avg": {3}, "1.grad_avg": {3}, "1.momentum_buffer": {3}}},
		{"Adagrad", func(p []autograd.Var) stateful { return optim.NewAdagrad(p, optim.AdagradDefaults()) }, map[string][]int{"0.sum": {2, 3}, "0.step": {}, "1.sum": {3}, "1.step": {}}},
		{"NAdam", func(p []autograd.Var) stateful { return optim.NewNAdam(p, optim.NAdamDefaults()) }, map[string][]int{"0.exp_avg": {2, 3}, "0.exp_avg_sq": {2, 3}, "0.mu_product": {}, "0.step": {},
			"1.exp_avg": {3}, "1.exp_avg_sq": {3}, "1.mu_product": {}, "1.step": {}}},
		{"RAdam", func(p []autograd.Var) stateful { return optim.NewRAdam(p, optim.RAdamDefaults()) }, map[string][]int{"0.exp_avg": {2, 3}, "0.exp_avg_sq": {2, 3}, "0.step": {},
			"1.exp_avg": {3}, "1.exp_avg_sq": {3}, "1.step": {}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.make(params())
			o.Step()
			if diff := cmp.Diff(tc.want, stateOf(o)); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
			// A fresh optimiser loads the state and then reports the same.
			o2 := tc.make(params())
			if err := o2.LoadStateTensors(o.StateTensors()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(o.StateTensors(), o2.StateTensors(), cmp.Comparer(func(a, b *tensor.Tensor) bool {
				return cmp.Equal(a.Shape(), b.Shape()) && cmp.Equal(a.Data(), b.Data())
			})); diff != "" {
				t.Errorf("reloaded state (-saved +loaded):\n%s", diff)
			}
		})
	}
}

// TestLoadStateTensorsErrors checks bad state is refused with ErrState and
// a message naming the tensor, leaving the optimiser unchanged.
func TestLoadStateTensorsErrors(t *testing.T) {
	good := func() map[string]*tensor.Tensor {
		return map[string]*tensor.Tensor{"0.sum": tensor.Full(2, 3), "0.step": tensor.Scalar(4)}
	}
	tests := []struct {
		name string
		edit func(map[string]*tensor.Tensor)
		want string
	}{
		{"missing", func(ts map[string]*tensor.Tensor) { delete(ts, "0.step") }, `missing state tensor "0.step"`},
		{"shape", func(ts map[string]*tensor.Tensor) { ts["0.sum"] = tensor.Zeros(4) }, `"0.sum" has shape [4], want the parameter's [3]`},
		{"negative step", func(ts map[string]*tensor.Tensor) { ts["0.step"] = tensor.Scalar(-1) }, `"0.step" is -1`},
		{"step not scalar", func(ts map[string]*tensor.Tensor) { ts["0.step"] = tensor.Zeros(2) }, `"0.step" has shape [2]`},
		{"unexpected", func(ts map[string]*tensor.Tensor) { ts["1.sum"] = tensor.Zeros(3) }, "unexpected state tensors 1.sum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := optim.NewAdagrad([]autograd.Var{autograd.NewParam(tensor.Ones(3))}, optim.AdagradConfig{LR: 1e-2, Eps: 1e-10, InitialAccumulatorValue: 0.5})
			before := o.StateTensors()
			ts := good()
			tc.edit(ts)
			err := o.LoadStateTensors(ts)
			if !errors.Is(err, optim.ErrState) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadStateTensors = %v, want ErrState naming %q", err, tc.want)
			}
			if diff := cmp.Diff(before["0.sum"].Data(), o.StateTensors()["0.sum"].Data()); diff != "" {
				t.Errorf("a failed load changed the state (-before +after):\n%s", diff)
			}
		})
	}
	if err := optim.NewGD([]autograd.Var{autograd.NewParam(tensor.Ones(1))}, optim.GDConfig{}).LoadStateTensors(good()); !errors.Is(err, optim.ErrState) {
		t.Errorf("GD loading state = %v, want ErrState", err)
	}
}
