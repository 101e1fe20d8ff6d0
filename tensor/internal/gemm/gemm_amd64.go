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
