// Command backprop puts the course's four equations of backpropagation,
// computed by hand, next to the gradients tapegrad's tape derives for the
// same network, then trains that network a few steps by gradient descent.
//
//	go run ./examples/backprop [-steps 200]
//
// The network is 2-3-2 with sigmoid layers and the quadratic cost
// C = 1/n Σₓ ‖y − aᴸ‖². Batches are rows, so a layer computes z = a·W + b
// with W of shape (in, out), and the equations read:
//
//	BP1  δᴸ = ∇ₐC ⊙ σ′(zᴸ)
//	BP2  δˡ = (δˡ⁺¹ (Wˡ⁺¹)ᵀ) ⊙ σ′(zˡ)
//	BP3  ∂C/∂bˡ = Σₓ δˡ
//	BP4  ∂C/∂Wˡ = (aˡ⁻¹)ᵀ δˡ
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn/train"
	"github.com/tapegrad/tapegrad/tensor"
)

func main() {
	steps := flag.Int("steps", 200, "gradient-descent steps after the comparison")
	explain := flag.Bool("explain", true, "print the tape's own narration of its backward pass")
	plotFile := flag.String("plot", "", "write the cost curve of the gradient-descent steps to this PNG file")
	flag.Parse()
	if *explain {
		if err := narrate(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "backprop:", err)
			os.Exit(1)
		}
	}
	if _, err := run(os.Stdout, *steps, *plotFile); err != nil {
		fmt.Fprintln(os.Stderr, "backprop:", err)
		os.Exit(1)
	}
}

// net is the 2-3-2 network's parameters.
type net struct{ W, b []autograd.Var }

// forward records the network and the course's quadratic cost on tp and
// returns the cost and the pre-activations zˡ.
func (n net) forward(tp *autograd.Tape, x, y *tensor.Tensor) (autograd.Var, []autograd.Var) {
	a := tp.Const(x)
	var zs []autograd.Var
	for l := range n.W {
		z := tp.Add(tp.MatMul(a, n.W[l]), n.b[l])
		zs = append(zs, z)
		a = tp.Sigmoid(z)
	}
	cost := tp.Mean(tp.Sum(tp.Square(tp.Sub(tp.Const(y), a)), 1))
	return cost, zs
}

