//go:build !amd64 || purego

package vec

// useAsm reports whether the assembly kernels are in use.
const useAsm = false

func relu(dst, x []float64)            { reluGo(dst, x) }
func reluBackward(dst, y, g []float64) { reluBackwardGo(dst, y, g) }

func relu32(dst, x []float32)            { reluGo32(dst, x) }
func reluBackward32(dst, y, g []float32) { reluBackwardGo32(dst, y, g) }
