package autograd

import "github.com/tapegrad/tapegrad/tensor"

// MatMul returns the matrix product a·b of operands of rank ≥ 2 with
// broadcast batch axes: (…, m, k)·(…, k, n) → (…, m, n).
// It panics with tensor.ErrShape on mismatched shapes.
func (tp *Tape) MatMul(a, b Var) Var { return tp.MatMulT(a, b, false, false) }

// MatMulT returns op(a)·op(b), op transposing the last two axes when its
// flag is set (a GEMM flag, not a copy). With C = A′B′ (A′ = op(A)):
// ∂/∂A′ = G·B′ᵀ and ∂/∂B′ = A′ᵀ·G, each computed by one flagged product and
// summed over broadcast batch axes.
func (tp *Tape) MatMulT(a, b Var, transA, transB bool) Var {
	tp.check("matmul", a)
	tp.check("matmul", b)
	av, bv := a.Value(), b.Value()
	var buf [8]int
	shape := append(buf[:0], tensor.MatMulShape(av.Shape(), bv.Shape(), transA, transB)...)
	out := tensor.GemmTo(tp.alloc(shape), 1, av, transA, bv, transB, 0)
	return tp.record("matmul", out, matmulRule, &aux{b: [2]bool{transA, transB}}, a, b)
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
				tensor.GemmTo(dst, 1, gv, false, bv, !tb, beta)
			} else {
				tensor.GemmTo(dst, 1, bv, tb, gv, true, beta)
			}
			needA = false // handled
		}
	}
	if sameShape(g.Shape()[:len(g.Shape())-2], b.Shape()[:len(b.Shape())-2]) {
		if dst, beta := tp.gradSink(b); dst != nil {
			if !tb {
				tensor.GemmTo(dst, 1, av, !ta, gv, false, beta)
			} else {
				tensor.GemmTo(dst, 1, gv, true, av, ta, beta)
			}
			needB = false
		}
	}
	if needA {
		var ga Var
		if !ta {
			ga = tp.MatMulT(g, b, false, !tb) // G·B′ᵀ
		} else {
			ga = tp.MatMulT(b, g, tb, true) // (G·B′ᵀ)ᵀ = B′·Gᵀ
		}
		gin[0] = tp.unbroadcast(ga, a.Shape())
	}
	if needB {
		var gb Var
		if !tb {
			gb = tp.MatMulT(a, g, !ta, false) // A′ᵀ·G
		} else {
			gb = tp.MatMulT(g, a, true, ta) // (A′ᵀ·G)ᵀ = Gᵀ·A′
		}
		gin[1] = tp.unbroadcast(gb, b.Shape())
	}
}