// run prints the comparison and trains; it returns the costs before and
// after training.
func run(w io.Writer, steps int, plotFile string) ([2]float64, error) {
	rng := rand.New(rand.NewPCG(2026, 11))
	sizes := []int{2, 3, 2}
	x := tensor.New([]float64{0, 1, 1, 0, 1, 1}, 3, 2)
	y := tensor.New([]float64{1, 0, 1, 0, 0, 1}, 3, 2)
	var nt net
	for l := 1; l < len(sizes); l++ {
		nt.W = append(nt.W, autograd.NewNamedParam(fmt.Sprintf("W%d", l), tensor.RandN(rng, sizes[l-1], sizes[l])))
		nt.b = append(nt.b, autograd.NewNamedParam(fmt.Sprintf("b%d", l), tensor.RandN(rng, sizes[l])))
	}

	// The tape: δˡ = ∂C/∂zˡ via Grad, and ∂C/∂W, ∂C/∂b via Backward.
	tp := autograd.NewTape()
	cost, zs := nt.forward(tp, x, y)
	tapeDelta := tp.Grad(cost, zs...)
	tp.Backward(cost)

	// By hand.
	L := len(nt.W)
	as, zv := []*tensor.Tensor{x}, []*tensor.Tensor{nil}
	for l := 0; l < L; l++ {
		z := tensor.Add(tensor.MatMul(as[l], nt.W[l].Value()), nt.b[l].Value())
		zv = append(zv, z)
		as = append(as, tensor.Sigmoid(z))
	}
	sp := func(z *tensor.Tensor) *tensor.Tensor { // σ′(z) = σ(z)(1 − σ(z))
		s := tensor.Sigmoid(z)
		return tensor.Mul(s, tensor.AddScalar(tensor.Neg(s), 1))
	}
	n := float64(x.Dim(0))
	delta := make([]*tensor.Tensor, L+1)
	gradA := tensor.Scale(tensor.Sub(as[L], y), 2/n) // ∇ₐC for C = 1/n Σ‖y − a‖²
	delta[L] = tensor.Mul(gradA, sp(zv[L]))          // BP1
	for l := L - 1; l >= 1; l-- {
		delta[l] = tensor.Mul(tensor.MatMulT(delta[l+1], nt.W[l].Value(), tensor.NoTrans, tensor.Trans), sp(zv[l])) // BP2
	}

	fmt.Fprintf(w, "cost C = %.6f on %d datapoints\n\n", cost.Item(), x.Dim(0))
	worst := 0.0
	show := func(what string, hand, tape *tensor.Tensor) {
		d := tensor.MaxAbsDiff(hand, tape)
		worst = max(worst, d)
		fmt.Fprintf(w, "%s  (max |hand − tape| = %.1e)\n  by hand: %v\n  tape:    %v\n", what, d, flat(hand), flat(tape))
	}
	for l := L; l >= 1; l-- {
		eq := "BP2"
		if l == L {
			eq = "BP1"
		}
		show(fmt.Sprintf("%s  δ%d = ∂C/∂z%d", eq, l, l), delta[l], tapeDelta[l-1].Value())
		show(fmt.Sprintf("BP3  ∂C/∂b%d", l), tensor.Sum(delta[l], 0), nt.b[l-1].Grad())
		show(fmt.Sprintf("BP4  ∂C/∂W%d", l), tensor.MatMulT(as[l-1], delta[l], tensor.Trans, tensor.NoTrans), nt.W[l-1].Grad())
	}
	fmt.Fprintf(w, "\nlargest difference between hand and tape: %.1e\n\n", worst)
	if worst > 1e-12 {
		return [2]float64{}, fmt.Errorf("the tape disagrees with BP1-BP4 by %g", worst)
	}

	// Gradient descent ŵ = w − α ∇C.
	const alpha = 2.0
	params := append(append([]autograd.Var{}, nt.W...), nt.b...)
	first := cost.Item()
	last := first
	h := train.NewHistory(train.Steps)
	for s := 1; s <= steps; s++ {
		for _, p := range params {
			p.ZeroGrad()
		}
		tp.Reset()
		c, _ := nt.forward(tp, x, y)
		tp.Backward(c)
		for _, p := range params {
			tensor.AddScaledTo(p.Value(), -alpha, p.Grad())
		}
		last = c.Item()
		h.Add("cost", last)
		if s%(max(steps/5, 1)) == 0 {
			fmt.Fprintf(w, "step %4d  cost %.6f\n", s, last)
		}
	}
	if plotFile != "" {
		if err := h.WritePlot(plotFile, train.Plot{Title: "backprop: quadratic cost", YLabel: "cost", Names: []string{"cost"}}); err != nil {
			return [2]float64{first, last}, err
		}
		fmt.Fprintf(w, "cost curve written to %s\n", plotFile)
	}
	return [2]float64{first, last}, nil
}

// narrate prints the tape's explained backward pass for the same network
// at its initial weights: each node's incoming gradient and local rule, which
// for this sigmoid network reads as BP1–BP4.
func narrate(w io.Writer) error {
	rng := rand.New(rand.NewPCG(2026, 11))
	sizes := []int{2, 3, 2}
	var nt net
	for l := 1; l < len(sizes); l++ {
		nt.W = append(nt.W, autograd.NewNamedParam(fmt.Sprintf("W%d", l), tensor.RandN(rng, sizes[l-1], sizes[l])))
		nt.b = append(nt.b, autograd.NewNamedParam(fmt.Sprintf("b%d", l), tensor.RandN(rng, sizes[l])))
	}
	x := tensor.New([]float64{0, 1, 1, 0, 1, 1}, 3, 2)
	y := tensor.New([]float64{1, 0, 1, 0, 0, 1}, 3, 2)
	tp := autograd.NewTape()
	cost, _ := nt.forward(tp, x, y)
	fmt.Fprintln(w, "The tape explains its backward pass:")
	if err := tp.Explain(w, cost); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return nil
}

// flat prints a tensor's elements on one line.
func flat(t *tensor.Tensor) string { return fmt.Sprintf("%.6f", t.Data()) }
