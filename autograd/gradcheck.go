package autograd

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// ErrGradCheck is wrapped by the error Check and CheckSecond return when an
// analytic derivative disagrees with the finite-difference one.
var ErrGradCheck = errors.New("autograd: gradient check failed")

// Func is a differentiable function of several inputs, recorded on tp.
// Its output may have any shape.
type Func func(tp *Tape, x []Var) Var

// CheckOptions sets the finite-difference step and the tolerances of Check.
// An element passes when |analytic − numeric| ≤ Atol + Rtol·|numeric|.
// Zero fields take PyTorch gradcheck's defaults.
type CheckOptions struct {
	Eps  float64 // central-difference step; default 1e-6
	Atol float64 // absolute tolerance; default 1e-5
	Rtol float64 // relative tolerance; default 1e-3
}

func (o *CheckOptions) withDefaults() CheckOptions {
	r := CheckOptions{Eps: 1e-6, Atol: 1e-5, Rtol: 1e-3}
	if o != nil {
		if o.Eps > 0 {
			r.Eps = o.Eps
		}
		if o.Atol > 0 {
			r.Atol = o.Atol
		}
		if o.Rtol > 0 {
			r.Rtol = o.Rtol
		}
	}
	return r
}

// CheckElement is one element of a checked Jacobian: the derivative of one
// output element with respect to one input element, analytic (from the
// tape) and numeric (central differences).
//
// Elements are named in one notation, multi-indices in their tensor's
// shape: inputs are x0, x1, … in the order given, so x1[1,2] is row 1,
// column 2 of the second input; Check's output is y, y[0,3] an element of
// it and y[] the element of a scalar. CheckSecond's outputs are the
// gradients g0, g1, … (gᵢ = ∂s/∂xᵢ, of xᵢ's shape; see CheckSecond).
type CheckElement struct {
	Input   int   // the input differentiated: x<Input>
	Element []int // the input element's multi-index in that input's shape
	// Output is the output element's multi-index: in the shape of f's
	// output for Check, in the shape of gradient g<Grad> (that is, of input
	// x<Grad>) for CheckSecond.
	Output   []int
	Grad     int     // CheckSecond: which gradient Output indexes (0 for Check)
	Analytic float64 // the tape's derivative
	Numeric  float64 // the central difference
	AbsErr   float64 // |Analytic − Numeric|; +Inf when either is NaN
}

// maxListed is how many failing elements a CheckReport lists.
const maxListed = 5

// CheckReport is the outcome of a gradient check: how many Jacobian
// elements were compared and how many failed, the largest absolute and
// relative errors, the worst element (relative to its tolerance, failing or
// not: the embedded CheckElement, so rep.Input, rep.Element, rep.Output…),
// and up to 5 failing elements, worst first.
//
// The worst element is the one with the largest |analytic − numeric| /
// (Atol + Rtol·|numeric|) (the first such in row-major order of the
// Jacobian on a tie); it fails when that ratio exceeds 1.
type CheckReport struct {
	OK bool
	// Order is 1 for the Jacobian of f (Check, and CheckSecond when f's
	// first derivatives failed) and 2 for the Jacobian of its gradient
	// (CheckSecond's second step).
	Order int
	CheckElement
	MaxAbsErr float64        // max |analytic − numeric|
	MaxRelErr float64        // max |analytic − numeric| / max(|numeric|, tiny)
	Elements  int            // Jacobian elements compared
	Failed    int            // of those, how many are outside tolerance
	Failures  []CheckElement // the worst failing elements, worst first, at most 5 (Failures[0] is the embedded element); nil when OK
	Hint      string         // a likely cause of the failure, when one is recognisable; "" otherwise
}

