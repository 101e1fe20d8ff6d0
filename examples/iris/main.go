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

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/examples/internal/classify"
	"github.com/tapegrad/tapegrad/examples/internal/report"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
)

// config holds the command-line settings.
type config struct {
	Epochs   int     // passes over the training set
	Batch    int     // mini-batch size
	LR       float64 // SGD's learning rate
	TestFrac float64 // fraction of the flowers held out
	Seed     uint64  // seeds the split, the initial weights and the shuffles
	Plot     string  // loss-curve PNG to write ("" for none)
	Quiet    bool    // no progress bar
}

// defaults is the configuration of `go run ./examples/iris`.
func defaults() config {
	return config{Epochs: 100, Batch: 16, LR: 0.05, TestFrac: 0.3, Seed: 1}
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
	flag.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "passes over the training set")
	flag.IntVar(&cfg.Batch, "batch", cfg.Batch, "mini-batch size")
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "SGD's learning rate (momentum 0.9)")
	flag.Float64Var(&cfg.TestFrac, "test", cfg.TestFrac, "fraction of the flowers held out for testing")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.StringVar(&cfg.Plot, "plot", "", "write the loss curve to this PNG file")
	flag.BoolVar(&cfg.Quiet, "quiet", false, "no progress bar")
	flag.Parse()
	cfg.Quiet = cfg.Quiet || !report.IsTerminal(os.Stderr)
	if _, err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "iris:", err)
		os.Exit(1)
	}
}

// run fits and evaluates the model, printing one line per epoch to w.
func run(w io.Writer, cfg config) (result, error) {
	ds, err := data.Iris()
	if err != nil {
		return result{}, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 2026))
	train, test := data.TrainTestSplit(ds, cfg.TestFrac, rng)
	st := data.FitStandardizer(train.X) // training statistics only: no test leak
	train.X, test.X = st.Transform(train.X), st.Transform(test.X)

	model := nn.NewLinear(rng, train.Features(), ds.NumClasses(), nil)
	opt := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: cfg.LR, Momentum: 0.9})
	fmt.Fprintf(w, "iris: %d training and %d test flowers; softmax regression %d → %d, %d parameters, SGD with momentum\n",
		train.Len(), test.Len(), train.Features(), ds.NumClasses(), nn.NumParams(model))

	var res result
	res.InitialLoss, _ = classify.Evaluate(model, test)

	var curve report.Curve
	tp := autograd.NewTape() // one tape, reset every step: its buffers are reused
	batches := data.Batches(train.Len(), cfg.Batch, rng)
	every := max(cfg.Epochs/10, 1)
	var bar *report.Bar // over the epochs up to the next printed line
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		trainLoss, err := classify.Epoch(tp, model, opt, train, batches, nil)
		if err != nil {
			return res, fmt.Errorf("epoch %d: %w", epoch, err)
		}
		res.TrainLoss = append(res.TrainLoss, trainLoss)
		res.TestLoss, res.Accuracy = classify.Evaluate(model, test)
		curve.Add(trainLoss, res.TestLoss)
		if bar == nil {
			bar = report.NewBar(min(every, cfg.Epochs-epoch+1), "training", cfg.Quiet)
		}
		bar.Add()
		if epoch%every == 0 || epoch == cfg.Epochs {
			bar.Finish() // clears the bar's line
			bar = nil
			report.Epoch(w, epoch, cfg.Epochs, trainLoss,
				fmt.Sprintf("  test loss %.5f  test accuracy %.1f%%", res.TestLoss, 100*res.Accuracy))
		}
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
		if err := curve.Plot(cfg.Plot, "iris: log loss"); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "loss curve written to %s\n", cfg.Plot)
	}
	fmt.Fprintf(w, "test accuracy: %.1f%%\n", 100*res.Accuracy)
	return res, nil
}
