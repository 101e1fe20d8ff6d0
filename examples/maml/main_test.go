package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestMAMLBrief meta-trains for 2 epochs of 500 iterations of 10 tasks
// (about 2.5 s) and checks what MAML is for: one adaptation step helps
// the meta-learned network more than the pretrained one, and more than no
// step. With seed 1 the meta-test losses after one step are 1.95 (MAML)
// against 2.87 (pretrained), from 3.03 and 3.16 at k = 0, so the factor
// 0.8 leaves a margin; a MAML whose outer gradient ignored the inner step
// would train like the pretrained network, and fail.
func TestMAMLBrief(t *testing.T) {
	cfg := defaults()
	cfg.Epochs, cfg.Iters, cfg.Tasks, cfg.TestTasks, cfg.Quiet = 2, 500, 10, 50, true
	var out bytes.Buffer
	res, err := run(&out, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.MAML[1] < 0.8*res.Pretrained[1] && res.MAML[1] < 0.8*res.MAML[0]) {
		t.Errorf("meta-test loss after 0, 1 steps: MAML %.3f, %.3f; pretrained %.3f, %.3f; want MAML's after 1 step below 0.8 × both others",
			res.MAML[0], res.MAML[1], res.Pretrained[0], res.Pretrained[1])
	}
	last := regexp.MustCompile(`\nmeta-test loss after 1 step: MAML \d+\.\d{3}, pretrained \d+\.\d{3}\n$`)
	if !last.Match(out.Bytes()) {
		t.Errorf("output does not end with the meta-test line:\n%s", out.Bytes())
	}
}

// TestMetaGradient checks the second-order meta-gradient, the gradient in
// θ of L_query(θ − α∇L_support(θ)) with the inner gradient recorded by
// GradGraph, against central differences along a random direction v, and
// that the first-order one (FOMAML) differs from it: the second-order term
// matters, so a GradGraph that recorded nothing would fail. The step
// α = 0.3 is large to make that term large; h = 10⁻⁵ and the tolerance
// 10⁻⁶ (relative) suit a function smooth away from the ReLUs' kinks,
// which a random direction crosses with probability ≈ 0 at this h.
func TestMetaGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	l := newLearner(rng)
	e := newEpisode(rng, 10, 10)
	const alpha, h = 0.3, 1e-5
	metaLoss := func(tp *autograd.Tape, params []autograd.Var, g innerGrad) autograd.Var {
		return l.loss(tp, l.adapt(tp, params, e.xs, e.ys, 1, alpha, g), e.xq, e.yq)
	}
	dirs := make([]*tensor.Tensor, len(l.theta))
	for i, p := range l.theta {
		dirs[i] = tensor.RandN(rng, p.Shape()...)
	}
	along := func(g innerGrad) float64 { // ⟨∇θ meta-loss, v⟩
		tp := autograd.NewTape()
		grads := tp.Grad(metaLoss(tp, l.theta, g), l.theta...)
		d := 0.0
		for i, gr := range grads {
			for j, x := range gr.Value().Float64s() {
				d += x * dirs[i].Float64s()[j]
			}
		}
		return d
	}
	shifted := func(s float64) float64 { // meta-loss at θ + s·v
		tp := autograd.NewTape()
		params := make([]autograd.Var, len(l.theta))
		for i, p := range l.theta {
			params[i] = tp.Var(tensor.Add(p.Value(), tensor.Scale(dirs[i], s))) // a leaf: GradGraph gives zeros for a Const
		}
		return metaLoss(tp, params, secondOrder).Item()
	}
	numeric := (shifted(h) - shifted(-h)) / (2 * h)
	second, first := along(secondOrder), along(firstOrder)
	if math.Abs(second-numeric) > 1e-6*math.Abs(numeric) {
		t.Errorf("second-order directional derivative %.9g, central difference %.9g", second, numeric)
	}
	if math.Abs(first-numeric) < 1e-3*math.Abs(numeric) {
		t.Errorf("first-order directional derivative %.9g equals the true one %.9g: the test cannot tell them apart", first, numeric)
	}
}
