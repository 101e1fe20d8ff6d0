package autograd_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// A neuron z = Wᵀx + b, a = σ(z) on a batch, its gradient from the tape,
// and the same gradient checked against central finite differences.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	w := autograd.NewParam(tensor.RandN(rng, 3, 1)) // weights (in, out)
	b := autograd.NewParam(tensor.Zeros(1))
	x := tensor.New([]float64{1, 2, 3, 0, 1, 0}, 2, 3) // two datapoints
	y := tensor.New([]float64{1, 0}, 2, 1)

	tp := autograd.NewTape()
	a := tp.Sigmoid(tp.Add(tp.MatMul(tp.Const(x), w), b)) // a = σ(xW + b)
	loss := tp.Mean(tp.Sum(tp.Square(tp.Sub(tp.Const(y), a)), 1))
	tp.Backward(loss) // w.Grad(), b.Grad() now hold ∂C/∂w, ∂C/∂b
	fmt.Printf("loss %.4f, ∂C/∂b %.4f\n", loss.Item(), b.Grad().Item())

	cost := func(tp *autograd.Tape, p []autograd.Var) autograd.Var {
		a := tp.Sigmoid(tp.Add(tp.MatMul(tp.Const(x), p[0]), p[1]))
		return tp.Mean(tp.Sum(tp.Square(tp.Sub(tp.Const(y), a)), 1))
	}
	rep, err := autograd.Check(cost, []*tensor.Tensor{w.Value(), b.Value()}, nil)
	fmt.Println(err == nil, rep.MaxAbsErr < 1e-8)
	// Output:
	// loss 0.1644, ∂C/∂b 0.0844
	// true true
}

// A Hessian-vector product without forming the Hessian: differentiate the
// recorded gradient (GradGraph) once more along v.
func ExampleTape_GradGraph() {
	tp := autograd.NewTape()
	x := tp.Var(tensor.New([]float64{1, 2}, 2))
	f := tp.Sum(tp.PowScalar(x, 3)) // f = Σ x³, H = diag(6x)
	g := tp.GradGraph(f, x)[0]      // 3x², itself differentiable
	v := tp.Const(tensor.New([]float64{1, 1}, 2))
	hv := tp.Grad(tp.Sum(tp.Mul(g, v)), x)[0]
	fmt.Println(hv.Value())
	// Output: [ 6. 12.]
}

// Check compares the tape's derivatives with central differences and
// reports the worst element.
func ExampleCheck() {
	f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		return tp.LogSumExp(tp.Mul(x[0], x[1]))
	}
	in := []*tensor.Tensor{tensor.New([]float64{1, 2, 3}, 3), tensor.New([]float64{0.5, -1, 2}, 3)}
	rep, err := autograd.Check(f, in, nil)
	fmt.Println(err, rep.OK, rep.Elements)
	// Output: <nil> true 6
}

// A hook reads or replaces the gradient reaching a Var during backward:
// here it logs it, then reverses it (the gradient-reversal trick).
func ExampleTape_Hook() {
	tp := autograd.NewTape()
	x := tp.Var(tensor.New([]float64{1, 2}, 2))
	h := tp.Scale(x, 3)
	tp.Hook(h, func(g autograd.Var) autograd.Var {
		fmt.Println("gradient at h:", g.Value())
		return tp.Neg(g)
	})
	tp.Backward(tp.Sum(h))
	fmt.Println("gradient at x:", x.Grad())
	// Output:
	// gradient at h: [1. 1.]
	// gradient at x: [-3. -3.]
}

// Anomaly mode stops at the first op that produces a NaN or Inf, naming the
// op, the pass and the call site.
func ExampleTape_SetAnomaly() {
	tp := autograd.NewTape()
	tp.SetAnomaly(true)
	err := autograd.Maybe(func() {
		tp.Log(tp.Var(tensor.New([]float64{1, 0}, 2))) // log(0) = −Inf
	})
	var ae *autograd.AnomalyError
	if errors.As(err, &ae) {
		fmt.Println(ae.Op, ae.Phase, ae.Value, strings.Contains(ae.Site, "example_test.go"))
	}
	// Output: log forward -Inf true
}

// A custom op: softsign(x) = x/(1+|x|) with its derivative rule written in
// tape ops, used like a built-in and verified numerically, first and second
// order.
func ExampleTape_Apply() {
	softsign := &autograd.CustomOp{
		Name: "softsign",
		Forward: func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.Map(in[0], func(x float64) float64 { return x / (1 + math.Abs(x)) })
		},
		Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
			return []autograd.Var{tp.Div(g, tp.Square(tp.AddScalar(tp.Abs(in[0]), 1)))}
		},
	}
	f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Apply(softsign, x[0]) }
	in := []*tensor.Tensor{tensor.New([]float64{-2, 0.5, 3}, 3)}
	_, err1 := autograd.Check(f, in, nil)
	_, err2 := autograd.CheckSecond(f, in, nil)
	tp := autograd.NewTape()
	fmt.Printf("%.4f %v %v\n", tp.Apply(softsign, tp.Const(in[0])).Value().Data(), err1, err2)
	// Output: [-0.6667 0.3333 0.7500] <nil> <nil>
}
