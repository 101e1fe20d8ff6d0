package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// naiveMatMul is op(a)·op(b) by the textbook triple loop, one batch at a
// time, with the batch axes broadcast through bcastAt: the oracle for the
// GEMM path. op transposes the last two axes when its flag is set.
func naiveMatMul(a, b *tensor.Tensor, ta, tb tensor.Transposition) *tensor.Tensor {
	transA, transB := ta == tensor.Trans, tb == tensor.Trans
	as, bs := a.Shape(), b.Shape()
	ra, rb := len(as), len(bs)
	m, k := as[ra-2], as[ra-1]
	if transA {
		m, k = k, m
	}
	n := bs[rb-1]
	if transB {
		n = bs[rb-2]
	}
	batch, ok := tensor.BroadcastShapes(as[:ra-2], bs[:rb-2])
	if !ok {
		panic("naiveMatMul: batch axes do not broadcast")
	}
	out := append(append([]int{}, batch...), m, n)
	dst := tensor.Zeros(out...)
	bi := make([]int, len(batch))
	ia, ib := make([]int, len(batch)+2), make([]int, len(batch)+2)
	at := func(x *tensor.Tensor, idx []int, r, c int, trans bool) float64 {
		if trans {
			r, c = c, r
		}
		idx[len(idx)-2], idx[len(idx)-1] = r, c
		// bcastAt aligns at the end: pass only as many leading axes as x has.
		return bcastAt(x, idx[len(idx)-x.Rank():])
	}
	for p := 0; p < numel(batch); p++ {
		unravel(p, batch, bi)
		copy(ia, bi)
		copy(ib, bi)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for q := 0; q < k; q++ {
					s += at(a, ia, i, q, transA) * at(b, ib, q, j, transB)
				}
				dst.Data()[(p*m+i)*n+j] = s
			}
		}
	}
	return dst
}

// gemmTol bounds the difference between two summation orders of k products
// of N(0,1) entries: each sum's error is at most k·ε·Σ|a||b| ≈ k·ε·0.64k,
// about 6e-13 for k = 65; 1e-11 absolute leaves room for GEMM's blocking.
var gemmTol = cmpopts.EquateApprox(0, 1e-11)

// transposed returns the operand shape that op(·) turns into (r, c).
func transposed(r, c int, trans tensor.Transposition) []int {
	if trans == tensor.Trans {
		return []int{c, r}
	}
	return []int{r, c}
}

// TestMatMulSizes checks odd sizes (1, 7, 13, 65: below, at and past the
// sizes where BLAS kernels switch strategy) under all four transpose flags.
func TestMatMulSizes(t *testing.T) {
	rng := tapegradtest.NewRNG()
	sizes := [][3]int{ // m, k, n
		{1, 1, 1}, {1, 7, 1}, {7, 1, 13}, {1, 13, 65}, {65, 1, 7},
		{13, 7, 1}, {7, 13, 65}, {65, 65, 1}, {13, 65, 7}, {65, 7, 13}, {65, 65, 65},
	}
	for _, sz := range sizes {
		m, k, n := sz[0], sz[1], sz[2]
		for _, tr := range [][2]tensor.Transposition{{tensor.NoTrans, tensor.NoTrans}, {tensor.Trans, tensor.NoTrans}, {tensor.NoTrans, tensor.Trans}, {tensor.Trans, tensor.Trans}} {
			t.Run(fmt.Sprintf("%dx%dx%d/%v,%v", m, k, n, tr[0], tr[1]), func(t *testing.T) {
				a := tensor.RandN(rng, transposed(m, k, tr[0])...)
				b := tensor.RandN(rng, transposed(k, n, tr[1])...)
				a0, b0 := a.Copy(), b.Copy()
				want := naiveMatMul(a, b, tr[0], tr[1])
				got := tensor.MatMulT(a, b, tr[0], tr[1])
				if d := tapegradtest.Diff(want, got, gemmTol); d != "" {
					t.Errorf("MatMulT mismatch (-naive +got):\n%s", d)
				}
				if tr[0] == tensor.NoTrans && tr[1] == tensor.NoTrans {
					if d := tapegradtest.Diff(got, tensor.MatMul(a, b), exact); d != "" {
						t.Errorf("MatMul ≠ MatMulT(NoTrans, NoTrans) (-MatMulT +MatMul):\n%s", d)
					}
				}
				if tapegradtest.Diff(a0, a, exact) != "" || tapegradtest.Diff(b0, b, exact) != "" {
					t.Errorf("MatMulT changed an operand")
				}
			})
		}
	}
}

