package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// FunctionalCall evaluates a layer with another weight, here a tape leaf,
// so the gradient lands on it; the layer keeps its own weight, and its
// bias, not replaced, gets its gradient as usual.
func ExampleFunctionalCall() {
	layer := nn.NewLinear(rand.New(rand.NewPCG(1, 2)), 2, 1, nil)
	x := autograd.Const(tensor.New([]float64{1, 2}, 1, 2))

	tp := autograd.NewTape()
	w := tp.Var(tensor.New([]float64{3, 4}, 2, 1)) // y = x·w + b = 1·3 + 2·4 + 0
	y := nn.FunctionalCall(tp, layer, map[string]autograd.Var{"weight": w}, x)
	tp.Backward(tp.Sum(y))

	fmt.Println("y:", y.Value().Float64s())
	fmt.Println("∂y/∂w:", w.Grad().Float64s())
	fmt.Println("the layer's weight got a gradient:", layer.W.Grad() != nil)
	fmt.Println("∂y/∂b:", layer.B.Grad().Float64s())
	// Output:
	// y: [11]
	// ∂y/∂w: [1 2]
	// the layer's weight got a gradient: false
	// ∂y/∂b: [1]
}

// WithParams runs a block with substituted parameters. Here, one MAML
// step on a 1-1 linear layer: the inner loss L(θ) = (2θ − 3)² at the
// leaf θ, the adapted weight θ' = θ − 0.1·∇L(θ) with the inner gradient
// recorded (GradGraph), and the outer loss (2θ' − 3)² through
// FunctionalCall, whose gradient in θ holds the second derivative
// (dθ'/dθ = 1 − 0.1·8 = 0.2).
func ExampleWithParams() {
	model := nn.NewLinear(rand.New(rand.NewPCG(1, 2)), 1, 1, nil) // bias 0
	x := autograd.Const(tensor.New([]float64{2}, 1, 1))
	y := autograd.Const(tensor.New([]float64{3}, 1, 1))

	tp := autograd.NewTape()
	theta := tp.Var(tensor.New([]float64{0.5}, 1, 1))
	var inner autograd.Var
	nn.WithParams(model, map[string]autograd.Var{"weight": theta}, func() {
		inner = nn.MSE(tp, model.Forward(tp, x), y)
	})
	g := tp.GradGraph(inner, theta)[0]
	adapted := tp.Sub(theta, tp.Scale(g, 0.1))
	outer := nn.MSE(tp, nn.FunctionalCall(tp, model, map[string]autograd.Var{"weight": adapted}, x), y)

	fmt.Printf("L(θ) = %.2f, θ' = %.2f, outer loss %.2f, d/dθ %.2f\n",
		inner.Item(), adapted.Item(), outer.Item(), tp.Grad(outer, theta)[0].Item())
	// Output:
	// L(θ) = 4.00, θ' = 1.30, outer loss 0.16, d/dθ -0.32
}

// CheckModel checks every parameter's gradient against central
// differences and reports per parameter.
func ExampleCheckModel() {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewMLP(rng, []int{3, 4, 2}, nn.Tanh(), nil)
	x := tensor.RandN(rng, 5, 3)
	labels := []int{0, 1, 1, 0, 1}

	rep, err := nn.CheckModel(model, func(tp *autograd.Tape, _ []autograd.Var) autograd.Var {
		return nn.CrossEntropy(tp, model.Forward(tp, tp.Const(x)), labels)
	}, nil)
	fmt.Println("error:", err)
	for _, p := range rep.Params {
		fmt.Printf("%-16s ok=%t, %d elements\n", p.Name, p.OK, p.Checked)
	}
	// Output:
	// error: <nil>
	// layers.0.weight  ok=true, 12 elements
	// layers.0.bias    ok=true, 4 elements
	// layers.2.weight  ok=true, 8 elements
	// layers.2.bias    ok=true, 2 elements
}
