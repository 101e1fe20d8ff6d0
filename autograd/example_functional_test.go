package autograd_test

import (
	"fmt"
	"math"
	"os"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// The Hessian of f(x) = Σ x³ is diag(6x); HVP gives H·v without forming it.
func ExampleHVP() {
	f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Sum(tp.PowScalar(x[0], 3)) }
	x := []*tensor.Tensor{tensor.New([]float64{1, 2}, 2)}
	v := []*tensor.Tensor{tensor.New([]float64{1, -1}, 2)}
	fmt.Println(autograd.HVP(f, x, v)[0])
	fmt.Println(autograd.Hessian(f, x)[0][0])
	// Output:
	// [  6. -12.]
	// [[ 6.  0.]
	//  [ 0. 12.]]
}

// The Jacobian of y = x ⊙ x is diag(2x): shape y.shape ++ x.shape, the same
// in reverse (one VJP per output) and forward mode (one JVP per input).
func ExampleJacobian() {
	f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Mul(x[0], x[0]) }
	x := []*tensor.Tensor{tensor.New([]float64{1, 3}, 2)}
	fmt.Println(autograd.Jacobian(f, x)[0])
	fmt.Println(autograd.JacobianFwd(f, x)[0])
	// Output:
	// [[2. 0.]
	//  [0. 6.]]
	// [[2. 0.]
	//  [0. 6.]]
}

// JVP pushes a tangent forward: for y = x₀ ⊙ x₁, J·t = t₀·x₁ + x₀·t₁.
func ExampleJVP() {
	f := func(tp *autograd.Tape, x []autograd.Var) autograd.Var { return tp.Mul(x[0], x[1]) }
	xs := []*tensor.Tensor{tensor.New([]float64{1, 2}, 2), tensor.New([]float64{3, 4}, 2)}
	ts := []*tensor.Tensor{tensor.New([]float64{1, 0}, 2), tensor.New([]float64{0, 1}, 2)}
	y, jvp := autograd.JVP(f, xs, ts)
	fmt.Println(y, jvp)
	// Output: [3. 8.] [3. 2.]
}

// DOT draws the graph of a forward pass for Graphviz.
func ExampleTape_DOT() {
	w := autograd.NewNamedParam("w", tensor.New([]float64{2}, 1))
	tp := autograd.NewTape()
	y := tp.Sigmoid(tp.Mul(tp.Var(tensor.New([]float64{0}, 1)), w))
	tp.DOT(os.Stdout, autograd.DOTOptions{Out: y, Values: true})
	// Output:
	// digraph "tape" {
	//   rankdir=LR;
	//   node [fontname="Helvetica", fontsize=10];
	//   n0 [label="%0 input\n[1]\nvalue [0]", shape=ellipse, style=filled, fillcolor="lightblue"];
	//   n1 [label="%1 mul\n[1]\nvalue [0]", shape=box, tooltip="mul: ∂a = g ⊙ b, ∂b = g ⊙ a, each summed over its broadcast axes"];
	//   n0 -> n1 [label="0"];
	//   p0 [label="w\n[1]\nvalue [2]", shape=ellipse, style=filled, fillcolor="lightyellow"];
	//   p0 -> n1 [label="1"];
	//   n2 [label="%2 sigmoid\n[1]\nvalue [0.5]", shape=box, tooltip="sigmoid: ∂x = g ⊙ y(1−y)   [δ = ∂C/∂a ⊙ σ′(z): BP1 at the output layer, BP2 below it]"];
	//   n1 -> n2;
	// }
}