// String summarises the report on one line: status, counts, errors, then the
// worst element (when OK) or the listed failing elements (when not), and
// the hint. Elements read ∂y[0,3]/∂x1[1,2] (Check) or ∂g0[2]/∂x1[1,2]
// (CheckSecond).
func (r CheckReport) String() string {
	var b strings.Builder
	status := "ok"
	if !r.OK {
		status = "FAILED"
	}
	if r.Order == 2 {
		fmt.Fprintf(&b, "gradcheck second order %s: %d of %d elements of ∂g/∂x outside tolerance, g = ∇s the gradient recorded by GradGraph (s = f, or Σ r⊙f with a fixed random r for a non-scalar f) differentiated numerically: second derivatives, not the gradient itself (Check checks that, and ran first)",
			status, r.Failed, r.Elements)
	} else {
		fmt.Fprintf(&b, "gradcheck %s: %d of %d elements of ∂y/∂x outside tolerance", status, r.Failed, r.Elements)
	}
	fmt.Fprintf(&b, "; max abs err %.3g, max rel err %.3g", r.MaxAbsErr, r.MaxRelErr)
	if len(r.Failures) == 0 {
		if r.Elements > 0 {
			fmt.Fprintf(&b, "; worst relative to tolerance %s", r.elem(r.CheckElement))
		}
	} else {
		b.WriteString("; worst first, relative to tolerance: ")
		for i, e := range r.Failures {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(r.elem(e))
		}
		if more := r.Failed - len(r.Failures); more > 0 {
			fmt.Fprintf(&b, "; and %d more", more)
		}
	}
	if r.Hint != "" {
		fmt.Fprintf(&b, "; hint: %s", r.Hint)
	}
	return b.String()
}

// elem formats e as "∂y[0,3]/∂x1[1,2]: analytic a, numeric n (abs err d)".
func (r CheckReport) elem(e CheckElement) string {
	out := "y" + index(e.Output)
	if r.Order == 2 {
		out = fmt.Sprintf("g%d%s", e.Grad, index(e.Output))
	}
	return fmt.Sprintf("∂%s/∂x%d%s: analytic %.10g, numeric %.10g (abs err %.3g)",
		out, e.Input, index(e.Element), e.Analytic, e.Numeric, e.AbsErr)
}

// index formats a multi-index as [1,2] ([] for a scalar).
func index(idx []int) string {
	s := make([]string, len(idx))
	for i, v := range idx {
		s[i] = strconv.Itoa(v)
	}
	return "[" + strings.Join(s, ",") + "]"
}

// Check compares the tape's derivatives of f at inputs with central finite
// differences in float64 (gonum's diff/fd with the Central formula): every
// element of the Jacobian ∂f/∂x for every input. The analytic Jacobian is
// built row by row with vector-Jacobian products, so the output should be
// small. It returns the report and, when any element is outside tolerance,
// an error wrapping ErrGradCheck that counts the failing elements and lists
// the worst ones (see CheckReport.String). f must be deterministic and
// smooth near inputs (keep points away from kinks). The inputs are not
// modified. It panics with ErrTape if f or an input is nil.
//
// The check always runs in float64: Float32 inputs are widened (exactly)
// first, so f runs on float64 values. Central differences in float32 would
// be swamped by rounding (a step of 1e-6 is below float32's resolution near
// 1); the derivative rules are the same code for both types, so checking
// them in float64 checks the float32 gradients' formulas too (their
// rounding is checked by comparing float32 runs with float64 ones).
func Check(f Func, inputs []*tensor.Tensor, opts *CheckOptions) (CheckReport, error) {
	checkFunc("autograd.Check", f, inputs)
	return check(f, widen(inputs), opts.withDefaults(), 1)
}

