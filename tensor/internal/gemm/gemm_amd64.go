//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// useAsm reports whether the assembly micro-kernels are in use.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

func init() {
	if useAsm {
		kernel = kernelAVX2
		kernel32 = kernel32AVX2
	}
}

// kernel6x8AVX2 is the micro-kernel of kernel in AVX2+FMA assembly, with
// the tile's 48 sums in twelve YMM registers. a, b and c must hold k·6,
// k·8 and 5·ldc+8 elements.
//
//go:noescape
func kernel6x8AVX2(k int, a, b, c *float64, ldc int, alpha, beta float64)

func kernelAVX2(k int, a, b, c []float64, ldc int, alpha, beta float64) {
	_ = a[k*mr-1]
	_ = b[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x8AVX2(k, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

// kernel6x16AVX2 is the float32 micro-kernel of kernel32 in AVX2+FMA
// assembly, with the tile's 96 sums in twelve YMM registers (eight
// float32 each). a, b and c must hold k·6, k·16 and 5·ldc+16 elements.
//
//go:noescape
func kernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)

func kernel32AVX2(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[k*mr-1]
	_ = b[k*nr32-1]
	_ = c[(mr-1)*ldc+nr32-1]
	kernel6x16AVX2(k, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

// kernel6x8IndAVX2 is kernel6x8AVX2 with an indirect Ã (see Indirect)
// and alpha = 1, beta = 0: C[r, 0:8] = Σ_p x[off[p]+r]·b[p·8 : p·8+8].
//
//go:noescape
func kernel6x8IndAVX2(k int, x *float64, off *int, b *float64, c *float64, ldc int)

// kernel6x16IndAVX2 is kernel6x8IndAVX2 for float32.
//
//go:noescape
func kernel6x16IndAVX2(k int, x *float32, off *int, b *float32, c *float32, ldc int)

// indirect runs Indirect's tiles with the assembly kernels.
func indirect[T elem](x []T, bases, off []int, bp []T, n int, c []T, ldc int) {
	k := len(off)
	switch xs := any(x).(type) {
	case []float64:
		bs, cs := any(bp).([]float64), any(c).([]float64)
		for jr := 0; jr < n; jr += nr {
			for s, base := range bases {
				kernel6x8IndAVX2(k, &xs[base], &off[0], &bs[jr*k], &cs[s*mr*ldc+jr], ldc)
			}
		}
	case []float32:
		bs, cs := any(bp).([]float32), any(c).([]float32)
		for jr := 0; jr < n; jr += nr32 {
			for s, base := range bases {
				kernel6x16IndAVX2(k, &xs[base], &off[0], &bs[jr*k], &cs[s*mr*ldc+jr], ldc)
			}
		}
	default:
		panic("gemm: Indirect of a named element type")
	}
}
