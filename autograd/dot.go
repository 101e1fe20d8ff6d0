package autograd

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

// smallLen is the default largest tensor whose values DOT and Explain print
// in full; bigger ones are summarised by shape and norm.
const smallLen = 8

// DOTOptions chooses what (*Tape).DOT draws.
type DOTOptions struct {
	// Out, if valid, limits the drawing to the nodes Out was computed from.
	// Otherwise every node with an edge is drawn (isolated nodes, such as
	// the constants a plain backward pass leaves on the tape, are not).
	Out Var
	// Values adds the values of tensors with at most MaxElems elements.
	Values bool
	// Grads adds gradients: a parameter's accumulated Grad, a Tape.Var
	// leaf's Grad, and for other nodes the gradient reaching them in the
	// tape's most recent backward pass (Backward, Grad, VJP), if any.
	Grads bool
	// MaxElems is the largest tensor printed in full; 0 means 8. Larger
	// tensors are shown by their Frobenius norm.
	MaxElems int
	// Name is the graph's name; "" means "tape".
	Name string
}

// DOT writes the recorded graph in Graphviz's DOT language: one node per
// op (its name and output shape, "%i" its tape index), parameters (by name),
// inputs and constants, and an edge from each input to the op that uses it
// (labelled by the input's position for ops of several inputs). Render it
// with `dot -Tsvg`. Ops that need no gradient keep no inputs on the tape, so
// they are drawn without incoming edges. It returns w's first write error.
func (tp *Tape) DOT(w io.Writer, opts DOTOptions) error {
	if w == nil {
		return fmt.Errorf("%w: DOT to a nil io.Writer", ErrTape)
	}
	if tp == nil {
		tp = &Tape{} // a nil tape recorded nothing: an empty graph
	}
	if opts.MaxElems <= 0 {
		opts.MaxElems = smallLen
	}
	if opts.Name == "" {
		opts.Name = "tape"
	}
	keep := tp.dotNodes(opts.Out)
	ew := &errWriter{w: w}
	ew.printf("digraph %s {\n", strconv.Quote(opts.Name))
	ew.printf("  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n")
	params := map[*param]string{}
	ref := func(v Var) string {
		if v.p == nil && v.id < 0 {
			return fmt.Sprintf("v%d", -v.id-1) // an unrecorded value (a gradient used as data)
		}
		if v.p == nil {
			return fmt.Sprintf("n%d", v.id)
		}
		id, ok := params[v.p]
		if !ok {
			id = fmt.Sprintf("p%d", len(params))
			params[v.p] = id
			lab := v.ref()
			if v.p.name != "" {
				lab += fmt.Sprintf("\n%v", v.p.value.Shape())
			}
			attr := `shape=ellipse, style=filled, fillcolor="lightyellow"`
			if v.p.constant {
				attr = "shape=plaintext"
			}
			lab += dotExtra(opts, v.p.value, v.Grad())
			ew.printf("  %s [label=%s, %s];\n", id, strconv.Quote(lab), attr)
		}
		return id
	}
	for i := range tp.nodes {
		if !keep[i] {
			continue
		}
		nd := &tp.nodes[i]
		lab := fmt.Sprintf("%%%d %s\n%v", i, tp.opName(int32(i)), nd.value.Shape())
		var grad *tensor.Tensor
		if nd.op.leaf {
			grad = tp.leafGrads[int32(i)]
		} else if i < len(tp.bw.grads) {
			if g := tp.bw.grads[i]; g.Valid() && (g.p != nil || g.gen == tp.gen) {
				grad = g.Value()
			}
		}
		lab += dotExtra(opts, nd.value, grad)
		attr := "shape=box, tooltip=" + strconv.Quote(tp.ruleText(int32(i)))
		switch nd.op {
		case inputOp:
			attr = `shape=ellipse, style=filled, fillcolor="lightblue"`
		case constOp:
			attr = "shape=plaintext"
		}
		ew.printf("  n%d [label=%s, %s];\n", i, strconv.Quote(lab), attr)
		for j, in := range nd.inputs(tp) {
			src := ref(in)
			if len(nd.inputs(tp)) > 1 {
				ew.printf("  %s -> n%d [label=\"%d\"];\n", src, i, j)
			} else {
				ew.printf("  %s -> n%d;\n", src, i)
			}
		}
	}
	ew.printf("}\n")
	return ew.err
}

// dotNodes marks the nodes to draw: the ancestors of out, or every node
// with an edge.
func (tp *Tape) dotNodes(out Var) []bool {
	keep := make([]bool, len(tp.nodes))
	if out.Valid() {
		if out.p != nil {
			return keep
		}
		tp.check("DOT", out)
		stack := []int32{out.id}
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if keep[i] {
				continue
			}
			keep[i] = true
			for _, in := range tp.nodes[i].inputs(tp) {
				if in.p == nil && in.id >= 0 {
					stack = append(stack, in.id)
				}
			}
		}
		return keep
	}
	for i, nd := range tp.nodes {
		if len(nd.inputs(tp)) > 0 {
			keep[i] = true
		}
		for _, in := range nd.inputs(tp) {
			if in.p == nil && in.id >= 0 {
				keep[in.id] = true
			}
		}
	}
	return keep
}

// dotExtra is the value and gradient lines of a node's label.
func dotExtra(opts DOTOptions, val, grad *tensor.Tensor) string {
	s := ""
	if opts.Values {
		s += "\nvalue " + brief(val, opts.MaxElems)
	}
	if opts.Grads && grad != nil {
		s += "\ngrad " + brief(grad, opts.MaxElems)
	}
	return s
}

// brief prints t in one line: its elements (nested brackets, 4 significant
// digits) when it has at most max of them, else its shape and norm.
func brief(t *tensor.Tensor, max int) string {
	d := t.Float64s()
	if len(d) > max {
		ss := 0.0
		for _, v := range d {
			ss += v * v
		}
		return fmt.Sprintf("%v ‖·‖=%.4g", t.Shape(), math.Sqrt(ss))
	}
	var b strings.Builder
	var rec func(shape []int, d []float64)
	rec = func(shape []int, d []float64) {
		if len(shape) == 0 {
			b.WriteString(strconv.FormatFloat(d[0], 'g', 4, 64))
			return
		}
		b.WriteByte('[')
		step := 1
		for _, n := range shape[1:] {
			step *= n
		}
		for k := range shape[0] {
			if k > 0 {
				b.WriteByte(' ')
			}
			rec(shape[1:], d[k*step:(k+1)*step])
		}
		b.WriteByte(']')
	}
	rec(t.Shape(), d)
	return b.String()
}

// errWriter keeps the first write error and skips later writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}
