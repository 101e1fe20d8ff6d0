package nn

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// WithParams runs f with some of m's parameters and buffers replaced by
// other Vars, then puts the originals back, even if f panics: PyTorch's
// torch.func.functional_call without the call. params maps NamedParams
// names ("layers.0.weight", "running_mean") to the replacements; names it
// leaves out keep their parameters. A replacement may be any Var of the
// parameter's shape: a parameter, a constant, or a Var recorded on a tape,
// so the model becomes a differentiable function of it (MAML's adapted
// θ' = θ − α·∇L(θ), vmap's batched parameters, CheckModel's leaves).
// Gradients then flow to the replacements, not to m's own parameters.
//
// WithParams swaps the module's own references: it walks the tree of
// values m points to (struct fields, exported or not, pointers, slices,
// arrays, maps, interfaces, so nested modules and Sequential's list) and
// sets every autograd.Var equal (Var.Same) to a replaced parameter. A
// parameter tied under several names (one Var) is replaced wherever it
// sits, as torch.func's tie_weights does; giving its names different
// replacements is an error. A Var held only where the walk cannot write
// (captured by a closure, computed by NamedParams, or inside a module held
// by value rather than by pointer at the root) is not found, and
// WithParams panics rather than run f with the original. The walk costs
// a reflection pass over m's values (tensors' contents are not visited).
//
// While f runs, m holds the replacements: a layer that writes a buffer
// (BatchNorm's running statistics while training) writes the
// replacement's value, and m's NamedParams, and so Params, Summary and
// checkpoints, see the replacements (a FieldParams module lists only those
// that are parameters). So, as in PyTorch, m must not be used by other
// goroutines during the call, and calls on one module must not nest.
//
// It panics with ErrArg if m or f is nil, a name is not one of m's
// NamedParams (the message lists the unknown names), a replacement is the
// zero Var (or so is the parameter it replaces), tied names get
// different replacements, or a parameter's Var cannot be found in m's
// values; and with tensor.ErrShape, naming the
// parameter and both shapes, if a replacement's shape is not its
// parameter's. A panic of f is passed on after the originals are back.
func WithParams(m Module, params map[string]autograd.Var, f func()) {
	const op = "nn.WithParams"
	if f == nil {
		argPanic(op, "nil function f")
	}
	withParams(op, m, params, f)
}

// FunctionalCall returns m.Forward(tp, x) computed with the parameters
// and buffers named in params replaced by the given Vars: PyTorch's
// torch.func.functional_call(m, params, x). The output's shape is m's.
// See WithParams for the replacement, its cost, its restoration and its
// panics (ErrArg, tensor.ErrShape); m's Forward panics as it does.
func FunctionalCall(tp *autograd.Tape, m Module, params map[string]autograd.Var, x autograd.Var) autograd.Var {
	var y autograd.Var
	withParams("nn.FunctionalCall", m, params, func() { y = m.Forward(tp, x) })
	return y
}

