//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// useAsm reports whether the assembly kernels are in use. They need AVX
// (256-bit VCMPPD, VANDPD, VMOVUPD) and the OS's support for YMM state,
// both of which cpu.X86.HasAVX checks.
var useAsm = cpu.X86.HasAVX

func relu(dst, x []float64) {
	if useAsm {
		reluAVX(dst, x)
		return
	}
	reluGo(dst, x)
}

func reluBackward(dst, y, g []float64) {
	if useAsm {
		reluBackwardAVX(dst, y, g)
		return
	}
	reluBackwardGo(dst, y, g)
}

// reluAVX is reluGo in AVX assembly. It processes len(x) elements; dst
// must be at least as long.
//
//go:noescape
func reluAVX(dst, x []float64)

// reluBackwardAVX is reluBackwardGo in AVX assembly. It processes len(y)
// elements; dst and g must be at least as long.
//
//go:noescape
func reluBackwardAVX(dst, y, g []float64)

func relu32(dst, x []float32) {
	if useAsm {
		reluAVX32(dst, x)
		return
	}
	reluGo32(dst, x)
}

func reluBackward32(dst, y, g []float32) {
	if useAsm {
		reluBackwardAVX32(dst, y, g)
		return
	}
	reluBackwardGo32(dst, y, g)
}

// reluAVX32 is reluGo32 in AVX assembly (eight float32s per register). It
// processes len(x) elements; dst must be at least as long.
//
//go:noescape
func reluAVX32(dst, x []float32)

// reluBackwardAVX32 is reluBackwardGo32 in AVX assembly. It processes
// len(y) elements; dst and g must be at least as long.
//
//go:noescape
func reluBackwardAVX32(dst, y, g []float32)
