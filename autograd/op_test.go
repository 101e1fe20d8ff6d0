package autograd

import (
	"strings"
	"testing"
)

// TestOpTableComplete walks the op table: every entry of a differentiable
// op has a name, a rule text, a reverse rule, a forward rule and a
// batching rule (Vmap), and no two
// entries share a name. (The root gradcheck and completeness tests check
// that each entry also has a gradient-check row, first and second order.)
func TestOpTableComplete(t *testing.T) {
	if missing := incomplete(table); len(missing) > 0 {
		t.Errorf("incomplete op table entries:\n%s", strings.Join(missing, "\n"))
	}
	if len(table) < 60 {
		t.Errorf("the table has %d entries; expected every op of the package (> 60)", len(table))
	}
}

// TestOpTableCompleteCanFail proves the walk reports each missing part.
func TestOpTableCompleteCanFail(t *testing.T) {
	noop := func(*Tape, Var, Var, []Var) {}
	nojvp := func(*Tape, Var, []Var) Var { return Var{} }
	nob := func(*batcher, Var, []bvar) bvar { return bvar{} }
	bad := []*op{
		{name: "no_vjp", text: "t", jvp: nojvp, batch: nob},
		{name: "no_jvp", text: "t", vjp: noop, batch: nob},
		{name: "no_text", vjp: noop, jvp: nojvp, batch: nob},
		{name: "no_batch", text: "t", vjp: noop, jvp: nojvp},
		{name: "dup", text: "t", vjp: noop, jvp: nojvp, batch: nob},
		{name: "dup", text: "t", vjp: noop, jvp: nojvp, batch: nob},
		{name: "leaf", leaf: true}, // leaves need no rules
	}
	got := strings.Join(incomplete(bad), "\n")
	for _, want := range []string{"no_vjp: no VJP", "no_jvp: no JVP", "no_text: no rule text", "no_batch: no batching rule", "dup: defined twice"} {
		if !strings.Contains(got, want) {
			t.Errorf("the walk did not report %q; it said:\n%s", want, got)
		}
	}
	if strings.Contains(got, "leaf") {
		t.Errorf("a leaf entry was reported:\n%s", got)
	}
}

// incomplete lists what the entries lack.
func incomplete(ops []*op) []string {
	var missing []string
	seen := map[string]bool{}
	for _, o := range ops {
		if seen[o.name] {
			missing = append(missing, o.name+": defined twice")
		}
		seen[o.name] = true
		if o.leaf {
			continue
		}
		if o.name == "" {
			missing = append(missing, "an entry without a name")
		}
		if o.text == "" {
			missing = append(missing, o.name+": no rule text")
		}
		if o.vjp == nil {
			missing = append(missing, o.name+": no VJP")
		}
		if o.jvp == nil {
			missing = append(missing, o.name+": no JVP")
		}
		if o.batch == nil {
			missing = append(missing, o.name+": no batching rule")
		}
	}
	return missing
}
