package nn

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/shapes"
)

// ErrArg is the sentinel wrapped by panics for an argument that is wrong
// for a reason other than a shape or an index: a dropout probability outside
// [0, 1], a loss option the loss does not take, a probability outside [0, 1]
// given to BinaryCrossEntropy. Shape and index misuse wraps tensor.ErrShape
// and tensor.ErrIndex instead.
var ErrArg = errors.New("nn: invalid argument")

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
type NamedParam struct {
	Name string
	Var  autograd.Var
}

// Container is implemented by modules that hold other modules (Sequential).
// SetTraining and Walk descend through it.
type Container interface {
	Children() []Module
}

// Trainable is implemented by modules that behave differently while
// training and at evaluation time (Dropout).
type Trainable interface {
	SetTraining(on bool)
}

// Walk calls f on m and then, depth first in order, on every module inside it.
func Walk(m Module, f func(Module)) {
	f(m)
	if c, ok := m.(Container); ok {
		for _, ch := range c.Children() {
			Walk(ch, f)
		}
	}
}

// SetTraining switches every Trainable module in the tree of m to training
// (on) or evaluation (off) mode, like PyTorch's model.train() / model.eval().
// In evaluation mode Dropout is the identity.
func SetTraining(m Module, on bool) {
	Walk(m, func(m Module) {
		if t, ok := m.(Trainable); ok {
			t.SetTraining(on)
		}
	})
}

// Params returns the parameters of m in the order of m.NamedParams. A
// parameter that appears under several names (weights tied between layers)
// is listed once, at its first name, so an optimiser updates it once.
func Params(m Module) []autograd.Var {
	nps := m.NamedParams()
	out := make([]autograd.Var, 0, len(nps))
	for _, np := range nps {
		if !containsVar(out, np.Var) {
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
func ZeroGrad(m Module) {
	for _, p := range Params(m) {
		p.ZeroGrad()
	}
}

// NumParams returns the number of scalar parameters of m: the sum of the
// element counts of Params(m). A 2-2-1 network has 2·2+2 + 2·1+1 = 9.
func NumParams(m Module) int {
	n := 0
	for _, p := range Params(m) {
		n += p.Value().Len()
	}
	return n
}

// prefixed returns the named parameters of m with prefix+"." in front.
func prefixed(prefix string, m Module) []NamedParam {
	nps := m.NamedParams()
	out := make([]NamedParam, len(nps))
	for i, np := range nps {
		out[i] = NamedParam{Name: prefix + "." + np.Name, Var: np.Var}
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

// NewSequential returns a Sequential of the given layers.
func NewSequential(layers ...Module) *Sequential { return &Sequential{Layers: layers} }

// Forward passes x through each layer in turn. Shapes are those of the
// layers; a layer panics when its input has the wrong shape.
func (s *Sequential) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	for _, l := range s.Layers {
		x = l.Forward(tp, x)
	}
	return x
}

// NamedParams lists the layers' parameters, named "layers.i.NAME".
func (s *Sequential) NamedParams() []NamedParam {
	var out []NamedParam
	for i, l := range s.Layers {
		out = append(out, prefixed(fmt.Sprintf("layers.%d", i), l)...)
	}
	return out
}

// Children returns the layers.
func (s *Sequential) Children() []Module { return s.Layers }

// String prints the layers one per line, PyTorch-style.
func (s *Sequential) String() string {
	var b strings.Builder
	b.WriteString("Sequential(\n")
	for i, l := range s.Layers {
		inner := strings.ReplaceAll(fmt.Sprint(l), "\n", "\n  ")
		fmt.Fprintf(&b, "  (%d): %s\n", i, inner)
	}
	b.WriteString(")")
	return b.String()
}

// shapePanic panics with a *tensor.ShapeError wrapping tensor.ErrShape.
func shapePanic(op, msg string, shs ...[]int) { shapes.Panic(op, msg, shs...) }

// indexPanic panics with a *tensor.ShapeError wrapping tensor.ErrIndex.
func indexPanic(op, msg string, shs ...[]int) { shapes.IndexPanic(op, msg, shs...) }
