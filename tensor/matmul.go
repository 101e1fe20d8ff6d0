package tensor

import (
	"fmt"
	"gonum.org/v1/gonum/floats"
	"runtime"
	"sync"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor/internal/gemm"
)

// Transposition says whether a matrix operand of MatMulT or GemmTo is used
// as it is or transposed, like gonum's blas.Transpose. Transposing is a GEMM
// flag, never a copy.
type Transposition uint8

const (
	// NoTrans uses the operand as it is: op(A) = A.
	NoTrans Transposition = iota
	// Trans swaps the operand's last two axes: op(A) = Aᵀ (per batch).
	Trans
)

// String returns "NoTrans" or "Trans".
func (t Transposition) String() string {
	switch t {
	case NoTrans:
		return "NoTrans"
	case Trans:
		return "Trans"
	}
	return fmt.Sprintf("Transposition(%d)", uint8(t))
}

// MatMul returns the matrix product a·b with NumPy's (and PyTorch's) matmul
// semantics. Operands of rank ≥ 2 are stacks of matrices in their last two
// axes, and the leading (batch) axes broadcast: (…, m, k)·(…, k, n) →
// (…, m, n). A 1-D operand is a vector: (k)·(…, k, n) → (…, n),
// (…, m, k)·(k) → (…, m) and (k)·(k) → a 0-d scalar (the dot product).
// The operands must have one element type, which the product has: float64
// products run tapegrad's DGEMM, float32 ones its SGEMM (sums accumulated
// in float32, as in PyTorch and BLAS).
// It panics with ErrShape if an operand is 0-d, the inner dimensions differ,
// the batch axes do not broadcast or the product would exceed MaxElements
// elements, with ErrDType if the element types differ, and with ErrArg if
// an operand is nil or a zero value.
func MatMul(a, b *Tensor) *Tensor {
	const op = "tensor.MatMul"
	check(op, "a", a)
	check(op, "b", b)
	if len(a.shape) >= 2 && len(b.shape) >= 2 {
		return matMulT(op, a, b, NoTrans, NoTrans)
	}
	// View a vector as a (1, k) or (k, 1) matrix over the same storage,
	// multiply, and drop the inserted axis from the product's shape.
	as, bs, prod, out := shapes.MatMulVectorShapes(a.shape, b.shape)
	sameDType(op, a, b)
	dst := zerosLike(op, a, out)
	GemmTo(dst.view(prod), 1, a.view(as), NoTrans, b.view(bs), NoTrans, 0)
	return dst
}

// view returns a tensor of the given shape (of t's element count) over t's
// storage.
func (t *Tensor) view(shape []int) *Tensor {
	return &Tensor{shape: shape, data: t.data, data32: t.data32, dtype: t.dtype}
}

// MatMulT returns op(a)·op(b) for operands of rank ≥ 2, op transposing the
// last two axes of its operand when its Transposition is Trans (a GEMM flag,
// never a copy); batch axes broadcast as in MatMul.
// It panics with ErrShape if a rank is below 2 (use MatMul for vectors), the
// inner dimensions differ or the batch axes do not broadcast, and with
// ErrDType if the element types differ.
func MatMulT(a, b *Tensor, ta, tb Transposition) *Tensor {
	const op = "tensor.MatMulT"
	check(op, "a", a)
	check(op, "b", b)
	return matMulT(op, a, b, ta, tb)
}

// matMulT is MatMulT naming op for a product too large.
func matMulT(op string, a, b *Tensor, ta, tb Transposition) *Tensor {
	var buf [8]int
	shape := shapes.MatMulShapeInto(buf[:0], a.shape, b.shape, ta == Trans, tb == Trans)
	sameDType(op, a, b)
	return GemmTo(zerosLike(op, a, shape), 1, a, ta, b, tb, 0)
}

