package nn_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// poolCase is one case of testdata/pool_torch.json (made by
// testdata/pool_torch.py with PyTorch 1.13).
type poolCase struct {
	Name            string    `json:"name"`
	Kind            string    `json:"kind"` // "max", "avg" or "adaptive"
	XShape          []int     `json:"x_shape"`
	X               []float64 `json:"x"`
	YShape          []int     `json:"y_shape"`
	Y               []float64 `json:"y"`
	R               []float64 `json:"r"`  // the upstream gradient
	DX              []float64 `json:"dx"` // ∂Σ(y ⊙ r)/∂x
	Indices         []int     `json:"indices"`
	Kernel          [2]int    `json:"kernel"`
	Stride          [2]int    `json:"stride"`
	Padding         [2]int    `json:"padding"`
	Dilation        [2]int    `json:"dilation"`
	Ceil            bool      `json:"ceil"`
	CountIncludePad bool      `json:"count_include_pad"`
	Divisor         int       `json:"divisor"`
	OutputSize      [2]int    `json:"output_size"`
}

// layer returns the nn layer of the case.
func (c poolCase) layer() nn.Module {
	switch c.Kind {
	case "max":
		return nn.NewMaxPool2dConfig(tensor.MaxPool2dConfig{Kernel: c.Kernel, Stride: c.Stride, Padding: c.Padding,
			Dilation: c.Dilation, CeilMode: c.Ceil})
	case "avg":
		return nn.NewAvgPool2dConfig(tensor.AvgPool2dConfig{Kernel: c.Kernel, Stride: c.Stride, Padding: c.Padding,
			CeilMode: c.Ceil, CountIncludePad: c.CountIncludePad, DivisorOverride: c.Divisor})
	}
	return nn.NewAdaptiveAvgPool2d(c.OutputSize[0], c.OutputSize[1])
}

func loadPoolCases(t *testing.T) []poolCase {
	t.Helper()
	b, err := os.ReadFile("testdata/pool_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []poolCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no cases in testdata/pool_torch.json")
	}
	return file.Cases
}

// TestPoolMatchesTorch runs every case of testdata/pool_torch.json
// through its layer and compares the output, the input gradient and max
// pooling's indices with PyTorch's. Tolerance 1e-12: each output and
// gradient element is a maximum (exact) or a sum of at most 36 terms
// divided once or twice (a few ulps apart from PyTorch's order).
func TestPoolMatchesTorch(t *testing.T) {
	tol := cmpopts.EquateApprox(0, 1e-12)
	for _, c := range loadPoolCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			tp := autograd.NewTape()
			x := tp.Var(tensor.New(c.X, c.XShape...))
			y := c.layer().Forward(tp, x)
			if d := tapegradtest.Diff(tensor.New(c.Y, c.YShape...), y.Value(), tol); d != "" {
				t.Errorf("output (-torch +got):\n%s", d)
			}
			dx := tp.Grad(tp.Sum(tp.Mul(y, tp.Const(tensor.New(c.R, c.YShape...)))), x)[0]
			if d := tapegradtest.Diff(tensor.New(c.DX, c.XShape...), dx.Value(), tol); d != "" {
				t.Errorf("input gradient (-torch +got):\n%s", d)
			}
			if c.Kind == "max" {
				m := c.layer().(*nn.MaxPool2d)
				_, idx := tensor.MaxPool2d(tensor.New(c.X, c.XShape...), m.MaxPool2dConfig)
				if d := cmp.Diff(c.Indices, idx); d != "" {
					t.Errorf("indices (-torch +got):\n%s", d)
				}
			}
		})
	}
}

