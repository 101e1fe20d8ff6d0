package shapes

// maxAllocBytes is the Go runtime's limit on one allocation on ios/arm64
// (runtime/malloc.go's maxAlloc: heapAddrBits is 40).
const maxAllocBytes = 1 << 40