func TestMatMulBatched(t *testing.T) {
	rng := tapegradtest.NewRNG()
	tests := []struct {
		name   string
		a, b   []int
		ta, tb tensor.Transposition
		want   []int
	}{
		{"batch and matrix", []int{2, 3, 4, 5}, []int{5, 6}, tensor.NoTrans, tensor.NoTrans, []int{2, 3, 4, 6}},
		{"matrix and batch", []int{4, 5}, []int{3, 5, 6}, tensor.NoTrans, tensor.NoTrans, []int{3, 4, 6}},
		{"equal batches", []int{3, 4, 5}, []int{3, 5, 2}, tensor.NoTrans, tensor.NoTrans, []int{3, 4, 2}},
		{"broadcast batch axes", []int{3, 1, 4, 5}, []int{2, 5, 6}, tensor.NoTrans, tensor.NoTrans, []int{3, 2, 4, 6}},
		{"size-1 batch", []int{1, 4, 5}, []int{2, 5, 3}, tensor.NoTrans, tensor.NoTrans, []int{2, 4, 3}},
		{"both broadcast", []int{2, 1, 7, 13}, []int{1, 3, 13, 1}, tensor.NoTrans, tensor.NoTrans, []int{2, 3, 7, 1}},
		{"transA batched", []int{2, 5, 4}, []int{2, 5, 3}, tensor.Trans, tensor.NoTrans, []int{2, 4, 3}},
		{"transB batched", []int{2, 4, 5}, []int{3, 5}, tensor.NoTrans, tensor.Trans, []int{2, 4, 3}},
		{"both trans broadcast", []int{3, 1, 5, 4}, []int{2, 6, 5}, tensor.Trans, tensor.Trans, []int{3, 2, 4, 6}},
		{"empty batch", []int{0, 4, 5}, []int{5, 6}, tensor.NoTrans, tensor.NoTrans, []int{0, 4, 6}},
		{"k = 0", []int{2, 3, 0}, []int{0, 4}, tensor.NoTrans, tensor.NoTrans, []int{2, 3, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tensor.RandN(rng, tc.a...), tensor.RandN(rng, tc.b...)
			got := tensor.MatMulT(a, b, tc.ta, tc.tb)
			if !cmp.Equal(got.Shape(), tc.want) {
				t.Errorf("MatMulT of %v and %v has shape %v, want %v", tc.a, tc.b, got.Shape(), tc.want)
			}
			if d := tapegradtest.Diff(naiveMatMul(a, b, tc.ta, tc.tb), got, gemmTol); d != "" {
				t.Errorf("MatMulT mismatch (-naive +got):\n%s", d)
			}
		})
	}
}

