package tapegrad_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// train runs a seeded training loop and returns the bits of every loss and
// of the final weights. The layer sizes make the matrix products large
// enough for gonum's GEMM to split work across goroutines.
func train(steps int) []uint64 {
	rng := rand.New(rand.NewPCG(99, 1))
	model := nn.NewMLP(rng, []int{96, 160, 130, 10}, nn.Tanh(), nil)
	params := nn.Params(model)
	x := tensor.RandN(rng, 200, 96)
	labels := make([]int, 200)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	var bits []uint64
	tp := autograd.NewTape()
	for range steps {
		tp.Reset()
		nn.ZeroGrad(model)
		loss := nn.CrossEntropy(tp, model.Forward(tp, tp.Const(x)), labels)
		tp.Backward(loss)
		for _, p := range params {
			tensor.AddScaledTo(p.Value(), -0.1, p.Grad())
		}
		bits = append(bits, math.Float64bits(loss.Item()))
	}
	for _, p := range params {
		for _, v := range p.Value().Data() {
			bits = append(bits, math.Float64bits(v))
		}
	}
	return bits
}

// TestReproducibleAcrossGOMAXPROCS: the same seed gives bit-identical
// losses and weights whatever GOMAXPROCS is.
func TestReproducibleAcrossGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one := train(5)
	runtime.GOMAXPROCS(2)
	two := train(5)
	if len(one) != len(two) {
		t.Fatalf("runs differ in length: %d vs %d", len(one), len(two))
	}
	for i := range one {
		if one[i] != two[i] {
			t.Fatalf("value %d differs: %v (GOMAXPROCS=1) vs %v (GOMAXPROCS=2)", i,
				math.Float64frombits(one[i]), math.Float64frombits(two[i]))
		}
	}
	// and run after run at the same setting
	if again := train(5); again[4] != two[4] {
		t.Fatalf("second run at GOMAXPROCS=2 differs")
	}
}
