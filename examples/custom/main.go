// Command custom defines a model from raw tape ops (no nn layers), with one
// op the library does not have, mish(x) = x·tanh(softplus(x)), written as a
// custom differentiable op with its reverse and forward rules; it trains the
// model to fit a curve and verifies the model's gradients, and the custom
// op's, with the numerical checker.
//
//	go run ./examples/custom [-epochs 300]
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn/train"
	"github.com/tapegrad/tapegrad/tensor"
)

func main() {
	epochs := flag.Int("epochs", 300, "full-batch gradient-descent steps")
	plotFile := flag.String("plot", "", "write the loss curve to this PNG file")
	flag.Parse()
	if _, err := run(os.Stdout, *epochs, *plotFile); err != nil {
		fmt.Fprintln(os.Stderr, "custom:", err)
		os.Exit(1)
	}
}

// mish is x·tanh(softplus(x)) (Misra 2019) with derivative
// mish′(x) = tanh(s) + x·(1 − tanh²(s))·σ(x), s = softplus(x). The rules are
// written with tape ops, so they can be differentiated again (CheckSecond
// below); JVP makes it work in forward mode too.
var mish = &autograd.CustomOp{
	Name: "mish",
	Rule: "∂x = g ⊙ (tanh s + x(1 − tanh² s)σ(x)), s = softplus(x)",
	Forward: func(in []*tensor.Tensor) *tensor.Tensor {
		return tensor.Map(in[0], func(x float64) float64 {
			s := math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) // softplus, stable
			return x * math.Tanh(s)
		})
	},
	Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
		return []autograd.Var{tp.Mul(g, mishGrad(tp, in[0]))}
	},
	JVP: func(tp *autograd.Tape, in []autograd.Var, out autograd.Var, t []autograd.Var) autograd.Var {
		return tp.Mul(t[0], mishGrad(tp, in[0]))
	},
}

// mishGrad is mish′(x) with tape ops.
func mishGrad(tp *autograd.Tape, x autograd.Var) autograd.Var {
	th := tp.Tanh(tp.Softplus(x))
	sech2 := tp.AddScalar(tp.Neg(tp.Square(th)), 1)
	return tp.Add(th, tp.Mul(tp.Mul(x, sech2), tp.Sigmoid(x)))
}

// model is y = mish(x·W1 + b1)·W2 + b2, from raw ops.
func model(tp *autograd.Tape, x autograd.Var, p []autograd.Var) autograd.Var {
	h := tp.Apply(mish, tp.Add(tp.MatMul(x, p[0]), p[1]))
	return tp.Add(tp.MatMul(h, p[2]), p[3])
}

// mse is the mean of squared errors.
func mse(tp *autograd.Tape, pred autograd.Var, y *tensor.Tensor) autograd.Var {
	return tp.Mean(tp.Square(tp.Sub(pred, tp.Const(y))))
}

// run trains and checks; it returns the first and last losses.
func run(w io.Writer, epochs int, plotFile string) ([2]float64, error) {
	rng := rand.New(rand.NewPCG(7, 7))
	// data: y = sin(2x) on [−2, 2]
	const n, hidden = 64, 16
	x := tensor.Linspace(-2, 2, n)
	x = tensor.Reshape(x, n, 1)
	y := tensor.Map(x, func(v float64) float64 { return math.Sin(2 * v) })
	params := []autograd.Var{
		autograd.NewNamedParam("W1", tensor.Scale(tensor.RandN(rng, 1, hidden), 1.5)),
		autograd.NewNamedParam("b1", tensor.Scale(tensor.RandN(rng, hidden), 0.5)),
		autograd.NewNamedParam("W2", tensor.Scale(tensor.RandN(rng, hidden, 1), 1/math.Sqrt(hidden))),
		autograd.NewNamedParam("b2", tensor.Zeros(1)),
	}

	// 1. The custom op alone, first and second order.
	in := []*tensor.Tensor{tensor.New([]float64{-1.5, -0.3, 0.4, 2}, 4)}
	op := func(tp *autograd.Tape, v []autograd.Var) autograd.Var { return tp.Apply(mish, v[0]) }
	rep, err := autograd.Check(op, in, nil)
	if err != nil {
		return [2]float64{}, err
	}
	fmt.Fprintf(w, "mish  first order: %s\n", rep)
	if rep, err = autograd.CheckSecond(op, in, nil); err != nil {
		return [2]float64{}, err
	}
	fmt.Fprintf(w, "mish second order: %s\n\n", rep)

	// 2. Train with plain gradient descent.
	const lr = 0.1
	tp := autograd.NewTape()
	var first, last float64
	h := train.NewHistory(train.Epochs) // one full-batch step per epoch
	for e := 1; e <= epochs; e++ {
		tp.Reset()
		for _, p := range params {
			p.ZeroGrad()
		}
		loss := mse(tp, model(tp, tp.Const(x), params), y)
		tp.Backward(loss)
		for _, p := range params {
			tensor.AddScaledTo(p.Value(), -lr, p.Grad())
		}
		last = loss.Item()
		h.Add(train.TrainLoss, last)
		if e == 1 {
			first = last
		}
		if e%max(epochs/6, 1) == 0 || e == 1 {
			fmt.Fprintf(w, "epoch %4d  mse %.5f\n", e, last)
		}
	}

	// 3. The whole model's gradient with respect to every parameter, checked.
	whole := func(tp *autograd.Tape, v []autograd.Var) autograd.Var {
		return mse(tp, model(tp, tp.Const(x), v), y)
	}
	vals := make([]*tensor.Tensor, len(params))
	for i, p := range params {
		vals[i] = p.Value()
	}
	if rep, err = autograd.Check(whole, vals, nil); err != nil {
		return [2]float64{first, last}, err
	}
	fmt.Fprintf(w, "\nmodel gradients: %s\n", rep)
	if plotFile != "" {
		if err := h.WritePlot(plotFile, train.Plot{Title: "custom: mean squared error", YLabel: "mse", Names: []string{train.TrainLoss}}); err != nil {
			return [2]float64{first, last}, err
		}
		fmt.Fprintf(w, "loss curve written to %s\n", plotFile)
	}
	return [2]float64{first, last}, nil
}
