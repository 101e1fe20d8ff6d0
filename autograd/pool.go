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
	bufs  []*tensor.Tensor              // buffers in the order the passes took them
	next  int                           // bufs[:next] are taken by this pass
	free  map[spareKey][]*tensor.Tensor // spare buffers by element type and count
	small [2][64][]*tensor.Tensor       // the same for small counts, by type, without a map lookup
	busy  atomic.Bool                   // allocSlow runs: a second goroutine there is misuse
}

// spareKey files a spare buffer: a buffer is reused only for its own
// element type.
type spareKey struct {
	n  int
	dt tensor.DType
}

func newPool() pool { return pool{free: map[spareKey][]*tensor.Tensor{}} }

// rewind offers the buffers again, in the order this pass took them.
func (p *pool) rewind() { p.next = 0 }

// alloc returns a tensor of type dt and the given shape (contents unspecified).
func (p *pool) alloc(dt tensor.DType, shape []int) *tensor.Tensor {
	if p.next < len(p.bufs) {
		if t := p.bufs[p.next]; t.DType() == dt && slices.Equal(t.Shape(), shape) {
			p.next++
			return t
		}
	}
	return p.allocSlow(dt, shape)
}

// allocSlow is alloc when the next buffer of the replay has another shape.
//
// Only one goroutine may be in it: a second one (a tape used by two
// goroutines at once) panics with ErrTape rather than write the spares' map
// concurrently, which the Go runtime would end with a fatal error. The
// replay's hit path in alloc needs no such guard: it touches no map.
func (p *pool) allocSlow(dt tensor.DType, shape []int) *tensor.Tensor {
	if !p.busy.CompareAndSwap(false, true) {
		panic(fmt.Errorf("%w: the tape's buffer pool is in use by another goroutine (use one tape per goroutine)", ErrTape))
	}
	defer p.busy.Store(false)
	n := 1
	for _, d := range shape {
		n *= d
	}
	if p.next < len(p.bufs) {
		if t := p.bufs[p.next]; t.Len() == n && t.DType() == dt {
			p.next++
			return shapes.Reuse(t, shape)
		}
		p.spill()
	}
	var t *tensor.Tensor
	if small := &p.small[dt&1]; n < len(small) {
		if l := small[n]; len(l) > 0 {
			t = l[len(l)-1]
			small[n] = l[:len(l)-1]
		}
	} else if l := p.free[spareKey{n, dt}]; len(l) > 0 {
		t = l[len(l)-1]
		p.free[spareKey{n, dt}] = l[:len(l)-1]
	}
	if t != nil {
		if !slices.Equal(t.Shape(), shape) {
			t = shapes.Reuse(t, shape)
		}
	} else {
		t = dt.Zeros(shape...)
	}
	p.bufs = append(p.bufs, t)
	p.next++
	return t
}

// spill ends the replay: the buffers this pass has not taken become spares.
func (p *pool) spill() {
	for _, t := range p.bufs[p.next:] {
		small := &p.small[t.DType()&1]
		if n := t.Len(); n < len(small) {
			small[n] = append(small[n], t)
		} else {
			k := spareKey{n, t.DType()}
			p.free[k] = append(p.free[k], t)
		}
	}
	clear(p.bufs[p.next:])
	p.bufs = p.bufs[:p.next]
}
