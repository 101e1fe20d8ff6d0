package main

import (
	"io"
	"math"
	"testing"
)

// The workloads as Go benchmarks, for benchstat and profiles:
//
//	go test -bench . -benchmem ./examples/bench/
func BenchmarkMLPMNIST(b *testing.B) { benchTrainer(b, mlpMNIST()) }

// BenchmarkMLPTiny is W2's step.
func BenchmarkMLPTiny(b *testing.B) { benchTrainer(b, mlpTiny()) }

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
		scalarChain(1, 1)
	}
}

// TestChecksMatchReference: the check values agree with the PyTorch
// reference's (WORKLOADS.md's example line and torch_ref.py run here), to
// 1e-9 relative like compare.sh.
func TestChecksMatchReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  func() map[string]float64
		want map[string]float64
	}{
		{"mlp-mnist", func() map[string]float64 { return mlpMNIST().warm() }, map[string]float64{"loss_step1": 2.3074244997227917}},
		{"mlp-tiny", func() map[string]float64 { return mlpTiny().warm() }, map[string]float64{"loss_step1": 0.2674730497}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.got()
			for k, w := range tc.want {
				// mlp-tiny's reference is printed to 10 digits here, hence 1e-9.
				if g := got[k]; math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
					t.Errorf("%s = %.17g, want %.17g", k, g, w)
				}
			}
		})
	}
}

// TestRunQuick runs the program's table output on the cheap workloads.
func TestRunQuick(t *testing.T) {
	if err := run(io.Discard, true, true, "1", "mlp-tiny,alloc"); err != nil {
		t.Fatal(err)
	}
}

// TestStepsAllocateNothing is W5's target as a test: a steady-state W1 or
// W2 training step (zero grads, forward, backward, update on a reused tape)
// makes no heap allocation at all, at any GOMAXPROCS.
func TestStepsAllocateNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    *trainer
	}{{"mlp-tiny", mlpTiny()}, {"mlp-mnist", mlpMNIST()}} {
		tc.t.warm()
		if a := testing.AllocsPerRun(5, tc.t.step); a != 0 {
			t.Errorf("%s: a steady-state step makes %v heap allocations, want 0", tc.name, a)
		}
	}
}
