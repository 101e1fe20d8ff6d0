package shapes

import "fmt"

const matmulOp = "tensor.MatMul"

// MatMulShape returns the shape of op(a)·op(b) for operand shapes a and b of
// rank ≥ 2, op transposing the last two axes when ta (for a) or tb (for b)
// is set: (…, m, k)·(…, k, n) → (…, m, n) with the batch axes broadcast.
// The flags mirror internal/gemm's; exported APIs take tensor.Transposition.
// It panics with ErrShape if a rank is below 2, the inner dimensions differ
// or the batch axes do not broadcast.
func MatMulShape(a, b []int, ta, tb bool) []int {
	return MatMulShapeInto(make([]int, 0, max(len(a), len(b))), a, b, ta, tb)
}

// MatMulShapeInto is MatMulShape appending into dst[:0].
func MatMulShapeInto(dst, a, b []int, ta, tb bool) []int {
	if len(a) < 2 || len(b) < 2 {
		Panic("tensor.MatMulT", "operands need rank ≥ 2; use MatMul for a 1-D operand", a, b)
	}
	m, ka := a[len(a)-2], a[len(a)-1]
	if ta {
		m, ka = ka, m
	}
	kb, n := b[len(b)-2], b[len(b)-1]
	if tb {
		kb, n = n, kb
	}
	if ka != kb {
		Panic(matmulOp, fmt.Sprintf("inner dimensions differ: %d vs %d (transA=%v, transB=%v)", ka, kb, ta, tb), a, b)
	}
	batch, ok := BroadcastShapesInto(dst, a[:len(a)-2], b[:len(b)-2])
	if !ok {
		Panic(matmulOp, "batch dimensions do not broadcast", a, b)
	}
	return append(batch, m, n)
}

// MatMulVectorShapes handles matmul operands of which at least one is 1-D,
// as NumPy's matmul does: a 1-D a of shape (k) is viewed as (1, k), a 1-D b
// as (k, 1), and the inserted axis is dropped from the product. It returns
// the views' shapes a2 and b2, the shape prod of their product and the
// result's shape out (prod without the inserted axes; same element count):
// (k)·(…, k, n) → (…, n), (…, m, k)·(k) → (…, m), (k)·(k) → [].
// It panics with ErrShape naming the original shapes if an operand is 0-d
// or the inner dimensions differ.
func MatMulVectorShapes(a, b []int) (a2, b2, prod, out []int) {
	if len(a) == 0 || len(b) == 0 {
		Panic(matmulOp, "operands need rank ≥ 1 (multiply by a 0-d scalar with Mul)", a, b)
	}
	a2, b2 = a, b
	if len(a) == 1 {
		a2 = []int{1, a[0]}
	}
	if len(b) == 1 {
		b2 = []int{b[0], 1}
	}
	if ka, kb := a2[len(a2)-1], b2[len(b2)-2]; ka != kb {
		Panic(matmulOp, fmt.Sprintf("inner dimensions differ: %d vs %d", ka, kb), a, b)
	}
	prod = MatMulShape(a2, b2, false, false)
	r := len(prod)
	out = append(make([]int, 0, r), prod[:r-2]...)
	if len(a) > 1 {
		out = append(out, prod[r-2]) // m; a 1-D a contributes the 1 of (1, k)
	}
	if len(b) > 1 {
		out = append(out, prod[r-1]) // n; a 1-D b contributes the 1 of (k, 1)
	}
	return a2, b2, prod, out
}
