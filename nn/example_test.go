package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// Train a 2-2-1 sigmoid network on XOR with the quadratic cost and plain
// gradient descent, w ← w − η·∂C/∂w, one tape per step.
func Example_xor() {
	x := tensor.New([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2) // one datapoint per row
	y := tensor.New([]float64{0, 1, 1, 0}, 4, 1)

	rng := rand.New(rand.NewPCG(4, 0))
	model := nn.NewMLP(rng, []int{2, 2, 1}, nn.Sigmoid(), nn.Sigmoid())
	const eta = 2.0

	tp := autograd.NewTape()
	for epoch := 0; epoch <= 2000; epoch++ {
		tp.Reset()
		nn.ZeroGrad(model)
		cost := nn.Quadratic(tp, model.Forward(tp, tp.Const(x)), tp.Const(y))
		tp.Backward(cost)
		for _, p := range nn.Params(model) {
			tensor.AddScaledTo(p.Value(), -eta, p.Grad())
		}
		if epoch%1000 == 0 {
			fmt.Printf("epoch %4d  cost %.3f\n", epoch, cost.Item())
		}
	}

	out := model.Forward(nil, autograd.Const(x)).Value() // nil tape: inference
	for i := range 4 {
		fmt.Printf("%v xor %v = %.0f\n", x.At(i, 0), x.At(i, 1), math.Round(out.At(i, 0)))
	}
	// Output:
	// epoch    0  cost 0.253
	// epoch 1000  cost 0.003
	// epoch 2000  cost 0.001
	// 0 xor 0 = 0
	// 0 xor 1 = 1
	// 1 xor 0 = 1
	// 1 xor 1 = 0
}

// A model's parameters have stable hierarchical names, for optimisers,
// clipping and checkpoints.
func ExampleNewMLP() {
	model := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{4, 8, 3}, nn.ReLU(), nil)
	fmt.Println(model)
	for _, p := range model.NamedParams() {
		fmt.Println(p.Name, p.Var.Shape())
	}
	fmt.Println(nn.NumParams(model), "parameters")
	// Output:
	// Sequential(
	//   (0): Linear(in=4, out=8, bias=true)
	//   (1): ReLU
	//   (2): Linear(in=8, out=3, bias=true)
	// )
	// layers.0.weight [4 8]
	// layers.0.bias [8]
	// layers.2.weight [8 3]
	// layers.2.bias [3]
	// 67 parameters
}

// CrossEntropy works on logits and stays exact where a softmax followed by
// a log would overflow or take log 0.
func ExampleCrossEntropy() {
	tp := autograd.NewTape()
	z := tp.Var(tensor.New([]float64{1000, -1000, 1000, -1000}, 2, 2))
	loss := nn.CrossEntropy(tp, z, []int{0, 1}, nn.ReduceNone)
	fmt.Println(loss.Value())

	mean := nn.CrossEntropy(tp, z, []int{0, 1})
	tp.Backward(mean)
	fmt.Println(mean.Item())
	fmt.Println(z.Grad()) // (softmax(z) − onehot(y)) / n
	// Output:
	// [   0. 2000.]
	// 1000
	// [[  0.   0.]
	//  [ 0.5 -0.5]]
}

// A perceptron: a neuron with the step activation and hand-set weights
// computes AND.
func ExampleNeuron() {
	and := &nn.Neuron{
		W: autograd.NewParam(tensor.New([]float64{1, 1}, 2, 1)),
		B: autograd.NewParam(tensor.New([]float64{-1.5}, 1)),
		G: nn.Step(),
	}
	x := tensor.New([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2)
	fmt.Println(and.Forward(nil, autograd.Const(x)).Value())
	// Output:
	// [[0.]
	//  [0.]
	//  [0.]
	//  [1.]]
}

// PyTorch stores a Linear weight as (out, in); nn.Linear as (in, out).
func ExampleLinearFromTorch() {
	torchWeight := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2) // (out=3, in=2)
	l := nn.LinearFromTorch(torchWeight, tensor.Zeros(3))
	fmt.Println(l, l.W.Shape())
	fmt.Println(l.Forward(nil, autograd.Const(tensor.New([]float64{1, 10}, 1, 2))).Value())
	// Output:
	// Linear(in=2, out=3, bias=true) [2 3]
	// [[21. 43. 65.]]
}

// Train the XOR network of Example_xor in float32: nn.To converts the
// model (PyTorch's model.float()), and the data follows with Tensor.To;
// gradients come out float32 like the parameters.
func ExampleTo() {
	x := tensor.New([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2).To(tensor.Float32)
	y := tensor.New([]float64{0, 1, 1, 0}, 4, 1).To(tensor.Float32)

	rng := rand.New(rand.NewPCG(4, 0))
	model := nn.To(nn.NewMLP(rng, []int{2, 2, 1}, nn.Sigmoid(), nn.Sigmoid()), tensor.Float32)
	tp := autograd.NewTape()
	for range 2001 {
		tp.Reset()
		nn.ZeroGrad(model)
		tp.Backward(nn.Quadratic(tp, model.Forward(tp, tp.Const(x)), tp.Const(y)))
		for _, p := range nn.Params(model) {
			tensor.AddScaledTo(p.Value(), -2, p.Grad())
		}
	}
	out := model.Forward(nil, autograd.Const(x)).Value()
	fmt.Println(nn.DType(model), nn.Params(model)[0].Grad().DType())
	for i := range 4 {
		fmt.Printf("%v xor %v = %.0f\n", x.At(i, 0), x.At(i, 1), math.Round(out.At(i, 0)))
	}
	// Output:
	// float32 float32
	// 0 xor 0 = 0
	// 0 xor 1 = 1
	// 1 xor 0 = 1
	// 1 xor 1 = 0
}
