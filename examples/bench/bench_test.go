package main

import (
	"io"
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// The workloads as Go benchmarks, for benchstat and profiles:
//
//	go test -bench . -benchmem ./examples/bench/
func BenchmarkMLPMNIST(b *testing.B) { benchTrainer(b, mlpMNIST(tensor.Float64)) }

// BenchmarkMLPMNIST32 is W1's step in float32.
func BenchmarkMLPMNIST32(b *testing.B) { benchTrainer(b, mlpMNIST(tensor.Float32)) }

// BenchmarkCNNMNIST is W6's step.
func BenchmarkCNNMNIST(b *testing.B) { benchTrainer(b, cnnMNIST(tensor.Float64)) }

// BenchmarkCNNMNIST32 is W6's step in float32.
func BenchmarkCNNMNIST32(b *testing.B) { benchTrainer(b, cnnMNIST(tensor.Float32)) }

// BenchmarkTransformer is W7's step.
func BenchmarkTransformer(b *testing.B) { benchTrainer(b, transformerLM(tensor.Float64)) }

// BenchmarkTransformer32 is W7's step in float32.
func BenchmarkTransformer32(b *testing.B) { benchTrainer(b, transformerLM(tensor.Float32)) }

// BenchmarkMLPTiny is W2's step.
func BenchmarkMLPTiny(b *testing.B) { benchTrainer(b, mlpTiny(tensor.Float64)) }

// BenchmarkMLPTiny32 is W2's step in float32.
func BenchmarkMLPTiny32(b *testing.B) { benchTrainer(b, mlpTiny(tensor.Float32)) }

func benchTrainer(b *testing.B, t *trainer) {
	t.warm()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t.step()
	}
}

// BenchmarkScalarChain is W3 (one op is 30000 nodes, forward and backward).
func BenchmarkScalarChain(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		scalarChain(tensor.Float64, 1, 1)
	}
}

// TestChecksMatchReference: the check values agree with the PyTorch
// reference's (WORKLOADS.md's example line and torch_ref.py run here), to
// 1e-9 relative like compare.sh in float64. In float32 the PyTorch values
// are torch_ref.py --dtype float32's (torch 1.13, this machine, 6 Dec 2026);
// compare.sh allows 1e-4 there, since float32 rounding differs between
// implementations (summation order in the GEMM, the softmax); we agree to
// about 1e-7 (one or two float32 roundings), so 1e-6 here.
func TestChecksMatchReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  func() map[string]float64
		want map[string]float64
		tol  float64
	}{
		{"mlp-mnist", func() map[string]float64 { return mlpMNIST(tensor.Float64).warm() },
			map[string]float64{"loss_step1": 2.3074244997227917}, 1e-9},
		// mlp-tiny's reference is printed to 10 digits here, hence 1e-9.
		{"mlp-tiny", func() map[string]float64 { return mlpTiny(tensor.Float64).warm() },
			map[string]float64{"loss_step1": 0.2674730497}, 1e-9},
		// W6: WORKLOADS.md prints PyTorch's values to 16 digits.
		{"cnn-mnist", func() map[string]float64 { return cnnMNIST(tensor.Float64).warm() },
			map[string]float64{"loss_step1": 2.304247773299569, "loss_step20": 2.297257306174871}, 1e-9},
		// W7: WORKLOADS.md prints PyTorch's values to 16 digits.
		{"transformer-step", func() map[string]float64 { return transformerLM(tensor.Float64).warm() },
			map[string]float64{"loss_step1": 4.381995123869294, "loss_step20": 3.494592693578274}, 1e-9},
		// W8: WORKLOADS.md prints PyTorch's values to 16 digits; both
		// programs (Vmap and the loop) must give them.
		{"per-sample-grads", func() map[string]float64 { w := newPerSample(tensor.Float64); return w.check(w.vmapped()) },
			map[string]float64{"sq_norm_sum": 635.0197900174073, "norm_ex0": 3.240798722494865, "db3_ex0": -0.9102755489866758}, 1e-9},
		{"w8-loop", func() map[string]float64 { w := newPerSample(tensor.Float64); return w.check(w.loop()) },
			map[string]float64{"sq_norm_sum": 635.0197900174073, "norm_ex0": 3.240798722494865, "db3_ex0": -0.9102755489866758}, 1e-9},
		{"mlp-mnist float32", func() map[string]float64 { return mlpMNIST(tensor.Float32).warm() },
			map[string]float64{"loss_step1": 2.307424306869507, "loss_step20": 2.2897298336029053}, 1e-6},
		{"transformer-step float32", func() map[string]float64 { return transformerLM(tensor.Float32).warm() },
			map[string]float64{"loss_step1": 4.38199520111084, "loss_step20": 3.4945929050445557}, 1e-6},
		{"mlp-tiny float32", func() map[string]float64 { return mlpTiny(tensor.Float32).warm() },
			map[string]float64{"loss_step1": 0.26747310161590576, "loss_step20": 0.2513112425804138}, 1e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.got()
			for k, w := range tc.want {
				if g := got[k]; math.Abs(g-w) > tc.tol*math.Max(1, math.Abs(w)) {
					t.Errorf("%s = %.17g, want %.17g", k, g, w)
				}
			}
		})
	}
}

// TestRunQuick runs the program's table output on the cheap workloads.
func TestRunQuick(t *testing.T) {
	if err := run(io.Discard, tensor.Float64, true, true, "1", "mlp-tiny,alloc"); err != nil {
		t.Fatal(err)
	}
}

// TestStepsAllocateNothing is W5's target as a test: a steady-state W1,
// W2 or W7 training step (zero grads, forward, backward, update on a reused tape)
// makes no heap allocation at all, at any GOMAXPROCS.
func TestStepsAllocateNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    *trainer
	}{
		{"mlp-tiny", mlpTiny(tensor.Float64)}, {"mlp-mnist", mlpMNIST(tensor.Float64)},
		{"mlp-tiny float32", mlpTiny(tensor.Float32)}, {"mlp-mnist float32", mlpMNIST(tensor.Float32)},
		{"transformer-step", transformerLM(tensor.Float64)}, {"transformer-step float32", transformerLM(tensor.Float32)},
	} {
		tc.t.warm()
		if a := testing.AllocsPerRun(5, tc.t.step); a != 0 {
			t.Errorf("%s: a steady-state step makes %v heap allocations, want 0", tc.name, a)
		}
	}
}
