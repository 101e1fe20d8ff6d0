package nn_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/checkpoint"
	"github.com/tapegrad/tapegrad/tensor"
)

// ntTensor is a tensor as the testdata scripts write it.
type ntTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (t ntTensor) tensor() *tensor.Tensor {
	if len(t.Shape) == 0 { // a 0-d tensor (num_batches_tracked)
		return tensor.Reshape(tensor.New(t.Data, 1))
	}
	return tensor.New(t.Data, t.Shape...)
}

// ntLoad reads a testdata JSON file of named cases of named tensors.
func ntLoad(t *testing.T, file string) map[string]map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// ntTensorOf decodes case c's tensor named name.
func ntTensorOf(t *testing.T, c map[string]json.RawMessage, name string) *tensor.Tensor {
	t.Helper()
	var tt ntTensor
	if err := json.Unmarshal(c[name], &tt); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tt.tensor()
}

// ntTol: PyTorch and tapegrad compute the same float64 formulas in
// different orders (PyTorch's Welford variance, its fused affine), which
// agree to a few ulps of values of order 1; 1e-10 is the issue's bound.
var ntTol = cmpopts.EquateApprox(0, 1e-10)

// ntCheck compares got with case c's tensor named name.
func ntCheck(t *testing.T, c map[string]json.RawMessage, name string, got *tensor.Tensor) {
	t.Helper()
	if d := tapegradtest.Diff(ntTensorOf(t, c, name), got, ntTol); d != "" {
		t.Errorf("%s (-torch +got):\n%s", name, d)
	}
}

// ntSetParams copies case c's tensors into the layer's parameters of the same names.
func ntSetParams(t *testing.T, c map[string]json.RawMessage, m nn.Module) {
	t.Helper()
	for _, np := range m.NamedParams() {
		if np.Buffer {
			continue
		}
		np.Var.SetValue(ntTensorOf(t, c, np.Name))
	}
}

// ntForwardBackward runs m on case c's input xName with seed gradient gName
// and returns the output and the input's gradient; parameters' gradients
// are in their Grad.
func ntForwardBackward(t *testing.T, c map[string]json.RawMessage, m nn.Module, xName, gName string) (y, dx *tensor.Tensor) {
	t.Helper()
	nn.ZeroGrad(m)
	tp := autograd.NewTape()
	x := tp.Var(ntTensorOf(t, c, xName))
	out := m.Forward(tp, x)
	tp.BackwardWith(out, ntTensorOf(t, c, gName))
	return out.Value(), x.Grad()
}

func TestNormMatchesTorch(t *testing.T) {
	cases := ntLoad(t, "testdata/norm_torch.json")
	d := nn.NormDefaults()
	stateless := []struct {
		name string
		m    nn.Module
	}{
		{"layernorm_1", nn.NewLayerNorm(d, 4)},
		{"layernorm_2", nn.NewLayerNorm(d, 3, 4)},
		{"layernorm_noaffine", nn.NewLayerNorm(nn.NormConfig{Eps: 1e-5}, 5)},
		{"groupnorm", nn.NewGroupNorm(d, 2, 4)},
		{"groupnorm_2d", nn.NewGroupNorm(nn.NormConfig{Eps: 1e-3, Affine: true}, 3, 6)},
	}
	for _, tc := range stateless {
		t.Run(tc.name, func(t *testing.T) {
			c := cases[tc.name]
			ntSetParams(t, c, tc.m)
			y, dx := ntForwardBackward(t, c, tc.m, "x", "g")
			ntCheck(t, c, "y", y)
			ntCheck(t, c, "dx", dx)
			for _, np := range tc.m.NamedParams() {
				ntCheck(t, c, "d"+np.Name, np.Var.Grad())
			}
		})
	}
	momentum2 := d
	momentum2.Momentum = 0.2
	batch := []struct {
		name string
		m    *nn.BatchNorm
	}{
		{"batchnorm1d_nc", nn.NewBatchNorm1d(d, 3)},
		{"batchnorm1d_ncl", nn.NewBatchNorm1d(d, 3)},
		{"batchnorm2d", nn.NewBatchNorm2d(momentum2, 2)},
	}
	for _, tc := range batch {
		t.Run(tc.name, func(t *testing.T) {
			c := cases[tc.name]
			ntSetParams(t, c, tc.m)
			for _, step := range []string{"1", "2", "_eval"} {
				if step == "_eval" {
					for _, b := range []string{"running_mean", "running_var", "num_batches_tracked"} {
						ntCheck(t, c, b, ntParam(tc.m, b).Value())
					}
					nn.SetTraining(tc.m, false)
				}
				y, dx := ntForwardBackward(t, c, tc.m, "x"+step, "g"+step)
				ntCheck(t, c, "y"+step, y)
				ntCheck(t, c, "dx"+step, dx)
				ntCheck(t, c, "dweight"+step, tc.m.Weight.Grad())
				ntCheck(t, c, "dbias"+step, tc.m.Bias.Grad())
			}
			if got := ntParam(tc.m, "num_batches_tracked").Value().At(); got != 2 {
				t.Errorf("got num_batches_tracked %v after an evaluation pass, want 2", got)
			}
		})
	}
}