// withParams is WithParams, its panics named op.
func withParams(op string, m Module, params map[string]autograd.Var, f func()) {
	checkModule(op, m)
	repl, names := replacements(op, m, params)
	s := swapper{repl: repl, seen: map[seenKey]bool{}, found: map[autograd.Var]bool{}}
	defer s.restore()
	s.visit(reflect.ValueOf(m))
	var missing []string
	for orig, name := range names {
		if !s.found[orig] {
			missing = append(missing, fmt.Sprintf("%q", name))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		argPanic(op, "%s: not held in any value of the %T that the walk can set (a module held by value at the root, a Var captured by a closure or made by NamedParams)",
			strings.Join(missing, ", "), m)
	}
	f()
}

// replacements checks params against m's NamedParams and returns the map
// from each original Var to its replacement, and to its name in params.
func replacements(op string, m Module, params map[string]autograd.Var) (repl map[autograd.Var]autograd.Var, names map[autograd.Var]string) {
	byName := map[string]autograd.Var{}
	for _, np := range m.NamedParams() {
		if _, ok := byName[np.Name]; !ok {
			byName[np.Name] = np.Var
		}
	}
	var unknown []string
	for name := range params {
		if _, ok := byName[name]; !ok {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		argPanic(op, "%s: no parameter or buffer of a %T has this name", strings.Join(unknown, ", "), m)
	}
	repl = make(map[autograd.Var]autograd.Var, len(params))
	names = make(map[autograd.Var]string, len(params))
	for _, name := range slices.Sorted(maps.Keys(params)) {
		r, orig := params[name], byName[name]
		if !orig.Valid() {
			argPanic(op, "parameter %q of a %T is the zero Var (make the layer with its constructor)", name, m)
		}
		if !r.Valid() {
			argPanic(op, "parameter %q: the replacement is the zero Var", name)
		}
		if !slices.Equal(r.Shape(), orig.Shape()) {
			shapePanic(op, fmt.Sprintf("parameter %q: the replacement's shape (second) is not the parameter's (first)", name), orig.Shape(), r.Shape())
		}
		if prev, ok := repl[orig]; ok && !prev.Same(r) {
			argPanic(op, "parameters %q and %q are one tied Var, given different replacements", names[orig], name)
		}
		if _, ok := names[orig]; !ok {
			names[orig] = name
		}
		repl[orig] = r
	}
	return repl, names
}

// swapper sets the Vars of a module tree to their replacements and
// remembers how to undo each change.
type swapper struct {
	repl  map[autograd.Var]autograd.Var // original → replacement
	seen  map[seenKey]bool              // pointers already visited
	found map[autograd.Var]bool         // originals set at least once
	undo  []func()                      // run in reverse by restore
}

// seenKey identifies a visited pointer: its address and its target's type
// (a struct and its first field share an address).
type seenKey struct {
	addr uintptr
	typ  reflect.Type
}

// restore undoes every change, the last first.
func (s *swapper) restore() {
	for i := len(s.undo) - 1; i >= 0; i-- {
		s.undo[i]()
	}
}

// visit sets the Vars in v and in what it points to. v is addressable
// unless it is the root or was copied out of an interface or map (then
// the caller writes the changed copy back).
func (s *swapper) visit(v reflect.Value) {
	if !mayHoldVar(v.Type()) {
		return
	}
	if v.CanAddr() {
		// a settable view, also of unexported fields: the walk writes only
		// Vars, with the same type, where a Var was
		v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == varType {
			s.setVar(v)
			return
		}
		for i := range v.NumField() {
			s.visit(v.Field(i))
		}
	case reflect.Array, reflect.Slice:
		for i := range v.Len() {
			s.visit(v.Index(i))
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		k := seenKey{v.Pointer(), v.Type().Elem()}
		if s.seen[k] {
			return
		}
		s.seen[k] = true
		s.visit(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		if e.Kind() == reflect.Pointer || !v.CanSet() {
			s.visit(e)
			return
		}
		if c, changed := s.visitCopy(e); changed {
			s.undo = append(s.undo, func() { v.Set(e) })
			v.Set(c)
		}
	case reflect.Map:
		if v.IsNil() || !mayHoldVar(v.Type().Elem()) {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			key, old := iter.Key(), iter.Value()
			if c, changed := s.visitCopy(old); changed {
				s.undo = append(s.undo, func() { v.SetMapIndex(key, old) })
				v.SetMapIndex(key, c)
			}
		}
	}
}

// visitCopy visits an addressable copy of the unaddressable value e and
// reports whether a Var in the copy itself changed (Vars behind pointers
// change in place and need no copy).
func (s *swapper) visitCopy(e reflect.Value) (reflect.Value, bool) {
	c := reflect.New(e.Type()).Elem()
	c.Set(e)
	n := len(s.undo)
	s.visit(c)
	return c, len(s.undo) > n
}

// setVar replaces the Var v if it is a replaced original.
func (s *swapper) setVar(v reflect.Value) {
	if !v.CanAddr() {
		return // the root passed by value: not settable, reported as not found
	}
	p := (*autograd.Var)(unsafe.Pointer(v.UnsafeAddr()))
	r, ok := s.repl[*p]
	if !ok {
		return
	}
	old := *p
	s.found[old] = true
	s.undo = append(s.undo, func() { *p = old })
	*p = r
}

var (
	holdsMu      sync.Mutex
	holdsVar     = map[reflect.Type]bool{}
	autogradPath = varType.PkgPath()
	tensorPath   = reflect.TypeFor[tensor.Tensor]().PkgPath()
)

// mayHoldVar reports whether a value of type t may hold an autograd.Var
// that WithParams should visit: true for Var and for types that may
// contain one (an interface may hold anything), false for basic kinds,
// functions, channels and the types of packages autograd and tensor (a
// tape's records are not a module's parameters). The answers are cached;
// a recursive type counts as holding a Var while it is being decided,
// which can only make the walk look further, never miss a Var.
func mayHoldVar(t reflect.Type) bool {
	holdsMu.Lock()
	defer holdsMu.Unlock()
	return mayHoldVarLocked(t, map[reflect.Type]bool{})
}

func mayHoldVarLocked(t reflect.Type, deciding map[reflect.Type]bool) bool {
	if t == varType {
		return true
	}
	if h, ok := holdsVar[t]; ok {
		return h
	}
	if deciding[t] {
		return true
	}
	if p := t.PkgPath(); p == autogradPath || p == tensorPath {
		holdsVar[t] = false
		return false
	}
	deciding[t] = true
	h := false
	switch t.Kind() {
	case reflect.Interface:
		h = true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		h = mayHoldVarLocked(t.Elem(), deciding)
	case reflect.Struct:
		for i := range t.NumField() {
			if mayHoldVarLocked(t.Field(i).Type, deciding) {
				h = true
				break
			}
		}
	}
	delete(deciding, t)
	holdsVar[t] = h
	return h
}
