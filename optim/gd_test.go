package optim

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestGDRates checks one step of ŵ = w − (η·α) ⊙ ∇C against values worked
// out by hand, for each way of giving the rates. The parameters are
// w = [1 2; 3 4] and v = [−1, 0.5, 2] with gradients [0.5 −1; 2 0.25] and
// [4, −2, 0.5].
func TestGDRates(t *testing.T) {
	tests := []struct {
		name  string
		lr    float64
		rates []*tensor.Tensor
		want  [][]float64
	}{
		// w − 0.5·g, v − 0.5·g
		{"scalar", 0.5, nil, [][]float64{{0.75, 2.5, 2, 3.875}, {-3, 1.5, 1.75}}},
		// a rate per parameter: α_w = 0.2, α_v = 1 (nil), η = 0.5
		{"per parameter", 0.5, []*tensor.Tensor{tensor.Scalar(0.2), nil},
			[][]float64{{0.95, 2.1, 2.8, 3.975}, {-3, 1.5, 1.75}}},
		// a rate per element: α_w = [0.1 0.2; 0 1], α_v = [0.25, 0.5, 2], η = 0.5
		{"per element", 0.5, []*tensor.Tensor{tensor.New([]float64{0.1, 0.2, 0, 1}, 2, 2), tensor.New([]float64{0.25, 0.5, 2}, 3)},
			[][]float64{{0.975, 2.1, 3, 3.875}, {-1.5, 1, 1.5}}},
		// η scales the per-element rates: η = 2, α_w = [0.1 0.2; 0 1]
		{"per element, η = 2", 2, []*tensor.Tensor{tensor.New([]float64{0.1, 0.2, 0, 1}, 2, 2), tensor.Scalar(0)},
			[][]float64{{0.9, 2.4, 3, 3.5}, {-1, 0.5, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := twoParams()
			ps[0].SetGrad(tensor.New([]float64{0.5, -1, 2, 0.25}, 2, 2))
			ps[1].SetGrad(tensor.New([]float64{4, -2, 0.5}, 3))
			NewGD(ps, GDConfig{LR: tt.lr, Rates: tt.rates}).Step()
			got := [][]float64{ps[0].Value().Data(), ps[1].Value().Data()}
			// The hand values are decimal; the float64 products round
			// once or twice: a relative 1e-15 covers that.
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
				t.Errorf("values after one step (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGDRatesAreLive checks that the rate tensors are read at each step, not
// copied at construction.
func TestGDRatesAreLive(t *testing.T) {
	p := autograd.NewParam(tensor.New([]float64{1, 1}, 2))
	rate := tensor.New([]float64{1, 1}, 2)
	opt := NewGD([]autograd.Var{p}, GDConfig{LR: 1, Rates: []*tensor.Tensor{rate}})
	p.SetGrad(tensor.New([]float64{0.25, 0.25}, 2))
	rate.Set(0, 1) // freeze the second element
	opt.Step()
	if diff := cmp.Diff([]float64{0.75, 1}, p.Value().Data()); diff != "" {
		t.Errorf("values after a step (-want +got):\n%s", diff)
	}
}
