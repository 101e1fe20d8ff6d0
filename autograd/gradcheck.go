package autograd

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

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

// CheckReport is the outcome of a gradient check: the worst absolute and
// relative errors over every Jacobian element, and where the worst element
// (relative to its tolerance) sits.
type CheckReport struct {
	OK        bool
	MaxAbsErr float64 // max |analytic − numeric|
	MaxRelErr float64 // max |analytic − numeric| / max(|numeric|, tiny)
	Input     int     // input holding the worst element
	Element   []int   // its index within that input
	Output    int     // flat index of the output element
	Analytic  float64 // the tape's derivative there
	Numeric   float64 // the central difference there
	Elements  int     // Jacobian elements compared
}

// String summarises the report in one line.
func (r CheckReport) String() string {
	status := "ok"
	if !r.OK {
		status = "FAILED"
	}
	return fmt.Sprintf("gradcheck %s: max abs err %.3g, max rel err %.3g over %d elements; worst at input %d element %v (output %d): analytic %.10g, numeric %.10g",
		status, r.MaxAbsErr, r.MaxRelErr, r.Elements, r.Input, r.Element, r.Output, r.Analytic, r.Numeric)
}

// Check compares the tape's derivatives of f at inputs with central finite
// differences in float64 (gonum's diff/fd with the Central formula): every
// element of the Jacobian ∂f/∂x for every input. The analytic Jacobian is
// built row by row with vector-Jacobian products, so the output should be
// small. It returns the report and, when any element is outside tolerance,
// an error wrapping ErrGradCheck that describes the worst one. f must be
// deterministic and smooth near inputs (keep points away from kinks).
// The inputs are not modified.
//
// The check always runs in float64: Float32 inputs are widened (exactly)
// first, so f runs on float64 values. Central differences in float32 would
// be swamped by rounding (a step of 1e-6 is below float32's resolution near
// 1); the derivative rules are the same code for both types, so checking
// them in float64 checks the float32 gradients' formulas too (their
// rounding is checked by comparing float32 runs with float64 ones).
func Check(f Func, inputs []*tensor.Tensor, opts *CheckOptions) (CheckReport, error) {
	checkFunc("autograd.Check", f, inputs)
	inputs = widen(inputs)
	o := opts.withDefaults()
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
		return CheckReport{OK: true}, nil
	}
	jn := mat.NewDense(m, n, nil)
	fd.Jacobian(jn, eval, x0, &fd.JacobianSettings{Formula: fd.Central, Step: o.Eps})
	return compare(ja, jn, inputs, split, o)
}

// CheckSecond checks second derivatives: it forms the gradient of f (of
// Σ f ⊙ r with a fixed random r when f is not scalar) with GradGraph, which
// records the backward pass, and checks that gradient function with Check.
// A pass means every op's derivative rule is itself correctly differentiable.
// Like Check, it runs in float64, widening Float32 inputs.
func CheckSecond(f Func, inputs []*tensor.Tensor, opts *CheckOptions) (CheckReport, error) {
	checkFunc("autograd.CheckSecond", f, inputs)
	inputs = widen(inputs)
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
	return Check(grad, inputs, opts)
}

// compare finds the worst element of analytic vs numeric Jacobians.
func compare(ja, jn *mat.Dense, inputs []*tensor.Tensor, split []int, o CheckOptions) (CheckReport, error) {
	m, n := jn.Dims()
	rep := CheckReport{OK: true, Elements: m * n}
	worst := -1.0
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
			score := d / (o.Atol + o.Rtol*math.Abs(num))
			if score > worst {
				worst = score
				rep.Output, rep.Analytic, rep.Numeric = k, a, num
				rep.Input, rep.Element = locate(j, inputs, split)
			}
			if !(d <= o.Atol+o.Rtol*math.Abs(num)) {
				rep.OK = false
			}
		}
	}
	if !rep.OK {
		return rep, fmt.Errorf("%w: %s", ErrGradCheck, rep)
	}
	return rep, nil
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
			off := j - split[i]
			shape := inputs[i].Shape()
			idx := make([]int, len(shape))
			for a := len(shape) - 1; a >= 0; a-- {
				idx[a] = off % shape[a]
				off /= shape[a]
			}
			return i, idx
		}
	}
	return -1, nil
}
