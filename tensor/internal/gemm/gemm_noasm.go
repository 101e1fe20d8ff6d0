//go:build !amd64 || purego

package gemm

// useAsm reports whether an assembly micro-kernel is in use.
const useAsm = false

// indirect is not available without the assembly kernels (HasIndirect).
func indirect[T elem](x []T, bases, off []int, bp []T, n int, c []T, ldc int) {
	panic("gemm: Indirect without the assembly kernels")
}
