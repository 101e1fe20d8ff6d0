package autograd

import (
	"errors"
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestStaleVarAfterCounterPasses32Bits: a Var of an early pass stays
// stale however many Resets follow. (With a 32-bit counter, the 2³²-th
// Reset brought generation 1 back and tp.Add(stale, stale) computed with a
// recycled buffer.) The counter is set near 2³² rather than reset 4·10⁹
// times.
func TestStaleVarAfterCounterPasses32Bits(t *testing.T) {
	tp := NewTape()
	stale := tp.Var(tensor.Ones(2))
	tp.gen = math.MaxUint32
	tp.Reset()
	err := tapegradtest.Catch(func() { tp.Add(stale, stale) })
	if !errors.Is(err, ErrTape) {
		t.Errorf("a Var of the first pass after the counter passed 2³²: got %v, want ErrTape", err)
	}
}
