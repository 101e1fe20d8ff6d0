package train_test

import (
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/nn/train"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// Fit trains softmax regression on two well-separated clusters.
func ExampleFit() {
	rng := rand.New(rand.NewPCG(1, 2))
	points := func(n int) *data.Dataset { // class c around (3c, 3c), spread 0.5
		x, labels := make([]float64, 2*n), make([]int, n)
		for i := range n {
			c := i % 2
			x[2*i], x[2*i+1] = 3*float64(c)+0.5*rng.NormFloat64(), 3*float64(c)+0.5*rng.NormFloat64()
			labels[i] = c
		}
		return &data.Dataset{X: tensor.New(x, n, 2), Labels: labels}
	}
	trainSet, testSet := points(64), points(32)
	model := nn.NewLinear(rng, 2, 2, nil)
	opt := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	h, err := train.Fit(train.Config{
		Model: model, Optimizer: opt, Train: trainSet, Test: testSet,
		Loss: train.CrossEntropy, Metrics: []train.Metric{train.Accuracy()},
		Batch: 16, Epochs: 20, Rng: rng,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	loss := h.Series(train.TrainLoss)
	fmt.Printf("%d epochs, loss fell %t, test accuracy %.0f%%\n",
		h.Len(), loss[len(loss)-1] < loss[0]/4, 100*h.Last("test accuracy"))
	// Output: 20 epochs, loss fell true, test accuracy 100%
}

// EarlyStopping stops after Patience updates without improvement.
func ExampleEarlyStopping() {
	stop := train.NewEarlyStopping(train.TestLoss, train.Min, 2)
	for epoch, loss := range []float64{0.9, 0.5, 0.6, 0.4, 0.45, 0.41, 0.42, 0.3} {
		improved, done := stop.Update(loss)
		fmt.Printf("epoch %d: loss %.2f improved %t\n", epoch+1, loss, improved)
		if done {
			fmt.Printf("stop; best %.2f\n", stop.Best())
			break
		}
	}
	// Output:
	// epoch 1: loss 0.90 improved true
	// epoch 2: loss 0.50 improved true
	// epoch 3: loss 0.60 improved false
	// epoch 4: loss 0.40 improved true
	// epoch 5: loss 0.45 improved false
	// epoch 6: loss 0.41 improved false
	// epoch 7: loss 0.42 improved false
	// stop; best 0.40
}

// Progress writes one plain line per period when its writer is not a
// terminal (here stdout under go test); speeds vary, so this example has no
// checked output.
func ExampleProgress() {
	p := train.NewProgress(os.Stdout)
	p.Start("epoch 1/1", 3)
	for _, loss := range []float64{0.9, 0.7, 0.5} {
		p.Step(loss, 32)
	}
	p.Finish() // epoch 1/1: 3 steps, loss 0.70000, … samples/s (0.0s)
}
