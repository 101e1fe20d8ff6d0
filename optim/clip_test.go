package optim

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestClipReference replays PyTorch's clip_grad_norm_ and clip_grad_value_
// on the reference gradients (a nil row is a parameter without gradient).
func TestClipReference(t *testing.T) {
	ref := loadReference(t)
	for _, rc := range ref.Clips {
		t.Run(rc.Name, func(t *testing.T) {
			params := make([]autograd.Var, len(rc.Grads))
			for i, g := range rc.Grads {
				n := 2
				if g != nil {
					n = len(g)
				}
				params[i] = autograd.NewParam(tensor.Zeros(n))
				if g != nil {
					params[i].SetGrad(tensor.New(append([]float64(nil), g...), n))
				}
			}
			switch rc.Kind {
			case "norm":
				total := ClipGradNorm(params, rc.Value)
				if diff := cmp.Diff(*rc.TotalNorm, total, approx); diff != "" {
					t.Errorf("total norm (-torch +got):\n%s", diff)
				}
			case "value":
				ClipGradValue(params, rc.Value)
			default:
				t.Fatalf("unknown clip kind %q", rc.Kind)
			}
			got := make([][]float64, len(params))
			for i, p := range params {
				if g := p.Grad(); g != nil {
					got[i] = g.Data()
				}
			}
			if diff := cmp.Diff(rc.Clipped, got, approx); diff != "" {
				t.Errorf("clipped gradients (-torch +got):\n%s", diff)
			}
		})
	}
}

// TestClipEdgeCases covers what the reference does not: non-finite norms
// (handled as PyTorch does) and the panics.
func TestClipEdgeCases(t *testing.T) {
	t.Run("NaN norm", func(t *testing.T) {
		p := autograd.NewParam(tensor.Zeros(2))
		p.SetGrad(tensor.New([]float64{math.NaN(), 1}, 2))
		if total := ClipGradNorm([]autograd.Var{p}, 1); !math.IsNaN(total) {
			t.Errorf("total = %v, want NaN", total)
		}
		for _, v := range p.Grad().Data() {
			if !math.IsNaN(v) {
				t.Errorf("gradient %v after clipping by a NaN norm, want NaN (as PyTorch)", p.Grad().Data())
				break
			}
		}
	})
	t.Run("value keeps NaN", func(t *testing.T) {
		p := autograd.NewParam(tensor.Zeros(3))
		p.SetGrad(tensor.New([]float64{math.NaN(), 5, -5}, 3))
		ClipGradValue([]autograd.Var{p}, 1)
		got := p.Grad().Data()
		if !math.IsNaN(got[0]) || got[1] != 1 || got[2] != -1 {
			t.Errorf("clipped %v, want [NaN 1 -1]", got)
		}
	})
	t.Run("infinite limits clip nothing", func(t *testing.T) {
		p := autograd.NewParam(tensor.Zeros(2))
		p.SetGrad(tensor.New([]float64{3, -4}, 2))
		ps := []autograd.Var{p}
		if total := ClipGradNorm(ps, math.Inf(1)); total != 5 {
			t.Errorf("total = %v, want 5", total)
		}
		ClipGradValue(ps, math.Inf(1))
		if diff := cmp.Diff([]float64{3, -4}, p.Grad().Data()); diff != "" {
			t.Errorf("gradient (-want +got):\n%s", diff)
		}
	})
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"norm negative", func() { ClipGradNorm(nil, -1) }},
		{"norm NaN", func() { ClipGradNorm(nil, math.NaN()) }},
		{"value negative", func() { ClipGradValue(nil, -0.5) }},
		{"value NaN", func() { ClipGradValue(nil, math.NaN()) }},
	} {
		t.Run(tt.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tt.f, ErrConfig) })
	}
}
