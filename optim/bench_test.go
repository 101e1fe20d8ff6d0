package optim

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// benchStep times Step of the optimiser made by mk on one n×n float64
// parameter with a fixed random gradient (seeded), after one warm-up step.
func benchStep(b *testing.B, n int, mk func([]autograd.Var) optimiser) {
	benchStepOf(b, tensor.Float64, n, mk)
}

// benchStepOf is benchStep for a parameter of element type d (the same
// values, rounded for Float32).
func benchStepOf(b *testing.B, d tensor.DType, n int, mk func([]autograd.Var) optimiser) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := autograd.NewParam(tensor.RandN(rng, n, n).To(d))
	p.SetGrad(tensor.Scale(tensor.RandN(rng, n, n), 1e-3).To(d))
	opt := mk([]autograd.Var{p})
	opt.Step()
	b.ReportAllocs()
	b.SetBytes(int64(d.Size() * n * n))
	b.ResetTimer()
	for b.Loop() {
		opt.Step()
	}
}

func BenchmarkStepSGD(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser { return NewSGD(ps, SGDConfig{LR: 1e-3}) })
}

func BenchmarkStepSGDMomentum(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser {
		return NewSGD(ps, SGDConfig{LR: 1e-3, Momentum: 0.9, WeightDecay: 1e-4})
	})
}

func BenchmarkStepSGDNesterov(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser {
		return NewSGD(ps, SGDConfig{LR: 1e-3, Momentum: 0.9, Nesterov: true})
	})
}

func BenchmarkStepAdam(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser { return NewAdam(ps, AdamDefaults()) })
}

func BenchmarkStepAdamAMSGrad(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser {
		return NewAdam(ps, AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, AMSGrad: true})
	})
}

func BenchmarkStepAdamW(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser { return NewAdamW(ps, AdamWDefaults()) })
}

func BenchmarkStepNAdam(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser { return NewNAdam(ps, NAdamDefaults()) })
}

func BenchmarkStepRAdam(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser { return NewRAdam(ps, RAdamDefaults()) })
}

func BenchmarkStepRMSprop(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser {
		return NewRMSprop(ps, RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8, Centered: true, Momentum: 0.9})
	})
}

func BenchmarkStepAdagrad(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser { return NewAdagrad(ps, AdagradDefaults()) })
}

func BenchmarkStepGDPerElement(b *testing.B) {
	benchStep(b, 256, func(ps []autograd.Var) optimiser {
		return NewGD(ps, GDConfig{LR: 1e-3, Rates: []*tensor.Tensor{tensor.Full(0.5, 256, 256)}})
	})
}

func BenchmarkClipGradNorm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := autograd.NewParam(tensor.Zeros(256, 256))
	p.SetGrad(tensor.RandN(rng, 256, 256))
	ps := []autograd.Var{p}
	b.ReportAllocs()
	b.SetBytes(8 * 256 * 256)
	for b.Loop() {
		ClipGradNorm(ps, 1e9) // measures the norm; nothing is rescaled
	}
}

// The float32 steps: the same benchmarks on a float32 parameter (its
// state float32 too), half the bytes per element.

func BenchmarkStepSGDMomentum32(b *testing.B) {
	benchStepOf(b, tensor.Float32, 256, func(ps []autograd.Var) optimiser {
		return NewSGD(ps, SGDConfig{LR: 1e-3, Momentum: 0.9, WeightDecay: 1e-4})
	})
}

func BenchmarkStepAdam32(b *testing.B) {
	benchStepOf(b, tensor.Float32, 256, func(ps []autograd.Var) optimiser { return NewAdam(ps, AdamDefaults()) })
}

func BenchmarkStepRMSprop32(b *testing.B) {
	benchStepOf(b, tensor.Float32, 256, func(ps []autograd.Var) optimiser {
		return NewRMSprop(ps, RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8, Centered: true, Momentum: 0.9})
	})
}

func BenchmarkClipGradNorm32(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := autograd.NewParam(tensor.Float32.Zeros(256, 256))
	p.SetGrad(tensor.RandN(rng, 256, 256).To(tensor.Float32))
	ps := []autograd.Var{p}
	b.ReportAllocs()
	b.SetBytes(4 * 256 * 256)
	for b.Loop() {
		ClipGradNorm(ps, 1e9) // measures the norm; nothing is rescaled
	}
}
