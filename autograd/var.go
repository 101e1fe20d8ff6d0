package autograd

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// Var is a value in a computation: a node recorded on a tape, a parameter,
// or a free constant. It is a small handle, passed by value; the zero Var is
// invalid. A tape's Vars are valid until the tape is Reset.
type Var struct {
	tp  *Tape
	p   *param
	id  int32
	gen uint64
}

// param is the storage of a parameter or free constant: it outlives tapes.
type param struct {
	value    *tensor.Tensor
	grad     *tensor.Tensor
	gradZero bool // grad is logically zero (ZeroGrad) but not yet cleared
	name     string
	frozen   bool
	constant bool
}

// accumulate adds g to the stored gradient: a copy when there is none yet or
// ZeroGrad marked it zero (no clearing pass), an addition otherwise.
func (p *param) accumulate(g *tensor.Tensor) {
	switch {
	case p.grad == nil:
		p.grad = g.Copy()
	case p.gradZero:
		p.grad.CopyFrom(g)
		p.gradZero = false
	default:
		addInto(p.grad, g)
	}
}

// gradDst returns the stored gradient for a rule to write into, dst ←
// β·dst + ∂, allocating it on first use: β is 0 when the contents are to be
// ignored (a new gradient, or one ZeroGrad marked zero, which the writer
// then overwrites) and 1 otherwise. The writer clears gradZero.
func (p *param) gradDst() (dst *tensor.Tensor, beta float64) {
	if p.grad == nil {
		p.newGrad()
	}
	if p.gradZero {
		return p.grad, 0
	}
	return p.grad, 1
}

// newGrad allocates a parameter's first gradient, marked zero.
//
// It is kept out of line (it runs once per parameter) so that gradDst, on
// every backward pass's path, stays inlinable.
//
//go:noinline
func (p *param) newGrad() { p.grad, p.gradZero = tensor.ZerosLike(p.value), true }

// settle clears a gradient that ZeroGrad marked as zero.
func (p *param) settle() {
	if p.gradZero {
		zero(p.grad)
		p.gradZero = false
	}
}

// NewParam returns a parameter holding t (not copied): a leaf that outlives
// tapes and accumulates its gradient across Backward calls until ZeroGrad.
// Expressions of parameters alone are differentiable on any tape.
func NewParam(t *tensor.Tensor) Var {
	checkTensor("NewParam", t)
	return Var{p: &param{value: t}}
}

// NewNamedParam is NewParam with a name used when printing (String, DOT,
// Explain and error messages). Package nn renames a layer's parameters to
// their full dotted path ("layers.0.weight") when the layer is composed
// into a model (nn.NameParams).
func NewNamedParam(name string, t *tensor.Tensor) Var {
	checkTensor("NewNamedParam", t)
	return Var{p: &param{value: t, name: name}}
}

// Const returns a free constant holding t (not copied), usable on any tape.
// No gradient flows into it.
func Const(t *tensor.Tensor) Var {
	checkTensor("Const", t)
	return Var{p: &param{value: t, constant: true}}
}

// Valid reports whether v is not the zero Var.
func (v Var) Valid() bool { return v.p != nil || v.tp != nil }

// IsParam reports whether v is a parameter made by NewParam.
func (v Var) IsParam() bool { return v.p != nil && !v.p.constant }

// Value returns v's value. A tape Var's value is owned by the tape and
// recycled by Reset. It panics with ErrTape on an invalid Var.
func (v Var) Value() *tensor.Tensor {
	if v.p != nil {
		return v.p.value
	}
	return v.tp.value(v)
}

// val returns the value of v, which the caller has checked (tp.check).
func (tp *Tape) val(v Var) *tensor.Tensor {
	if v.p != nil {
		return v.p.value
	}
	if v.id < 0 {
		return tp.vals[-v.id-1]
	}
	return tp.nodes[v.id].value
}

// value returns the value of node v, checking v is current. It is kept out
// of line so that Value itself inlines.
//
//go:noinline
func (tp *Tape) value(v Var) *tensor.Tensor {
	if tp != nil && v.gen == tp.gen {
		if v.id < 0 {
			return tp.vals[-v.id-1]
		}
		return tp.nodes[v.id].value
	}
	return v.slowValue()
}

// slowValue is Value's checked path: it panics with ErrTape on a zero or
// stale Var.
func (v Var) slowValue() *tensor.Tensor {
	if v.tp == nil {
		panic(tapeErr("Value of the zero Var"))
	}
	v.tp.check("Var.Value", v)
	if v.id < 0 {
		return v.tp.vals[-v.id-1]
	}
	return v.tp.nodes[v.id].value
}

// Shape returns the shape of v's value.
func (v Var) Shape() []int { return v.Value().Shape() }

// Item returns the single element of a one-element value.
// Inside a function mapped by Vmap it panics with ErrTape if the value
// differs from slice to slice (it depends on a mapped input): Go code
// that branches on it would decide for every slice by the first one.
func (v Var) Item() float64 {
	if v.tp != nil && v.tp.trace {
		v.tp.checkUnmapped(v)
	}
	return v.Value().Item()
}

// Grad returns the accumulated gradient of a parameter, or of a Tape.Var
// leaf after Backward; nil before any gradient reached it.
func (v Var) Grad() *tensor.Tensor {
	if v.p != nil {
		v.p.settle()
		return v.p.grad
	}
	v.tp.check("Var.Grad", v)
	if v.id < 0 {
		return nil
	}
	return v.tp.leafGrads[v.id]
}