// GemmTo computes dst = alpha·op(a)·op(b) + beta·dst for operands of rank
// ≥ 2, op as in MatMulT and batch axes broadcast as in MatMul, and returns
// dst. beta = 1 accumulates into dst (a gradient buffer, say); with beta = 0
// dst's previous contents are ignored (NaNs included). dst must not alias a
// or b. dst, a and b must have one element type; for Float32, alpha and
// beta are rounded to float32 and the product runs in SGEMM.
// It panics with ErrShape if the operands do not multiply (see MatMulT) or
// dst's shape is not the product's, and with ErrDType if the element types
// differ.
func GemmTo(dst *Tensor, alpha float64, a *Tensor, ta Transposition, b *Tensor, tb Transposition, beta float64) *Tensor {
	check("tensor.MatMul", "dst", dst)
	check("tensor.MatMul", "a", a)
	check("tensor.MatMul", "b", b)
	transA, transB := ta == Trans, tb == Trans // internal/gemm's flags
	var buf [8]int
	want := shapes.MatMulShapeInto(buf[:0], a.shape, b.shape, transA, transB)
	checkDst("tensor.MatMul", dst, want)
	sameDType("tensor.MatMul", a, b)
	sameDType("tensor.MatMul", dst, a)
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
		scaleK(dst.data, beta)
		scaleK(dst.data32, float32(beta))
		return dst
	}
	// One product per batch: packed, cache-blocked DGEMM or SGEMM
	// (internal/gemm), row-major with the operands' own strides.
	gemmAt := func(ao, bo, co int) {
		if k == 1 { // an outer product: op(A) and op(B) are m and n contiguous numbers either way
			if dst.dtype == Float32 {
				outer(dst.data32[co:co+m*n], n, float32(alpha), a.data32[ao:ao+m], b.data32[bo:bo+n], float32(beta))
			} else {
				outer64(dst.data[co:co+m*n], n, alpha, a.data[ao:ao+m], b.data[bo:bo+n], beta)
			}
			return
		}
		if dst.dtype == Float32 {
			gemm.Sgemm(transA, transB, m, n, k, float32(alpha),
				a.data32[ao:ao+ar*ac], ac,
				b.data32[bo:bo+br*bc], bc,
				float32(beta), dst.data32[co:co+m*n], n)
			return
		}
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
	if k == 1 && batches > 1 && m*n*batches >= 1<<18 && runtime.GOMAXPROCS(0) > 1 {
		// Batched outer products (per-sample gradients) are as many
		// independent writes: split the batches over the threads.
		offs := make([][2]int, batches)
		for i := range offs {
			for ax := range batch {
				offs[i][0] += idx[ax] * sa[ax] * m
				offs[i][1] += idx[ax] * sb[ax] * n
			}
			nextIndex(idx, batch)
		}
		outerBatches(dst, alpha, a, b, beta, offs, m, n)
		return dst
	}
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

// scaleK sets x = beta·x, and x = 0 when beta is 0 (NaNs included): C =
// beta·C of a product with k = 0.
func scaleK[T float](x []T, beta T) {
	if beta == 0 {
		clear(x)
		return
	}
	for i := range x {
		x[i] *= beta
	}
}

// outer64 is outer for float64, through gonum's vector kernels.
func outer64(c []float64, n int, alpha float64, a, b []float64, beta float64) {
	for i, ai := range a {
		row := c[i*n : i*n+n]
		switch beta {
		case 0:
			floats.ScaleTo(row, alpha*ai, b)
		case 1:
			floats.AddScaled(row, alpha*ai, b)
		default:
			floats.Scale(beta, row)
			floats.AddScaled(row, alpha*ai, b)
		}
	}
}

// outer computes c = alpha·a⊗b + beta·c, c an (len(a), n) row-major
// matrix: the product of a k = 1 GEMM, one scaled row of b per element
// of a. (The packed GEMM would spend its time packing and loading tiles of
// c for a single rank-1 update.) With beta = 0, c's contents are ignored.
func outer[T float](c []T, n int, alpha T, a, b []T, beta T) {
	b = b[:n]
	for i, ai := range a {
		row := c[i*n : i*n+n]
		s := alpha * ai
		if beta == 0 {
			for j, bj := range b {
				row[j] = s * bj
			}
			continue
		}
		for j, bj := range b {
			row[j] = beta*row[j] + s*bj
		}
	}
}

// outerBatches computes the batched outer products of GemmTo with k = 1,
// batch i reading a at offs[i][0] and b at offs[i][1], split over the
// threads. (A function of its own, so that GemmTo's closure does not
// escape to the heap on every call.)
func outerBatches(dst *Tensor, alpha float64, a, b *Tensor, beta float64, offs [][2]int, m, n int) {
	parallelFor(len(offs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ao, bo, co := offs[i][0], offs[i][1], i*m*n
			if dst.dtype == Float32 {
				outer(dst.data32[co:co+m*n], n, float32(alpha), a.data32[ao:ao+m], b.data32[bo:bo+n], float32(beta))
			} else {
				outer64(dst.data[co:co+m*n], n, alpha, a.data[ao:ao+m], b.data[bo:bo+n], beta)
			}
		}
	})
}

// nextIndex advances the multi-index idx over shape in row-major order.
func nextIndex(idx, shape []int) {
	for ax := len(shape) - 1; ax >= 0; ax-- {
		idx[ax]++
		if idx[ax] < shape[ax] {
			return
		}
		idx[ax] = 0
	}
}

// parallelFor runs f over [0, n) split into one contiguous range per
// thread (GOMAXPROCS) and waits for them.
func parallelFor(n int, f func(lo, hi int)) {
	t := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := range t {
		lo, hi := w*n/t, (w+1)*n/t
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
