package nn_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// smallCNN is testdata/make_cnn.py's module, its fields named as
// PyTorch's attributes: conv → bn → ReLU → 2×2 max pool → flatten → fc.
type smallCNN struct {
	Conv *nn.Conv2d
	BN   *nn.BatchNorm
	Pool *nn.MaxPool2d
	FC   *nn.Linear
}

func (m *smallCNN) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	x = m.Pool.Forward(tp, tp.ReLU(m.BN.Forward(tp, m.Conv.Forward(tp, x))))
	return m.FC.Forward(tp, tp.Reshape(x, x.Shape()[0], -1))
}

func (m *smallCNN) NamedParams() []nn.NamedParam { return nn.FieldParams(m) }

// TestSmallCNNMatchesTorch loads a PyTorch state dict of a small CNN
// (convolution, batch normalisation with its running statistics, pooling,
// a linear layer) with checkpoint.Torch() and matches PyTorch's outputs
// and input gradients in training mode (batch statistics), the running
// statistics that pass leaves, and the outputs and input gradients in
// eval mode, to 1e-10 (both sides compute in float64 with sums of a few
// dozen terms in different orders: they agree to about 1e-15).
func TestSmallCNNMatchesTorch(t *testing.T) {
	rng := tapegradtest.NewRNG()
	pad1 := tensor.Conv2dDefaults()
	pad1.Padding = [2]int{1, 1}
	m := &smallCNN{
		Conv: nn.NewConv2d(rng, 1, 4, [2]int{3, 3}, pad1),
		BN:   nn.NewBatchNorm2d(nn.NormDefaults(), 4),
		Pool: nn.NewMaxPool2d(2),
		FC:   nn.NewLinear(rng, 64, 3, nil),
	}
	io := torchCase(t, "cnn", "small", m)
	forward := func(tp *autograd.Tape, in []autograd.Var) []autograd.Var { return []autograd.Var{m.Forward(tp, in[0])} }
	matchTorch(t, io, []string{"x"}, []string{"out"}, []string{"r"}, forward) // training mode
	for _, name := range []string{"running_mean", "running_var"} {
		got := m.BN.RunningMean.Value()
		if name == "running_var" {
			got = m.BN.RunningVar.Value()
		}
		if d := tapegradtest.Diff(io[name], got, attnTorchTol); d != "" {
			t.Errorf("%s after the training pass (-PyTorch +ours):\n%s", name, d)
		}
	}
	if got := m.BN.NumBatchesTracked.Value().Item(); got != 1 {
		t.Errorf("num_batches_tracked = %v after one training pass, want 1", got)
	}
	nn.SetTraining(m, false)
	eval := map[string]*tensor.Tensor{"x": io["x"], "r": io["r"], "out": io["out_eval"], "grad_x": io["grad_x_eval"]}
	matchTorch(t, eval, []string{"x"}, []string{"out"}, []string{"r"}, forward)
}