// SetGrad replaces a parameter's gradient with g (not copied); nil clears
// it. Optimiser tests and custom training loops use it.
// It panics with tensor.ErrShape if g's shape is not the parameter's and
// with tensor.ErrDType if its element type is not.
func (v Var) SetGrad(g *tensor.Tensor) {
	if v.p == nil {
		panic(tapeErr("SetGrad on a non-parameter %s", v.describe()))
	}
	if g != nil && !tensor.SameShape(g, v.p.value) {
		panic(&tensor.ShapeError{Op: "autograd.SetGrad", Shapes: [][]int{g.Shape(), v.p.value.Shape()},
			Msg: "gradient shape differs from the parameter's", Err: tensor.ErrShape, Site: shapes.CallerSite()})
	}
	if g != nil && g.DType() != v.p.value.DType() {
		dtypeMismatch("autograd.SetGrad (parameter and gradient)", v.p.value, g)
	}
	v.p.grad, v.p.gradZero = g, false
}

// SetValue replaces a parameter's (or free constant's) value with t (not
// copied), which may have another element type (nn.To converts models this
// way, like PyTorch's module.to(dtype)). A gradient of the old type is
// dropped; one of the same type and shape is kept. Tapes that recorded the
// old value keep it. It panics with ErrTape on a Var that is not a parameter
// or free constant, or on a nil t.
func (v Var) SetValue(t *tensor.Tensor) {
	if v.p == nil {
		panic(tapeErr("SetValue on a tape Var %s (only parameters and free constants hold their values)", v.describe()))
	}
	checkTensor("SetValue", t)
	if g := v.p.grad; g != nil && (g.DType() != t.DType() || !tensor.SameShape(g, t)) {
		v.p.grad, v.p.gradZero = nil, false
	}
	v.p.value = t
}

// ZeroGrad sets a parameter's accumulated gradient to zero (keeping its buffer).
func (v Var) ZeroGrad() {
	if v.p != nil && v.p.grad != nil {
		v.p.gradZero = true // cleared lazily: the next Backward overwrites instead of adding
	}
}

// SetRequiresGrad freezes (false) or unfreezes (true) a parameter: no
// gradient flows into a frozen parameter.
func (v Var) SetRequiresGrad(on bool) {
	if v.p != nil && !v.p.constant {
		v.p.frozen = !on
	}
}

// RequiresGrad reports whether a gradient flows into v.
func (v Var) RequiresGrad() bool { return v.Valid() && v.needs() }

// Name returns a parameter's name ("" if none).
func (v Var) Name() string {
	if v.p != nil {
		return v.p.name
	}
	return ""
}

// SetName renames a parameter or constant: the name String, DOT, Explain
// and error messages print. It does nothing for a Var recorded on a tape
// (its name is its op and index). Renaming writes the parameter's shared
// storage, so it must not overlap other use of the parameter.
func (v Var) SetName(name string) {
	if v.p != nil {
		v.p.name = name
	}
}

// Op returns the name of the op that made v ("param", "const", "input" for
// leaves, "gradient" for a gradient a backward pass returned unrecorded).
func (v Var) Op() string {
	switch {
	case v.p == nil && v.tp == nil:
		return "invalid"
	case v.p != nil && v.p.constant:
		return "const"
	case v.p != nil:
		return "param"
	case v.id < 0:
		return "gradient" // a backward pass's result, not recorded
	}
	return v.tp.opName(v.id)
}

// Tape returns the tape v was recorded on (nil for parameters and constants).
func (v Var) Tape() *Tape { return v.tp }

// Same reports whether a and b are the same Var.
func (v Var) Same(w Var) bool { return v == w }

// ref is a short reference used in graph printing.
func (v Var) ref() string {
	switch {
	case v.p != nil && v.p.name != "":
		return v.p.name
	case v.p != nil && v.p.constant:
		return fmt.Sprintf("const%v", v.p.value.Shape())
	case v.p != nil:
		return fmt.Sprintf("param%v", v.p.value.Shape())
	case v.id < 0:
		return fmt.Sprintf("grad%d", -v.id-1)
	}
	return fmt.Sprintf("%%%d", v.id)
}

func (v Var) describe() string {
	if !v.Valid() {
		return "invalid"
	}
	return v.ref()
}

// String prints the op that made v, its shape and value, NumPy-style:
// "Var(%3 add [2] ← %1 %2)" then the values for a recorded node,
// "Var(layers.0.weight param [2 2])" for a named parameter, and
// "Var(gradient [2])" for a gradient a backward pass returned without
// recording it (Grad, VJP), which has no op of its own.
func (v Var) String() string {
	if !v.Valid() {
		return "Var(invalid)"
	}
	if v.tp != nil && (v.gen != v.tp.gen || int(v.id) >= len(v.tp.nodes) || -int(v.id) > len(v.tp.vals)) {
		return "Var(stale: tape was reset)"
	}
	val := v.Value()
	if v.p == nil && v.id < 0 {
		return fmt.Sprintf("Var(gradient %v)\n%s", val.Shape(), val.String())
	}
	s := fmt.Sprintf("Var(%s %s %v", v.ref(), v.Op(), val.Shape())
	if v.tp != nil && v.id >= 0 {
		for i, in := range v.tp.nodes[v.id].inputs(v.tp) {
			if i == 0 {
				s += " ←"
			}
			s += " " + in.ref()
		}
	}
	return s + ")\n" + val.String()
}