// ntParam returns m's named parameter or buffer name.
func ntParam(m nn.Module, name string) autograd.Var {
	for _, np := range m.NamedParams() {
		if np.Name == name {
			return np.Var
		}
	}
	panic("no parameter " + name)
}

func TestNormLayersAPI(t *testing.T) {
	d := nn.NormDefaults()
	if d != (nn.NormConfig{Eps: 1e-5, Affine: true, Momentum: 0.1}) {
		t.Errorf("got defaults %+v, want PyTorch's eps 1e-5, affine, momentum 0.1", d)
	}
	type named struct {
		Name   string
		Shape  []int
		Buffer bool
	}
	list := func(m nn.Module) []named {
		var out []named
		for _, np := range m.NamedParams() {
			out = append(out, named{np.Name, np.Var.Shape(), np.Buffer})
		}
		return out
	}
	tests := []struct {
		m      nn.Module
		str    string
		params []named
	}{
		{nn.NewLayerNorm(d, 64), "LayerNorm((64,), eps=1e-05, elementwise_affine=true)",
			[]named{{"weight", []int{64}, false}, {"bias", []int{64}, false}}},
		{nn.NewLayerNorm(nn.NormConfig{Eps: 1e-6}, 2, 3), "LayerNorm((2, 3), eps=1e-06, elementwise_affine=false)", nil},
		{nn.NewGroupNorm(d, 2, 4), "GroupNorm(2, 4, eps=1e-05, affine=true)",
			[]named{{"weight", []int{4}, false}, {"bias", []int{4}, false}}},
		{nn.NewBatchNorm1d(d, 3), "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)",
			[]named{{"weight", []int{3}, false}, {"bias", []int{3}, false}, {"running_mean", []int{3}, true},
				{"running_var", []int{3}, true}, {"num_batches_tracked", []int{}, true}}},
		{nn.NewBatchNorm2d(nn.NormConfig{Eps: 1e-3, Momentum: 0.5}, 2), "BatchNorm2d(2, eps=0.001, momentum=0.5, affine=false, track_running_stats=true)",
			[]named{{"running_mean", []int{2}, true}, {"running_var", []int{2}, true}, {"num_batches_tracked", []int{}, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.str, func(t *testing.T) {
			if got := fmt.Sprint(tc.m); got != tc.str {
				t.Errorf("got String %q, want %q", got, tc.str)
			}
			if diff := cmp.Diff(tc.params, list(tc.m), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("NamedParams (-want +got):\n%s", diff)
			}
			for _, p := range nn.Params(tc.m) {
				if !p.RequiresGrad() {
					t.Errorf("parameter %s does not require a gradient", p.Name())
				}
			}
			for _, np := range tc.m.NamedParams() {
				if np.Buffer && np.Var.RequiresGrad() {
					t.Errorf("buffer %s requires a gradient", np.Name)
				}
			}
		})
	}
}

func TestNormPanics(t *testing.T) {
	d := nn.NormDefaults()
	x := func(shape ...int) autograd.Var { return autograd.Const(tensor.Zeros(shape...)) }
	tests := []struct {
		name string
		f    func()
		want error
	}{
		{"LayerNorm empty shape", func() { nn.NewLayerNorm(d) }, nn.ErrArg},
		{"LayerNorm zero dim", func() { nn.NewLayerNorm(d, 0) }, nn.ErrArg},
		{"LayerNorm wrong trailing dims", func() { nn.NewLayerNorm(d, 4).Forward(nil, x(2, 3)) }, tensor.ErrShape},
		{"GroupNorm groups not dividing", func() { nn.NewGroupNorm(d, 3, 4) }, nn.ErrArg},
		{"GroupNorm wrong channels", func() { nn.NewGroupNorm(d, 2, 4).Forward(nil, x(2, 6)) }, tensor.ErrShape},
		{"GroupNorm rank 1", func() { nn.NewGroupNorm(d, 2, 4).Forward(nil, x(4)) }, tensor.ErrShape},
		{"BatchNorm1d zero features", func() { nn.NewBatchNorm1d(d, 0) }, nn.ErrArg},
		{"BatchNorm1d rank 4", func() { nn.NewBatchNorm1d(d, 2).Forward(nil, x(2, 2, 2, 2)) }, tensor.ErrShape},
		{"BatchNorm2d rank 3", func() { nn.NewBatchNorm2d(d, 2).Forward(nil, x(2, 2, 2)) }, tensor.ErrShape},
		{"BatchNorm2d wrong channels", func() { nn.NewBatchNorm2d(d, 2).Forward(nil, x(2, 3, 2, 2)) }, tensor.ErrShape},
		{"BatchNorm1d one value per channel", func() { nn.NewBatchNorm1d(d, 2).Forward(nil, x(1, 2)) }, tensor.ErrShape},
		{"BatchNorm zero value", func() { new(nn.BatchNorm).Forward(nil, x(2, 2)) }, nn.ErrArg},
		{"LayerNorm float32 input, float64 gain", func() {
			nn.NewLayerNorm(d, 2).Forward(nil, autograd.Const(tensor.Float32.Zeros(3, 2)))
		}, tensor.ErrDType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, tc.want) })
	}
}

