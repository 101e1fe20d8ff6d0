package train

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestEarlyStopping feeds sequences of values and compares the updates at
// which an improvement and the stop are reported.
func TestEarlyStopping(t *testing.T) {
	tests := []struct {
		name     string
		mode     Mode
		patience int
		delta    float64
		values   []float64
		improved []bool
		stopAt   int // index of the first stop, -1 for none
	}{
		{"min falling", Min, 1, 0, []float64{3, 2, 1}, []bool{true, true, true}, -1},
		{"min plateau", Min, 1, 0, []float64{3, 2, 2, 2}, []bool{true, true, false, false}, 3},
		{"patience 0", Min, 0, 0, []float64{3, 4}, []bool{true, false}, 1},
		{"recovers", Min, 2, 0, []float64{3, 4, 4, 1, 5, 5, 5}, []bool{true, false, false, true, false, false, false}, 6},
		{"max", Max, 1, 0, []float64{0.5, 0.6, 0.6, 0.55}, []bool{true, true, false, false}, 3},
		{"min delta", Min, 0, 0.1, []float64{1, 0.95}, []bool{true, false}, 1},
		{"NaN never improves", Min, 0, 0, []float64{math.NaN(), 1, math.NaN()}, []bool{false, true, false}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEarlyStopping(TestLoss, tc.mode, tc.patience)
			e.MinDelta = tc.delta
			var improved []bool
			stopAt := -1
			for i, v := range tc.values {
				imp, stop := e.Update(v)
				improved = append(improved, imp)
				if stop && stopAt < 0 {
					stopAt = i
				}
			}
			if d := cmp.Diff(tc.improved, improved); d != "" {
				t.Errorf("improved (-want +got):\n%s", d)
			}
			if stopAt != tc.stopAt {
				t.Errorf("stopped at %d, want %d", stopAt, tc.stopAt)
			}
		})
	}
}

func TestMonitorBadModePanics(t *testing.T) {
	defer func() {
		err, _ := recover().(error)
		if !errors.Is(err, ErrArg) {
			t.Errorf("recovered %v, want ErrArg", err)
		}
	}()
	NewEarlyStopping(TestLoss, 0, 1).Update(1)
}

// TestBestCheckpoint saves on improvements only, then restores the best
// weights after they have been overwritten.
func TestBestCheckpoint(t *testing.T) {
	model := nn.NewLinear(rand.New(rand.NewPCG(1, 2)), 3, 2, nil)
	w := model.W.Value()
	path := filepath.Join(t.TempDir(), "best.safetensors")
	b := NewBestCheckpoint(path, model, "test accuracy", Max)
	if err := b.Restore(); !errors.Is(err, ErrArg) {
		t.Errorf("Restore before a save: %v, want ErrArg", err)
	}
	var saved []bool
	var best *tensor.Tensor
	for i, acc := range []float64{0.5, 0.7, 0.6, 0.7} {
		tensor.ScaleTo(w, w, 2) // the weights change every epoch
		s, err := b.Update(acc)
		if err != nil {
			t.Fatal(err)
		}
		saved = append(saved, s)
		if i == 1 {
			best = tensor.Scale(w, 1) // a copy
		}
	}
	if d := cmp.Diff([]bool{true, true, false, false}, saved); d != "" {
		t.Errorf("saved (-want +got):\n%s", d)
	}
	if v, n := b.Best(); v != 0.7 || n != 2 {
		t.Errorf("Best = %v at %d, want 0.7 at 2", v, n)
	}
	if err := b.Restore(); err != nil {
		t.Fatal(err)
	}
	if d := tensor.MaxAbsDiff(best, model.W.Value()); d != 0 {
		t.Errorf("restored weights differ from the best by %g", d)
	}
}
