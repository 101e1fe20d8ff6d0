package nn

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/tapegrad/tapegrad/autograd"
)

// NamedModule is a module inside another and its name there: the field
// name in snake_case ("hidden"), or "layers.2" for the third entry of a
// slice field Layers.
type NamedModule struct {
	Name   string
	Module Module
}

var (
	moduleType = reflect.TypeFor[Module]()
	varType    = reflect.TypeFor[autograd.Var]()
)

// FieldParams returns the named parameters of a struct module, found in
// its exported fields, so that a custom module needs one line:
//
//	func (n *Net) NamedParams() []nn.NamedParam { return nn.FieldParams(n) }
//
// m is a pointer to a struct (or a struct). In field order:
//
//   - a field holding a Module (a *Linear, a *Sequential, an Activation, a
//     struct module of the user's) contributes the module's NamedParams,
//     each prefixed with the field's name and a dot: "hidden.weight";
//   - an autograd.Var field holding a parameter is a parameter of that name;
//   - a slice or array of modules or Vars gives one entry per element,
//     named by its index as PyTorch's ModuleList does: "blocks.0.weight";
//   - an embedded (anonymous) module contributes its parameters unprefixed,
//     as if they were m's own.
//
// A field's name is its Go name in snake_case ("OutProj" → "out_proj",
// "FC1" → "fc1"), or the name in an `nn:"name"` struct tag; `nn:"-"` skips
// the field. With the names PyTorch gives the same attributes, a PyTorch
// state dict of the same architecture loads by name (nn/checkpoint). Nil
// pointer and nil interface fields, zero Vars and constants are skipped
// (an optional layer left out); other fields are ignored.
//
// FieldParams also names each parameter (autograd.Var.Name) by its path, as
// NameParams does, so that DOT graphs and error messages say
// "hidden.weight"; an outer module's FieldParams lengthens the names to
// the full path from the model's root.
//
// The fields must form a tree: tag `nn:"-"` a field that points back to a
// parent module, or FieldParams recurses without end.
//
// Walk, SetTraining, Summary and checkpoints find the same fields' modules
// as m's children, so a struct module needs no Children method. FieldParams
// costs a reflection pass over m's fields; call it when building an
// optimiser or saving, not per training step.
//
// It panics with ErrArg if m is not a struct or a pointer to one, if an
// unexported field holds a module or a Var (export it, or tag it `nn:"-"`
// if it is meant to be hidden), or if a slice element is a nil module.
func FieldParams(m any) []NamedParam {
	const op = "nn.FieldParams"
	var out []NamedParam
	for _, f := range fields(op, m, true) {
		switch {
		case f.embedded:
			out = append(out, f.module.NamedParams()...)
		case f.module != nil:
			out = append(out, prefixed(f.name, f.module)...)
		default:
			out = append(out, NamedParam{Name: f.name, Var: f.v})
		}
	}
	nameParams(out)
	return out
}

// Children returns the modules directly inside m with their names: the
// modules in m's exported struct fields as FieldParams finds them ("fc1",
// "blocks.0"; an embedded module's children count as m's), then those of
// a Container's Children that no field holds, named by their index. So a
// Sequential's layers are "layers.0", "layers.1", …, after its Layers
// field. Leaves (Linear, Dropout, activations) have no children.
// It panics with ErrArg if m or a Container's child is nil.
func Children(m Module) []NamedModule { return children("nn.Children", m) }

// children is Children, its panics named op.
func children(op string, m Module) []NamedModule {
	checkModule(op, m)
	var found []NamedModule
	for _, f := range fields(op, m, false) {
		switch {
		case f.embedded:
			found = append(found, children(op, f.module)...)
		case f.module != nil:
			found = append(found, NamedModule{f.name, f.module})
		}
	}
	c, ok := m.(Container)
	if !ok {
		return found
	}
	out := found
	for i, ch := range c.Children() {
		if ch == nil {
			argPanic(op, "child %d of a %T is a nil module", i, m)
		}
		if !slices.ContainsFunc(found, func(f NamedModule) bool { return sameModule(f.Module, ch) }) {
			out = append(out, NamedModule{strconv.Itoa(i), ch})
		}
	}
	return out
}

// sameModule reports whether a and b are the same module value (false,
// not a panic, for modules of a type == cannot compare).
func sameModule(a, b Module) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

// NameParams names every parameter of m (autograd.Var.SetName) by its
// path from m, its NamedParams name ("layers.0.weight"), so that DOT
// graphs, Explain and error messages show where it sits. A name is only
// ever lengthened: a parameter called "weight" becomes "layers.0.weight",
// and later "body.layers.0.weight" when that model is composed into a
// bigger one, but a parameter tied under two names keeps the first. It
// returns m. NewSequential, NewMLP and FieldParams call it; call it on
// the root of a model whose NamedParams are written by hand.
// It panics with ErrArg if m is nil.
func NameParams[M Module](m M) M {
	checkModule("nn.NameParams", m)
	nameParams(m.NamedParams())
	return m
}

