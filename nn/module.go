package nn

import (
	"fmt"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// ErrArg is the sentinel wrapped by panics for an argument that is wrong
// for a reason other than a shape or an index: a dropout probability outside
// [0, 1], a loss option the loss does not take, a probability outside [0, 1]
// given to BinaryCrossEntropy. Shape and index misuse wraps tensor.ErrShape
// and tensor.ErrIndex instead.
var ErrArg = shapes.ArgSentinel("nn: invalid argument")

// Module is a layer or a model: a differentiable function of its input and
// its parameters. Forward records its ops on tp (a nil tp computes without
// recording, for inference). NamedParams lists the module's parameters with
// names that are stable across runs ("weight", "layers.0.bias"), in a fixed
// order, so optimisers, gradient clipping and checkpoints can walk them.
type Module interface {
	Forward(tp *autograd.Tape, x autograd.Var) autograd.Var
	NamedParams() []NamedParam
}

// NamedParam is a parameter and its hierarchical name: the path of field
// names from the root module, joined by dots, PyTorch's state_dict keys.
//
// Buffer marks state that is saved and loaded with the parameters but not
// trained: PyTorch's buffers, such as BatchNorm's running_mean. A buffer's
// Var is a parameter that never requires a gradient; Params and NumParams
// leave buffers out (PyTorch's parameters()), while NamedParams, and so
// checkpoints and nn.To, include them (PyTorch's state_dict()).
type NamedParam struct {
	Name   string
	Var    autograd.Var
	Buffer bool
}

// Container is implemented by modules that hold other modules in a way
// their struct fields do not show (Sequential's list). Walk, SetTraining
// and Summary descend through its Children; a module that is not a
// Container has as children the modules in its exported struct fields
// (see Children and FieldParams), so a struct module needs no Children
// method.
type Container interface {
	Children() []Module
}

// Trainable is implemented by modules that behave differently while
// training and at evaluation time (Dropout).
type Trainable interface {
	SetTraining(on bool)
}

// Walk calls f on m and then, depth first in order, on every module inside
// it: a Container's Children, or the modules in a struct module's exported
// fields (see Children). It panics with ErrArg if m, a module inside it or f is nil.
func Walk(m Module, f func(Module)) {
	if f == nil {
		argPanic("nn.Walk", "nil function f")
	}
	walk("nn.Walk", m, f)
}

// walk is Walk, its panics named op.
func walk(op string, m Module, f func(Module)) {
	checkModule(op, m)
	f(m)
	for _, ch := range children(op, m) {
		walk(op, ch.Module, f)
	}
}

// checkModule panics with ErrArg naming op if m is nil.
func checkModule(op string, m Module) {
	if m == nil {
		argPanic(op, "nil module")
	}
}

// argPanic panics with an error wrapping ErrArg: "nn: invalid argument:
// op: message".
func argPanic(op, format string, args ...any) {
	panic(fmt.Errorf("%w: %s: %s", ErrArg, op, fmt.Sprintf(format, args...)))
}

// SetTraining switches every Trainable module in the tree of m to training
// (on) or evaluation (off) mode, like PyTorch's model.train() / model.eval().
// In evaluation mode Dropout is the identity. It panics with ErrArg if m or
// a module inside it is nil.
func SetTraining(m Module, on bool) {
	walk("nn.SetTraining", m, func(m Module) {
		if t, ok := m.(Trainable); ok {
			t.SetTraining(on)
		}
	})
}

// Params returns the parameters of m in the order of m.NamedParams. A
// parameter that appears under several names (weights tied between layers)
// is listed once, at its first name, so an optimiser updates it once.
// It panics with ErrArg if m is nil.
func Params(m Module) []autograd.Var { return params("nn.Params", m) }

// params is Params, its panics named op.
func params(op string, m Module) []autograd.Var {
	checkModule(op, m)
	nps := m.NamedParams()
	out := make([]autograd.Var, 0, len(nps))
	for _, np := range nps {
		if !np.Buffer && !containsVar(out, np.Var) {
			out = append(out, np.Var)
		}
	}
	return out
}

func containsVar(vs []autograd.Var, v autograd.Var) bool {
	for _, w := range vs {
		if w.Same(v) {
			return true
		}
	}
	return false
}

// ZeroGrad sets the accumulated gradient of every parameter of m to zero.
// Call it before each training step's Backward (gradients accumulate).
// It panics with ErrArg if m is nil.
func ZeroGrad(m Module) {
	for _, p := range params("nn.ZeroGrad", m) {
		p.ZeroGrad()
	}
}

// To converts every parameter of m to element type dt in place and returns
// m: PyTorch's model.to(dtype) (model.float() for tensor.Float32). Each
// value is rounded to nearest (float64 → float32) or widened exactly; a
// gradient of the old type is dropped, so convert before making the
// optimiser (its state takes each parameter's type when it is made).
// Inputs must then have type dt too: tensor.Tensor.To and data.Dataset.To
// convert them (element types never mix implicitly: tensor.ErrDType).
// It panics with ErrArg if m is nil or dt is not a known type.
func To(m Module, dt tensor.DType) Module {
	const op = "nn.To"
	if dt != tensor.Float64 && dt != tensor.Float32 {
		argPanic(op, "unknown element type %v", dt)
	}
	checkModule(op, m)
	for _, np := range m.NamedParams() { // buffers too, as PyTorch converts them
		if p := np.Var; p.Value().DType() != dt {
			p.SetValue(p.Value().To(dt))
		}
	}
	return m
}

// DType returns the element type of m's parameters: Float64 for a model
// without parameters. It panics with ErrArg if m is nil or its parameters
// mix types (nn.To makes them one).
func DType(m Module) tensor.DType {
	const op = "nn.DType"
	ps := params(op, m)
	if len(ps) == 0 {
		return tensor.Float64
	}
	dt := ps[0].Value().DType()
	for _, p := range ps[1:] {
		if p.Value().DType() != dt {
			argPanic(op, "parameters of types %v (%s) and %v (%s): convert the model with nn.To", dt, ps[0].Name(), p.Value().DType(), p.Name())
		}
	}
	return dt
}

// NumParams returns the number of scalar parameters of m: the sum of the
// element counts of Params(m). A 2-2-1 network has 2·2+2 + 2·1+1 = 9.
// It panics with ErrArg if m is nil.
func NumParams(m Module) int {
	n := 0
	for _, p := range params("nn.NumParams", m) {
		n += p.Value().Len()
	}
	return n
}

// prefixed returns the named parameters of m with prefix+"." in front.
func prefixed(prefix string, m Module) []NamedParam {
	nps := m.NamedParams()
	out := make([]NamedParam, len(nps))
	for i, np := range nps {
		out[i] = NamedParam{Name: prefix + "." + np.Name, Var: np.Var, Buffer: np.Buffer}
	}
	return out
}

// Sequential applies its layers in order: Forward(x) = Lₖ(…L₁(L₀(x))).
// Parameters are named "layers.i.NAME" after the layer's index i (counting
// activations and dropout, as PyTorch does).
type Sequential struct {
	Layers []Module
}

var (
	_ Module    = (*Sequential)(nil)
	_ Container = (*Sequential)(nil)
)

// NewSequential returns a Sequential of the given layers and names their
// parameters by their paths ("layers.0.weight"; see NameParams).
// It panics with ErrArg if a layer is nil.
func NewSequential(layers ...Module) *Sequential {
	for i, l := range layers {
		if l == nil {
			argPanic("nn.NewSequential", "layer %d is a nil module", i)
		}
	}
	s := &Sequential{Layers: layers}
	nameParams(s.NamedParams())
	return s
}

// Forward passes x through each layer in turn. Shapes are those of the
// layers; a layer panics when its input has the wrong shape. It panics with
// ErrArg if a layer is nil.
func (s *Sequential) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	for i, l := range s.Layers {
		if l == nil {
			argPanic("nn.Sequential.Forward", "layer %d is a nil module", i)
		}
		x = l.Forward(tp, x)
	}
	return x
}

