package nn_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/checkpoint"
	"github.com/tapegrad/tapegrad/tensor"
)

// perSampleCNN is testdata/persample_cnn.py's model: conv → ReLU →
// flatten → fc.
type perSampleCNN struct {
	Conv *nn.Conv2d
	FC   *nn.Linear
}

func (m *perSampleCNN) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	h := tp.ReLU(m.Conv.Forward(tp, x))
	return m.FC.Forward(tp, tp.Reshape(h, h.Shape()[0], -1))
}

func (m *perSampleCNN) NamedParams() []nn.NamedParam { return nn.FieldParams(m) }

// TestPerSampleGradsMatchFunctorch compares PerSampleGrads of a small CNN
// with functorch's vmap(grad(…)) (testdata/persample_cnn.py) to 1e-12:
// both compute in float64 the same sums of a few dozen terms, in
// different orders (about 1e-16 relative apart).
func TestPerSampleGradsMatchFunctorch(t *testing.T) {
	rng := tapegradtest.NewRNG()
	m := &perSampleCNN{Conv: nn.NewConv2d(rng, 1, 2, [2]int{3, 3}, tensor.Conv2dDefaults()), FC: nn.NewLinear(rng, 32, 3, nil)}
	f, err := checkpoint.ReadFile("testdata/persample_cnn.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	ref := f.Tensors
	m.Conv.Weight.SetValue(ref["conv.weight"])
	m.Conv.Bias.SetValue(ref["conv.bias"])
	m.FC.W.SetValue(tensor.Transpose(ref["fc.weight"])) // PyTorch's (out, in)
	m.FC.B.SetValue(ref["fc.bias"])
	tp := autograd.NewTape()
	gs := nn.PerSampleGrads(tp, m, func(tp *autograd.Tape, out, target autograd.Var) autograd.Var {
		return nn.CrossEntropyProbs(tp, out, target)
	}, tp.Const(ref["x"]), tp.Const(ref["target"]))
	names := []string{"conv.weight", "conv.bias", "fc.weight", "fc.bias"}
	if len(gs) != len(names) {
		t.Fatalf("%d gradients, want %d", len(gs), len(names))
	}
	for i, name := range names {
		want := ref["per_sample_grad."+name]
		got := gs[i].Value()
		if name == "fc.weight" { // ours is (in, out), PyTorch's (out, in)
			got = tensor.Transpose(got, 0, 2, 1)
		}
		if d := tapegradtest.Diff(want, got, cmpopts.EquateApprox(1e-12, 1e-12)); d != "" {
			t.Errorf("%s (-functorch +ours):\n%s", name, d)
		}
	}
}

// TestPerSampleGradsAgreeWithLoop compares PerSampleGrads of an MLP with
// an MSE loss (and a frozen layer) with one backward pass per example.
func TestPerSampleGradsAgreeWithLoop(t *testing.T) {
	rng := tapegradtest.NewRNG()
	m := nn.NewSequential(nn.NewLinear(rng, 4, 6, nil), nn.Tanh(), nn.NewLinear(rng, 6, 2, nil))
	const n = 5
	x, y := tensor.RandN(rng, n, 4), tensor.RandN(rng, n, 2)
	loss := func(tp *autograd.Tape, out, target autograd.Var) autograd.Var { return nn.MSE(tp, out, target) }
	tp := autograd.NewTape()
	gs := nn.PerSampleGrads(tp, m, loss, tp.Const(x), tp.Const(y))
	ps := nn.Params(m)
	for s := range n {
		for _, p := range ps {
			p.ZeroGrad()
		}
		lt := autograd.NewTape()
		xs, ys := lt.Const(tensor.Slice(x, 0, s, s+1)), lt.Const(tensor.Slice(y, 0, s, s+1))
		lt.Backward(loss(lt, m.Forward(lt, xs), ys))
		for i, p := range ps {
			g := gs[i].Value()
			got := tensor.Reshape(tensor.Slice(g, 0, s, s+1), g.Shape()[1:]...)
			if d := tapegradtest.Diff(p.Grad(), got, cmpopts.EquateApprox(1e-12, 1e-12)); d != "" {
				t.Errorf("example %d, parameter %d (-loop +PerSampleGrads):\n%s", s, i, d)
			}
		}
	}
}

func init() {
	loss := func(tp *autograd.Tape, out, target autograd.Var) autograd.Var { return nn.MSE(tp, out, target) }
	lin := nn.NewLinear(tapegradtest.NewRNG(), 2, 1, nil)
	c := autograd.Const(tensor.Ones(3, 2))
	moreNilRows["PerSampleGrads"] = []func(){
		func() { nn.PerSampleGrads(nil, nil, nil, autograd.Var{}, autograd.Var{}) },
		func() { nn.PerSampleGrads(nil, lin, nil, c, c) },
		func() { nn.PerSampleGrads(nil, lin, loss, autograd.Var{}, c) },
		func() { nn.PerSampleGrads(nil, lin, loss, c, autograd.Const(tensor.Ones(2, 1))) },
	}
	moreNilRows["CrossEntropyProbs"] = []func(){
		func() { nn.CrossEntropyProbs(nil, autograd.Var{}, autograd.Var{}) },
		func() { nn.CrossEntropyProbs(nil, c, autograd.Const(tensor.Ones(2, 2))) },
	}
}

// PerSampleGrads gives every example's own gradient: for a linear model
// y = x·w (no bias) and the squared error of one example, ∂ℓₙ/∂w =
// 2(xₙ·w − yₙ)·xₙ.
func ExamplePerSampleGrads() {
	m := &nn.Linear{W: autograd.NewParam(tensor.New([]float64{1, 1}, 2, 1))}
	tp := autograd.NewTape()
	x := tp.Const(tensor.New([]float64{1, 0, 0, 2, 1, 1}, 3, 2))
	y := tp.Const(tensor.New([]float64{0, 0, 1}, 3, 1))
	gs := nn.PerSampleGrads(tp, m, func(tp *autograd.Tape, out, target autograd.Var) autograd.Var {
		return nn.MSE(tp, out, target)
	}, x, y)
	fmt.Println(tensor.Reshape(gs[0].Value(), 3, 2)) // (3, 2, 1): one gradient of w per example
	// Output:
	// [[2. 0.]
	//  [0. 8.]
	//  [2. 2.]]
}
