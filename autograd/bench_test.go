package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// tinyStep is one step of a 2-16-16-1 sigmoid MLP on XOR with the quadratic
// cost (the mlp-tiny workload's shape), on a reused tape.
func tinyStep(b *testing.B, anomaly, hooks bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	sizes := []int{2, 16, 16, 1}
	var W, B []autograd.Var
	for l := 1; l < len(sizes); l++ {
		W = append(W, autograd.NewParam(tensor.RandN(rng, sizes[l-1], sizes[l])))
		B = append(B, autograd.NewParam(tensor.Zeros(sizes[l])))
	}
	x := tensor.New([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2)
	y := tensor.New([]float64{0, 1, 1, 0}, 4, 1)
	tp := autograd.NewTape()
	tp.SetAnomaly(anomaly)
	id := func(g autograd.Var) autograd.Var { return g }
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tp.Reset()
		a := tp.Const(x)
		for l := range W {
			W[l].ZeroGrad()
			B[l].ZeroGrad()
			a = tp.Sigmoid(tp.Add(tp.MatMul(a, W[l]), B[l]))
			if hooks {
				tp.Hook(a, id)
			}
		}
		loss := tp.Mean(tp.Sum(tp.Square(tp.Sub(tp.Const(y), a)), 1))
		tp.Backward(loss)
		for l := range W {
			tensor.AddScaledTo(W[l].Value(), -0.1, W[l].Grad())
			tensor.AddScaledTo(B[l].Value(), -0.1, B[l].Grad())
		}
	}
}

// BenchmarkTinyStep compares a training step with anomaly mode and hooks
// off (the default) and on: off must cost nothing measurable.
func BenchmarkTinyStep(b *testing.B) {
	b.Run("plain", func(b *testing.B) { tinyStep(b, false, false) })
	b.Run("hooks", func(b *testing.B) { tinyStep(b, false, true) })
	b.Run("anomaly", func(b *testing.B) { tinyStep(b, true, false) })
}

// BenchmarkScalarChain is the scalar-chain workload: x = tanh(x·wᵢ + bᵢ)
// over 10000 one-element parameters, forward and backward; ns/op ÷ 30000
// is the cost per node.
func BenchmarkScalarChain(b *testing.B) {
	const n = 10000
	rng := rand.New(rand.NewPCG(2, 2))
	ws, bs := make([]autograd.Var, n), make([]autograd.Var, n)
	for i := range ws {
		ws[i] = autograd.NewParam(tensor.Scalar(0.5 + 0.5*rng.Float64()))
		bs[i] = autograd.NewParam(tensor.Scalar(0.1 * (rng.Float64() - 0.5)))
	}
	tp := autograd.NewTape()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tp.Reset()
		x := tp.Scalar(0.5)
		for i := range ws {
			x = tp.Tanh(tp.Add(tp.Mul(x, ws[i]), bs[i]))
		}
		tp.Backward(x)
	}
}

// mlpW1 is the mlp-mnist (W1) network: 784-256-128-10, ReLU, softmax
// cross-entropy over a batch of 64, with seeded weights.
type mlpW1 struct {
	x      *tensor.Tensor
	labels []int
	ws, bs []autograd.Var
}

func newMLPW1() *mlpW1 {
	rng := rand.New(rand.NewPCG(3, 3))
	m := &mlpW1{x: tensor.RandN(rng, 64, 784), labels: make([]int, 64)}
	for i := range m.labels {
		m.labels[i] = rng.IntN(10)
	}
	sizes := []int{784, 256, 128, 10}
	for l := 1; l < len(sizes); l++ {
		m.ws = append(m.ws, autograd.NewParam(tensor.Scale(tensor.RandN(rng, sizes[l-1], sizes[l]), 0.05)))
		m.bs = append(m.bs, autograd.NewParam(tensor.Zeros(sizes[l])))
	}
	return m
}

// loss records the network's forward pass and mean cross-entropy.
func (m *mlpW1) loss(tp *autograd.Tape, x autograd.Var) autograd.Var {
	a := x
	for l := range m.ws {
		a = tp.Add(tp.MatMul(a, m.ws[l]), m.bs[l])
		if l < len(m.ws)-1 {
			a = tp.ReLU(a)
		}
	}
	return tp.Neg(tp.Mean(tp.Gather(tp.LogSoftmax(a, 1), 1, m.labels)))
}

// BenchmarkMLPJVP compares W1's forward pass with a forward-mode JVP of it
// (true forward mode: each op computes its tangent beside its value), with
// tangents on every parameter (params: each product gains two) or on the
// input only (input). The target is jvp ≤ 3× forward.
func BenchmarkMLPJVP(b *testing.B) {
	m := newMLPW1()
	rng := rand.New(rand.NewPCG(4, 4))
	tangents := make([]*tensor.Tensor, 2*len(m.ws))
	for l := range m.ws {
		tangents[2*l] = tensor.RandN(rng, m.ws[l].Shape()...)
		tangents[2*l+1] = tensor.RandN(rng, m.bs[l].Shape()...)
	}
	xt := tensor.RandN(rng, m.x.Shape()...)
	tp := autograd.NewTape()
	run := func(b *testing.B, setup func(tp *autograd.Tape, x autograd.Var)) {
		b.ReportAllocs()
		for range b.N {
			tp.Reset()
			x := tp.Const(m.x)
			setup(tp, x)
			y := m.loss(tp, x)
			tp.Tangent(y)
		}
	}
	b.Run("forward", func(b *testing.B) { run(b, func(*autograd.Tape, autograd.Var) {}) })
	b.Run("jvp-params", func(b *testing.B) {
		run(b, func(tp *autograd.Tape, x autograd.Var) {
			for l := range m.ws {
				tp.SetTangent(m.ws[l], tp.Const(tangents[2*l]))
				tp.SetTangent(m.bs[l], tp.Const(tangents[2*l+1]))
			}
		})
	})
	b.Run("jvp-input", func(b *testing.B) {
		run(b, func(tp *autograd.Tape, x autograd.Var) { tp.SetTangent(x, tp.Const(xt)) })
	})
}