// NamedParams lists the layers' parameters, named "layers.i.NAME", and
// names the parameters so (see NameParams) if they are not yet named by a
// longer path. It panics with ErrArg if a layer is nil.
func (s *Sequential) NamedParams() []NamedParam {
	var out []NamedParam
	for i, l := range s.Layers {
		if l == nil {
			argPanic("nn.Sequential.NamedParams", "layer %d is a nil module", i)
		}
		out = append(out, prefixed(fmt.Sprintf("layers.%d", i), l)...)
	}
	nameParams(out)
	return out
}

// Children returns the layers.
func (s *Sequential) Children() []Module { return s.Layers }

// String prints the layers one per line, PyTorch-style.
func (s *Sequential) String() string {
	var b strings.Builder
	b.WriteString("Sequential(\n")
	for i, l := range s.Layers {
		inner := strings.ReplaceAll(repr(l), "\n", "\n  ")
		fmt.Fprintf(&b, "  (%d): %s\n", i, inner)
	}
	b.WriteString(")")
	return b.String()
}

// repr prints m: its String if it has one, else PyTorch's form for a
// struct module, its type and then its children one per line,
// "Net(\n  (hidden): Linear(…)\n)", rather than Go's "&{…}".
func repr(m Module) string {
	if st, ok := m.(fmt.Stringer); ok || m == nil {
		return fmt.Sprint(st)
	}
	var b strings.Builder
	b.WriteString(typeName(m) + "(")
	for _, ch := range Children(m) {
		fmt.Fprintf(&b, "\n  (%s): %s", ch.Name, strings.ReplaceAll(repr(ch.Module), "\n", "\n  "))
	}
	b.WriteString("\n)")
	return b.String()
}

// shapePanic panics with a *tensor.ShapeError wrapping tensor.ErrShape.
func shapePanic(op, msg string, shs ...[]int) { shapes.Panic(op, msg, shs...) }

// indexPanic panics with a *tensor.ShapeError wrapping tensor.ErrIndex.
func indexPanic(op, msg string, shs ...[]int) { shapes.IndexPanic(op, msg, shs...) }
