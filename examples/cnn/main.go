// Command cnn trains a LeNet-style convolutional network on MNIST's 60000
// handwritten digits and reports its accuracy on the 10000 test images.
//
//	go run ./examples/cnn [-epochs 6] [-dir DIR] [-dtype float32] [-plot loss.png]
//
// The network, in PyTorch's terms (NCHW, each image 1×28×28):
//
//	conv1  Conv2d(1, 16, 5, padding=2) → ReLU → MaxPool2d(2)   16×14×14
//	conv2  Conv2d(16, 32, 5)          → ReLU → MaxPool2d(2)   32×5×5
//	flatten                                                    800
//	fc1    Linear(800, 128) → ReLU
//	fc2    Linear(128, 10)                                     logits
//
// trained with the cross-entropy cost on the logits by Adam (learning rate
// 2·10⁻³ annealed along a cosine to zero) on shuffled mini-batches of 64.
// Pixels are scaled to [0, 1] by the loader. Every random draw comes from
// one seeded generator, so a run repeats exactly. Six epochs reach 99.4%
// test accuracy (98.7% after one) in about three minutes on two busy
// cores, 20–40 s an epoch.
//
// MNIST is not embedded in tapegrad: as in examples/mnist, without -dir
// the program fetches it with data.MNISTDir through the Go module proxy.
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
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/nn/train"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// config holds the command-line settings.
type config struct {
	train.Flags         // -epochs, -batch, -seed, -plot, -quiet, -dtype
	Dir         string  // folder of the four IDX files; "" fetches them with data.MNISTDir
	LR          float64 // Adam's initial learning rate
	TrainN      int     // train on the first TrainN images only (0: all 60000)
	TestN       int     // test on the first TestN images only (0: all 10000)
}

// defaults is the configuration of `go run ./examples/cnn`.
func defaults() config {
	return config{Flags: train.Flags{Epochs: 6, Batch: 64, Seed: 1}, LR: 2e-3}
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
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam's initial learning rate (annealed to 0 along a cosine)")
	flag.IntVar(&cfg.TrainN, "train", 0, "train on the first N training images only (0: all)")
	flag.IntVar(&cfg.TestN, "testn", 0, "test on the first N test images only (0: all)")
	flag.Parse()
	if _, err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "cnn:", err)
		if errors.Is(err, errNoData) {
			fmt.Fprintf(os.Stderr, "\nTo get MNIST, run\n\n\tgo mod download -json %s\n\n"+
				"and pass the \"Dir\" it prints followed by /data:\n\n\tgo run ./examples/cnn -dir DIR/data\n", data.MNISTModule)
		}
		os.Exit(1)
	}
}

// lenet is the network: its fields' names are PyTorch's attribute names,
// so nn.FieldParams names the parameters conv1.weight, …, fc2.bias, and a
// PyTorch state dict of the same module loads with checkpoint.Torch().
type lenet struct {
	Conv1, Conv2 *nn.Conv2d
	Pool         *nn.MaxPool2d
	FC1, FC2     *nn.Linear
}

// newLeNet draws the initial weights from rng: convolutions as PyTorch
// initialises them, linear layers with He initialisation for the ReLUs.
func newLeNet(rng *rand.Rand) *lenet {
	pad2 := tensor.Conv2dDefaults()
	pad2.Padding = [2]int{2, 2}
	return &lenet{
		Conv1: nn.NewConv2d(rng, 1, 16, [2]int{5, 5}, pad2),
		Conv2: nn.NewConv2d(rng, 16, 32, [2]int{5, 5}, tensor.Conv2dDefaults()),
		Pool:  nn.NewMaxPool2d(2),
		FC1:   nn.NewLinear(rng, 800, 128, nn.HeUniform(nn.GainReLU)),
		FC2:   nn.NewLinear(rng, 128, 10, nil),
	}
}

// Forward maps rows of 784 pixels (n, 784) to logits (n, 10).
func (m *lenet) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	x = tp.Reshape(x, -1, 1, 28, 28)
	x = m.Pool.Forward(tp, tp.ReLU(m.Conv1.Forward(tp, x)))
	x = m.Pool.Forward(tp, tp.ReLU(m.Conv2.Forward(tp, x)))
	x = tp.Reshape(x, x.Shape()[0], -1) // flatten: 32·5·5 = 800
	return m.FC2.Forward(tp, tp.ReLU(m.FC1.Forward(tp, x)))
}

// NamedParams names the parameters by field.
func (m *lenet) NamedParams() []nn.NamedParam { return nn.FieldParams(m) }

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
	model := newLeNet(rng)
	nn.To(model, cfg.DType)
	adam := optim.AdamDefaults()
	adam.LR = cfg.LR
	opt := optim.NewAdam(nn.Params(model), adam)
	fmt.Fprintf(w, "cnn: %d training and %d test images (loaded in %.1fs); LeNet-style CNN, %d parameters, %v, Adam\n",
		trainSet.Len(), test.Len(), loaded.Seconds(), nn.NumParams(model), cfg.DType)

	var res result
	res.InitialLoss, _ = train.Evaluate(model, test, train.CrossEntropy)
	h, err := train.Fit(train.Config{
		Model: model, Optimizer: opt, Schedule: optim.NewCosineAnnealingLR(opt, cfg.Epochs, 0),
		Train: trainSet, Test: test, Loss: train.CrossEntropy, Metrics: []train.Metric{train.Accuracy()},
		Batch: cfg.Batch, Epochs: cfg.Epochs, Rng: rng,
		Out: w, Every: 1, ShowTime: true, Progress: cfg.Progress(os.Stderr),
	})
	res.TrainLoss, res.TestLoss, res.Accuracy = h.Series(train.TrainLoss), h.Last(train.TestLoss), h.Last("test accuracy")
	if err != nil {
		return res, err
	}
	if cfg.Plot != "" {
		if err := h.WritePlot(cfg.Plot, train.LossPlot("MNIST CNN: cross-entropy cost")); err != nil {
			return res, err
		}
		fmt.Fprintf(w, "loss curve written to %s\n", cfg.Plot)
	}
	fmt.Fprintf(w, "test accuracy: %.1f%%\n", 100*res.Accuracy)
	return res, nil
}