// nameParams renames each Var of nps to its name in nps when that name
// lengthens the Var's current one (see NameParams). Once the names are
// full paths it writes nothing.
func nameParams(nps []NamedParam) {
	for _, np := range nps {
		if !np.Var.IsParam() {
			continue
		}
		old := np.Var.Name()
		if np.Name != old && (old == "" || strings.HasSuffix(np.Name, "."+old)) {
			np.Var.SetName(np.Name)
		}
	}
}

// field is one module or parameter found in a struct's fields.
type field struct {
	name     string
	module   Module       // a module, or nil for a parameter
	v        autograd.Var // the parameter when module is nil
	embedded bool         // an anonymous module field: merged, not prefixed
}

// fields returns the modules and parameters in the exported fields of the
// struct m points to, in order (see FieldParams). With strict it panics
// with ErrArg named op on a value that is not a struct and on unexported
// fields holding modules or Vars; otherwise it returns nil for those.
func fields(op string, m any, strict bool) []field {
	rv := reflect.ValueOf(m)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			if strict {
				argPanic(op, "nil %T", m)
			}
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		if strict {
			argPanic(op, "%T is not a struct or a pointer to one", m)
		}
		return nil
	}
	rt := rv.Type()
	var out []field
	for i := range rt.NumField() {
		sf := rt.Field(i)
		name, skip := fieldName(sf)
		if skip {
			continue
		}
		if !sf.IsExported() {
			if strict && holdsParams(sf.Type) {
				argPanic(op, "field %s of %T is unexported, so it cannot be read; export it (%s `nn:%q`) or tag it `nn:\"-\"`",
					sf.Name, m, exported(sf.Name), name)
			}
			continue
		}
		fv := rv.Field(i)
		if sf.Anonymous {
			if mod, ok := asModule(fv); ok {
				out = append(out, field{name: name, module: mod, embedded: true})
			}
			continue
		}
		switch k := fv.Kind(); {
		case k == reflect.Slice || k == reflect.Array:
			for j := range fv.Len() {
				ev, en := fv.Index(j), name+"."+strconv.Itoa(j)
				if mod, ok := asModule(ev); ok {
					out = append(out, field{name: en, module: mod})
				} else if isNilModule(ev) {
					if strict {
						argPanic(op, "%s.%s[%d] of %T is a nil module", rt.Name(), sf.Name, j, m)
					}
				} else if v, ok := asParam(ev); ok {
					out = append(out, field{name: en, v: v})
				}
			}
		default:
			if mod, ok := asModule(fv); ok {
				out = append(out, field{name: name, module: mod})
			} else if v, ok := asParam(fv); ok {
				out = append(out, field{name: name, v: v})
			}
		}
	}
	return out
}

// asModule returns the module fv holds: fv itself, or its address when
// only the pointer is a Module (a Linear field held by value). A nil
// pointer or interface is no module.
func asModule(fv reflect.Value) (Module, bool) {
	if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Interface) && fv.IsNil() {
		return nil, false
	}
	if fv.Type().Implements(moduleType) {
		m, ok := fv.Interface().(Module)
		return m, ok
	}
	if fv.Kind() == reflect.Interface {
		m, ok := fv.Interface().(Module) // an any holding a module
		return m, ok
	}
	if fv.CanAddr() && fv.Addr().Type().Implements(moduleType) {
		return fv.Addr().Interface().(Module), true
	}
	return nil, false
}

// isNilModule reports whether fv is a nil value of a module type.
func isNilModule(fv reflect.Value) bool {
	k := fv.Kind()
	return (k == reflect.Pointer || k == reflect.Interface) && fv.IsNil() &&
		(fv.Type().Implements(moduleType) || fv.Type() == moduleType)
}

// asParam returns the parameter fv holds, if it is an autograd.Var holding
// one.
func asParam(fv reflect.Value) (autograd.Var, bool) {
	if fv.Type() != varType {
		return autograd.Var{}, false
	}
	v := fv.Interface().(autograd.Var)
	return v, v.IsParam()
}

// holdsParams reports whether a field of type t would be read by
// FieldParams had it been exported: a module, a Var, or a slice or array
// of them.
func holdsParams(t reflect.Type) bool {
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	return t == varType || t.Implements(moduleType) || reflect.PointerTo(t).Implements(moduleType)
}

// fieldName returns the name of struct field sf (its `nn` tag, or its Go
// name in snake_case) and whether it is tagged `nn:"-"`.
func fieldName(sf reflect.StructField) (name string, skip bool) {
	switch tag := sf.Tag.Get("nn"); tag {
	case "-":
		return "", true
	case "":
		return snakeCase(sf.Name), false
	default:
		return tag, false
	}
}

// snakeCase turns a Go identifier into the snake_case PyTorch gives
// attributes: an underscore before each capital that starts a new word (it
// follows a lower-case letter, or ends a run of capitals before a
// lower-case letter), then lower case. "OutProj" → "out_proj", "FC1" →
// "fc1", "QKVProj" → "qkv_proj", "Conv2D" → "conv2d", "layers" → "layers".
func snakeCase(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) &&
			(unicode.IsLower(r[i-1]) || unicode.IsUpper(r[i-1]) && i+1 < len(r) && unicode.IsLower(r[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// exported returns name with its first letter upper-cased.
func exported(name string) string {
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
