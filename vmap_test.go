package tapegrad_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/vmaploops"
	"github.com/tapegrad/tapegrad/tensor"
)

// vmapSlices is the batch size of TestVmapAgreesWithLoop.
const vmapSlices = 3

// vmapLoops lists the ops whose batching rule falls back to a loop over
// the slices in some case of the gradient-check rows: none (only custom
// ops, whose forward and backward are the user's, loop).
var vmapLoops []string

// TestVmapAgreesWithLoop maps every row of the gradient-check table with
// autograd.Vmap, each input batched alone and all of them at once, and
// compares with a Go loop over the slices: the output, the vector-Jacobian
// product (Vmap of GradOf, per-sample gradients) and the Jacobian-vector
// product (Vmap of a function that carries tangents). Every op's batching
// rule, and the rules of the ops its derivatives record, are exercised.
//
// Tolerance 1e-12 relative and absolute: a batched op computes the same
// numbers as the looped one, up to summation order in products and
// reductions (a few ulp of values of order 1).
func TestVmapAgreesWithLoop(t *testing.T) {
	before := vmaploops.Snapshot()
	defer func() { // which ops fell back to a loop over the slices
		var looped []string
		for op, n := range vmaploops.Snapshot() {
			if n > before[op] {
				looped = append(looped, op)
			}
		}
		slices.Sort(looped)
		t.Logf("ops that looped in some case: %v", looped)
		if d := cmp.Diff(vmapLoops, looped, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("ops that loop (-documented +measured):\n%s", d)
		}
	}()
	for i, row := range gradRows() {
		t.Run(row.name, func(t *testing.T) {
			slices := make([][]*tensor.Tensor, vmapSlices)
			for s := range slices {
				slices[s] = row.inputs(uint64(100*i + s + 1))
			}
			k := len(row.shapes)
			patterns := [][]bool{}
			all := make([]bool, k)
			for j := range all {
				all[j] = true
			}
			patterns = append(patterns, all)
			if k > 1 {
				for j := range k {
					p := make([]bool, k)
					p[j] = true
					patterns = append(patterns, p)
				}
			}
			for _, p := range patterns {
				checkVmapPattern(t, row, slices, p)
			}
		})
	}
}

// checkVmapPattern checks row under Vmap with the inputs marked in batched
// mapped (along axis 0) and the others taken from slice 0.
func checkVmapPattern(t *testing.T, row gradRow, sl [][]*tensor.Tensor, batched []bool) {
	t.Helper()
	k := len(batched)
	per := func(s int) []*tensor.Tensor { // the inputs slice s sees
		in := make([]*tensor.Tensor, k)
		for j := range k {
			in[j] = sl[0][j]
			if batched[j] {
				in[j] = sl[s][j]
			}
		}
		return in
	}
	axes := make([]int, k)
	args := make([]*tensor.Tensor, k)
	for j := range k {
		if !batched[j] {
			axes[j], args[j] = autograd.Unbatched, sl[0][j]
			continue
		}
		st := make([]*tensor.Tensor, len(sl))
		for s := range sl {
			st[s] = sl[s][j]
		}
		args[j] = tensor.Stack(0, st...)
	}
	y0 := autograd.Call(func(tp *autograd.Tape, x []autograd.Var) []autograd.Var { return []autograd.Var{row.f(tp, x)} }, per(0)...)[0]
	rng := rand.New(rand.NewPCG(7, 7))
	v := tensor.RandU(rng, 0.5, 1.5, y0.Shape()...) // the VJP's vector, the same for every slice
	tans := make([]*tensor.Tensor, k)               // the JVP's tangents, batched
	for j := range k {
		tans[j] = tensor.RandU(rng, -1, 1, append([]int{vmapSlices}, sl[0][j].Shape()...)...)
	}
	name := fmt.Sprint(batched)

	// output
	f := func(tp *autograd.Tape, x []autograd.Var) []autograd.Var { return []autograd.Var{row.f(tp, x)} }
	got := autograd.Call(autograd.Vmap(f, axes, nil), args...)[0]
	// VJP: ⟨v, f⟩ differentiated, per slice
	vjp := autograd.GradOf(func(tp *autograd.Tape, x []autograd.Var) autograd.Var {
		return tp.Sum(tp.Mul(row.f(tp, x[:k]), x[k]))
	}, seq(k)...)
	gotG := autograd.Call(autograd.Vmap(vjp, append(slices.Clone(axes), autograd.Unbatched), nil), append(slices.Clone(args), v)...)
	// JVP: the tangent of f along tans, with the tangents batched
	jvp := func(tp *autograd.Tape, x []autograd.Var) []autograd.Var {
		for j := range k {
			tp.SetTangent(x[j], x[k+j])
		}
		return []autograd.Var{tp.Tangent(row.f(tp, x[:k]))}
	}
	jaxes := append(slices.Clone(axes), make([]int, k)...)
	gotT := autograd.Call(autograd.Vmap(jvp, jaxes, nil), append(slices.Clone(args), tans...)...)[0]

	for s := range vmapSlices {
		in := per(s)
		want, wantG := autograd.VJPFunc(row.f, in, v)
		ts := make([]*tensor.Tensor, k)
		for j := range k {
			ts[j] = sliceOf(tans[j], s)
		}
		_, wantT := autograd.JVP(row.f, in, ts)
		same(t, name+fmt.Sprintf(" slice %d output", s), sliceOf(got, s), want)
		for j := range k {
			same(t, name+fmt.Sprintf(" slice %d gradient %d", s, j), sliceOf(gotG[j], s), wantG[j])
		}
		same(t, name+fmt.Sprintf(" slice %d tangent", s), sliceOf(gotT, s), wantT)
	}
}

func seq(k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = i
	}
	return out
}

// sliceOf returns x[s] along axis 0.
func sliceOf(x *tensor.Tensor, s int) *tensor.Tensor {
	return tensor.Reshape(tensor.Slice(x, 0, s, s+1), x.Shape()[1:]...)
}

func same(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
		return
	}
	if d := cmp.Diff(want.Float64s(), got.Float64s(), cmpopts.EquateApprox(1e-12, 1e-12), cmpopts.EquateNaNs()); d != "" {
		t.Errorf("%s (-loop +vmap):\n%s", what, d)
	}
}
