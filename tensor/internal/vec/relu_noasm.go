//go:build !amd64 || purego

package vec

// useAsm reports whether the assembly kernels are in use.
const useAsm = false

func relu(dst, x []float64)            { reluGo(dst, x) }
func reluBackward(dst, y, g []float64) { reluBackwardGo(dst, y, g) }
