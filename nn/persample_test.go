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

// TestPerSampleGradsOfLayers maps per-sample gradients through each family
// of layers (convolution with pooling and normalisation, attention, a
// transformer block, recurrent layers) and compares them with one
// backward pass per example, to 1e-10 relative: the batched and the
// looped passes sum the same terms in different orders (products folded
// or batched, recurrences of 5 steps), a few ulp apart.
func TestPerSampleGradsOfLayers(t *testing.T) {
	rng := tapegradtest.NewRNG()
	pad := tensor.Conv2dDefaults()
	pad.Padding = [2]int{1, 1}
	bn := nn.NewBatchNorm2d(nn.NormDefaults(), 3)
	nn.SetTraining(bn, false)
	sum := func(tp *autograd.Tape, out, target autograd.Var) autograd.Var {
		return tp.Sum(tp.Mul(tp.Tanh(out), target))
	}
	tests := []struct {
		name   string
		m      nn.Module
		x, tgt []int // shapes, with the batch of 3 first
	}{
		{"cnn", nn.NewSequential(nn.NewConv2d(rng, 2, 3, [2]int{3, 3}, pad), bn, nn.ReLU(), nn.NewMaxPool2d(2),
			nn.NewGroupNorm(nn.NormDefaults(), 1, 3), nn.NewAvgPool2d(2), nn.NewFlatten(), nn.NewLinear(rng, 3, 2, nil)), []int{3, 2, 4, 4}, []int{3, 2}},
		{"transposed conv", nn.NewSequential(nn.NewConvTranspose2d(rng, 2, 2, [2]int{2, 2}, tensor.Conv2dDefaults()), nn.NewAdaptiveAvgPool2d(2, 2), nn.NewFlatten()), []int{3, 2, 3, 3}, []int{3, 8}},
		{"attention", nn.NewMultiheadAttention(rng, 4, 2), []int{3, 5, 4}, []int{3, 5, 4}},
		{"transformer", nn.NewTransformerEncoderLayer(rng, 4, 2, 8, "gelu"), []int{3, 5, 4}, []int{3, 5, 4}},
		{"lstm", nn.NewLSTM(rng, 3, 4, 2), []int{3, 5, 3}, []int{3, 5, 4}},
		{"gru", nn.NewGRU(rng, 3, 4, 1), []int{3, 5, 3}, []int{3, 5, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, y := tensor.RandN(rng, tt.x...), tensor.RandN(rng, tt.tgt...)
			tp := autograd.NewTape()
			gs := nn.PerSampleGrads(tp, tt.m, sum, tp.Const(x), tp.Const(y))
			ps := nn.Params(tt.m)
			if len(gs) != len(ps) {
				t.Fatalf("%d gradients for %d parameters", len(gs), len(ps))
			}
			for s := range 3 {
				for _, p := range ps {
					p.ZeroGrad()
				}
				lt := autograd.NewTape()
				xs, ys := lt.Const(tensor.Slice(x, 0, s, s+1)), lt.Const(tensor.Slice(y, 0, s, s+1))
				lt.Backward(sum(lt, tt.m.Forward(lt, xs), ys))
				for i, p := range ps {
					g := gs[i].Value()
					got := tensor.Reshape(tensor.Slice(g, 0, s, s+1), g.Shape()[1:]...)
					want := p.Grad()
					if want == nil {
						want = tensor.ZerosLike(p.Value())
					}
					if d := tapegradtest.Diff(want, got, cmpopts.EquateApprox(1e-10, 1e-12)); d != "" {
						t.Errorf("example %d, parameter %d (-loop +PerSampleGrads):\n%s", s, i, d)
					}
				}
			}
		})
	}
}