// TestNormFloat32 runs each layer in float32 against float64: float32
// rounding of inputs of order 1 (2⁻²⁴ ≈ 6e-8 relative) through a
// normalisation and its backward pass stays below 1e-5.
func TestNormFloat32(t *testing.T) {
	rng := tapegradtest.NewRNG()
	d := nn.NormDefaults()
	tests := []struct {
		name  string
		make  func() nn.Module
		shape []int
	}{
		{"LayerNorm", func() nn.Module { return nn.NewLayerNorm(d, 8) }, []int{4, 8}},
		{"GroupNorm", func() nn.Module { return nn.NewGroupNorm(d, 2, 4) }, []int{3, 4, 5}},
		{"BatchNorm1d", func() nn.Module { return nn.NewBatchNorm1d(d, 4) }, []int{6, 4}},
		{"BatchNorm2d", func() nn.Module { return nn.NewBatchNorm2d(d, 3) }, []int{2, 3, 2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.RandN(rng, tc.shape...)
			var outs, grads [2]*tensor.Tensor
			var stats [2]*tensor.Tensor
			for i, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
				m := nn.To(tc.make(), dt)
				tp := autograd.NewTape()
				xv := tp.Var(x.To(dt))
				y := m.Forward(tp, xv)
				tp.Backward(tp.Sum(tp.Mul(y, y)))
				if y.Value().DType() != dt || xv.Grad().DType() != dt {
					t.Fatalf("got %v output and %v gradient, want %v", y.Value().DType(), xv.Grad().DType(), dt)
				}
				outs[i], grads[i] = y.Value().To(tensor.Float64), xv.Grad().To(tensor.Float64)
				if b, ok := m.(*nn.BatchNorm); ok {
					stats[i] = b.RunningVar.Value().To(tensor.Float64)
				}
			}
			tol := cmpopts.EquateApprox(1e-5, 1e-5)
			if diff := tapegradtest.Diff(outs[0], outs[1], tol); diff != "" {
				t.Errorf("output float64 vs float32:\n%s", diff)
			}
			if diff := tapegradtest.Diff(grads[0], grads[1], tol); diff != "" {
				t.Errorf("gradient float64 vs float32:\n%s", diff)
			}
			if stats[0] != nil {
				if diff := tapegradtest.Diff(stats[0], stats[1], tol); diff != "" {
					t.Errorf("running_var float64 vs float32:\n%s", diff)
				}
			}
		})
	}
}

func init() {
	d := nn.NormDefaults()
	var tp *autograd.Tape
	var zero autograd.Var
	moreNilRows["NewLayerNorm"] = []func(){func() { nn.NewLayerNorm(nn.NormConfig{}) }}
	moreNilRows["LayerNorm.Forward"] = []func(){
		func() { nn.NewLayerNorm(d, 1).Forward(tp, zero) },
		func() { new(nn.LayerNorm).Forward(tp, autograd.Const(tensor.Zeros(1))) },
		func() { nn.NewLayerNorm(d, 1).Forward(autograd.NewTape(), zero) },
	}
	moreNilRows["LayerNorm.NamedParams"] = []func(){func() { _ = new(nn.LayerNorm).NamedParams() }}
	moreNilRows["LayerNorm.String"] = []func(){func() { _ = new(nn.LayerNorm).String() }}
	moreNilRows["NormDefaults"] = []func(){func() { nn.NormDefaults() }}
	moreNilRows["NewGroupNorm"] = []func(){func() { nn.NewGroupNorm(nn.NormConfig{}, 0, 0) }}
	moreNilRows["GroupNorm.Forward"] = []func(){
		func() { nn.NewGroupNorm(d, 1, 1).Forward(tp, zero) },
		func() { new(nn.GroupNorm).Forward(tp, autograd.Const(tensor.Zeros(1, 1))) },
	}
	moreNilRows["GroupNorm.NamedParams"] = []func(){func() { _ = new(nn.GroupNorm).NamedParams() }}
	moreNilRows["GroupNorm.String"] = []func(){func() { _ = new(nn.GroupNorm).String() }}
	moreNilRows["NewBatchNorm1d"] = []func(){func() { nn.NewBatchNorm1d(nn.NormConfig{}, 0) }}
	moreNilRows["NewBatchNorm2d"] = []func(){func() { nn.NewBatchNorm2d(nn.NormConfig{}, 0) }}
	moreNilRows["BatchNorm.Forward"] = []func(){
		func() { nn.NewBatchNorm1d(d, 1).Forward(tp, zero) },
		func() { new(nn.BatchNorm).Forward(tp, autograd.Const(tensor.Zeros(2, 1))) },
		func() { new(nn.BatchNorm).Forward(tp, zero) },
	}
	moreNilRows["BatchNorm.NamedParams"] = []func(){func() { _ = new(nn.BatchNorm).NamedParams() }}
	moreNilRows["BatchNorm.String"] = []func(){func() { _ = new(nn.BatchNorm).String() }}
	moreNilRows["BatchNorm.SetTraining"] = []func(){func() { new(nn.BatchNorm).SetTraining(false) }}
	moreNilRows["BatchNorm.Training"] = []func(){func() { new(nn.BatchNorm).Training() }}
}