func TestMatMulValues(t *testing.T) {
	// Small integer matrices: every product is exact.
	a := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.New([]float64{7, 8, 9, 10, 11, 12}, 3, 2)
	tests := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"MatMul", tensor.MatMul(a, b), tensor.New([]float64{58, 64, 139, 154}, 2, 2)},
		{"a·aᵀ", tensor.MatMulT(a, a, tensor.NoTrans, tensor.Trans), tensor.New([]float64{14, 32, 32, 77}, 2, 2)},
		{"aᵀ·a", tensor.MatMulT(a, a, tensor.Trans, tensor.NoTrans), tensor.New([]float64{17, 22, 27, 22, 29, 36, 27, 36, 45}, 3, 3)},
		{"bᵀ·aᵀ = (a·b)ᵀ", tensor.MatMulT(b, a, tensor.Trans, tensor.Trans), tensor.New([]float64{58, 139, 64, 154}, 2, 2)},
		{"k = 0 is zeros", tensor.MatMul(tensor.Zeros(2, 0), tensor.Zeros(0, 3)), tensor.Zeros(2, 3)},
		{"m = 0", tensor.MatMul(tensor.Zeros(0, 3), b), tensor.Zeros(0, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tc.want, tc.got, exact); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestMatMulVector checks 1-D operands against NumPy's matmul rules: a
// vector on the left is a (1, k) row, on the right a (k, 1) column, and the
// inserted axis is dropped from the result. The values are compared with the
// naive product of those matrices.
func TestMatMulVector(t *testing.T) {
	rng := tapegradtest.NewRNG()
	tests := []struct {
		name string
		a, b []int
		want []int
	}{
		{"vector·matrix", []int{3}, []int{3, 4}, []int{4}},
		{"matrix·vector", []int{2, 3}, []int{3}, []int{2}},
		{"vector·vector", []int{3}, []int{3}, []int{}},
		{"vector·batch", []int{3}, []int{2, 3, 4}, []int{2, 4}},
		{"batch·vector", []int{2, 5, 3}, []int{3}, []int{2, 5}},
		{"long vector·vector", []int{65}, []int{65}, []int{}},
		{"empty vector·vector", []int{0}, []int{0}, []int{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tensor.RandN(rng, tc.a...), tensor.RandN(rng, tc.b...)
			a0, b0 := a.Copy(), b.Copy()
			a2, b2 := a, b
			if a.Rank() == 1 {
				a2 = tensor.Reshape(a, 1, -1)
			}
			if b.Rank() == 1 {
				b2 = tensor.Reshape(b, -1, 1)
			}
			want := tensor.Reshape(naiveMatMul(a2, b2, tensor.NoTrans, tensor.NoTrans), tc.want...)
			got := tensor.MatMul(a, b)
			if d := cmp.Diff(tc.want, got.Shape(), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("MatMul shape mismatch (-want +got):\n%s", d)
			}
			if d := tapegradtest.Diff(want, got, gemmTol); d != "" {
				t.Errorf("MatMul mismatch (-naive +got):\n%s", d)
			}
			if tapegradtest.Diff(a0, a, exact) != "" || tapegradtest.Diff(b0, b, exact) != "" {
				t.Errorf("MatMul changed an operand")
			}
		})
	}
}

// TestGemmTo checks dst = alpha·op(a)·op(b) + beta·dst: beta = 1 accumulates
// (a gradient buffer), beta = 0 ignores dst even when it holds NaN.
func TestGemmTo(t *testing.T) {
	rng := tapegradtest.NewRNG()
	nan := math.NaN()
	tests := []struct {
		name        string
		a, b        []int
		ta, tb      tensor.Transposition
		alpha, beta float64
		init        float64 // dst's starting value; NaN checks it is ignored
	}{
		{"beta 0 ignores NaN", []int{7, 13}, []int{13, 65}, tensor.NoTrans, tensor.NoTrans, 1, 0, nan},
		{"beta 1 accumulates", []int{7, 13}, []int{13, 65}, tensor.NoTrans, tensor.NoTrans, 1, 1, 0.5},
		{"alpha and beta", []int{13, 7}, []int{65, 13}, tensor.Trans, tensor.Trans, -2, 0.5, 3},
		{"beta 1 batched", []int{2, 7, 13}, []int{13, 1}, tensor.NoTrans, tensor.NoTrans, 1, 1, -1},
		{"beta 1 transA broadcast", []int{3, 1, 13, 7}, []int{2, 13, 5}, tensor.Trans, tensor.NoTrans, 0.5, 1, 2},
		{"k = 0 beta 1 keeps dst", []int{3, 0}, []int{0, 4}, tensor.NoTrans, tensor.NoTrans, 1, 1, 2},
		{"k = 0 beta 0 clears NaN", []int{3, 0}, []int{0, 4}, tensor.NoTrans, tensor.NoTrans, 1, 0, nan},
		{"k = 0 beta 0.5", []int{3, 0}, []int{0, 4}, tensor.NoTrans, tensor.NoTrans, 1, 0.5, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tensor.RandN(rng, tc.a...), tensor.RandN(rng, tc.b...)
			shape := tensor.MatMulT(a, b, tc.ta, tc.tb).Shape()
			dst := tensor.RandN(rng, shape...)
			if !math.IsNaN(tc.init) {
				tensor.AddScalarTo(dst, dst, tc.init)
			} else {
				dst = tensor.Full(nan, shape...)
			}
			// want = alpha·naive + beta·dst, with beta·NaN taken as 0 when beta = 0.
			want := tensor.Scale(naiveMatMul(a, b, tc.ta, tc.tb), tc.alpha)
			if tc.beta != 0 {
				want = tensor.Add(want, tensor.Scale(dst, tc.beta))
			}
			if got := tensor.GemmTo(dst, tc.alpha, a, tc.ta, b, tc.tb, tc.beta); got != dst {
				t.Errorf("GemmTo did not return dst")
			}
			if d := tapegradtest.Diff(want, dst, gemmTol); d != "" {
				t.Errorf("GemmTo mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// checkSgemmBound checks a Float32 product got against want, the exact
// (float64) product of the same float32 operands, element by element:
// |got − want| ≤ γ·abs, where abs is the same product of the operands'
// absolute values and γ = n·u/(1 − n·u), u = 2⁻²⁴. This is the classical
// bound on a dot product of length k summed in float32 in any order, with
// n = k (k roundings of products and sums; an FMA rounds less). It is
// relative to Σ|a||b|, not to the result, which cancellation may make
// small. GemmTo's alpha and beta add two roundings: n = k + 2.
// want's own error (float64 sums, about k·2⁻⁵³ of abs) is 2⁻²⁹ times
// smaller and ignored.
func checkSgemmBound(t *testing.T, got, want, abs *tensor.Tensor, n int) {
	t.Helper()
	if got.DType() != tensor.Float32 {
		t.Fatalf("got a %v product of float32 operands, want float32", got.DType())
	}
	if !cmp.Equal(got.Shape(), want.Shape(), cmpopts.EquateEmpty()) {
		t.Fatalf("got shape %v, want %v", got.Shape(), want.Shape())
	}
	u := 0x1p-24
	gamma := float64(n) * u / (1 - float64(n)*u)
	g := got.Float64s()
	for i, w := range want.Data() {
		if bound := gamma * abs.Data()[i]; !(math.Abs(g[i]-w) <= bound) {
			t.Errorf("element %d: got %v, want %v ± %v (γ_%d·Σ|a||b|)", i, g[i], w, bound, n)
		}
	}
}

// TestMatMulFloat32 checks MatMul, MatMulT and GemmTo on Float32 operands
// against the float64 product of the same values (see checkSgemmBound),
// for the sizes and flags of TestMatMulSizes, batches and vectors.
func TestMatMulFloat32(t *testing.T) {
	rng := tapegradtest.NewRNG()
	absOf := func(x *tensor.Tensor) *tensor.Tensor { return tensor.Abs(x.To(tensor.Float64)) }
	sizes := [][3]int{{1, 1, 1}, {7, 13, 65}, {65, 65, 65}, {13, 65, 7}, {70, 300, 33}}
	for _, sz := range sizes {
		m, k, n := sz[0], sz[1], sz[2]
		for _, tr := range [][2]tensor.Transposition{{tensor.NoTrans, tensor.NoTrans}, {tensor.Trans, tensor.NoTrans}, {tensor.NoTrans, tensor.Trans}, {tensor.Trans, tensor.Trans}} {
			t.Run(fmt.Sprintf("%dx%dx%d/%v,%v", m, k, n, tr[0], tr[1]), func(t *testing.T) {
				a := tensor.RandN(rng, transposed(m, k, tr[0])...).To(tensor.Float32)
				b := tensor.RandN(rng, transposed(k, n, tr[1])...).To(tensor.Float32)
				a64, b64 := a.To(tensor.Float64), b.To(tensor.Float64)
				got := tensor.MatMulT(a, b, tr[0], tr[1])
				checkSgemmBound(t, got, naiveMatMul(a64, b64, tr[0], tr[1]),
					naiveMatMul(absOf(a), absOf(b), tr[0], tr[1]), k)
				if tr[0] == tensor.NoTrans && tr[1] == tensor.NoTrans {
					if d := diffTyped(got, tensor.MatMul(a, b), exact); d != "" {
						t.Errorf("MatMul ≠ MatMulT(NoTrans, NoTrans) (-MatMulT +MatMul):\n%s", d)
					}
				}
			})
		}
	}
	cases := []struct {
		name string
		a, b []int
	}{
		{"broadcast batch axes", []int{3, 1, 4, 5}, []int{2, 5, 6}},
		{"batch and matrix", []int{2, 3, 4, 5}, []int{5, 6}},
		{"vector·matrix", []int{3}, []int{3, 4}},
		{"batch·vector", []int{2, 5, 3}, []int{3}},
		{"vector·vector", []int{65}, []int{65}},
		{"k = 0", []int{2, 3, 0}, []int{0, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := tensor.RandN(rng, tc.a...).To(tensor.Float32)
			b := tensor.RandN(rng, tc.b...).To(tensor.Float32)
			got := tensor.MatMul(a, b)
			want := tensor.MatMul(a.To(tensor.Float64), b.To(tensor.Float64))
			abs := tensor.MatMul(absOf(a), absOf(b))
			checkSgemmBound(t, got, want, abs, max(1, a.Dim(-1)))
		})
	}
	t.Run("GemmTo alpha beta", func(t *testing.T) {
		a := tensor.RandN(rng, 13, 7).To(tensor.Float32)
		b := tensor.RandN(rng, 65, 13).To(tensor.Float32)
		c := tensor.RandN(rng, 7, 65).To(tensor.Float32)
		alpha, beta := -2.0, 0.5 // exact in float32, so only the products round
		want := tensor.Add(tensor.Scale(naiveMatMul(a.To(tensor.Float64), b.To(tensor.Float64), tensor.Trans, tensor.Trans), alpha),
			tensor.Scale(c.To(tensor.Float64), beta))
		abs := tensor.Add(tensor.Scale(naiveMatMul(absOf(a), absOf(b), tensor.Trans, tensor.Trans), -alpha),
			tensor.Scale(absOf(c), beta))
		dst := c.Copy()
		if got := tensor.GemmTo(dst, alpha, a, tensor.Trans, b, tensor.Trans, beta); got != dst {
			t.Errorf("GemmTo did not return dst")
		}
		checkSgemmBound(t, dst, want, abs, 13+2)
	})
	t.Run("GemmTo beta 0 ignores NaN", func(t *testing.T) {
		a, b := tensor.Float32.Ones(2, 3), tensor.Float32.Ones(3, 2)
		dst := tensor.GemmTo(tensor.Float32.Full(math.NaN(), 2, 2), 1, a, tensor.NoTrans, b, tensor.NoTrans, 0)
		if d := diffTyped(tensor.Float32.Full(3, 2, 2), dst, exact); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("k = 0 scales dst by beta", func(t *testing.T) {
		dst := tensor.GemmTo(tensor.Float32.Full(2, 3, 4), 1, tensor.Float32.Zeros(3, 0), tensor.NoTrans,
			tensor.Float32.Zeros(0, 4), tensor.NoTrans, 0.5)
		if d := diffTyped(tensor.Float32.Ones(3, 4), dst, exact); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("integers are exact", func(t *testing.T) {
		// Products and sums of these small integers are exact in float32.
		a := tensor.New32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
		b := tensor.New32([]float32{7, 8, 9, 10, 11, 12}, 3, 2)
		if d := diffTyped(tensor.New32([]float32{58, 64, 139, 154}, 2, 2), tensor.MatMul(a, b), exact); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
}

func TestMatMulDTypePanics(t *testing.T) {
	a, b := tensor.Zeros(2, 3), tensor.Float32.Zeros(3, 2)
	runPanics(t, []panicRow{
		{"MatMul", func() { tensor.MatMul(a, b) }, tensor.ErrDType, []string{"tensor.MatMul", "float64 and float32", "[2 3]", "[3 2]"}},
		{"MatMul vector types", func() { tensor.MatMul(tensor.Float32.Zeros(2), a) }, tensor.ErrDType, []string{"tensor.MatMul", "float32 and float64"}},
		{"MatMulT", func() { tensor.MatMulT(b, a, tensor.NoTrans, tensor.NoTrans) }, tensor.ErrDType, []string{"tensor.MatMulT", "float32 and float64"}},
		{"GemmTo operands", func() { tensor.GemmTo(tensor.Zeros(2, 2), 1, a, tensor.NoTrans, b, tensor.NoTrans, 0) }, tensor.ErrDType, []string{"tensor.MatMul", "float64 and float32"}},
		{"GemmTo dst", func() { tensor.GemmTo(tensor.Float32.Zeros(2, 2), 1, a, tensor.NoTrans, a, tensor.Trans, 0) }, tensor.ErrDType, []string{"tensor.MatMul", "float32 and float64"}},
		{"shape before type", func() { tensor.MatMul(a, tensor.Float32.Zeros(2, 2)) }, tensor.ErrShape, []string{"tensor.MatMul", "[2 3]", "[2 2]"}},
	})
}

func TestMatMulPanics(t *testing.T) {
	m23, m43 := tensor.Zeros(2, 3), tensor.Zeros(4, 3)
	runPanics(t, []panicRow{
		{"vector inner", func() { tensor.MatMul(tensor.Zeros(3), m23) }, tensor.ErrShape, []string{"tensor.MatMul", "[3]", "[2 3]", "3 vs 2"}},
		{"vector·vector inner", func() { tensor.MatMul(tensor.Zeros(3), tensor.Zeros(2)) }, tensor.ErrShape, []string{"tensor.MatMul", "[3]", "[2]", "3 vs 2"}},
		{"0-d left", func() { tensor.MatMul(tensor.Scalar(1), tensor.Zeros(3)) }, tensor.ErrShape, []string{"tensor.MatMul", "[]", "[3]", "rank"}},
		{"MatMulT vector", func() { tensor.MatMulT(tensor.Zeros(3), m23, tensor.NoTrans, tensor.NoTrans) }, tensor.ErrShape, []string{"tensor.MatMulT", "[3]", "[2 3]", "MatMul"}},
		{"GemmTo vector", func() { tensor.GemmTo(tensor.Zeros(2), 1, m23, tensor.NoTrans, tensor.Zeros(3), tensor.NoTrans, 0) }, tensor.ErrShape, []string{"[2 3]", "[3]", "rank"}},
		{"0-d", func() { tensor.MatMul(m23, tensor.Scalar(1)) }, tensor.ErrShape, []string{"tensor.MatMul", "[2 3]", "[]"}},
		{"inner", func() { tensor.MatMul(m23, m43) }, tensor.ErrShape, []string{"tensor.MatMul", "[2 3]", "[4 3]", "3 vs 4"}},
		{"inner transA", func() { tensor.MatMulT(m23, m43, tensor.Trans, tensor.NoTrans) }, tensor.ErrShape, []string{"tensor.MatMul", "[2 3]", "[4 3]", "transA=true"}},
		{"batch", func() { tensor.MatMul(tensor.Zeros(2, 2, 3), tensor.Zeros(3, 3, 1)) }, tensor.ErrShape, []string{"tensor.MatMul", "[2 2 3]", "[3 3 1]", "batch"}},
		{"GemmTo dst", func() { tensor.GemmTo(tensor.Zeros(3, 2), 1, m23, tensor.NoTrans, m43, tensor.Trans, 0) }, tensor.ErrShape, []string{"tensor.MatMul", "[3 2]", "[2 4]"}},
		{"GemmTo dst rank", func() { tensor.GemmTo(tensor.Zeros(1, 2, 4), 1, m23, tensor.NoTrans, m43, tensor.Trans, 0) }, tensor.ErrShape, []string{"tensor.MatMul", "[1 2 4]", "[2 4]"}},
	})
}

func benchMatMul(b *testing.B, n int) { benchMatMulOf(b, tensor.Float64, n) }

// benchMatMulOf times MatMul of two n×n matrices of type d, reporting
// GFLOP/s (2n³ flops per product) beside the time.
func benchMatMulOf(b *testing.B, d tensor.DType, n int) {
	rng := tapegradtest.NewRNG()
	x, y := tensor.RandN(rng, n, n).To(d), tensor.RandN(rng, n, n).To(d)
	b.ReportAllocs()
	for b.Loop() {
		tensor.MatMul(x, y)
	}
	b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkMatMulSmall(b *testing.B)  { benchMatMul(b, 8) }
func BenchmarkMatMulMedium(b *testing.B) { benchMatMul(b, 64) }
func BenchmarkMatMulLarge(b *testing.B)  { benchMatMul(b, 256) }

func BenchmarkMatMulSmall32(b *testing.B)  { benchMatMulOf(b, tensor.Float32, 8) }
func BenchmarkMatMulMedium32(b *testing.B) { benchMatMulOf(b, tensor.Float32, 64) }
func BenchmarkMatMulLarge32(b *testing.B)  { benchMatMulOf(b, tensor.Float32, 256) }

// BenchmarkMatMul1024 is the size issue 12's throughput target is stated
// at: 1024² products of each element type.
func BenchmarkMatMul1024(b *testing.B) {
	for _, d := range []tensor.DType{tensor.Float64, tensor.Float32} {
		b.Run(d.String(), func(b *testing.B) { benchMatMulOf(b, d, 1024) })
	}
}

// TestGemmOuterProducts checks GemmTo's k = 1 path (outer products, split
// over the threads when large) against the definition, for both element
// types, β = 0, 1 and another, transposed and broadcast operands: a
// batch of (m, 1)·(1, n) products as per-sample weight gradients make.
func TestGemmOuterProducts(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const batch, m, n = 8, 100, 400 // 320 000 outputs: the threaded path
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		for _, beta := range []float64{0, 1, 0.5} {
			for _, ta := range []tensor.Transposition{tensor.NoTrans, tensor.Trans} {
				as := []int{batch, m, 1}
				if ta == tensor.Trans {
					as = []int{batch, 1, m}
				}
				a := tensor.RandN(rng, as...).To(dt)
				b := tensor.RandN(rng, 1, n).To(dt) // broadcast over the batch
				c0 := tensor.RandN(rng, batch, m, n).To(dt)
				got := tensor.GemmTo(c0.Copy(), 2, a, ta, b, tensor.NoTrans, beta)
				av, bv, cv, gv := a.Float64s(), b.Float64s(), c0.Float64s(), got.Float64s()
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-5
				}
				for s := range batch {
					for i := range m {
						for j := range n {
							want := 2*av[s*m+i]*bv[j] + beta*cv[(s*m+i)*n+j]
							if g := gv[(s*m+i)*n+j]; math.Abs(g-want) > tol*(1+math.Abs(want)) {
								t.Fatalf("%v β=%v %v: c[%d,%d,%d] = %v, want %v", dt, beta, ta, s, i, j, g, want)
							}
						}
					}
				}
			}
		}
	}
}
