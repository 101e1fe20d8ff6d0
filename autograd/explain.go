package autograd

import (
	"fmt"
	"io"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

// traceFunc observes one step of a backward pass: node i's rule has turned
// the gradient g reaching it into gin, one gradient per input (zero Var for
// none). It must not change them.
type traceFunc func(i int, g Var, gin []Var)

// Explain runs Backward(loss) and narrates it on w, step by step in the
// order the rules run (reverse order of the forward pass): each node's op
// and inputs, the gradient g reaching it (values when it has at most 8
// elements, else shape and norm), the rule applied (RuleText), and the
// gradient it sends to each input that needs one. It ends with the
// parameters' and inputs' gradients from this pass.
//
// Explain is Backward with a narrator: it accumulates exactly the same
// gradients into parameters and Tape.Var leaves (so call ZeroGrad first as
// usual); the trace only reads them. It returns w's first write error; it
// panics like Backward (ErrTape, tensor.ErrShape for a non-scalar loss).
func (tp *Tape) Explain(w io.Writer, loss Var) error {
	if w == nil {
		return fmt.Errorf("%w: Explain to a nil io.Writer", ErrTape)
	}
	tp.checkOut("Explain", loss)
	if loss.Value().Len() != 1 {
		panic(shapeErr("autograd.Explain", "loss must have one element", loss.Shape()))
	}
	ew := &errWriter{w: w}
	ew.printf("backward pass from %s = %s (%s), seed ∂L/∂L = 1\n", loss.ref(), brief(loss.Value(), smallLen), tp.opName(loss.id))
	var leavesSeen []Var
	seen := map[Var]bool{}
	step := 0
	trace := func(i int, g Var, gin []Var) {
		nd := &tp.nodes[i]
		step++
		ins := make([]string, len(nd.inputs(tp)))
		for j, in := range nd.inputs(tp) {
			ins[j] = in.ref()
		}
		ew.printf("\nstep %d: %%%d = %s(%s) %v\n", step, i, tp.opName(int32(i)), strings.Join(ins, ", "), nd.value.Shape())
		ew.printf("  g = ∂L/∂%%%d = %s\n", i, brief(g.Value(), smallLen))
		ew.printf("  rule %s\n", tp.ruleText(int32(i)))
		for j, in := range nd.inputs(tp) {
			if !gin[j].Valid() || !in.needs() {
				continue
			}
			ew.printf("  → ∂L/∂%s += %s\n", in.ref(), brief(gin[j].Value(), smallLen))
			if (in.p != nil || tp.nodes[in.id].op.leaf) && !seen[in] {
				seen[in] = true
				leavesSeen = append(leavesSeen, in)
			}
		}
	}
	d := tp.debugging()
	d.trace = trace
	defer func() { d.trace = nil; tp.settle() }()
	tp.BackwardWith(loss, tensor.OnesLike(loss.Value()))
	if len(leavesSeen) > 0 {
		ew.printf("\ngradients of this pass (added to Grad):\n")
	}
	for _, v := range leavesSeen {
		var g Var
		if v.p != nil {
			g = tp.bw.pgrads[v.p]
		} else {
			g = tp.bw.grads[v.id]
		}
		ew.printf("  ∂L/∂%s = %s\n", v.ref(), brief(g.Value(), smallLen))
	}
	return ew.err
}
