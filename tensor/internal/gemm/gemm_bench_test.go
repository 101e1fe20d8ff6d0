package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// benchShapes are the square sizes and W1's layers of the MNIST MLP
// (batch 64, 784 → 256 → 128): forward X·W, the input gradient G·Wᵀ and
// the weight gradient Xᵀ·G of the first, the forward product and weight
// gradient of the second.
var benchShapes = []struct {
	name string
	p    problem
}{
	{"64", problem{m: 64, n: 64, k: 64, alpha: 1}},
	{"256", problem{m: 256, n: 256, k: 256, alpha: 1}},
	{"1024", problem{m: 1024, n: 1024, k: 1024, alpha: 1}},
	{"W1/X·W", problem{m: 64, n: 256, k: 784, alpha: 1}},
	{"W1/G·Wᵀ", problem{m: 64, n: 784, k: 256, transB: true, alpha: 1}},
	{"W1/Xᵀ·G", problem{m: 784, n: 256, k: 64, transA: true, alpha: 1}},
	{"W1/H·W2", problem{m: 64, n: 128, k: 256, alpha: 1}},
	{"W1/Hᵀ·G2", problem{m: 256, n: 128, k: 64, transA: true, alpha: 1}},
	{"W2/4×2·2×16", problem{m: 4, n: 16, k: 2, alpha: 1}},
}

