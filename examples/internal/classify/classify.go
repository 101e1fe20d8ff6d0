// Package classify holds the training loop that tapegrad's classification
// examples (digits, iris, mnist) share: one epoch of mini-batch steps with
// the cross-entropy cost, and a model's cost and accuracy on a data set.
// The loop is the one the README shows; it lives here once so the examples
// differ only in what is particular to them.
package classify

import (
	"fmt"
	"iter"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/examples/internal/report"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
)

// Epoch runs one pass over train: for each mini-batch of batches it resets
// tp (reusing its buffers), records the cross-entropy of the model's logits,
// zeroes the gradients, runs Backward and takes an optimiser step. bar (may
// be nil) advances once per batch. It returns the mean training cost over the
// datapoints, or an error if that is not finite (a learning rate too large).
func Epoch(tp *autograd.Tape, model nn.Module, opt optim.Optimizer, train *data.Dataset, batches iter.Seq[[]int], bar *report.Bar) (float64, error) {
	sum := 0.0
	for idx := range batches {
		b := train.Subset(idx)
		tp.Reset()
		loss := nn.CrossEntropy(tp, model.Forward(tp, tp.Const(b.X)), b.Labels)
		opt.ZeroGrad()
		tp.Backward(loss)
		opt.Step()
		sum += loss.Item() * float64(len(idx))
		bar.Add()
	}
	mean := sum / float64(train.Len())
	if math.IsNaN(mean) || math.IsInf(mean, 0) {
		return mean, fmt.Errorf("the training cost is %v; try a smaller -lr", mean)
	}
	return mean, nil
}

// Evaluate returns the cross-entropy and the accuracy of model on ds,
// computed without a tape (inference records nothing).
func Evaluate(model nn.Module, ds *data.Dataset) (loss, acc float64) {
	logits := model.Forward(nil, autograd.Const(ds.X))
	return nn.CrossEntropy(nil, logits, ds.Labels).Item(), nn.Accuracy(logits.Value(), ds.Labels)
}