// Explain narrates a backward pass: for a = σ(w·x) the output error
// passes through σ′ = a(1−a) and reaches w as x·δ.
func ExampleTape_Explain() {
	w := autograd.NewNamedParam("w", tensor.New([]float64{0}, 1))
	tp := autograd.NewTape()
	a := tp.Sigmoid(tp.Mul(w, tp.Const(tensor.New([]float64{3}, 1))))
	tp.Explain(os.Stdout, tp.Sum(a))
	fmt.Println("w.Grad() =", w.Grad())
	// Output:
	// backward pass from %3 = 0.5 (sum), seed ∂L/∂L = 1
	//
	// step 1: %3 = sum(%2) []
	//   g = ∂L/∂%3 = 1
	//   rule sum: ∂x = g broadcast back over the summed axes
	//   → ∂L/∂%2 += [1]
	//
	// step 2: %2 = sigmoid(%1) [1]
	//   g = ∂L/∂%2 = [1]
	//   rule sigmoid: ∂x = g ⊙ y(1−y)   [δ = ∂C/∂a ⊙ σ′(z): BP1 at the output layer, BP2 below it]
	//   → ∂L/∂%1 += [0.25]
	//
	// step 3: %1 = mul(w, %0) [1]
	//   g = ∂L/∂%1 = [0.25]
	//   rule mul: ∂a = g ⊙ b, ∂b = g ⊙ a, each summed over its broadcast axes
	//   → ∂L/∂w += [0.75]
	//
	// gradients of this pass (added to Grad):
	//   ∂L/∂w = [0.75]
	// w.Grad() = [0.75]
}

// Forward mode on a tape: x carries the tangent v, and y's tangent J·v is
// computed beside y in the same pass. For y = sin(x)·x,
// dy/dx = cos(x)·x + sin(x).
func ExampleTape_SetTangent() {
	tp := autograd.NewTape()
	x := tp.Const(tensor.New([]float64{0, math.Pi / 2}, 2))
	tp.SetTangent(x, tp.Const(tensor.New([]float64{1, 1}, 2)))
	y := tp.Mul(tp.Sin(x), x)
	fmt.Printf("y = %.4f, ẏ = %.4f\n", y.Value().Data(), tp.Tangent(y).Value().Data())
	// Output: y = [0.0000 1.5708], ẏ = [0.0000 1.0000]
}

// Ops lists the op table: every differentiable op with its rule.
func ExampleOps() {
	for _, o := range autograd.Ops() {
		if o.Name == "tanh" || o.Name == "matmul" {
			fmt.Printf("%s: %s\n", o.Name, o.Rule)
		}
	}
	// Output:
	// matmul: ∂A = G·Bᵀ, ∂B = Aᵀ·G, each summed over broadcast batch axes   [layer z = a·W: δ·Wᵀ flows back (BP2), ∂C/∂W = aᵀ·δ (BP4)]
	// tanh: ∂x = g ⊙ (1 − y²)
}

// Vmap maps a function of one example over a batch; with GradOf inside,
// it gives every example's own gradient (per-sample gradients). Here the
// loss of example x is (w·x)², whose gradient with respect to w is
// 2(w·x)·x.
func ExampleVmap() {
	loss := func(tp *autograd.Tape, v []autograd.Var) autograd.Var {
		return tp.Square(tp.Sum(tp.Mul(v[0], v[1]))) // (w·x)²
	}
	w := tensor.New([]float64{1, 2}, 2)
	xs := tensor.New([]float64{1, 0, 0, 1, 1, 1}, 3, 2) // three examples
	perSample := autograd.Vmap(autograd.GradOf(loss, 0), []int{autograd.Unbatched, 0}, nil)
	fmt.Println(autograd.Call(perSample, w, xs)[0])
	// Output:
	// [[2. 0.]
	//  [0. 4.]
	//  [6. 6.]]
}

// GradOf is grad as a function that records on the tape it is given, so
// it composes: Call runs it on a fresh tape.
func ExampleGradOf() {
	cube := func(tp *autograd.Tape, v []autograd.Var) autograd.Var { return tp.Sum(tp.PowScalar(v[0], 3)) }
	fmt.Println(autograd.Call(autograd.GradOf(cube), tensor.New([]float64{1, 2}, 2))[0])
	// Output:
	// [ 3. 12.]
}
