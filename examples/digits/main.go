// Command digits trains a multilayer perceptron on scikit-learn's 8×8
// handwritten digits (1797 images, embedded in package data) and reports its
// accuracy on a held-out test set. It is the README's first command:
//
//	go run ./examples/digits [-epochs 40] [-hidden 512] [-dtype float32] [-plot loss.png]
//
// The network is 64-512-10 with ReLU hidden units (He initialisation) and
// logits out, trained with the cross-entropy cost on the logits
// (nn.CrossEntropy: softmax and log-likelihood fused) by Adam on shuffled
// mini-batches of 32, its learning rate annealed along a cosine to zero.
// A seeded 25% of the images is held out for testing. Every random draw
// (split, weights, shuffles) comes from one seeded generator, so a run
// repeats exactly; over the seeds 1…32 the test accuracy ranges from 97.3%
// to 99.1%.
//
// The pixels (0…16) are divided by 16 instead of standardised: a few border
// pixels are almost always 0, and standardising turns their rare ink into
// values of tens of standard deviations, which costs about a point of test
// accuracy on unlucky splits.
//
// Each epoch prints the mean training cost and the test cost and accuracy;
// the last line is "test accuracy: NN.N%", for scripts.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/nn/train"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// config holds the command-line settings.
type config struct {
	train.Flags         // -epochs, -batch, -seed, -plot, -quiet
	Hidden      int     // hidden units
	LR          float64 // Adam's initial learning rate
	TestFrac    float64 // fraction of the images held out
}

// defaults is the configuration of `go run ./examples/digits`.
func defaults() config {
	return config{Flags: train.Flags{Epochs: 40, Batch: 32, Seed: 1}, Hidden: 512, LR: 2e-3, TestFrac: 0.25}
}

// result is what a run achieved.
type result struct {
	InitialLoss float64   // test cost of the untrained network
	TrainLoss   []float64 // mean training cost of each epoch
	TestLoss    float64   // final test cost
	Accuracy    float64   // final test accuracy, in [0, 1]
}

func main() {
	cfg := defaults()
	cfg.Register(flag.CommandLine)
	cfg.RegisterBatch(flag.CommandLine)
	cfg.RegisterDType(flag.CommandLine)
	flag.IntVar(&cfg.Hidden, "hidden", cfg.Hidden, "hidden units")
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam's initial learning rate (annealed to 0 along a cosine)")
	flag.Float64Var(&cfg.TestFrac, "test", cfg.TestFrac, "fraction of the images held out for testing")
	flag.Parse()
	if _, err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "digits:", err)
		os.Exit(1)
	}
}

// run trains and evaluates the network, printing one line per epoch to w.
func run(w io.Writer, cfg config) (result, error) {
	ds, err := data.Digits()
	if err != nil {
		return result{}, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 2026))
	trainSet, test := data.TrainTestSplit(ds, cfg.TestFrac, rng)
	trainSet.X, test.X = tensor.Scale(trainSet.X, 1.0/16), tensor.Scale(test.X, 1.0/16) // pixels 0…16 → [0, 1]

	classes := ds.NumClasses()
	model := nn.NewMLP(rng, []int{trainSet.Features(), cfg.Hidden, classes}, nn.ReLU(), nil)
	nn.To(model, cfg.DType) // -dtype float32: PyTorch's model.float(); Fit converts the data
	adam := optim.AdamDefaults()
	adam.LR = cfg.LR
	opt := optim.NewAdam(nn.Params(model), adam)
	fmt.Fprintf(w, "digits: %d training and %d test images of %d pixels; MLP %d-%d-%d ReLU, %d parameters, %v, Adam\n",
		trainSet.Len(), test.Len(), trainSet.Features(), trainSet.Features(), cfg.Hidden, classes, nn.NumParams(model), cfg.DType)

	var res result
	res.InitialLoss, _ = train.Evaluate(model, test, train.CrossEntropy)
	h, err := train.Fit(train.Config{
		Model: model, Optimizer: opt, Schedule: optim.NewCosineAnnealingLR(opt, cfg.Epochs, 0),
		Train: trainSet, Test: test, Loss: train.CrossEntropy, Metrics: []train.Metric{train.Accuracy()},
		Batch: cfg.Batch, Epochs: cfg.Epochs, Rng: rng,
		Out: w, Every: 1, Progress: cfg.Progress(os.Stderr),
	})
	res.TrainLoss, res.TestLoss, res.Accuracy = h.Series(train.TrainLoss), h.Last(train.TestLoss), h.Last("test accuracy")
	if err != nil {
		return res, err
	}
	if cfg.Plot != "" {
		if err := h.WritePlot(cfg.Plot, train.LossPlot("digits: cross-entropy cost")); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "loss curve written to %s\n", cfg.Plot)
	}
	fmt.Fprintf(w, "test accuracy: %.1f%%\n", 100*res.Accuracy)
	return res, nil
}
