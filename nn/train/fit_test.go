package train

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// blobs returns n points in two Gaussian blobs around (±1.5, ±1.5), labelled
// by blob, or with the regression target y = x₀ + 2x₁ if regression.
func blobs(rng *rand.Rand, n int, regression bool) *data.Dataset {
	x := make([]float64, 2*n)
	labels := make([]int, n)
	y := make([]float64, n)
	for i := range n {
		c := i % 2
		s := float64(2*c - 1)
		x[2*i], x[2*i+1] = 1.5*s+rng.NormFloat64(), 1.5*s+rng.NormFloat64()
		labels[i] = c
		y[i] = x[2*i] + 2*x[2*i+1]
	}
	if regression {
		return &data.Dataset{X: tensor.New(x, n, 2), Y: tensor.New(y, n)}
	}
	return &data.Dataset{X: tensor.New(x, n, 2), Labels: labels}
}

// TestFitReducesLoss trains a classifier and a regression on tiny data
// sets; the loss must fall and the lines print every Every-th epoch.
func TestFitReducesLoss(t *testing.T) {
	for _, tc := range []struct {
		name    string
		loss    Loss
		out     int
		regress bool
		metrics []Metric
	}{
		{"classification", CrossEntropy, 2, false, []Metric{Accuracy()}},
		{"regression", Quadratic, 1, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			train, test := blobs(rng, 64, tc.regress), blobs(rng, 32, tc.regress)
			model := nn.NewLinear(rng, 2, tc.out, nil)
			opt := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
			var out strings.Builder
			h, err := Fit(Config{Model: model, Optimizer: opt, Schedule: optim.NewStepLR(opt, 5, 0.5),
				Train: train, Test: test, Loss: tc.loss, Metrics: tc.metrics, Batch: 16, Epochs: 10, Rng: rng,
				Out: &out, Every: 5})
			if err != nil {
				t.Fatal(err)
			}
			tr := h.Series(TrainLoss)
			if len(tr) != 10 || !(tr[9] < tr[0]/2) {
				t.Errorf("train loss %v, want 10 epochs falling by half", tr)
			}
			if n := strings.Count(out.String(), "\n"); n != 2 {
				t.Errorf("printed %d lines, want 2:\n%s", n, out.String())
			}
			if tc.metrics != nil && h.Last("test accuracy") < 0.9 {
				t.Errorf("test accuracy %v, want ≥ 0.9 on separated blobs", h.Last("test accuracy"))
			}
		})
	}
}

// TestFitEarlyStopAndBest: once the test loss improves by less than 0.01
// an epoch, twice in a row, Fit stops early (well before 200 epochs) and
// restores the best model by accuracy.
func TestFitEarlyStopAndBest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	train, test := blobs(rng, 64, false), blobs(rng, 32, false)
	model := nn.NewLinear(rng, 2, 2, nil)
	opt := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.05})
	best := NewBestCheckpoint(filepath.Join(t.TempDir(), "best.safetensors"), model, "test accuracy", Max)
	stopper := NewEarlyStopping(TestLoss, Min, 1)
	stopper.MinDelta = 0.01
	var out strings.Builder
	h, err := Fit(Config{Model: model, Optimizer: opt, Train: train, Test: test, Loss: CrossEntropy,
		Metrics: []Metric{Accuracy()}, Batch: 16, Epochs: 200, Rng: rng, Out: &out,
		EarlyStopping: stopper, Best: best, RestoreBest: true})
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() == 200 || !strings.Contains(out.String(), "early stop: test loss") || !strings.Contains(out.String(), "restored the best model") {
		t.Errorf("ran %d epochs, printed:\n%s", h.Len(), out.String())
	}
	v, _ := best.Best()
	if _, y := Evaluate(model, test, CrossEntropy); nn.Accuracy(y, test.Labels) != v {
		t.Errorf("restored model's accuracy %v, want the best %v", nn.Accuracy(y, test.Labels), v)
	}
}

func TestFitErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewLinear(rng, 2, 2, nil)
	opt := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.1})
	train := blobs(rng, 8, false)
	train.X.Data()[0] = math.NaN() // poisons the loss
	for _, cfg := range []Config{
		{Optimizer: opt, Train: train, Loss: CrossEntropy, Batch: 1, Epochs: 1},
		{Model: model, Optimizer: opt, Train: train, Loss: CrossEntropy, Batch: 0, Epochs: 1},
	} {
		if _, err := Fit(cfg); !errors.Is(err, ErrArg) {
			t.Errorf("Fit: %v, want ErrArg", err)
		}
	}
	if _, err := Fit(Config{Model: model, Optimizer: opt, Train: train, Loss: CrossEntropy, Batch: 4, Epochs: 3}); err == nil || !strings.Contains(err.Error(), "epoch") {
		t.Errorf("Fit on NaN data: %v, want a non-finite loss error", err)
	}
}

// TestEpochAllocations: after a warm-up epoch, an epoch over full-batch
// data allocates only per batch (Subset's rows and the index permutation),
// not per op: the tape's buffers are reused.
func TestEpochAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	train := blobs(rng, 64, false)
	model := nn.NewLinear(rng, 2, 2, nil)
	opt := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.05})
	tp := autograd.NewTape()
	batches := data.Batches(train.Len(), 64, nil)
	p := NewProgress(&strings.Builder{})
	p.Start("x", 1)
	run := func() {
		if _, err := Epoch(tp, model, opt, train, batches, CrossEntropy, p); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if n := testing.AllocsPerRun(20, run); n > 16 {
		t.Errorf("an epoch of one batch allocates %v times, want few", n)
	}
}