// check is Check of float64 inputs; order says how to name the output
// elements (2: f is CheckSecond's gradient function).
func check(f Func, inputs []*tensor.Tensor, o CheckOptions, order int) (CheckReport, error) {
	x0, split := pack(inputs)
	tp := NewTape()
	eval := func(y, x []float64) {
		tp.Reset()
		out := f(tp, leaves(tp, unpack(x, inputs, split)))
		copy(y, out.Value().Float64s())
	}
	// analytic Jacobian: one VJP per output element, on one recorded pass
	tp.Reset()
	xs := leaves(tp, inputs)
	out := f(tp, xs)
	m, n := out.Value().Len(), len(x0)
	outShape := out.Shape()
	ja := mat.NewDense(max(m, 1), max(n, 1), nil)
	seed := tensor.ZerosLike(out.Value())
	for k := 0; k < m; k++ {
		zero(seed)
		setFlat(seed, k, 1)
		gs := tp.VJP(out, tp.Const(seed), xs...)
		row := tensor.New(ja.RawRowView(k))
		for i, g := range gs {
			copyAt(row, split[i], g.Value())
		}
	}
	if m == 0 || n == 0 {
		return CheckReport{OK: true, Order: order}, nil
	}
	jn := mat.NewDense(m, n, nil)
	fd.Jacobian(jn, eval, x0, &fd.JacobianSettings{Formula: fd.Central, Step: o.Eps})
	// name output element k: in f's output shape, or for CheckSecond as
	// element of one input's gradient (its output concatenates them)
	output := func(k int) (int, []int) { return 0, unflatten(k, outShape) }
	if order == 2 {
		output = func(k int) (int, []int) { return locate(k, inputs, split) }
	}
	rep := compare(ja, jn, inputs, split, output, o)
	rep.Order = order
	if order == 2 && !rep.OK && mat.Norm(ja, math.Inf(1)) == 0 {
		rep.Hint = zeroSecondHint
	}
	if !rep.OK {
		return rep, fmt.Errorf("%w: %s", ErrGradCheck, rep)
	}
	return rep, nil
}

// zeroSecondHint explains analytic second derivatives that are all zero.
const zeroSecondHint = "the analytic second derivatives are exactly zero everywhere while the numeric ones are not: " +
	"a derivative rule (a CustomOp's Backward, or an op's vjp) likely computes with tensor values (Var.Value(), tp.val, tensor functions wrapped in tp.Const) " +
	"instead of tape ops, so recording the backward pass (GradGraph) records nothing differentiable; write the rule with tape ops (tp.Mul, tp.Square, …)"

// CheckSecond checks second derivatives. It first runs Check on f and, if
// that fails, returns Check's report and an error wrapping ErrGradCheck
// that says the first derivatives are wrong and the second were not
// checked. Otherwise it forms s = f (s = Σ f ⊙ r with a fixed random r in
// [0.5, 1.5) when f is not scalar), records its gradient g = ∇s with
// GradGraph (gᵢ = ∂s/∂xᵢ, of xᵢ's shape), and checks g with Check: the
// analytic Jacobian ∂g/∂x (the derivative rules differentiated by the tape)
// against central differences of g. The report has Order 2 and names its
// elements ∂gᵢ[…]/∂xⱼ[…]; its error says it checked second derivatives.
//
// That second step checks the derivative of whatever gradient function the
// tape records, not that the gradient is right: a rule that is wrong but
// differentiable (2x² for x³'s derivative) has a correctly recorded
// derivative and passes it. That is why CheckSecond runs Check first (one
// Check of f more than the second step alone; the second step's cost, a
// Check of g, dominates).
// When the analytic second derivatives are zero everywhere but the numeric
// ones are not, the report's Hint says the likely cause: a rule written
// with tensor values instead of tape ops, which GradGraph cannot record.
//
// Like Check, it runs in float64, widening Float32 inputs, and panics with
// ErrTape if f or an input is nil.
func CheckSecond(f Func, inputs []*tensor.Tensor, opts *CheckOptions) (CheckReport, error) {
	checkFunc("autograd.CheckSecond", f, inputs)
	inputs = widen(inputs)
	o := opts.withDefaults()
	if rep, err := check(f, inputs, o, 1); err != nil {
		return rep, fmt.Errorf("%w: CheckSecond: the first derivatives of f are wrong, so its second derivatives were not checked (fix the first-order failure first): %s",
			ErrGradCheck, rep)
	}
	var r *tensor.Tensor
	grad := func(tp *Tape, xs []Var) Var {
		y := f(tp, xs)
		if y.Value().Len() != 1 {
			if r == nil {
				r = tensor.RandU(rand.New(rand.NewPCG(7, 11)), 0.5, 1.5, y.Shape()...)
			}
			y = tp.Sum(tp.Mul(y, tp.Const(r)))
		}
		gs := tp.GradGraph(y, xs...)
		flat := make([]Var, len(gs))
		for i, g := range gs {
			flat[i] = tp.Reshape(g, -1)
		}
		return tp.Concat(0, flat...)
	}
	return check(grad, inputs, o, 2)
}

