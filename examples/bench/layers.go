package main

import (
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// The workloads of the layers: W6 (a LeNet-style CNN) and W7 (a small
// transformer language model), built from nn's layers with WORKLOADS.md's
// weights.

// cnnNet is W6's network. Its convolutions are nn.Conv2d layers (weights
// in PyTorch's (out, in, kH, kW) layout), its dense layers nn.Linear
// (weights (in, out), y = x·W + b, as the workload defines them).
type cnnNet struct {
	Conv1, Conv2 *nn.Conv2d
	Pool         *nn.MaxPool2d
	FC1, FC2     *nn.Linear
}

func (m *cnnNet) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	x = m.Pool.Forward(tp, tp.ReLU(m.Conv1.Forward(tp, x)))
	x = m.Pool.Forward(tp, tp.ReLU(m.Conv2.Forward(tp, x)))
	x = tp.Reshape(x, x.Shape()[0], -1)
	return m.FC2.Forward(tp, tp.ReLU(m.FC1.Forward(tp, x)))
}

func (m *cnnNet) NamedParams() []nn.NamedParam { return nn.FieldParams(m) }

// conv builds a convolution of type dt from the workload's seeds.
func conv(dt tensor.DType, wSeed, bSeed uint64, in, out, k, pad int) *nn.Conv2d {
	cfg := tensor.Conv2dDefaults()
	cfg.Padding = [2]int{pad, pad}
	fanIn := in * k * k
	return &nn.Conv2d{
		Config: cfg,
		Weight: autograd.NewParam(uniformSym(dt, wSeed, fanIn, out, in, k, k)),
		Bias:   autograd.NewParam(uniformSym(dt, bSeed, fanIn, out)),
	}
}

// cnnMNIST is W6: batch 64 of 1×28×28, conv 5×5 1→8 pad 2, ReLU, max-pool
// 2×2, conv 5×5 8→16, ReLU, max-pool 2×2, flatten, 400-120 ReLU, 120-10,
// cross-entropy, SGD 0.01, in element type dt.
func cnnMNIST(dt tensor.DType) *trainer {
	const batch = 64
	labels := make([]int, batch)
	for i, v := range gen(42, batch) {
		labels[i] = int(math.Floor(v * 10))
	}
	model := &cnnNet{
		Conv1: conv(dt, 43, 44, 1, 8, 5, 2),
		Conv2: conv(dt, 45, 46, 8, 16, 5, 0),
		Pool:  nn.NewMaxPool2d(2),
		FC1:   linear(dt, 47, 48, 400, 120),
		FC2:   linear(dt, 49, 50, 120, 10),
	}
	return &trainer{
		tp: autograd.NewTape(), model: model,
		opt:  optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.01}),
		cost: func(tp *autograd.Tape, out autograd.Var) autograd.Var { return nn.CrossEntropy(tp, out, labels) },
		x:    tensor.New(gen(41, batch*784), batch, 1, 28, 28).To(dt),
	}
}
