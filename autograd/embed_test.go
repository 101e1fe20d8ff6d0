package autograd_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestEmbedding checks lookups, the summed gradient of repeated ids, the
// padding row's missing gradient and a second-order gradient.
func TestEmbedding(t *testing.T) {
	table := tensor.New([]float64{0, 1, 10, 11, 20, 21, 30, 31}, 4, 2)
	ids := []int{2, 0, 2, 3, 1, 1}
	tests := []struct {
		name     string
		pad      int // −1: none
		wantGrad []float64
	}{
		// Σ of a squared output: ∂w[v] = Σ over the lookups of v of 2·w[v]
		{"repeated ids", -1, []float64{0, 2, 40, 44, 80, 84, 60, 62}},
		{"padding row 2", 2, []float64{0, 2, 40, 44, 0, 0, 60, 62}},
		{"padding row −1", -1 - 4, []float64{0, 2, 40, 44, 80, 84, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := autograd.NewParam(table.Copy())
			tp := autograd.NewTape()
			var y autograd.Var
			switch {
			case tc.pad == -1:
				y = tp.Embedding(w, ids, 2, 3)
			case tc.pad < -1:
				y = tp.EmbeddingPadded(w, ids, -1, 2, 3)
			default:
				y = tp.EmbeddingPadded(w, ids, tc.pad, 2, 3)
			}
			wantY := tensor.New([]float64{20, 21, 0, 1, 20, 21, 30, 31, 10, 11, 10, 11}, 2, 3, 2)
			if d := tapegradtest.Diff(wantY, y.Value()); d != "" {
				t.Errorf("lookup (-want +got):\n%s", d)
			}
			tp.Backward(tp.Sum(tp.Square(y)))
			if d := tapegradtest.Diff(tensor.New(tc.wantGrad, 4, 2), w.Grad()); d != "" {
				t.Errorf("gradient (-want +got):\n%s", d)
			}
		})
	}
	t.Run("second order", func(t *testing.T) {
		// f = Σ y³ over the lookups: ∂²f/∂w[v]² = 6·count(v)·w[v]; with the
		// direction ones, HVP = Σ_v 6·count(v)·w[v]
		w := autograd.NewParam(table.Copy())
		tp := autograd.NewTape()
		y := tp.Embedding(w, ids)
		g := tp.GradGraph(tp.Sum(tp.Mul(y, tp.Square(y))), w)[0]
		h := tp.GradGraph(tp.Sum(g), w)[0]
		want := tensor.New([]float64{0, 6, 120, 132, 240, 252, 180, 186}, 4, 2)
		if d := tapegradtest.Diff(want, h.Value()); d != "" {
			t.Errorf("second derivative (-want +got):\n%s", d)
		}
	})
}

func TestEmbeddingPanics(t *testing.T) {
	w := autograd.Const(tensor.Zeros(4, 2))
	var tp *autograd.Tape
	tests := []struct {
		name string
		f    func()
		want error
	}{
		{"id out of range", func() { tp.Embedding(w, []int{4}) }, tensor.ErrIndex},
		{"table not 2-d", func() { tp.Embedding(autograd.Const(tensor.Zeros(4)), []int{0}) }, tensor.ErrShape},
		{"shape size", func() { tp.Embedding(w, []int{0, 1, 2}, 2, 2) }, tensor.ErrShape},
		{"negative shape", func() { tp.Embedding(w, []int{0}, -1) }, tensor.ErrShape},
		{"padding out of range", func() { tp.EmbeddingPadded(w, []int{0}, 4) }, tensor.ErrIndex},
		{"zero Var", func() { tp.Embedding(autograd.Var{}, []int{0}) }, autograd.ErrTape},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tc.f, tc.want) })
	}
}