// TestPoolFloat32 runs the PyTorch cases in float32: outputs and input
// gradients of float32 type within float32 rounding of PyTorch's float64
// values (|values| ≲ 4; a few roundings of 2⁻²⁴ relative each).
func TestPoolFloat32(t *testing.T) {
	tol := cmpopts.EquateApprox(1e-5, 1e-5)
	for _, c := range loadPoolCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			tp := autograd.NewTape()
			x := tp.Var(tensor.New(c.X, c.XShape...).To(tensor.Float32))
			y := c.layer().Forward(tp, x)
			if got := y.Value().DType(); got != tensor.Float32 {
				t.Fatalf("output type %v, want float32", got)
			}
			r := tp.Const(tensor.New(c.R, c.YShape...).To(tensor.Float32))
			dx := tp.Grad(tp.Sum(tp.Mul(y, r)), x)[0]
			if d := cmp.Diff(c.Y, y.Value().Float64s(), tol); d != "" {
				t.Errorf("output (-torch +got):\n%s", d)
			}
			if d := cmp.Diff(c.DX, dx.Value().Float64s(), tol); d != "" {
				t.Errorf("input gradient (-torch +got):\n%s", d)
			}
		})
	}
}

func TestFlatten(t *testing.T) {
	for _, tc := range []struct {
		name       string
		f          *nn.Flatten
		shape      []int
		want       []int
		wantPanics error
	}{
		{"defaults NCHW", nn.NewFlatten(), []int{2, 3, 4, 5}, []int{2, 60}, nil},
		{"defaults 2-D", nn.NewFlatten(), []int{2, 3}, []int{2, 3}, nil},
		{"all axes", &nn.Flatten{StartDim: 0, EndDim: -1}, []int{2, 3, 4}, []int{24}, nil},
		{"middle", &nn.Flatten{StartDim: 1, EndDim: 2}, []int{2, 3, 4, 5}, []int{2, 12, 5}, nil},
		{"negative start", &nn.Flatten{StartDim: -2, EndDim: -1}, []int{2, 3, 4}, []int{2, 12}, nil},
		{"one axis", &nn.Flatten{StartDim: 1, EndDim: 1}, []int{2, 3, 4}, []int{2, 3, 4}, nil},
		{"0-d", &nn.Flatten{StartDim: 0, EndDim: -1}, []int{}, []int{1}, nil},
		{"start after end", &nn.Flatten{StartDim: 2, EndDim: 1}, []int{2, 3, 4}, nil, tensor.ErrShape},
		{"start out of range", nn.NewFlatten(), []int{5}, nil, tensor.ErrShape},
		{"end out of range", &nn.Flatten{StartDim: 0, EndDim: 3}, []int{2, 3}, nil, tensor.ErrShape},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := autograd.Const(tensor.Zeros(tc.shape...))
			if tc.wantPanics != nil {
				tapegradtest.CheckPanic(t, func() { tc.f.Forward(nil, x) }, tc.wantPanics, "nn.Flatten")
				return
			}
			if d := cmp.Diff(tc.want, tc.f.Forward(nil, x).Shape(), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("shape (-want +got):\n%s", d)
			}
		})
	}
}

