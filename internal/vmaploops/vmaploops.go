// Package vmaploops counts, per op, the batching rules of autograd.Vmap
// that fell back to one computation per slice, so that a test can list
// them (and notice when an op starts looping).
package vmaploops

import (
	"maps"
	"sync"
)

var counts struct {
	sync.Mutex
	n map[string]int
}

// Count records one fallback of op.
func Count(op string) {
	counts.Lock()
	defer counts.Unlock()
	if counts.n == nil {
		counts.n = map[string]int{}
	}
	counts.n[op]++
}

// Snapshot returns the counts so far.
func Snapshot() map[string]int {
	counts.Lock()
	defer counts.Unlock()
	return maps.Clone(counts.n)
}
