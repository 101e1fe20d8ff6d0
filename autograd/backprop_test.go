package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestBackpropEquations checks that the tape's generic reverse pass
// reproduces the course's four equations of backpropagation, computed by
// hand, for a 3-layer sigmoid network (sizes 4-5-3-2) with the quadratic cost
// C = 1/n Σₓ ‖y − aᴸ‖² on n = 6 datapoints. Row-major batches: a layer
// computes z = a·W + b with W of shape (in, out).
//
//	BP1  δᴸ = ∇ₐC ⊙ σ′(zᴸ)              with ∇ₐC = 2(aᴸ − y)/n
//	BP2  δˡ = (δˡ⁺¹ (Wˡ⁺¹)ᵀ) ⊙ σ′(zˡ)
//	BP3  ∂C/∂bˡ = Σ over datapoints of δˡ
//	BP4  ∂C/∂Wˡ = (aˡ⁻¹)ᵀ δˡ
func TestBackpropEquations(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	sizes := []int{4, 5, 3, 2}
	const n = 6
	x := tensor.RandN(rng, n, sizes[0])
	y := tensor.RandU(rng, 0, 1, n, sizes[3])
	var W, b []autograd.Var
	for l := 1; l < len(sizes); l++ {
		W = append(W, autograd.NewParam(tensor.RandN(rng, sizes[l-1], sizes[l])))
		b = append(b, autograd.NewParam(tensor.RandN(rng, sizes[l])))
	}

	// The tape: forward, cost, generic backward.
	tp := autograd.NewTape()
	a := tp.Const(x)
	for l := range W {
		a = tp.Sigmoid(tp.Add(tp.MatMul(a, W[l]), b[l]))
	}
	diff := tp.Sub(tp.Const(y), a)
	cost := tp.Mean(tp.Sum(tp.Square(diff), 1))
	tp.Backward(cost)

	// By hand, with tensor kernels only.
	L := len(W)
	as := []*tensor.Tensor{x} // a⁰ … aᴸ
	zs := []*tensor.Tensor{nil}
	for l := 0; l < L; l++ {
		z := tensor.Add(tensor.MatMul(as[l], W[l].Value()), b[l].Value())
		zs = append(zs, z)
		as = append(as, tensor.Sigmoid(z))
	}
	sigmaPrime := func(z *tensor.Tensor) *tensor.Tensor {
		s := tensor.Sigmoid(z)
		return tensor.Mul(s, tensor.AddScalar(tensor.Neg(s), 1))
	}
	deltas := make([]*tensor.Tensor, L+1)
	gradA := tensor.Scale(tensor.Sub(as[L], y), 2.0/n) // ∇ₐC
	deltas[L] = tensor.Mul(gradA, sigmaPrime(zs[L]))   // BP1
	for l := L - 1; l >= 1; l-- {                      // BP2
		back := tensor.MatMulT(deltas[l+1], W[l].Value(), tensor.NoTrans, tensor.Trans)
		deltas[l] = tensor.Mul(back, sigmaPrime(zs[l]))
	}
	// 1e-12: both sides compute the same sums in a different order; the
	// values are O(1), so rounding differences stay near 1e-16.
	opt := cmpopts.EquateApprox(0, 1e-12)
	for l := 1; l <= L; l++ {
		wantB := tensor.Sum(deltas[l], 0)                                         // BP3
		wantW := tensor.MatMulT(as[l-1], deltas[l], tensor.Trans, tensor.NoTrans) // BP4
		if d := cmp.Diff(wantB.Data(), b[l-1].Grad().Data(), opt); d != "" {
			t.Errorf("BP3 layer %d: ∂C/∂b differs (-hand +tape):\n%s", l, d)
		}
		if d := cmp.Diff(wantW.Data(), W[l-1].Grad().Data(), opt); d != "" {
			t.Errorf("BP4 layer %d: ∂C/∂W differs (-hand +tape):\n%s", l, d)
		}
	}
	// BP1 and BP2 themselves: δˡ = ∂C/∂zˡ, read from the tape with Grad.
	tp2 := autograd.NewTape()
	h := tp2.Const(x)
	var z []autograd.Var
	for l := range W {
		zl := tp2.Add(tp2.MatMul(h, W[l]), b[l])
		z = append(z, zl)
		h = tp2.Sigmoid(zl)
	}
	c2 := tp2.Mean(tp2.Sum(tp2.Square(tp2.Sub(tp2.Const(y), h)), 1))
	gz := tp2.Grad(c2, z...)
	for l := 1; l <= L; l++ {
		if d := cmp.Diff(deltas[l].Data(), gz[l-1].Value().Data(), opt); d != "" {
			t.Errorf("δ of layer %d (BP1/BP2) differs (-hand +tape):\n%s", l, d)
		}
	}
}