func TestPoolStringAndParams(t *testing.T) {
	wide := nn.NewMaxPool2d(3)
	wide.Stride, wide.Padding, wide.CeilMode = [2]int{2, 1}, [2]int{1, 1}, true
	for _, tc := range []struct {
		m    nn.Module
		want string
	}{
		{nn.NewMaxPool2d(2), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"},
		{wide, "MaxPool2d(kernel_size=3, stride=(2, 1), padding=1, dilation=1, ceil_mode=True)"},
		{nn.NewAvgPool2d(2), "AvgPool2d(kernel_size=2, stride=2, padding=0)"},
		{nn.NewAdaptiveAvgPool2d(3, 3), "AdaptiveAvgPool2d(output_size=3)"},
		{nn.NewAdaptiveAvgPool2d(1, 2), "AdaptiveAvgPool2d(output_size=(1, 2))"},
		{nn.NewFlatten(), "Flatten(start_dim=1, end_dim=-1)"},
	} {
		if got := fmt.Sprint(tc.m); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
		if ps := tc.m.NamedParams(); ps != nil {
			t.Errorf("%v: NamedParams() = %v, want nil", tc.m, ps)
		}
	}
}

// TestPoolInSequential trains nothing but checks that a small CNN tail
// (pool, flatten, linear) composes and that the gradient reaches the
// linear layer.
func TestPoolInSequential(t *testing.T) {
	rng := tapegradtest.NewRNG()
	model := nn.NewSequential(nn.NewMaxPool2d(2), nn.NewAvgPool2d(2), nn.NewFlatten(), nn.NewLinear(rng, 2*1*1, 3, nil))
	x := tensor.RandN(rng, 4, 2, 4, 4)
	tp := autograd.NewTape()
	out := model.Forward(tp, tp.Const(x))
	if d := cmp.Diff([]int{4, 3}, out.Shape()); d != "" {
		t.Fatalf("shape (-want +got):\n%s", d)
	}
	tp.Backward(tp.Sum(out))
	if n := len(nn.Params(model)); n != 2 {
		t.Errorf("%d parameters, want 2 (the linear layer's)", n)
	}
}

// TestMaxPool2dTieBreak checks the first maximal element of each window
// in window order gets the gradient, as in PyTorch.
func TestMaxPool2dTieBreak(t *testing.T) {
	tp := autograd.NewTape()
	x := tp.Var(tensor.New([]float64{
		1, 1, 0, 2,
		1, 1, 2, 2,
	}, 1, 1, 2, 4))
	y := nn.NewMaxPool2d(2).Forward(tp, x)
	dx := tp.Grad(tp.Sum(y), x)[0]
	want := tensor.New([]float64{1, 0, 0, 1, 0, 0, 0, 0}, 1, 1, 2, 4)
	if d := tapegradtest.Diff(want, dx.Value()); d != "" {
		t.Errorf("gradient (-want +got):\n%s", d)
	}
}

func init() {
	var zero autograd.Var
	v4 := autograd.Const(tensor.Ones(1, 1, 2, 2))
	moreNilRows["MaxPool2d.Forward"] = []func(){
		func() { new(nn.MaxPool2d).Forward(nil, zero) },
		func() { new(nn.MaxPool2d).Forward(nil, v4) }, // zero kernel
		func() { nn.NewMaxPool2d(2).Forward(autograd.NewTape(), zero) },
	}
	moreNilRows["MaxPool2d.NamedParams"] = []func(){func() { new(nn.MaxPool2d).NamedParams() }}
	moreNilRows["MaxPool2d.String"] = []func(){func() { _ = new(nn.MaxPool2d).String() }}
	moreNilRows["NewMaxPool2d"] = []func(){func() { nn.NewMaxPool2d(0).Forward(nil, v4) }}
	moreNilRows["NewMaxPool2dConfig"] = []func(){func() { nn.NewMaxPool2dConfig(tensor.MaxPool2dConfig{}).Forward(nil, v4) }}
	moreNilRows["AvgPool2d.Forward"] = []func(){
		func() { new(nn.AvgPool2d).Forward(nil, zero) },
		func() { new(nn.AvgPool2d).Forward(nil, v4) },
		func() { nn.NewAvgPool2d(2).Forward(autograd.NewTape(), zero) },
	}
	moreNilRows["AvgPool2d.NamedParams"] = []func(){func() { new(nn.AvgPool2d).NamedParams() }}
	moreNilRows["AvgPool2d.String"] = []func(){func() { _ = new(nn.AvgPool2d).String() }}
	moreNilRows["NewAvgPool2d"] = []func(){func() { nn.NewAvgPool2d(0).Forward(nil, v4) }}
	moreNilRows["NewAvgPool2dConfig"] = []func(){func() { nn.NewAvgPool2dConfig(tensor.AvgPool2dConfig{}).Forward(nil, v4) }}
	moreNilRows["AdaptiveAvgPool2d.Forward"] = []func(){
		func() { new(nn.AdaptiveAvgPool2d).Forward(nil, zero) },
		func() { new(nn.AdaptiveAvgPool2d).Forward(nil, v4) }, // 0×0 output: works
		func() { nn.NewAdaptiveAvgPool2d(-1, 1).Forward(nil, v4) },
	}
	moreNilRows["AdaptiveAvgPool2d.NamedParams"] = []func(){func() { new(nn.AdaptiveAvgPool2d).NamedParams() }}
	moreNilRows["AdaptiveAvgPool2d.String"] = []func(){func() { _ = new(nn.AdaptiveAvgPool2d).String() }}
	moreNilRows["NewAdaptiveAvgPool2d"] = []func(){func() { nn.NewAdaptiveAvgPool2d(0, 0).Forward(nil, v4) }}
	moreNilRows["Flatten.Forward"] = []func(){
		func() { new(nn.Flatten).Forward(nil, zero) },
		func() { new(nn.Flatten).Forward(nil, v4) }, // flattens axis 0 alone: works
		func() { nn.NewFlatten().Forward(autograd.NewTape(), zero) },
	}
	moreNilRows["Flatten.NamedParams"] = []func(){func() { new(nn.Flatten).NamedParams() }}
	moreNilRows["Flatten.String"] = []func(){func() { _ = new(nn.Flatten).String() }}
	moreNilRows["NewFlatten"] = []func(){func() { nn.NewFlatten().Forward(nil, v4) }}
}

// A LeNet-style tail: 2×2 max pooling halves each plane, Flatten keeps
// the batch axis.
func ExampleMaxPool2d() {
	x := tensor.New([]float64{
		1, 2, 0, 1,
		3, 4, 1, 0,
		0, 0, 5, 6,
		1, 0, 7, 8,
	}, 1, 1, 4, 4) // (N, C, H, W)
	pool := nn.NewMaxPool2d(2)
	y := pool.Forward(nil, autograd.Const(x))
	fmt.Println(pool)
	fmt.Println(y.Shape(), y.Value().Data())
	f := nn.NewFlatten().Forward(nil, y)
	fmt.Println(f.Shape())
	// Output:
	// MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
	// [1 1 2 2] [4 1 1 8]
	// [1 4]
}

func ExampleAvgPool2d() {
	x := tensor.New([]float64{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}, 1, 1, 3, 3)
	pool := nn.NewAvgPool2d(2)
	pool.Stride, pool.Padding = [2]int{1, 1}, [2]int{1, 1} // count_include_pad: the zeros count
	y := pool.Forward(nil, autograd.Const(x))
	fmt.Println(pool)
	fmt.Println(y.Shape(), y.Value().Data())
	// Output:
	// AvgPool2d(kernel_size=2, stride=1, padding=1)
	// [1 1 4 4] [0.25 0.75 1.25 0.75 1.25 3 4 2.25 2.75 6 7 3.75 1.75 3.75 4.25 2.25]
}

func ExampleAdaptiveAvgPool2d() {
	x := tensor.Reshape(tensor.Arange(0, 25, 1), 1, 5, 5) // (C, H, W)
	pool := nn.NewAdaptiveAvgPool2d(3, 3)                 // windows 0–1, 1–3, 3–4: they overlap
	y := pool.Forward(nil, autograd.Const(x))
	fmt.Println(pool)
	fmt.Println(y.Value())
	// Output:
	// AdaptiveAvgPool2d(output_size=3)
	// [[[  3.  4.5   6.]
	//   [10.5  12. 13.5]
	//   [ 18. 19.5  21.]]]
}

func ExampleFlatten() {
	x := autograd.Const(tensor.Zeros(8, 16, 5, 5))
	fmt.Println(nn.NewFlatten().Forward(nil, x).Shape())
	fmt.Println((&nn.Flatten{StartDim: 2, EndDim: 3}).Forward(nil, x).Shape())
	// Output:
	// [8 400]
	// [8 16 25]
}
