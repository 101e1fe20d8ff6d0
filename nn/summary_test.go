package nn_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// scaled is a struct module with a parameter of its own beside its layers.
type scaled struct {
	Body  *nn.Sequential
	Gain  autograd.Var
	Unset *nn.Linear // a zero-value layer
}

func (s *scaled) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return tp.Mul(s.Body.Forward(tp, x), s.Gain)
}
func (s *scaled) NamedParams() []nn.NamedParam { return nn.FieldParams(s) }

func TestSummary(t *testing.T) {
	rng := tapegradtest.NewRNG()
	m := &scaled{
		Body:  nn.NewMLP(rng, []int{2, 3, 1}, nn.ReLU(), nn.Sigmoid()),
		Gain:  autograd.NewParam(tensor.New([]float64{1}, 1)),
		Unset: new(nn.Linear),
	}
	m.Body.Layers[0].(*nn.Linear).B.SetRequiresGrad(false) // 3 frozen
	// 2·3+3 + 3·1+1 + 1 = 14 parameters, 3 of them frozen.
	want := `scaled                                          params  shapes
·                                                    1  gain [1]
├─ body         Sequential                          13
│  ├─ layers.0  Linear(in=2, out=3, bias=true)       9  weight [2 3], bias [3] frozen
│  ├─ layers.1  ReLU                                 0
│  ├─ layers.2  Linear(in=3, out=1, bias=true)       4  weight [3 1], bias [1]
│  └─ layers.3  Sigmoid                              0
└─ unset        Linear(no weight, bias=false)        0  weight (unset)
14 parameters: 11 trainable, 3 frozen`
	if d := cmp.Diff(want, nn.Summary(m)); d != "" {
		t.Errorf("Summary (-want +got):\n%s", d)
	}
}

func TestSummaryZeroValues(t *testing.T) {
	// Zero-value layers print; they never panic.
	for _, c := range []struct {
		m    nn.Module
		want string
	}{
		{new(nn.Linear), "Linear(no weight, bias=false)  params  shapes\n·                                   0  weight (unset)\n0 parameters: 0 trainable, 0 frozen"},
		{new(nn.Sequential), "Sequential  params  shapes\n0 parameters: 0 trainable, 0 frozen"},
		{new(nn.Dropout), "Dropout(p=0)  params  shapes\n0 parameters: 0 trainable, 0 frozen"},
		{new(nn.Neuron), "Neuron(no weight, Identity)  params  shapes\n·                                 0  weight (unset), bias (unset)\n0 parameters: 0 trainable, 0 frozen"},
	} {
		t.Run(fmt.Sprintf("%T", c.m), func(t *testing.T) {
			if d := cmp.Diff(c.want, nn.Summary(c.m)); d != "" {
				t.Errorf("Summary (-want +got):\n%s", d)
			}
		})
	}
}
