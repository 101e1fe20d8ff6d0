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
	var buf [8]int
	shape := shapes.MatMulShapeInto(buf[:0], av.Shape(), bv.Shape(), ta == tensor.Trans, tb == tensor.Trans)
	if av.DType() != bv.DType() {
		dtypeMismatch("autograd.matmul", av, bv)
	}
	out := tensor.GemmTo(tp.alloc(av.DType(), shape), 1, av, ta, bv, tb, 0)
	return tp.record(matmulOp, out, &params{ta: ta, tb: tb}, a, b)
}

var matmulOp *op

func init() {
	matmulOp = def(op{name: "matmul",
		batch: batchMatMul,
		text:  "∂A = G·Bᵀ, ∂B = Aᵀ·G, each summed over broadcast batch axes   [layer z = a·W: δ·Wᵀ flows back (BP2), ∂C/∂W = aᵀ·δ (BP4)]",
		vjp:   matmulVJP,
		// Ċ = op(Ȧ)·op(B) + op(A)·op(Ḃ)
		jvp: func(tp *Tape, y Var, t []Var) Var {
			in, ps := tp.ins(y), tp.params(y)
			var ta, tb Var
			if t[0].Valid() {
				ta = tp.MatMulT(t[0], in[1], ps.ta, ps.tb)
			}
			if t[1].Valid() {
				tb = tp.MatMulT(in[0], t[1], ps.ta, ps.tb)
			}
			return tp.sumTangents(ta, tb)
		},
		into: matmulInto,
	})
}

// flip returns the other transposition.
func flip(t tensor.Transposition) tensor.Transposition {
	if t == tensor.Trans {
		return tensor.NoTrans
	}
	return tensor.Trans
}

// matmulVJP: with C = A′B′ (A′ = op(A)), ∂A′ = G·B′ᵀ and ∂B′ = A′ᵀ·G, each one
// flagged product (no transposed copies), summed over broadcast batch axes.
func matmulVJP(tp *Tape, y, g Var, gin []Var) {
	in, ps := tp.ins(y), tp.params(y)
	a, b := in[0], in[1]
	if tp.wants(y, 0) {
		var ga Var
		if ps.ta == tensor.NoTrans {
			ga = tp.MatMulT(g, b, tensor.NoTrans, flip(ps.tb)) // G·B′ᵀ
		} else {
			ga = tp.MatMulT(b, g, ps.tb, tensor.Trans) // (G·B′ᵀ)ᵀ = B′·Gᵀ
		}
		gin[0] = tp.unbroadcast(ga, tp.val(a).Shape())
	}
	if tp.wants(y, 1) {
		var gb Var
		if ps.tb == tensor.NoTrans {
			gb = tp.MatMulT(a, g, flip(ps.ta), tensor.NoTrans) // A′ᵀ·G
		} else {
			gb = tp.MatMulT(g, a, tensor.Trans, ps.ta) // (A′ᵀ·G)ᵀ = Gᵀ·A′
		}
		gin[1] = tp.unbroadcast(gb, tp.val(b).Shape())
	}
}

// matmulInto writes a weight's gradient with one GEMM that adds to its
// stored gradient (β = 1) or overwrites it (β = 0): no temporary, no second
// pass to add it. It declines when the weight was broadcast over batch axes.
func matmulInto(tp *Tape, y, g Var, i int, dst *tensor.Tensor, beta float64) bool {
	in, ps := tp.ins(y), tp.params(y)
	gv, av, bv := tp.val(g), tp.val(in[0]), tp.val(in[1])
	gs, xs := gv.Shape(), tp.val(in[i]).Shape()
	if !sameShape(gs[:len(gs)-2], xs[:len(xs)-2]) {
		return false
	}
	switch {
	case i == 0 && ps.ta == tensor.NoTrans:
		tensor.GemmTo(dst, 1, gv, tensor.NoTrans, bv, flip(ps.tb), beta)
	case i == 0:
		tensor.GemmTo(dst, 1, bv, ps.tb, gv, tensor.Trans, beta)
	case ps.tb == tensor.NoTrans:
		tensor.GemmTo(dst, 1, av, flip(ps.ta), gv, tensor.NoTrans, beta)
	default:
		tensor.GemmTo(dst, 1, gv, tensor.Trans, av, ps.ta, beta)
	}
	return true
}
