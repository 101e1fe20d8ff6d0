package autograd

import (
	"io"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

// traceFunc observes one step of a backward pass: node i's rule has turned
// the gradient g reaching it into gin, one gradient per input (zero Var for
// none). It must not change them.
type traceFunc func(i int, g Var, gin []Var)

// rules holds, per op name, the derivative rule in words: g is the gradient
// reaching the op's output y, ∂x the gradient it sends to input x. Where a
// rule is a step of the backpropagation equations of a layer
// a = σ(z), z = a_prev·W + b, the step is named (BP1: the output error
// δ = ∂C/∂a ⊙ σ′(z); BP2: δ_prev = (δ·Wᵀ) ⊙ σ′(z_prev); BP3: ∂C/∂b = δ;
// BP4: ∂C/∂W = a_prevᵀ·δ).
var rules = map[string]string{
	"neg":           "∂x = −g",
	"exp":           "∂x = g ⊙ y",
	"log":           "∂x = g / x",
	"sqrt":          "∂x = g / (2y)",
	"abs":           "∂x = g ⊙ sign(x)",
	"square":        "∂x = g ⊙ 2x",
	"tanh":          "∂x = g ⊙ (1 − y²)",
	"sigmoid":       "∂x = g ⊙ y(1−y)   [δ = ∂C/∂a ⊙ σ′(z): BP1 at the output layer, BP2 below it]",
	"relu":          "∂x = g ⊙ step(x)",
	"softplus":      "∂x = g ⊙ σ(x)",
	"step":          "∂x = 0",
	"sign":          "∂x = 0",
	"scale":         "∂x = c·g",
	"add_scalar":    "∂x = g",
	"pow_scalar":    "∂x = g ⊙ p·x^(p−1)",
	"leaky_relu":    "∂x = g ⊙ (1 if x > 0 else slope)",
	"clamp":         "∂x = g where lo < x < hi, else 0",
	"add":           "∂a = g, ∂b = g, each summed over its broadcast axes   [a bias gets Σ_batch δ: BP3]",
	"sub":           "∂a = g, ∂b = −g, each summed over its broadcast axes",
	"mul":           "∂a = g ⊙ b, ∂b = g ⊙ a, each summed over its broadcast axes",
	"div":           "∂a = g / b, ∂b = −g ⊙ a / b², each summed over its broadcast axes",
	"pow":           "∂a = g ⊙ b·a^(b−1), ∂b = g ⊙ y·ln a",
	"maximum":       "g goes to the larger input (split evenly on ties)",
	"minimum":       "g goes to the smaller input (split evenly on ties)",
	"where":         "∂a = g where cond, ∂b = g elsewhere",
	"matmul":        "∂A = G·Bᵀ, ∂B = Aᵀ·G   [layer z = a·W: δ·Wᵀ flows back (BP2), ∂C/∂W = aᵀ·δ (BP4)]",
	"sum":           "∂x = g broadcast back over the summed axes",
	"max":           "∂x = g at the maximum (split on ties), 0 elsewhere",
	"min":           "∂x = g at the minimum (split on ties), 0 elsewhere",
	"logsumexp":     "∂x = g ⊙ softmax(x) over the reduced axes",
	"softmax":       "∂x = y ⊙ (g − Σ g⊙y)",
	"log_softmax":   "∂x = g − exp(y) ⊙ Σ g",
	"reshape":       "∂x = g reshaped to x's shape",
	"transpose":     "∂x = g transposed back",
	"broadcast_to":  "∂x = g summed over the broadcast axes",
	"sum_to":        "∂x = g broadcast back to x's shape",
	"slice":         "∂x = g padded with zeros outside the slice",
	"pad":           "∂x = g sliced back to x",
	"concat":        "each input gets its slice of g",
	"index_select":  "∂x = g added back at the selected indices",
	"index_add":     "∂x = g selected at the indices",
	"gather":        "∂x = g scattered back to the gathered places",
	"scatter":       "∂x = g gathered at the scattered places",
	"greater":       "no gradient (comparison)",
	"greater_equal": "no gradient (comparison)",
	"less":          "no gradient (comparison)",
	"less_equal":    "no gradient (comparison)",
	"equal":         "no gradient (comparison)",
	"not_equal":     "no gradient (comparison)",
}

// RuleText returns the derivative rule of an op in words, as Explain prints it
// ("rule of NAME" for an op without an entry, such as a custom op).
func RuleText(op string) string {
	if r, ok := rules[op]; ok {
		return op + ": " + r
	}
	return "rule of " + op
}

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
	tp.checkOut("Explain", loss)
	if loss.Value().Len() != 1 {
		panic(shapeErr("autograd.Explain", "loss must have one element", loss.Shape()))
	}
	ew := &errWriter{w: w}
	ew.printf("backward pass from %s = %s (%s), seed ∂L/∂L = 1\n", loss.ref(), brief(loss.Value(), smallLen), tp.nodes[loss.id].op)
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
		ew.printf("\nstep %d: %%%d = %s(%s) %v\n", step, i, nd.op, strings.Join(ins, ", "), nd.value.Shape())
		ew.printf("  g = ∂L/∂%%%d = %s\n", i, brief(g.Value(), smallLen))
		ew.printf("  rule %s\n", RuleText(nd.op))
		for j, in := range nd.inputs(tp) {
			if !gin[j].Valid() || !in.needs() {
				continue
			}
			ew.printf("  → ∂L/∂%s += %s\n", in.ref(), brief(gin[j].Value(), smallLen))
			if (in.p != nil || tp.nodes[in.id].leaf) && !seen[in] {
				seen[in] = true
				leavesSeen = append(leavesSeen, in)
			}
		}
	}
	tp.backward(loss, tensor.OnesLike(loss.Value()), trace)
	if len(leavesSeen) > 0 {
		ew.printf("\ngradients of this pass (added to Grad):\n")
	}
	for _, v := range leavesSeen {
		var g Var
		if v.p != nil {
			g = tp.pgrads[v.p]
		} else {
			g = tp.grads[v.id]
		}
		ew.printf("  ∂L/∂%s = %s\n", v.ref(), brief(g.Value(), smallLen))
	}
	return ew.err
}
