//go:build !amd64 || purego

package gemm

// useAsm reports whether an assembly micro-kernel is in use.
const useAsm = false
