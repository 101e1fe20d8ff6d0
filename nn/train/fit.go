package train

import (
	"fmt"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// Loss is a training objective: the scalar cost of a model's outputs out
// for the samples of batch, recorded on tp (nil tp: computed without
// recording, for evaluation).
type Loss func(tp *autograd.Tape, out autograd.Var, batch *data.Dataset) autograd.Var

// CrossEntropy is the Loss of classification: nn.CrossEntropy of the
// logits out, shape (n, classes), against batch.Labels.
func CrossEntropy(tp *autograd.Tape, out autograd.Var, batch *data.Dataset) autograd.Var {
	checkBatch("CrossEntropy", batch)
	return nn.CrossEntropy(tp, out, batch.Labels)
}

// checkBatch panics with ErrArg for a nil batch.
func checkBatch(op string, batch *data.Dataset) {
	if batch == nil {
		panic(fmt.Errorf("%w: %s of a nil batch", ErrArg, op))
	}
}

// Quadratic is the Loss of regression: nn.Quadratic, 1/n Σ (y − ŷ)², of the
// outputs out, shape (n, 1) or (n), against batch.Y, shape (n).
func Quadratic(tp *autograd.Tape, out autograd.Var, batch *data.Dataset) autograd.Var {
	checkBatch("Quadratic", batch)
	if out.Value().Rank() == 2 {
		out = tp.Reshape(out, -1) // (n, 1) → (n)
	}
	return nn.Quadratic(tp, out, tp.Const(batch.Y))
}

// Metric is a number computed from a model's outputs on a whole data set
// after each epoch, such as Accuracy.
type Metric struct {
	// Name is the metric's History name and its label in the epoch line.
	Name string
	// Eval computes the metric from the outputs out of the model on ds.
	Eval func(out *tensor.Tensor, ds *data.Dataset) float64
	// Format prints a value for the epoch line.
	Format func(v float64) string
}

// Accuracy is the metric "test accuracy": nn.Accuracy of the logits against
// the labels, printed as a percentage ("97.3%").
func Accuracy() Metric {
	return Metric{
		Name:   "test accuracy",
		Eval:   func(out *tensor.Tensor, ds *data.Dataset) float64 { return nn.Accuracy(out, ds.Labels) },
		Format: func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
	}
}

// Epoch runs one pass over train: for each mini-batch of batches it resets
// tp (reusing its buffers), records loss of the model's outputs, zeroes the
// gradients, runs Backward and takes an optimiser step, reporting each step
// to p (nil for none). It returns the mean loss over the samples, or an
// error if that is not finite (a learning rate too large, say). Beyond
// Dataset.Subset's rows, a step allocates nothing once the tape has grown.
func Epoch(tp *autograd.Tape, model nn.Module, opt optim.Optimizer, train *data.Dataset, batches iter.Seq[[]int], loss Loss, p *Progress) (float64, error) {
	if tp == nil || model == nil || opt == nil || train == nil || batches == nil || loss == nil {
		return 0, fmt.Errorf("%w: Epoch needs a tape, a model, an optimiser, a training set, batches and a loss", ErrArg)
	}
	sum := 0.0
	for idx := range batches {
		b := train.Subset(idx)
		tp.Reset()
		l := loss(tp, model.Forward(tp, tp.Const(b.X)), b)
		opt.ZeroGrad()
		tp.Backward(l)
		opt.Step()
		v := l.Item()
		sum += v * float64(len(idx))
		p.Step(v, len(idx))
	}
	mean := sum / float64(train.Len())
	if math.IsNaN(mean) || math.IsInf(mean, 0) {
		return mean, fmt.Errorf("the training loss is %v; try a smaller learning rate", mean)
	}
	return mean, nil
}

// Evaluate returns loss of model on the whole of ds and the model's
// outputs, computed without a tape (inference records nothing). The
// forward pass runs on chunks of EvalChunk rows, whose outputs are joined
// before the loss is taken on all of them, so a convolutional network's
// intermediate values for ten thousand images are never held at once (the
// rows of an inference pass do not depend on each other, so the result is
// that of one pass). A data set of another element type than the model's
// parameters is converted first (a copy: Fit converts its data sets once,
// before the first epoch).
func Evaluate(model nn.Module, ds *data.Dataset, loss Loss) (float64, *tensor.Tensor) {
	if model == nil || ds == nil || loss == nil {
		panic(fmt.Errorf("%w: Evaluate needs a model, a data set and a loss", ErrArg))
	}
	ds = ds.To(nn.DType(model))
	n := ds.Len()
	if n <= EvalChunk {
		out := model.Forward(nil, autograd.Const(ds.X))
		return loss(nil, out, ds).Item(), out.Value()
	}
	outs := make([]*tensor.Tensor, 0, (n+EvalChunk-1)/EvalChunk)
	for i := 0; i < n; i += EvalChunk {
		rows := tensor.Slice(ds.X, 0, i, min(i+EvalChunk, n))
		outs = append(outs, model.Forward(nil, autograd.Const(rows)).Value())
	}
	out := autograd.Const(tensor.Concat(0, outs...))
	return loss(nil, out, ds).Item(), out.Value()
}

// EvalChunk is the number of rows Evaluate passes through the model at once.
const EvalChunk = 1000

// Config is a training run for Fit. Model, Optimizer, Train, Loss, Batch
// and Epochs are required; every other field may be left zero, meaning
// none.
type Config struct {
	Model     nn.Module
	Optimizer optim.Optimizer
	// Schedule, if not nil, steps once after each epoch (an optim.Schedule).
	Schedule interface{ Step() }
	// Train is the training set; Test, if not nil, is evaluated after each
	// epoch for TestLoss and Metrics.
	Train, Test *data.Dataset
	Loss        Loss
	Metrics     []Metric
	Batch       int // mini-batch size, at least 1
	Epochs      int // passes over Train
	// Rng shuffles the batches of every epoch; nil keeps the data's order.
	Rng *rand.Rand

	// Out receives an epoch line ("epoch  3/40  loss 0.12345  test loss
	// 0.15000  test accuracy 96.1%") after every Every-th epoch and the
	// last; Every 0 prints only the last. Nil Out prints nothing.
	Out   io.Writer
	Every int
	// ShowTime appends the epoch's seconds to its line.
	ShowTime bool
	// Progress shows each period between two epoch lines.
	Progress *Progress

	// EarlyStopping ends training when its metric stops improving.
	EarlyStopping *EarlyStopping
	// Best saves the model whenever its metric improves; with RestoreBest,
	// Fit loads the best back at the end.
	Best        *BestCheckpoint
	RestoreBest bool
}

// Fit trains cfg.Model on cfg.Train for cfg.Epochs epochs (fewer if
// EarlyStopping stops it) and returns the History of TrainLoss, TestLoss
// and every metric, one value per epoch. The model is in training mode
// (nn.SetTraining) during epochs and in inference mode for evaluation and
// after Fit returns. Data sets whose element type is not the model's
// (nn.DType) are converted once, before the first epoch, so a float32
// model (nn.To) trains on float64 data as it is loaded. It returns the
// history so far and an error if the loss
// is not finite or a checkpoint fails, and an error wrapping ErrArg for a
// missing Model, Optimizer, Train or Loss, Batch < 1 or Epochs < 0.
func Fit(cfg Config) (*History, error) {
	h := NewHistory(Epochs)
	switch {
	case cfg.Model == nil || cfg.Optimizer == nil || cfg.Train == nil || cfg.Loss == nil:
		return h, fmt.Errorf("%w: Fit needs a Model, an Optimizer, a Train set and a Loss", ErrArg)
	case cfg.Batch < 1 || cfg.Epochs < 0:
		return h, fmt.Errorf("%w: Fit with Batch %d and Epochs %d", ErrArg, cfg.Batch, cfg.Epochs)
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	dt := nn.DType(cfg.Model)
	cfg.Train = cfg.Train.To(dt)
	if cfg.Test != nil {
		cfg.Test = cfg.Test.To(dt)
	}
	tp := autograd.NewTape() // one tape, reset every step: its buffers are reused
	batches := data.Batches(cfg.Train.Len(), cfg.Batch, cfg.Rng)
	steps := (cfg.Train.Len() + cfg.Batch - 1) / cfg.Batch
	width := len(fmt.Sprint(cfg.Epochs))
	open := false // a Progress period is running
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		if !open {
			end := cfg.Epochs
			if cfg.Every > 0 {
				end = min((epoch+cfg.Every-1)/cfg.Every*cfg.Every, cfg.Epochs)
			}
			desc := fmt.Sprintf("epoch %d/%d", epoch, cfg.Epochs)
			if end > epoch {
				desc = fmt.Sprintf("epochs %d–%d/%d", epoch, end, cfg.Epochs)
			}
			cfg.Progress.Start(desc, steps*(end-epoch+1))
			open = true
		}
		t0 := time.Now()
		nn.SetTraining(cfg.Model, true)
		trainLoss, err := Epoch(tp, cfg.Model, cfg.Optimizer, cfg.Train, batches, cfg.Loss, cfg.Progress)
		nn.SetTraining(cfg.Model, false)
		if err != nil {
			cfg.Progress.Finish()
			return h, fmt.Errorf("train: epoch %d: %w", epoch, err)
		}
		if cfg.Schedule != nil {
			cfg.Schedule.Step()
		}
		h.Add(TrainLoss, trainLoss)
		var line strings.Builder
		fmt.Fprintf(&line, "epoch %*d/%d  loss %.5f", width, epoch, cfg.Epochs, trainLoss)
		if cfg.Test != nil {
			testLoss, y := Evaluate(cfg.Model, cfg.Test, cfg.Loss)
			h.Add(TestLoss, testLoss)
			fmt.Fprintf(&line, "  test loss %.5f", testLoss)
			for _, m := range cfg.Metrics {
				v := m.Eval(y, cfg.Test)
				h.Add(m.Name, v)
				fmt.Fprintf(&line, "  %s %s", m.Name, m.Format(v))
			}
		}
		if cfg.ShowTime {
			fmt.Fprintf(&line, "  (%.1fs)", time.Since(t0).Seconds())
		}
		stop := false
		if e := cfg.EarlyStopping; e != nil {
			_, stop = e.Update(h.Last(e.Metric))
		}
		if b := cfg.Best; b != nil {
			if _, err := b.Update(h.Last(b.Metric)); err != nil {
				cfg.Progress.Finish()
				return h, err
			}
		}
		if stop || epoch == cfg.Epochs || (cfg.Every > 0 && epoch%cfg.Every == 0) {
			cfg.Progress.Finish()
			open = false
			fmt.Fprintln(out, line.String())
		}
		if stop {
			e := cfg.EarlyStopping
			fmt.Fprintf(out, "early stop: %s has not improved on %.5g for %d epochs\n", e.Metric, e.Best(), e.Patience+1)
			break
		}
	}
	if cfg.Best != nil && cfg.RestoreBest {
		if err := cfg.Best.Restore(); err != nil {
			return h, err
		}
		v, n := cfg.Best.Best()
		fmt.Fprintf(out, "restored the best model: %s %.5g at epoch %d\n", cfg.Best.Metric, v, n)
	}
	return h, nil
}
