//go:build !race

package autograd_test

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConcurrentTrainingOnOneTape: two goroutines train on one tape at
// once (misuse), with shapes that change every step so the buffer pool's
// map of spares is in play. Before the guards this died with the runtime's
// fatal "concurrent map writes" or finished with wrong gradients; now the
// misuse is reported with ErrTape. Each goroutine recovers what its steps
// panic with; the test needs at least one ErrTape and a process that
// survives. (Skipped under the race detector, which reports the race the
// test commits on purpose.)
func TestConcurrentTrainingOnOneTape(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs two threads to overlap")
	}
	tp := autograd.NewTape()
	var wg sync.WaitGroup
	var tapeErrs atomic.Int64
	// The two goroutines start together and step until one of them has
	// seen the misuse reported (or a cap of steps): how soon two steps
	// overlap depends on the scheduler (go test runs other packages' tests
	// beside this one), not on the tape.
	const maxSteps = 200_000
	start := make(chan struct{})
	for g := range 2 {
		wg.Go(func() {
			w := autograd.NewParam(tensor.Ones(96))
			<-start
			for i := 0; i < maxSteps && tapeErrs.Load() == 0; i++ {
				err := tapegradtest.Catch(func() {
					tp.Reset()
					n := 64 + (i+g)%32 // a new shape each step: the pool's slow path
					x := tp.Const(tensor.Ones(n))
					y := tp.Sum(tp.Mul(tp.Tanh(x), tp.Slice(w, 0, 0, n)))
					tp.Backward(y)
				})
				if errors.Is(err, autograd.ErrTape) {
					tapeErrs.Add(1)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if tapeErrs.Load() == 0 {
		t.Errorf("two goroutines trained on one tape %d steps each and no step reported ErrTape", maxSteps)
	}
}
