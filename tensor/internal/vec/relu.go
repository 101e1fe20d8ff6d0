package vec

import (
	"errors"
	"fmt"
	"math"
)

// ErrLength is the sentinel wrapped by the kernels' panics when an output
// or operand slice is shorter than the input that sets the length.
var ErrLength = errors.New("vec: slice too short")

// ReLU sets dst[i] = x[i] where x[i] > 0 or x[i] is NaN, and +0 elsewhere,
// for i < len(x): max(x[i], 0) as Go and PyTorch define it, −0 and −Inf
// mapped to +0, and a NaN passed through bit for bit, sign and payload
// kept (Go's max on amd64 clears a NaN's sign bit). dst may be x. It
// panics with an error wrapping ErrLength if len(dst) < len(x).
func ReLU(dst, x []float64) {
	if len(dst) < len(x) {
		panic(fmt.Errorf("vec.ReLU: %w: len(dst) = %d < len(x) = %d", ErrLength, len(dst), len(x)))
	}
	relu(dst[:len(x)], x)
}

// ReLUBackward sets dst[i] = g[i] where y[i] > 0 and +0 elsewhere, for
// i < len(y): ReLU's vector-Jacobian product written in terms of its
// output y = ReLU(x), which is positive exactly where x is (PyTorch's
// threshold_backward rule "g where y > 0 else 0"). A NaN, zero (of either
// sign) or negative y gives +0; a kept g[i] is copied bit for bit, NaN,
// Inf and −0 included. dst may be y or g. It panics with an error wrapping
// ErrLength if len(dst) or len(g) is less than len(y).
func ReLUBackward(dst, y, g []float64) {
	if len(dst) < len(y) || len(g) < len(y) {
		panic(fmt.Errorf("vec.ReLUBackward: %w: len(dst) = %d, len(g) = %d, want ≥ len(y) = %d", ErrLength, len(dst), len(g), len(y)))
	}
	reluBackward(dst[:len(y)], y, g[:len(y)])
}

// reluGo is the portable ReLU kernel, for len(dst) = len(x). The mask,
// set without a branch (signs of activations are random, so a branch
// would be mispredicted half the time), keeps every bit of x where
// !(x ≤ 0), that is x > 0 or NaN. Go's own max(x, 0) is not used: on amd64
// it clears the sign bit of a NaN.
func reluGo(dst, x []float64) {
	dst = dst[:len(x)]
	for i, v := range x {
		var keep uint64
		if !(v <= 0) {
			keep = 1
		}
		dst[i] = math.Float64frombits(math.Float64bits(v) & -keep)
	}
}

// reluBackwardGo is the portable ReLUBackward kernel, for slices of one
// length: g's bits under a mask that is all ones where y > 0.
func reluBackwardGo(dst, y, g []float64) {
	dst, g = dst[:len(y)], g[:len(y)]
	for i, v := range y {
		var keep uint64
		if v > 0 {
			keep = 1
		}
		dst[i] = math.Float64frombits(math.Float64bits(g[i]) & -keep)
	}
}

// ReLU32 is ReLU for float32: dst[i] = x[i] where x[i] > 0 or x[i] is
// NaN (bit for bit), +0 elsewhere, for i < len(x). dst may be x. It panics
// with an error wrapping ErrLength if len(dst) < len(x).
func ReLU32(dst, x []float32) {
	if len(dst) < len(x) {
		panic(fmt.Errorf("vec.ReLU32: %w: len(dst) = %d < len(x) = %d", ErrLength, len(dst), len(x)))
	}
	relu32(dst[:len(x)], x)
}

// ReLUBackward32 is ReLUBackward for float32: dst[i] = g[i] (bit for bit)
// where y[i] > 0 and +0 elsewhere, for i < len(y). dst may be y or g. It
// panics with an error wrapping ErrLength if len(dst) or len(g) is less
// than len(y).
func ReLUBackward32(dst, y, g []float32) {
	if len(dst) < len(y) || len(g) < len(y) {
		panic(fmt.Errorf("vec.ReLUBackward32: %w: len(dst) = %d, len(g) = %d, want ≥ len(y) = %d", ErrLength, len(dst), len(g), len(y)))
	}
	reluBackward32(dst[:len(y)], y, g[:len(y)])
}

// reluGo32 is reluGo for float32.
func reluGo32(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		var keep uint32
		if !(v <= 0) {
			keep = 1
		}
		dst[i] = math.Float32frombits(math.Float32bits(v) & -keep)
	}
}

// reluBackwardGo32 is reluBackwardGo for float32.
func reluBackwardGo32(dst, y, g []float32) {
	dst, g = dst[:len(y)], g[:len(y)]
	for i, v := range y {
		var keep uint32
		if v > 0 {
			keep = 1
		}
		dst[i] = math.Float32frombits(math.Float32bits(g[i]) & -keep)
	}
}