// compare compares the analytic and numeric Jacobians element by element
// (row k: output element, named by output; column j: input element) and
// fills in a report without Order or Hint.
func compare(ja, jn *mat.Dense, inputs []*tensor.Tensor, split []int, output func(k int) (int, []int), o CheckOptions) CheckReport {
	m, n := jn.Dims()
	rep := CheckReport{OK: true, Elements: m * n}
	type scored struct {
		score float64
		k, j  int
	}
	worst := scored{score: -1}
	var fails []scored // the worst failing, worst first, at most maxListed
	for k := 0; k < m; k++ {
		for j := 0; j < n; j++ {
			a, num := ja.At(k, j), jn.At(k, j)
			d := math.Abs(a - num)
			if math.IsNaN(d) {
				d = math.Inf(1)
			}
			rel := d / math.Max(math.Abs(num), 1e-300)
			if d == 0 {
				rel = 0
			}
			rep.MaxAbsErr = math.Max(rep.MaxAbsErr, d)
			rep.MaxRelErr = math.Max(rep.MaxRelErr, rel)
			s := scored{d / (o.Atol + o.Rtol*math.Abs(num)), k, j}
			if math.IsNaN(s.score) {
				s.score = math.Inf(1) // numeric NaN
			}
			if s.score > worst.score {
				worst = s
			}
			if !(d <= o.Atol+o.Rtol*math.Abs(num)) {
				rep.OK = false
				rep.Failed++
				// insert after every element at least as bad: ties keep scan order
				at := sort.Search(len(fails), func(i int) bool { return fails[i].score < s.score })
				if at < maxListed {
					fails = slices.Insert(fails, at, s)
					fails = fails[:min(len(fails), maxListed)]
				}
			}
		}
	}
	elem := func(s scored) CheckElement {
		a, num := ja.At(s.k, s.j), jn.At(s.k, s.j)
		d := math.Abs(a - num)
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		e := CheckElement{Analytic: a, Numeric: num, AbsErr: d}
		e.Grad, e.Output = output(s.k)
		e.Input, e.Element = locate(s.j, inputs, split)
		return e
	}
	rep.CheckElement = elem(worst)
	for _, s := range fails {
		rep.Failures = append(rep.Failures, elem(s))
	}
	return rep
}

// widen returns the inputs as float64 tensors (the Float64 ones as they are).
func widen(inputs []*tensor.Tensor) []*tensor.Tensor {
	out := inputs
	for i, t := range inputs {
		if t.DType() != tensor.Float64 {
			if &out[0] == &inputs[0] {
				out = append([]*tensor.Tensor(nil), inputs...)
			}
			out[i] = t.To(tensor.Float64)
		}
	}
	return out
}

// pack flattens the inputs into one vector and returns the offsets.
func pack(inputs []*tensor.Tensor) ([]float64, []int) {
	split := []int{0}
	var x []float64
	for _, t := range inputs {
		x = append(x, t.Data()...) // float64: widen ran first
		split = append(split, len(x))
	}
	return x, split
}

// unpack makes tensors of the inputs' shapes over slices of x.
func unpack(x []float64, like []*tensor.Tensor, split []int) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(like))
	for i, t := range like {
		out[i] = tensor.New(append([]float64(nil), x[split[i]:split[i+1]]...), t.Shape()...)
	}
	return out
}

func leaves(tp *Tape, ts []*tensor.Tensor) []Var {
	xs := make([]Var, len(ts))
	for i, t := range ts {
		xs[i] = tp.Var(t)
	}
	return xs
}

// locate maps a flat column j to (input, multi-index).
func locate(j int, inputs []*tensor.Tensor, split []int) (int, []int) {
	for i := range inputs {
		if j < split[i+1] {
			return i, unflatten(j-split[i], inputs[i].Shape())
		}
	}
	return -1, nil
}

// unflatten maps a row-major flat offset to its multi-index in shape
// ([] for a scalar shape).
func unflatten(off int, shape []int) []int {
	idx := make([]int, len(shape))
	for a := len(shape) - 1; a >= 0; a-- {
		idx[a] = off % shape[a]
		off /= shape[a]
	}
	return idx
}
