package tensor

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor/internal/gemm"
)

// MatMul returns the matrix product a·b. Both operands have rank ≥ 2; the
// last two axes are the matrices and the leading (batch) axes broadcast:
// (…, m, k)·(…, k, n) → (…, m, n).
// It panics with ErrShape if a rank is below 2, the inner dimensions differ
// or the batch axes do not broadcast.
func MatMul(a, b *Tensor) *Tensor { return MatMulT(a, b, false, false) }

// MatMulT returns op(a)·op(b) where op transposes the last two axes of its
// operand when the flag is set. The transpose is a GEMM flag, never a copy.
func MatMulT(a, b *Tensor, transA, transB bool) *Tensor {
	dst := Zeros(MatMulShape(a.shape, b.shape, transA, transB)...)
	GemmTo(dst, 1, a, transA, b, transB, 0)
	return dst
}

// MatMulShape returns the shape of op(a)·op(b) for operand shapes a and b,
// panicking with ErrShape as MatMulT does.
func MatMulShape(a, b []int, transA, transB bool) []int {
	var buf [8]int
	return matmulShape(buf[:0], a, b, transA, transB)
}

func matmulShape(dst, a, b []int, transA, transB bool) []int {
	const op = "tensor.MatMul"
	if len(a) < 2 || len(b) < 2 {
		shapePanic(op, "operands need rank ≥ 2 (reshape a vector to (1, n) or (n, 1))", a, b)
	}
	m, ka := a[len(a)-2], a[len(a)-1]
	if transA {
		m, ka = ka, m
	}
	kb, n := b[len(b)-2], b[len(b)-1]
	if transB {
		kb, n = n, kb
	}
	if ka != kb {
		shapePanic(op, fmt.Sprintf("inner dimensions differ: %d vs %d (transA=%v, transB=%v)", ka, kb, transA, transB), a, b)
	}
	batch, ok := broadcastInto(dst, a[:len(a)-2], b[:len(b)-2])
	if !ok {
		shapePanic(op, "batch dimensions do not broadcast", a, b)
	}
	return append(batch, m, n)
}

// GemmTo computes dst = alpha·op(a)·op(b) + beta·dst, with op a transpose of
// the last two axes when its flag is set and batch axes broadcast as in
// MatMul. beta = 1 accumulates into dst (a gradient buffer, say); with beta
// = 0 dst's previous contents are ignored. dst must not alias a or b.
// It panics with ErrShape if dst's shape is not the product's.
func GemmTo(dst *Tensor, alpha float64, a *Tensor, transA bool, b *Tensor, transB bool, beta float64) *Tensor {
	var buf [8]int
	want := matmulShape(buf[:0], a.shape, b.shape, transA, transB)
	checkDst("tensor.MatMul", dst, want)
	r := len(want)
	m, n := want[r-2], want[r-1]
	ar, ac := a.shape[len(a.shape)-2], a.shape[len(a.shape)-1]
	br, bc := b.shape[len(b.shape)-2], b.shape[len(b.shape)-1]
	k := ac
	if transA {
		k = ar
	}
	batches := numel(want[:r-2])
	if batches == 0 || m == 0 || n == 0 {
		return dst
	}
	if k == 0 {
		for i := range dst.data {
			dst.data[i] *= beta
		}
		if beta == 0 {
			clear(dst.data)
		}
		return dst
	}
	// One product per batch: packed, cache-blocked DGEMM (internal/gemm),
	// row-major with the operands' own strides.
	gemmAt := func(ao, bo, co int) {
		gemm.Dgemm(transA, transB, m, n, k, alpha,
			a.data[ao:ao+ar*ac], ac,
			b.data[bo:bo+br*bc], bc,
			beta, dst.data[co:co+m*n], n)
	}
	if batches == 1 && len(a.shape) == 2 && len(b.shape) == 2 {
		gemmAt(0, 0, 0)
		return dst
	}
	batch := want[:r-2]
	sa := bstrides(a.shape[:len(a.shape)-2], batch)
	sb := bstrides(b.shape[:len(b.shape)-2], batch)
	idx := make([]int, len(batch))
	for i := 0; i < batches; i++ {
		ao, bo := 0, 0
		for ax := range batch {
			ao += idx[ax] * sa[ax]
			bo += idx[ax] * sb[ax]
		}
		gemmAt(ao*ar*ac, bo*br*bc, i*m*n)
		for ax := len(batch) - 1; ax >= 0; ax-- {
			idx[ax]++
			if idx[ax] < batch[ax] {
				break
			}
			idx[ax] = 0
		}
	}
	return dst
}
