// Command digits trains a multilayer perceptron on scikit-learn's 8×8
// handwritten digits (1797 images, embedded in package data) and reports its
// accuracy on a held-out test set. It is the README's first command:
//
//	go run ./examples/digits [-epochs 40] [-hidden 512] [-plot loss.png]
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

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/examples/internal/classify"
	"github.com/tapegrad/tapegrad/examples/internal/report"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// config holds the command-line settings.
type config struct {
	Epochs   int     // passes over the training set
	Hidden   int     // hidden units
	Batch    int     // mini-batch size
	LR       float64 // Adam's initial learning rate
	TestFrac float64 // fraction of the images held out
	Seed     uint64  // seeds the split, the initial weights and the shuffles
	Plot     string  // loss-curve PNG to write ("" for none)
	Quiet    bool    // no progress bar
}

// defaults is the configuration of `go run ./examples/digits`.
func defaults() config {
	return config{Epochs: 40, Hidden: 512, Batch: 32, LR: 2e-3, TestFrac: 0.25, Seed: 1}
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
	flag.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "passes over the training set")
	flag.IntVar(&cfg.Hidden, "hidden", cfg.Hidden, "hidden units")
	flag.IntVar(&cfg.Batch, "batch", cfg.Batch, "mini-batch size")
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam's initial learning rate (annealed to 0 along a cosine)")
	flag.Float64Var(&cfg.TestFrac, "test", cfg.TestFrac, "fraction of the images held out for testing")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.StringVar(&cfg.Plot, "plot", "", "write the loss curve to this PNG file")
	flag.BoolVar(&cfg.Quiet, "quiet", false, "no progress bar")
	flag.Parse()
	cfg.Quiet = cfg.Quiet || !report.IsTerminal(os.Stderr)
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
	train, test := data.TrainTestSplit(ds, cfg.TestFrac, rng)
	train.X, test.X = tensor.Scale(train.X, 1.0/16), tensor.Scale(test.X, 1.0/16) // pixels 0…16 → [0, 1]

	classes := ds.NumClasses()
	model := nn.NewMLP(rng, []int{train.Features(), cfg.Hidden, classes}, nn.ReLU(), nil)
	params := nn.Params(model)
	adam := optim.AdamDefaults()
	adam.LR = cfg.LR
	opt := optim.NewAdam(params, adam)
	sched := optim.NewCosineAnnealingLR(opt, cfg.Epochs, 0)
	fmt.Fprintf(w, "digits: %d training and %d test images of %d pixels; MLP %d-%d-%d ReLU, %d parameters, Adam\n",
		train.Len(), test.Len(), train.Features(), train.Features(), cfg.Hidden, classes, nn.NumParams(model))

	var res result
	res.InitialLoss, _ = classify.Evaluate(model, test)

	var curve report.Curve
	tp := autograd.NewTape() // one tape, reset every step: its buffers are reused
	batches := data.Batches(train.Len(), cfg.Batch, rng)
	steps := (train.Len() + cfg.Batch - 1) / cfg.Batch
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		bar := report.NewBar(steps, fmt.Sprintf("epoch %d/%d", epoch, cfg.Epochs), cfg.Quiet)
		// Reset the tape, cross-entropy, ZeroGrad, Backward, Step per batch:
		trainLoss, err := classify.Epoch(tp, model, opt, train, batches, bar)
		bar.Finish()
		if err != nil {
			return res, fmt.Errorf("epoch %d: %w", epoch, err)
		}
		sched.Step()
		res.TrainLoss = append(res.TrainLoss, trainLoss)
		res.TestLoss, res.Accuracy = classify.Evaluate(model, test)
		curve.Add(trainLoss, res.TestLoss)
		report.Epoch(w, epoch, cfg.Epochs, trainLoss,
			fmt.Sprintf("  test loss %.5f  test accuracy %.1f%%", res.TestLoss, 100*res.Accuracy))
	}
	if cfg.Plot != "" {
		if err := curve.Plot(cfg.Plot, "digits: cross-entropy cost"); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "loss curve written to %s\n", cfg.Plot)
	}
	fmt.Fprintf(w, "test accuracy: %.1f%%\n", 100*res.Accuracy)
	return res, nil
}
