package nn_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConcurrentInference runs forward passes of one shared MLP from 8
// goroutines, half with their own recording tape and half with a nil tape,
// and checks every output equals the sequential run bit for bit.
// Run it with -race: the parameters are only read.
func TestConcurrentInference(t *testing.T) {
	const workers, rounds = 8, 20
	model := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{6, 16, 16, 3}, nn.Tanh(), nn.Sigmoid())
	inputs := make([]*tensor.Tensor, workers)
	want := make([][]float64, workers)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range inputs {
		inputs[i] = tensor.RandN(rng, 5, 6)
		want[i] = append([]float64(nil), model.Forward(nil, autograd.Const(inputs[i])).Value().Data()...)
	}
	got := make([][][]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var tp *autograd.Tape
			if w%2 == 0 {
				tp = autograd.NewTape()
			}
			for range rounds {
				var y autograd.Var
				if tp != nil {
					tp.Reset()
					y = model.Forward(tp, tp.Const(inputs[w]))
				} else {
					y = model.Forward(nil, autograd.Const(inputs[w]))
				}
				got[w] = append(got[w], append([]float64(nil), y.Value().Data()...))
			}
		}()
	}
	wg.Wait()
	for w := range workers {
		for r, g := range got[w] {
			if diff := cmp.Diff(want[w], g); diff != "" {
				t.Fatalf("worker %d round %d (-sequential +concurrent):\n%s", w, r, diff)
			}
		}
	}
}
