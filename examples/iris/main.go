// Command iris fits softmax regression, the simplest classifier trained by
// backpropagation, to Fisher's iris flowers (150 flowers, 4 measurements,
// 3 species; embedded in package data) and reports its test accuracy.
//
//	go run ./examples/iris [-epochs 100] [-lr 0.05] [-plot loss.png]
//
// The model is one Linear layer, 4 inputs to 3 logits, z = x·W + b, whose
// softmax gives the probability of each species; its cost is the log loss
// (cross-entropy) of the true species, −ln softmax(z)[y], computed from the
// logits by nn.CrossEntropy. It is trained by SGD with momentum 0.9 on
// shuffled mini-batches of 16. The features are standardised with the
// training set's statistics, and a seeded 30% of the flowers is held out for
// testing. Every random draw comes from one seeded generator, so a run
// repeats exactly.
//
// Each epoch prints the mean training cost and the test cost and accuracy;
// the last lines show the learned weights and "test accuracy: NN.N%".
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
)

// config holds the command-line settings.
type config struct {
	train.Flags         // -epochs, -batch, -seed, -plot, -quiet
	LR          float64 // SGD's learning rate
	TestFrac    float64 // fraction of the flowers held out
}

// defaults is the configuration of `go run ./examples/iris`.
func defaults() config {
	return config{Flags: train.Flags{Epochs: 100, Batch: 16, Seed: 1}, LR: 0.05, TestFrac: 0.3}
}

// result is what a run achieved.
type result struct {
	InitialLoss float64   // test cost of the untrained model
	TrainLoss   []float64 // mean training cost of each epoch
	TestLoss    float64   // final test cost
	Accuracy    float64   // final test accuracy, in [0, 1]
}

func main() {
	cfg := defaults()
	cfg.Register(flag.CommandLine)
	cfg.RegisterBatch(flag.CommandLine)
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "SGD's learning rate (momentum 0.9)")
	flag.Float64Var(&cfg.TestFrac, "test", cfg.TestFrac, "fraction of the flowers held out for testing")
	flag.Parse()
	if _, err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "iris:", err)
		os.Exit(1)
	}
}

// run fits and evaluates the model, printing a line every tenth of the run
// to w.
func run(w io.Writer, cfg config) (result, error) {
	ds, err := data.Iris()
	if err != nil {
		return result{}, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 2026))
	trainSet, test := data.TrainTestSplit(ds, cfg.TestFrac, rng)
	st := data.FitStandardizer(trainSet.X) // training statistics only: no test leak
	trainSet.X, test.X = st.Transform(trainSet.X), st.Transform(test.X)

	model := nn.NewLinear(rng, trainSet.Features(), ds.NumClasses(), nil)
	opt := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: cfg.LR, Momentum: 0.9})
	fmt.Fprintf(w, "iris: %d training and %d test flowers; softmax regression %d → %d, %d parameters, SGD with momentum\n",
		trainSet.Len(), test.Len(), trainSet.Features(), ds.NumClasses(), nn.NumParams(model))

	var res result
	res.InitialLoss, _ = train.Evaluate(model, test, train.CrossEntropy)
	h, err := train.Fit(train.Config{
		Model: model, Optimizer: opt,
		Train: trainSet, Test: test, Loss: train.CrossEntropy, Metrics: []train.Metric{train.Accuracy()},
		Batch: cfg.Batch, Epochs: cfg.Epochs, Rng: rng,
		Out: w, Every: max(cfg.Epochs/10, 1), Progress: cfg.Progress(os.Stderr),
	})
	res.TrainLoss, res.TestLoss, res.Accuracy = h.Series(train.TrainLoss), h.Last(train.TestLoss), h.Last("test accuracy")
	if err != nil {
		return res, err
	}

	fmt.Fprintf(w, "\nweights W (rows: standardised features, columns: species) and bias b:\n")
	fmt.Fprintf(w, "  %-18s", "")
	for _, c := range ds.ClassNames {
		fmt.Fprintf(w, " %10s", c)
	}
	fmt.Fprintln(w)
	wt, bias := model.W.Value(), model.B.Value()
	for i, f := range ds.FeatureNames {
		fmt.Fprintf(w, "  %-18s", f)
		for j := range ds.ClassNames {
			fmt.Fprintf(w, " %10.3f", wt.At(i, j))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %-18s", "bias")
	for j := range ds.ClassNames {
		fmt.Fprintf(w, " %10.3f", bias.At(j))
	}
	fmt.Fprintln(w)
	if cfg.Plot != "" {
		if err := h.WritePlot(cfg.Plot, train.LossPlot("iris: log loss")); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "loss curve written to %s\n", cfg.Plot)
	}
	fmt.Fprintf(w, "test accuracy: %.1f%%\n", 100*res.Accuracy)
	return res, nil
}