func benchGemm[T elem](b *testing.B, p problem, f func(a []T, lda int, bb []T, ldb int, c []T, ldc int)) {
	a64, lda, b64, ldb, c64, ldc := p.operands(rand.New(rand.NewPCG(1, 2)))
	a, bb, c := conv[T](a64), conv[T](b64), conv[T](c64)
	f(a, lda, bb, ldb, c, ldc) // warm buffers and workers
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f(a, lda, bb, ldb, c, ldc)
	}
	b.ReportMetric(2*float64(p.m*p.n*p.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkDgemm compares Dgemm with gonum's blas64.Gemm; run with
// -cpu 1,2 for one and two threads.
func BenchmarkDgemm(b *testing.B) {
	for _, s := range benchShapes {
		p := s.p
		b.Run("tapegrad/"+s.name, func(b *testing.B) { benchGemm(b, p, dgemmRun(p)) })
		b.Run("gonum/"+s.name, func(b *testing.B) {
			benchGemm(b, p, func(a []float64, lda int, bb []float64, ldb int, c []float64, ldc int) {
				ta, tb := blas.NoTrans, blas.NoTrans
				ar, ac, br, bc := p.m, p.k, p.k, p.n
				if p.transA {
					ta, ar, ac = blas.Trans, p.k, p.m
				}
				if p.transB {
					tb, br, bc = blas.Trans, p.n, p.k
				}
				blas64.Gemm(ta, tb, p.alpha,
					blas64.General{Rows: ar, Cols: ac, Stride: lda, Data: a},
					blas64.General{Rows: br, Cols: bc, Stride: ldb, Data: bb},
					p.beta, blas64.General{Rows: p.m, Cols: p.n, Stride: ldc, Data: c})
			})
		})
	}
}

// BenchmarkSgemm compares Sgemm with Dgemm on squares; run with -cpu 1,2
// for one and two threads. float32 doubles the SIMD width, so Sgemm's
// GFLOP/s should approach twice Dgemm's.
func BenchmarkSgemm(b *testing.B) {
	for _, n := range []int{256, 512, 1024} {
		p := problem{m: n, n: n, k: n, alpha: 1}
		b.Run(fmt.Sprintf("f32/%d", n), func(b *testing.B) { benchGemm(b, p, sgemmRun(p)) })
		b.Run(fmt.Sprintf("f64/%d", n), func(b *testing.B) { benchGemm(b, p, dgemmRun(p)) })
	}
}

// BenchmarkBlocking32 is BenchmarkBlocking for Sgemm; defaultBlocking32
// comes from its results.
func BenchmarkBlocking32(b *testing.B) {
	for _, n := range []int{256, 1024} {
		p := problem{m: n, n: n, k: n, alpha: 1}
		for _, mc := range []int{72, 96, 144, 192} {
			for _, kc := range []int{256, 384, 512, 768} {
				for _, nc := range []int{1024, 2048, 4096} {
					blk := blocking{mc: mc, kc: kc, nc: nc}
					b.Run(fmt.Sprintf("n=%d/mc=%d/kc=%d/nc=%d", n, mc, kc, nc), func(b *testing.B) {
						benchGemm(b, p, func(a []float32, lda int, bb []float32, ldb int, c []float32, ldc int) {
							parallel(1, blk, false, false, p.m, p.n, p.k, 1, a, lda, bb, ldb, 0, c, ldc)
						})
					})
				}
			}
		}
	}
}

// BenchmarkBlocking measures single-thread GFLOP/s of the packed path for
// candidate cache block sizes; defaultBlocking comes from its results.
func BenchmarkBlocking(b *testing.B) {
	for _, n := range []int{256, 1024} {
		p := problem{m: n, n: n, k: n, alpha: 1}
		for _, mc := range []int{48, 72, 96, 144, 192} {
			for _, kc := range []int{128, 192, 256, 320, 384, 512} {
				for _, nc := range []int{512, 1024, 2048, 4096} {
					blk := blocking{mc: mc, kc: kc, nc: nc}
					b.Run(fmt.Sprintf("n=%d/mc=%d/kc=%d/nc=%d", n, mc, kc, nc), func(b *testing.B) {
						benchGemm(b, p, func(a []float64, lda int, bb []float64, ldb int, c []float64, ldc int) {
							parallel(1, blk, false, false, p.m, p.n, p.k, 1, a, lda, bb, ldb, 0, c, ldc)
						})
					})
				}
			}
		}
	}
}

// BenchmarkThreshold compares the direct loop, the packed path on one
// thread and on all threads around the smallWork and parWork thresholds.
func BenchmarkThreshold(b *testing.B) {
	// Squares, and W2's products (4×2·2×16 forward, 4×16·16×16 and friends).
	shapes := [][3]int{{4, 16, 2}, {4, 16, 16}, {16, 16, 4}, {2, 16, 4}}
	for _, n := range []int{4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 160} {
		shapes = append(shapes, [3]int{n, n, n})
	}
	for _, sh := range shapes {
		for _, tr := range [][2]bool{{false, false}, {true, true}} {
			p := problem{m: sh[0], n: sh[1], k: sh[2], alpha: 1, transA: tr[0], transB: tr[1]}
			n := fmt.Sprintf("%dx%dx%d", sh[0], sh[1], sh[2])
			b.Run(fmt.Sprintf("direct/tA=%v,tB=%v/%s", tr[0], tr[1], n), func(b *testing.B) {
				benchGemm(b, p, func(a []float64, lda int, bb []float64, ldb int, c []float64, ldc int) {
					direct(p.transA, p.transB, p.m, p.n, p.k, 1, a, lda, bb, ldb, 0, c, ldc)
				})
			})
			b.Run(fmt.Sprintf("packed1/tA=%v,tB=%v/%s", tr[0], tr[1], n), func(b *testing.B) {
				benchGemm(b, p, func(a []float64, lda int, bb []float64, ldb int, c []float64, ldc int) {
					parallel(1, defaultBlocking, p.transA, p.transB, p.m, p.n, p.k, 1, a, lda, bb, ldb, 0, c, ldc)
				})
			})
			b.Run(fmt.Sprintf("packed2/tA=%v,tB=%v/%s", tr[0], tr[1], n), func(b *testing.B) {
				benchGemm(b, p, func(a []float64, lda int, bb []float64, ldb int, c []float64, ldc int) {
					parallel(2, defaultBlocking, p.transA, p.transB, p.m, p.n, p.k, 1, a, lda, bb, ldb, 0, c, ldc)
				})
			})
		}
	}
}

// BenchmarkKernel measures the micro-kernel alone on L1-resident slivers:
// the practical FMA peak of one core.
func BenchmarkKernel(b *testing.B) {
	const k = 256
	a := make([]float64, k*mr)
	bb := make([]float64, k*nr)
	c := make([]float64, mr*nr)
	b.ReportAllocs()
	for b.Loop() {
		kernel(k, a, bb, c, nr, 1, 1)
	}
	b.ReportMetric(2*float64(mr*nr*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkKernel32 is BenchmarkKernel for the float32 micro-kernel.
func BenchmarkKernel32(b *testing.B) {
	const k = 256
	a := make([]float32, k*mr)
	bb := make([]float32, k*nr32)
	c := make([]float32, mr*nr32)
	b.ReportAllocs()
	for b.Loop() {
		kernel32(k, a, bb, c, nr32, 1, 1)
	}
	b.ReportMetric(2*float64(mr*nr32*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
