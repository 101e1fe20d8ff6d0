package autograd

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// pool is a tape's buffer pool: the values of its ops and gradients.
//
// Training repeats the same passes, so the pool replays them: it keeps its
// buffers in the order they were taken, and the pass after a Reset is
// offered them in that order, each at the cost of a shape test (inlined in
// alloc; allocSlow does the rest). At the first buffer of the wrong length
// the replay stops: the buffers not yet taken become spares, found by
// element count.
type pool struct {
	bufs  []*tensor.Tensor         // buffers in the order the passes took them
	next  int                      // bufs[:next] are taken by this pass
	free  map[int][]*tensor.Tensor // spare buffers by element count
	small [64][]*tensor.Tensor     // the same for small counts, without a map lookup
	busy  atomic.Bool              // allocSlow runs: a second goroutine there is misuse
}

func newPool() pool { return pool{free: map[int][]*tensor.Tensor{}} }

// rewind offers the buffers again, in the order this pass took them.
func (p *pool) rewind() { p.next = 0 }

// alloc returns a tensor of the given shape (contents unspecified).
func (p *pool) alloc(shape []int) *tensor.Tensor {
	if p.next < len(p.bufs) {
		if t := p.bufs[p.next]; slices.Equal(t.Shape(), shape) {
			p.next++
			return t
		}
	}
	return p.allocSlow(shape)
}

// allocSlow is alloc when the next buffer of the replay has another shape.
//
// Only one goroutine may be in it: a second one (a tape used by two
// goroutines at once) panics with ErrTape rather than write the spares' map
// concurrently, which the Go runtime would end with a fatal error. The
// replay's hit path in alloc needs no such guard: it touches no map.
func (p *pool) allocSlow(shape []int) *tensor.Tensor {
	if !p.busy.CompareAndSwap(false, true) {
		panic(fmt.Errorf("%w: the tape's buffer pool is in use by another goroutine (use one tape per goroutine)", ErrTape))
	}
	defer p.busy.Store(false)
	n := 1
	for _, d := range shape {
		n *= d
	}
	if p.next < len(p.bufs) {
		if t := p.bufs[p.next]; t.Len() == n {
			p.next++
			return shapes.Reuse(t, shape)
		}
		p.spill()
	}
	var t *tensor.Tensor
	if n < len(p.small) {
		if l := p.small[n]; len(l) > 0 {
			t = l[len(l)-1]
			p.small[n] = l[:len(l)-1]
		}
	} else if l := p.free[n]; len(l) > 0 {
		t = l[len(l)-1]
		p.free[n] = l[:len(l)-1]
	}
	if t != nil {
		if !slices.Equal(t.Shape(), shape) {
			t = shapes.Reuse(t, shape)
		}
	} else {
		t = tensor.Zeros(shape...)
	}
	p.bufs = append(p.bufs, t)
	p.next++
	return t
}

// spill ends the replay: the buffers this pass has not taken become spares.
func (p *pool) spill() {
	for _, t := range p.bufs[p.next:] {
		if n := t.Len(); n < len(p.small) {
			p.small[n] = append(p.small[n], t)
		} else {
			p.free[n] = append(p.free[n], t)
		}
	}
	clear(p.bufs[p.next:])
	p.bufs = p.bufs[:p.next]
}
