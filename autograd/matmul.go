package autograd

import (
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// MatMul returns the matrix product a·b with tensor.MatMul's (NumPy's)
// semantics: operands of rank ≥ 2 are stacks of matrices with broadcast batch
// axes, (…, m, k)·(…, k, n) → (…, m, n), and a 1-D operand is a vector:
// (k)·(…, k, n) → (…, n), (…, m, k)·(k) → (…, m), (k)·(k) → 0-d.
// A vector is unsqueezed to a (1, k) row or (k, 1) column, multiplied by the
// matmul op and the inserted axis reshaped away, so the one derivative rule
// of MatMulT serves every case.
// It panics with tensor.ErrShape if an operand is 0-d, the inner dimensions
// differ or the batch axes do not broadcast.
func (tp *Tape) MatMul(a, b Var) Var {
	tp.check("matmul", a)
	tp.check("matmul", b)
	ra, rb := len(a.Shape()), len(b.Shape())
	if ra >= 2 && rb >= 2 {
		return tp.MatMulT(a, b, tensor.NoTrans, tensor.NoTrans)
	}
	_, _, _, out := shapes.MatMulVectorShapes(a.Shape(), b.Shape()) // checks the shapes
	if ra == 1 {
		a = tp.Unsqueeze(a, 0) // (k) → (1, k)
	}
	if rb == 1 {
		b = tp.Unsqueeze(b, -1) // (k) → (k, 1)
	}
	return tp.Reshape(tp.MatMulT(a, b, tensor.NoTrans, tensor.NoTrans), out...)
}

// MatMulT returns op(a)·op(b) for operands of rank ≥ 2, op transposing the
// last two axes when its tensor.Transposition is tensor.Trans (a GEMM flag,
// not a copy). With C = A′B′ (A′ = op(A)): ∂/∂A′ = G·B′ᵀ and ∂/∂B′ = A′ᵀ·G,
// each computed by one flagged product and summed over broadcast batch axes.
// It panics with tensor.ErrShape if an operand has rank below 2 (use MatMul
// for a vector), the inner dimensions differ or the batch axes do not
// broadcast.
func (tp *Tape) MatMulT(a, b Var, ta, tb tensor.Transposition) Var {
	tp.check("matmul", a)
	tp.check("matmul", b)
	av, bv := a.Value(), b.Value()
	transA, transB := ta == tensor.Trans, tb == tensor.Trans
	var buf [8]int
	shape := shapes.MatMulShapeInto(buf[:0], av.Shape(), bv.Shape(), transA, transB)
	out := tensor.GemmTo(tp.alloc(shape), 1, av, ta, bv, tb, 0)
	return tp.record("matmul", out, matmulRule, &aux{b: [2]bool{transA, transB}}, a, b)
}

// tr turns a transpose flag stored in a node's aux into a Transposition.
func tr(trans bool) tensor.Transposition {
	if trans {
		return tensor.Trans
	}
	return tensor.NoTrans
}

func matmulRule(tp *Tape, y, g Var, gin []Var) {
	nd := &tp.nodes[y.id]
	a, b := nd.inputs(tp)[0], nd.inputs(tp)[1]
	ab := tp.auxOf(y).b
	ta, tb := ab[0], ab[1]
	// A weight's gradient goes straight into its stored gradient, one GEMM
	// that adds to it (or overwrites it after ZeroGrad), when Backward
	// allows it (see gradSink): no temporary, no second pass to add it.
	gv, av, bv := g.Value(), a.Value(), b.Value()
	needA, needB := a.needs(), b.needs()
	if sameShape(g.Shape()[:len(g.Shape())-2], a.Shape()[:len(a.Shape())-2]) {
		if dst, beta := tp.gradSink(a); dst != nil {
			if !ta {
				tensor.GemmTo(dst, 1, gv, tensor.NoTrans, bv, tr(!tb), beta)
			} else {
				tensor.GemmTo(dst, 1, bv, tr(tb), gv, tensor.Trans, beta)
			}
			needA = false // handled
		}
	}
	if sameShape(g.Shape()[:len(g.Shape())-2], b.Shape()[:len(b.Shape())-2]) {
		if dst, beta := tp.gradSink(b); dst != nil {
			if !tb {
				tensor.GemmTo(dst, 1, av, tr(!ta), gv, tensor.NoTrans, beta)
			} else {
				tensor.GemmTo(dst, 1, gv, tensor.Trans, av, tr(ta), beta)
			}
			needB = false
		}
	}
	if needA {
		var ga Var
		if !ta {
			ga = tp.MatMulT(g, b, tensor.NoTrans, tr(!tb)) // G·B′ᵀ
		} else {
			ga = tp.MatMulT(b, g, tr(tb), tensor.Trans) // (G·B′ᵀ)ᵀ = B′·Gᵀ
		}
		gin[0] = tp.unbroadcast(ga, a.Shape())
	}
	if needB {
		var gb Var
		if !tb {
			gb = tp.MatMulT(a, g, tr(!ta), tensor.NoTrans) // A′ᵀ·G
		} else {
			gb = tp.MatMulT(g, a, tensor.Trans, tr(ta)) // (A′ᵀ·G)ᵀ = Gᵀ·A′
		}
		gin[1] = tp.unbroadcast(gb, b.Shape())
	}
}
