package shapes

// maxAllocBytes is the Go runtime's limit on one allocation on wasm
// (runtime/malloc.go's maxAlloc: heapAddrBits is 32).
const maxAllocBytes = 1 << 32
