package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// CheckModelOptions chooses what CheckModel checks and how. The zero
// value (or a nil pointer) checks first derivatives of the loss in every
// element of every trainable parameter, with autograd.Check's default
// step and tolerances.
type CheckModelOptions struct {
	// CheckOptions holds the finite-difference step and the tolerances
	// (Eps, Atol, Rtol), used as autograd.Check uses them: an element
	// passes when |analytic − numeric| ≤ Atol + Rtol·|numeric|, and a zero
	// field takes autograd.Check's default.
	autograd.CheckOptions
	// SecondOrder checks second derivatives instead: for each checked
	// tensor θᵢ, the gradient of the loss in every checked tensor, as a
	// function of θᵢ (a block column of the Hessian, cross terms
	// included), against central differences of that gradient. Its cost
	// grows with the number of checked elements squared.
	SecondOrder bool
	// Inputs are extra tensors to check the loss against, beside the
	// parameters: loss receives them as Vars, in this order, and they are
	// reported as "inputs[0]", "inputs[1]", …. Nil checks parameters only.
	Inputs []*tensor.Tensor
	// Params names the parameters to check (NamedParams names); nil or
	// empty checks every trainable parameter.
	Params []string
	// MaxElements, when positive, checks a random sample of at most that
	// many elements of each parameter and input (drawn with Seed): only
	// the sampled elements are perturbed and compared, so a big layer
	// costs no more than one of MaxElements elements, but the other
	// elements go unchecked. Zero checks every element.
	MaxElements int
	// Seed seeds the sample of MaxElements.
	Seed uint64
}

// ParamReport is CheckModel's outcome for one parameter or input: its
// own autograd.Check, with the worst element given as an index into the
// parameter.
type ParamReport struct {
	Name      string  // the parameter's NamedParams name, or "inputs[i]"
	OK        bool    // every checked element is within tolerance
	MaxAbsErr float64 // max |analytic − numeric| over its checked elements
	MaxRelErr float64 // max |analytic − numeric| / |numeric|
	Element   []int   // the index in the parameter of the worst element
	Analytic  float64 // the tape's derivative at the worst element
	Numeric   float64 // the central difference there
	Checked   int     // elements perturbed: all, or the MaxElements sample
	Size      int     // the parameter's elements
	// Check is autograd.Check's report of this parameter: with a sample,
	// its Element indexes the sample rather than the parameter; with
	// SecondOrder, its Output is [k], k the index into the gradient of
	// all checked tensors, flattened and concatenated in the report's
	// order.
	Check autograd.CheckReport
}

// String prints the report in one line: the name, ok or FAILED, the
// worst errors, the worst element and its two derivatives, and how many
// elements were checked.
func (r ParamReport) String() string {
	status := "ok"
	if !r.OK {
		status = "FAILED"
	}
	return fmt.Sprintf("%s %s: max abs err %.3g, max rel err %.3g; worst at %v: analytic %.10g, numeric %.10g; %d of %d elements",
		r.Name, status, r.MaxAbsErr, r.MaxRelErr, r.Element, r.Analytic, r.Numeric, r.Checked, r.Size)
}

// ModelReport is the outcome of CheckModel: one ParamReport per checked
// parameter (in NamedParams order) and input, and whether all passed.
type ModelReport struct {
	OK          bool
	SecondOrder bool
	Params      []ParamReport
}

