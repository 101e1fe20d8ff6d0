package shapes

import (
	"fmt"
	"math"
	"math/bits"
)

// MaxElements is the largest element count of a shape: the most float64s
// that one Go allocation may hold, so that make([]float64, n) never fails
// its length check and n·8 bytes never overflows an int. It is
// min(math.MaxInt, maxAllocBytes)/8 with maxAllocBytes the runtime's limit
// on one allocation (runtime/malloc.go's maxAlloc, 2^48 bytes on 64-bit
// platforms but 2^40 on ios/arm64 and 2^32 on wasm): 2^45 elements
// (256 TiB) on 64-bit Linux, macOS and Windows, 2^28 − 1 on 32-bit
// platforms. A count within it may still exceed the memory at hand.
const MaxElements = min(math.MaxInt, maxAllocBytes) / 8

// Numel returns the element count of shape, the product of its dimensions
// (1 for the 0-d shape []), for a tensor made by op. It panics with an
// *Error wrapping ErrShape naming op if a dimension is negative or the
// product of the non-zero dimensions exceeds MaxElements. Counting a shape
// with a 0 that way too keeps every partial product of a valid shape (the
// sizes and strides of its axes) within an int.
func Numel(op string, shape []int) int {
	n, ok := numel(shape)
	if !ok {
		numelPanic(op, shape)
	}
	return n
}

// numel is Numel reporting whether shape is valid instead of panicking.
// It multiplies with bits.Mul, whose high word flags an overflow, so it
// costs no division.
func numel(shape []int) (n int, ok bool) {
	p, zero := uint(1), false
	for _, d := range shape {
		switch {
		case d < 0:
			return 0, false
		case d == 0:
			zero = true
		default:
			hi, lo := bits.Mul(p, uint(d))
			if hi != 0 || lo > MaxElements {
				return 0, false
			}
			p = lo
		}
	}
	if zero {
		return 0, true
	}
	return int(p), true
}

// numelPanic panics with Numel's error for an invalid shape.
func numelPanic(op string, shape []int) {
	for _, d := range shape {
		if d < 0 {
			Panic(op, fmt.Sprintf("negative dimension %d", d), shape)
		}
	}
	Panic(op, fmt.Sprintf("more than MaxElements = %d elements", MaxElements), shape)
}

// CheckDim panics with an *Error wrapping ErrShape naming op if the size d
// of one axis is negative or above MaxElements: what a size such as
// OneHot's class count or Pad's padding must pass before it is added to or
// multiplied with other sizes. shape is the operand's, for the message.
func CheckDim(op, what string, d int, shape []int) {
	if d < 0 {
		Panic(op, fmt.Sprintf("negative %s %d", what, d), shape)
	}
	if d > MaxElements {
		Panic(op, fmt.Sprintf("%s %d is more than MaxElements = %d", what, d, MaxElements), shape)
	}
}
