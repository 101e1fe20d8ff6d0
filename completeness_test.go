package tapegrad_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// rowOps records one gradient-check row on fresh tapes (tp.Var leaves at
// the row's inputs) and returns the names of the ops its forward pass
// recorded, and then those that its derivatives added: recording the
// gradient of Σ(f ⊙ r) in create-graph mode (GradGraph), and recording f
// in forward mode (tangents on the leaves, SetTangent). These are the ops
// the row's derivative rules use.
func rowOps(row gradRow, seed uint64) (forward, derivs []string) {
	in := row.inputs(seed)
	record := func(tangents bool) (*autograd.Tape, []autograd.Var, autograd.Var) {
		tp := autograd.NewTape()
		xs := make([]autograd.Var, len(in))
		for i, x := range in {
			xs[i] = tp.Var(x)
			if tangents {
				tp.SetTangent(xs[i], tp.Const(tensor.OnesLike(x)))
			}
		}
		return tp, xs, row.f(tp, xs)
	}
	tp, xs, y := record(false)
	n := tp.Len()
	forward = tp.Ops()
	// r in [0.5, 1.5): no zero weights, so every output's rule runs
	r := tensor.RandU(rand.New(rand.NewPCG(seed, 7)), 0.5, 1.5, y.Shape()...)
	tp.GradGraph(tp.Sum(tp.Mul(y, tp.Const(r))), xs...)
	derivs = tp.Ops()[n:]
	tp, _, _ = record(true)
	return forward, append(derivs, tp.Ops()...)
}

// derivativeOnly reports whether an op is a fused derivative op, which no
// user function records: derivative rules record them, when the backward
// pass is itself recorded (GradGraph: tanh_grad, sigmoid_grad, relu_grad,
// logcumsumexp_grad) or when tangents flow (logcumsumexp_tangent). The
// table marks them (OpInfo.Derivative); they are covered by a row whose GradGraph or
// forward-mode recording holds them: CheckSecond differentiates the
// GradGraph recording, checking their reverse rules, and jvp_test.go's HVP
// (forward over reverse) and reverse-over-forward checks reach their
// forward rules and differentiate the forward recording.
func derivativeOnly(name string) bool {
	for _, o := range autograd.Ops() {
		if o.Name == name {
			return o.Derivative
		}
	}
	return false
}

// uncovered returns, sorted, the names of the table's ops that no row
// checks to second order: an op must appear in the forward recording of a
// row that is not firstOnly, or, for a derivative-only op, in such a row's
// derivative recordings (see rowOps). An op seen only in firstOnly rows is reported too,
// with the note "(first order only)".
func uncovered(rows []gradRow) []string {
	second := map[string]bool{} // seen in a row checked to second order
	first := map[string]bool{}  // seen in a firstOnly row
	for i, row := range rows {
		fw, ds := rowOps(row, uint64(i+1))
		seen := first
		if !row.firstOnly {
			seen = second
		}
		for _, name := range fw {
			seen[name] = true
		}
		for _, name := range ds {
			if derivativeOnly(name) {
				seen[name] = true
			}
		}
	}
	var missing []string
	for _, o := range autograd.Ops() {
		switch {
		case second[o.Name]:
		case first[o.Name]:
			missing = append(missing, o.Name+" (first order only)")
		default:
			missing = append(missing, o.Name)
		}
	}
	slices.Sort(missing)
	return missing
}

// TestOpTableCovered walks the op table: every entry needs its rule in
// words, and a gradient-check row that records it and checks it to second
// order (so a new op without a row fails here, naming it).
func TestOpTableCovered(t *testing.T) {
	for _, o := range autograd.Ops() {
		if strings.TrimSpace(o.Rule) == "" {
			t.Errorf("op %q has no rule text", o.Name)
		}
	}
	for _, name := range uncovered(gradRows()) {
		t.Errorf("op %q has no second-order row in gradRows (gradcheck_test.go)", name)
	}
}

// TestOpTableCoverageCanFail proves uncovered reports a missing op: each
// case removes rows (or marks them firstOnly) covering an op that only
// they record, and expects exactly that op reported.
func TestOpTableCoverageCanFail(t *testing.T) {
	rows := gradRows()
	for _, tc := range []struct {
		name      string
		drop      func(gradRow) bool // rows removed
		firstOnly func(gradRow) bool // rows kept but marked firstOnly
		want      []string
	}{
		{
			// softsign is recorded by its row alone (no rule uses it)
			name: "softsign row removed",
			drop: func(r gradRow) bool { return strings.HasPrefix(r.name, "softsign") },
			want: []string{"softsign"},
		},
		{
			// every row whose forward pass records tanh (its own, the
			// recurrent cells', …) removed: then tanh_grad is in no
			// GradGraph recording either: gelu_tanh's rule records tanh,
			// but tanh's rule (tanh_grad) would only run in a third
			// recording, differentiating that one again
			name: "tanh rows removed",
			drop: func(r gradRow) bool {
				fw, _ := rowOps(r, 1)
				return slices.Contains(fw, "tanh")
			},
			want: []string{"tanh", "tanh_grad"},
		},
		{
			// the scan ops only logcumsumexp's rules record: its reverse
			// rule in GradGraph, its forward rule in forward mode
			name: "logcumsumexp rows removed",
			drop: func(r gradRow) bool { return strings.HasPrefix(r.name, "logcumsumexp/") },
			want: []string{"logcumsumexp", "logcumsumexp_grad", "logcumsumexp_tangent"},
		},
		{
			name:      "hypot rows first order only",
			firstOnly: func(r gradRow) bool { return strings.HasPrefix(r.name, "hypot/") },
			want:      []string{"hypot (first order only)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var kept []gradRow
			for _, r := range rows {
				switch {
				case tc.drop != nil && tc.drop(r):
					continue
				case tc.firstOnly != nil && tc.firstOnly(r):
					r.firstOnly = true
				}
				kept = append(kept, r)
			}
			if len(kept) == len(rows) && tc.firstOnly == nil {
				t.Fatalf("no row removed")
			}
			if diff := cmp.Diff(tc.want, uncovered(kept)); diff != "" {
				t.Errorf("uncovered ops (-want +got):\n%s", diff)
			}
		})
	}
}
