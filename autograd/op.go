package autograd

import (
	"slices"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

// op is one entry of the op table: everything the engine knows of one
// differentiable op. Each entry is defined once, beside the Tape method that
// computes the op's value with its tensor kernel, and a node of the tape
// points at its entry.
//
// Rules are written with the tape's own ops, so they record when the
// backward pass is itself recorded (GradGraph, VJPGraph) or carries tangents
// (forward over reverse); nothing else needs writing for higher orders.
// Inside a rule, tp.ins(y) are the op's inputs, tp.params(y) its parameters
// and y its output (whose value a rule may reuse, as tanh's does).
type op struct {
	name string
	qual string // "autograd." + name, for error messages without a concatenation per call
	// text is the rule in one line, as Explain, DOT and RuleText print it:
	// g is the gradient reaching the output y, ∂x the gradient sent to input x.
	text string
	// vjp is the reverse rule: given the gradient g reaching y, it stores
	// in gin[i] the gradient for input i, or leaves the zero Var for none.
	// It asks tp.wants(y, i) before computing one.
	vjp func(tp *Tape, y, g Var, gin []Var)
	// jvp is the forward rule: given the inputs' tangents (the zero Var for
	// an input without one), it returns y's tangent, or the zero Var when
	// it is zero.
	jvp func(tp *Tape, y Var, tin []Var) Var
	// into, when set, adds input i's gradient straight into a parameter's
	// stored gradient, dst ← β·dst + ∂i, without a temporary (one GEMM with
	// β for a matrix product), and reports whether it could. It is a speed
	// path of Backward only; the engine decides when to use it (see
	// deliverInto), and vjp stays the definition.
	into func(tp *Tape, y, g Var, i int, dst *tensor.Tensor, beta float64) bool
	// batch is vmap's batching rule: it computes the op of a recorded node
	// on inputs that may carry a leading batch axis (see batchRule).
	batch batchRule
	// nondiff marks an op whose output is a constant function of its inputs
	// (a comparison): it records its inputs only so Vmap can replay it, and
	// no gradient flows through it.
	nondiff bool
	// leaf marks the entries of leaves (constants and inputs), which have
	// no rules and are not differentiable ops.
	leaf bool
	// derivative marks an op that only derivative rules record (a fused
	// gradient such as tanh_grad): it has no Tape method of its own.
	derivative bool
}

// table lists every entry, in the order the package defines them.
var table []*op

// def adds an entry to the table and returns it. Entries are defined in
// init functions: their rules call Tape methods that use the entries, which
// a package-level initialiser could not (Go reports an initialisation cycle).
func def(o op) *op {
	e := &o
	e.qual = "autograd." + e.name
	table = append(table, e)
	return e
}

// The leaves' entries.
var (
	constOp = &op{name: "const", text: "no gradient (a constant)", leaf: true}
	inputOp = &op{name: "input", text: "a leaf: its gradient is stored (Grad)", leaf: true}
)

// OpInfo describes one op of the table, for documentation and tests.
type OpInfo struct {
	Name string // the op's name, as Var.Op and Tape.Ops report it
	Rule string // its derivative rule in one line
	// Derivative is set for the ops that only derivative rules record
	// (fused gradients such as tanh_grad, logcumsumexp's scans): they
	// have no Tape method, and are reached through the ops whose rules
	// record them.
	Derivative bool
}

// Ops lists the differentiable ops of the table, sorted by name: the ops
// whose derivative rules (reverse and forward) tapegrad defines. A custom
// op (CustomOp) is not listed.
func Ops() []OpInfo {
	var out []OpInfo
	for _, o := range table {
		if o != customOp {
			out = append(out, OpInfo{Name: o.name, Rule: o.text, Derivative: o.derivative})
		}
	}
	slices.SortFunc(out, func(a, b OpInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// RuleText returns the derivative rule of the op named op in words, as
// Explain prints it ("rule of NAME" for a name the table does not hold).
func RuleText(op string) string {
	for _, o := range table {
		if o.name == op {
			return op + ": " + o.text
		}
	}
	return "rule of " + op
}

// ruleText is node i's rule in words: its entry's text, or a custom op's Rule.
func (tp *Tape) ruleText(i int32) string {
	nd := &tp.nodes[i]
	if nd.op == customOp && nd.ps != 0 {
		c := tp.ps[nd.ps-1].custom
		if c.Rule == "" {
			return "rule of " + c.Name
		}
		return c.Name + ": " + c.Rule
	}
	return nd.op.name + ": " + nd.op.text
}

// params holds the parameters of one recorded op, by name.
type params struct {
	axes   []int                // reduction or shape axes; index lists after the axis
	c      [2]float64           // constants: scale c; clamp lo, hi; slope; exponent
	keep   bool                 // reductions: reduced axes kept with size 1
	ta, tb tensor.Transposition // matrix product: op(A), op(B)
	corr   tensor.Correction    // variance: the divisor is N − corr
	custom *CustomOp            // custom ops: the user's definition
}