// Normalise the features of a batch of two rows: each row gets mean 0 and
// variance 1 (up to eps).
func ExampleLayerNorm() {
	ln := nn.NewLayerNorm(nn.NormDefaults(), 4)
	x := autograd.Const(tensor.New([]float64{1, 2, 3, 4, 10, 10, 20, 20}, 2, 4))
	y := ln.Forward(nil, x).Value().Data()
	fmt.Printf("%.4f\n%.4f\n", y[:4], y[4:])
	// Output:
	// [-1.3416 -0.4472 0.4472 1.3416]
	// [-1.0000 -1.0000 1.0000 1.0000]
}

// Train-mode batch normalisation uses the batch's statistics and updates
// the running ones; evaluation mode uses the running ones.
func ExampleBatchNorm() {
	bn := nn.NewBatchNorm1d(nn.NormDefaults(), 2)
	x := autograd.Const(tensor.New([]float64{1, 10, 3, 30}, 2, 2)) // (N, C) = (2, 2)
	fmt.Printf("train: %.4f\n", bn.Forward(nil, x).Value().Data())
	fmt.Printf("running_mean %.2f, running_var %.2f\n", bn.RunningMean.Value().Data(), bn.RunningVar.Value().Data())
	nn.SetTraining(bn, false)
	fmt.Printf("eval: %.4f\n", bn.Forward(nil, x).Value().Data())
	// Output:
	// train: [-1.0000 -1.0000 1.0000 1.0000]
	// running_mean [0.20 2.00], running_var [1.10 20.90]
	// eval: [0.7628 1.7499 2.6697 6.1247]
}

// TestBatchNormCheckpoint: the buffers (num_batches_tracked a 0-d count)
// are written and read back with the parameters, under PyTorch's names.
func TestBatchNormCheckpoint(t *testing.T) {
	d := nn.NormDefaults()
	src := nn.NewBatchNorm2d(d, 2)
	x := autograd.Const(tensor.RandN(tapegradtest.NewRNG(), 3, 2, 2, 2))
	src.Forward(nil, x)
	src.Forward(nil, x)
	sd := checkpoint.StateDict(src, checkpoint.Torch())
	var names []string
	for k := range sd {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"bias", "num_batches_tracked", "running_mean", "running_var", "weight"}; !slices.Equal(names, want) {
		t.Errorf("got state dict keys %v, want %v", names, want)
	}
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, src); err != nil {
		t.Fatal(err)
	}
	dst := nn.NewBatchNorm2d(d, 2)
	if err := checkpoint.Read(&buf, dst); err != nil {
		t.Fatal(err)
	}
	for _, np := range src.NamedParams() {
		if diff := tapegradtest.Diff(np.Var.Value(), ntParam(dst, np.Name).Value()); diff != "" {
			t.Errorf("%s after a round trip (-saved +loaded):\n%s", np.Name, diff)
		}
	}
	if got := ntParam(dst, "num_batches_tracked").Value().At(); got != 2 {
		t.Errorf("got num_batches_tracked %v, want 2", got)
	}
}

// Normalise 4 channels in 2 groups of 2: each (sample, group) slice gets
// mean 0 and variance 1.
func ExampleGroupNorm() {
	gn := nn.NewGroupNorm(nn.NormDefaults(), 2, 4)
	x := autograd.Const(tensor.New([]float64{1, 3, 5, 7, 0, 0, 0, 4}, 1, 4, 2)) // (N, C, L) = (1, 4, 2)
	fmt.Printf("%.4f\n", gn.Forward(nil, x).Value().Data())
	// Output:
	// [-1.3416 -0.4472 0.4472 1.3416 -0.5773 -0.5773 -0.5773 1.7320]
}
