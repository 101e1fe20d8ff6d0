//go:build !wasm && !(ios && arm64)

package shapes

// maxAllocBytes is the Go runtime's limit on the size of one allocation
// (runtime/malloc.go's maxAlloc: 1 << heapAddrBits, 48 bits here; on
// 32-bit platforms math.MaxInt is the smaller bound).
const maxAllocBytes = 1 << 48