// String prints one line per parameter or input (ParamReport.String).
func (r ModelReport) String() string {
	lines := make([]string, len(r.Params))
	for i, p := range r.Params {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// CheckModel checks the gradients of a model's loss numerically: the
// tape's derivatives of loss with respect to each trainable parameter of
// m (not buffers, not frozen parameters) and each of opts.Inputs, against
// central finite differences (autograd.Check, in float64), one parameter
// at a time so that the report names the parameter that is wrong.
//
// loss runs the model on fixed data and returns a one-element Var, for
// example
//
//	func(tp *autograd.Tape, in []autograd.Var) autograd.Var {
//		return nn.CrossEntropy(tp, model.Forward(tp, tp.Const(x)), labels)
//	}
//
// where in holds opts.Inputs as Vars (empty without them). CheckModel
// calls it many times (twice per checked element, and once more per
// parameter), each time under WithParams with the parameter being checked
// replaced by a tape leaf; so loss must be deterministic (call
// SetTraining(m, false) for Dropout, or keep the data fixed) and smooth
// near the parameters' values (away from ReLU's kink at 0). Buffers are
// replaced by copies, so BatchNorm in training mode does not move m's
// running statistics; m's parameters and gradients are left unchanged.
// The model and the data should be float64 (nn.To converts a model).
//
// With opts.SecondOrder, the checked function is the gradient of the loss
// in all checked tensors (see CheckModelOptions); with opts.MaxElements,
// only a seeded sample of each tensor's elements is perturbed. The report
// has one line per checked tensor. When any element of any of them is out
// of tolerance, the error wraps autograd.ErrGradCheck and names the
// failing parameters.
//
// It panics with ErrArg if m or loss is nil, an input is nil, MaxElements
// is negative, opts.Params names a parameter m lacks, a buffer or a frozen
// parameter, or nothing is left to check; and with tensor.ErrShape if
// loss's output has more than one element. Panics of m or loss pass on.
func CheckModel(m Module, loss func(tp *autograd.Tape, inputs []autograd.Var) autograd.Var, opts *CheckModelOptions) (ModelReport, error) {
	const op = "nn.CheckModel"
	checkModule(op, m)
	if loss == nil {
		argPanic(op, "nil loss function")
	}
	var o CheckModelOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxElements < 0 {
		argPanic(op, "MaxElements %d is negative", o.MaxElements)
	}
	c := newModelCheck(op, m, loss, o)
	rep := ModelReport{OK: true, SecondOrder: o.SecondOrder}
	var failed []string
	for i, it := range c.items {
		var cr autograd.CheckReport
		if o.SecondOrder {
			cr, _ = autograd.Check(c.secondOrder(i), []*tensor.Tensor{it.checked}, &o.CheckOptions)
		} else {
			cr, _ = autograd.Check(c.firstOrder(i), []*tensor.Tensor{it.checked}, &o.CheckOptions)
		}
		pr := ParamReport{Name: it.name, OK: cr.OK, MaxAbsErr: cr.MaxAbsErr, MaxRelErr: cr.MaxRelErr,
			Analytic: cr.Analytic, Numeric: cr.Numeric, Checked: it.checked.Len(), Size: it.value.Len(), Check: cr}
		if cr.Element != nil {
			pr.Element = it.index(cr.Element)
		}
		rep.Params = append(rep.Params, pr)
		if !cr.OK {
			rep.OK = false
			failed = append(failed, it.name)
		}
	}
	if !rep.OK {
		order := "first"
		if o.SecondOrder {
			order = "second"
		}
		return rep, fmt.Errorf("%w: %s: %s derivatives of %s (%d of %d checked) are wrong",
			autograd.ErrGradCheck, op, order, strings.Join(failed, ", "), len(failed), len(rep.Params))
	}
	return rep, nil
}

// modelCheck holds what CheckModel's functions share.
type modelCheck struct {
	op      string
	m       Module
	loss    func(tp *autograd.Tape, inputs []autograd.Var) autograd.Var
	items   []checkItem             // the checked parameters, then the inputs
	inputs  []*tensor.Tensor        // all inputs (float64 copies)
	buffers map[string]autograd.Var // copies of m's buffers, by name
	itemOf  map[string]int          // index in items of a checked parameter
	inputAt map[int]int             // index in items of input i
}

// checkItem is one checked tensor: a parameter or an input.
type checkItem struct {
	name    string
	param   bool           // a parameter (else input number input)
	input   int            // its index in Inputs
	value   *tensor.Tensor // its value (a float64 copy)
	sample  []int          // the sampled flat indices, sorted; nil: all
	flat    *tensor.Tensor // with a sample: value flattened
	gather  []int          // full[j] = concat(sample values, flat)[gather[j]]
	checked *tensor.Tensor // the values perturbed: value, or its sample (k)
}

// newModelCheck lists the tensors to check and draws their samples.
func newModelCheck(op string, m Module, loss func(*autograd.Tape, []autograd.Var) autograd.Var, o CheckModelOptions) *modelCheck {
	c := &modelCheck{op: op, m: m, loss: loss, buffers: map[string]autograd.Var{}, itemOf: map[string]int{}, inputAt: map[int]int{}}
	want := map[string]bool{}
	for _, n := range o.Params {
		want[n] = true
	}
	var seen []autograd.Var
	known := map[string]bool{}
	for _, np := range m.NamedParams() {
		switch {
		case np.Buffer:
			c.buffers[np.Name] = autograd.Const(float64Copy(np.Var.Value()))
			if want[np.Name] {
				argPanic(op, "%q is a buffer, not a trainable parameter", np.Name)
			}
		case containsVar(seen, np.Var): // tied: checked at its first name
			if want[np.Name] {
				argPanic(op, "%q is tied to an earlier name: check it by its first name", np.Name)
			}
		case !np.Var.RequiresGrad():
			if want[np.Name] {
				argPanic(op, "%q is frozen (SetRequiresGrad(false))", np.Name)
			}
		case len(o.Params) == 0 || want[np.Name]:
			seen = append(seen, np.Var)
			c.itemOf[np.Name] = len(c.items)
			c.items = append(c.items, checkItem{name: np.Name, param: true, value: float64Copy(np.Var.Value())})
		default:
			seen = append(seen, np.Var)
		}
		known[np.Name] = true
	}
	var unknown []string
	for n := range want {
		if !known[n] {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		argPanic(op, "%s: no parameter of a %T has this name", strings.Join(unknown, ", "), m)
	}
	for i, in := range o.Inputs {
		if in == nil {
			argPanic(op, "input %d is a nil tensor", i)
		}
		v := float64Copy(in)
		c.inputs = append(c.inputs, v)
		c.inputAt[i] = len(c.items)
		c.items = append(c.items, checkItem{name: fmt.Sprintf("inputs[%d]", i), input: i, value: v})
	}
	if len(c.items) == 0 {
		argPanic(op, "nothing to check: a %T with no trainable parameters and no inputs", m)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6e6e636865636b)) // "nncheck"
	for i := range c.items {
		it := &c.items[i]
		it.checked = it.value
		if n := it.value.Len(); o.MaxElements > 0 && n > o.MaxElements {
			it.sample = rng.Perm(n)[:o.MaxElements]
			slices.Sort(it.sample)
			it.gather = make([]int, n)
			for j := range it.gather {
				it.gather[j] = len(it.sample) + j
			}
			vals := make([]float64, len(it.sample))
			for k, j := range it.sample {
				it.gather[j] = k
				vals[k] = it.value.Data()[j]
			}
			it.checked = tensor.New(vals, len(vals))
			it.flat = tensor.Reshape(it.value, -1)
		}
	}
	return c
}

// float64Copy returns a float64 copy of t.
func float64Copy(t *tensor.Tensor) *tensor.Tensor {
	if t.DType() == tensor.Float64 {
		return t.Copy()
	}
	return t.To(tensor.Float64)
}

// full returns item it's whole tensor on tp from x, its checked values
// (all of them, or its sample spliced into its other values).
func (it *checkItem) full(tp *autograd.Tape, x autograd.Var) autograd.Var {
	if it.sample == nil {
		return x
	}
	all := tp.Concat(0, x, tp.Const(it.flat))
	return tp.Reshape(tp.IndexSelect(all, 0, it.gather), it.value.Shape()...)
}

// index maps an index into the checked values to one into the tensor.
func (it *checkItem) index(e []int) []int {
	if it.sample == nil {
		return e
	}
	flat := it.sample[e[0]]
	shape := it.value.Shape()
	idx := make([]int, len(shape))
	for a := len(shape) - 1; a >= 0; a-- {
		idx[a] = flat % shape[a]
		flat /= shape[a]
	}
	return idx
}

// eval records the loss on tp with the items whose leaves are valid
// replaced by those leaves, the others at their values.
func (c *modelCheck) eval(tp *autograd.Tape, leaves []autograd.Var) autograd.Var {
	repl := make(map[string]autograd.Var, len(c.buffers)+len(c.itemOf))
	for n, b := range c.buffers {
		repl[n] = b
	}
	for n, i := range c.itemOf {
		if leaves[i].Valid() {
			repl[n] = c.items[i].full(tp, leaves[i])
		}
	}
	ins := make([]autograd.Var, len(c.inputs))
	for i, v := range c.inputs {
		if j := c.inputAt[i]; leaves[j].Valid() {
			ins[i] = c.items[j].full(tp, leaves[j])
		} else {
			ins[i] = tp.Const(v)
		}
	}
	var out autograd.Var
	withParams(c.op, c.m, repl, func() { out = c.loss(tp, ins) })
	if !out.Valid() {
		argPanic(c.op, "loss returned the zero Var")
	}
	if n := out.Value().Len(); n != 1 {
		shapePanic(c.op, "loss must return one element", out.Shape())
	}
	return out
}

// firstOrder is the loss as a function of item i alone.
func (c *modelCheck) firstOrder(i int) autograd.Func {
	return func(tp *autograd.Tape, xs []autograd.Var) autograd.Var {
		leaves := make([]autograd.Var, len(c.items))
		leaves[i] = xs[0]
		return c.eval(tp, leaves)
	}
}

// secondOrder is the gradient of the loss in every item, flattened and
// concatenated, as a function of item i (the others fixed leaves).
func (c *modelCheck) secondOrder(i int) autograd.Func {
	return func(tp *autograd.Tape, xs []autograd.Var) autograd.Var {
		leaves := make([]autograd.Var, len(c.items))
		for j, it := range c.items {
			if j == i {
				leaves[j] = xs[0]
			} else {
				leaves[j] = tp.Var(it.checked)
			}
		}
		gs := tp.GradGraph(c.eval(tp, leaves), leaves...)
		for j, g := range gs {
			gs[j] = tp.Reshape(g, -1)
		}
		return tp.Concat(0, gs...)
	}
}
