package autograd

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/internal/vmaploops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestVmapLoopsWithoutRule: a function holding an op that has no
// batching rule (here a test op, doubling, outside the table) runs once
// per slice, and the fallback is counted for the op.
func TestVmapLoopsWithoutRule(t *testing.T) {
	double := &op{name: "double_no_batch", text: "∂x = 2g",
		vjp: func(tp *Tape, y, g Var, gin []Var) { gin[0] = tp.Scale(g, 2) },
		jvp: func(tp *Tape, y Var, tin []Var) Var { return tp.Scale(tin[0], 2) },
	}
	f := func(tp *Tape, x []Var) []Var {
		v := tp.val(x[0])
		y := tp.record(double, tensor.Scale(v, 2), nil, x[0])
		return []Var{tp.Sum(tp.Mul(y, x[1]))}
	}
	before := vmaploops.Snapshot()["double_no_batch"]
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	w := tensor.New([]float64{1, 10}, 2)
	got := Call(Vmap(f, []int{0, Unbatched}, nil), x, w)[0]
	if d := cmp.Diff([]float64{42, 86, 130}, got.Float64s()); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
	if n := vmaploops.Snapshot()["double_no_batch"]; n != before+1 {
		t.Errorf("fallbacks counted for the op: %d, want %d", n, before+1)
	}
}
