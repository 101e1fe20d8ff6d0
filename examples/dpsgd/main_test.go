package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestDPSGDBrief trains both networks for three epochs and checks that
// the private one learns (well above the 10% of chance) but pays for its
// privacy: with seed 1 it reaches 86.6% against the non-private 94.9%,
// so a run whose noise or clipping were lost (the two runs share seed,
// lots and initial weights, so they would then agree) or whose noise
// swamped the signal fails. It also checks the last line's format.
func TestDPSGDBrief(t *testing.T) {
	cfg := defaults()
	cfg.Epochs, cfg.Quiet = 3, true
	var out bytes.Buffer
	res, err := run(&out, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.Private >= 0.5 && res.Private < res.NonPrivate) {
		t.Errorf("test accuracy: private %.3f, non-private %.3f; want 0.5 ≤ private < non-private", res.Private, res.NonPrivate)
	}
	if !(res.Epsilon > 0 && res.Epsilon < 10) {
		t.Errorf("ε = %v after %d steps, want in (0, 10)", res.Epsilon, res.Steps)
	}
	last := regexp.MustCompile(`\ntest accuracy: private \d+\.\d% \(σ=1\.1, C=1, ε=\d+\.\d\d\), non-private \d+\.\d%\n$`)
	if !last.Match(out.Bytes()) {
		t.Errorf("output does not end with the accuracy line:\n%s", out.Bytes())
	}
}

// TestStepGradient checks the gradient a step sets against a plain
// backward pass on the same lot: without clipping or noise it is the mean
// gradient (the lot's size passed as the expected size), and clipped to
// C = 10⁻³ every example contributes a vector of norm C, so the sum of b
// of them has norm at most b·C. The learning rate is 0, so the step leaves
// the weights as they are.
func TestStepGradient(t *testing.T) {
	ds, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	lot := ds.Subset([]int{3, 1, 4, 1, 5, 9, 2, 6})
	lot.X = tensor.Scale(lot.X, 1.0/16)
	model := nn.NewMLP(rng, []int{64, 16, 10}, nn.Tanh(), nil)
	params := nn.Params(model)
	opt := optim.NewSGD(params, optim.SGDConfig{LR: 0})
	b := float64(lot.Len())

	step(model, opt, lot, 10, math.Inf(1), 0, b, rng)
	got := make([][]float64, len(params))
	for i, p := range params {
		got[i] = p.Grad().Float64s()
		p.ZeroGrad()
	}
	tp := autograd.NewTape()
	tp.Backward(nn.CrossEntropy(tp, model.Forward(tp, tp.Const(lot.X)), lot.Labels))
	for i, p := range params {
		for j, want := range p.Grad().Float64s() {
			// 1e-12: a sum of 8 products of numbers below 10, in float64
			if math.Abs(got[i][j]-want) > 1e-12 {
				t.Fatalf("parameter %d element %d: step's gradient %g, backward's %g", i, j, got[i][j], want)
			}
		}
	}

	const c = 1e-3
	step(model, opt, lot, 10, c, 0, 1, rng)
	sq := 0.0
	for _, p := range params {
		for _, e := range p.Grad().Float64s() {
			sq += e * e
		}
	}
	if norm := math.Sqrt(sq); norm > b*c*(1+1e-9) || norm == 0 {
		t.Errorf("clipped gradient norm %g, want in (0, b·C] = (0, %g]", norm, b*c)
	}
}
