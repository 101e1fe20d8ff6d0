package nn

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tapegrad/tapegrad/autograd"
)

// Summary returns m as a tree, one module a line, like Keras's
// model.summary() or torchinfo: each child's name (see Children), its type
// or, for a layer with no children, its String ("Linear(in=4, out=8,
// bias=true)"), the number of scalar parameters it holds and the shapes of
// the parameters it holds directly; then the totals (as NumParams, a tied
// parameter counted once), split into trainable and frozen
// (autograd.Var.SetRequiresGrad(false)):
//
//	Net                                     params  shapes
//	├─ hidden  Linear(in=4, out=8, bias=true)   40  weight [4 8], bias [8]
//	├─ drop    Dropout(p=0.5)                    0
//	└─ out     Linear(in=8, out=2, bias=true)   18  weight [8 2], bias [2]
//	58 parameters: 58 trainable, 0 frozen
//
// A layer made as a zero value prints with its missing parameters marked
// "(unset)". It panics with ErrArg if m or a module inside it is nil.
func Summary(m Module) string {
	const op = "nn.Summary"
	checkModule(op, m)
	rows := [][4]string{{describe(op, m), "", "params", "shapes"}}
	if own := ownParams(op, m); len(own) > 0 {
		rows = append(rows, [4]string{"·", "", strconv.Itoa(countNamed(own)), shapeList(own)})
	}
	var tree func(m Module, indent string)
	tree = func(m Module, indent string) {
		chs := children(op, m)
		for i, ch := range chs {
			branch, next := "├─ ", "│  "
			if i == len(chs)-1 {
				branch, next = "└─ ", "   "
			}
			rows = append(rows, [4]string{indent + branch + ch.Name, describe(op, ch.Module),
				strconv.Itoa(count(params(op, ch.Module))), shapeList(ownParams(op, ch.Module))})
			tree(ch.Module, indent+next)
		}
	}
	tree(m, "")
	var w [3]int
	for _, r := range rows {
		for j := range w {
			w[j] = max(w[j], utf8.RuneCountInString(r[j]))
		}
	}
	var out strings.Builder
	for _, r := range rows {
		l := pad(r[0], w[0]) + "  "
		if w[1] > 0 { // no column for the types of a module without children
			l += pad(r[1], w[1]) + "  "
		}
		l += strings.Repeat(" ", w[2]-len(r[2])) + r[2]
		if r[3] != "" {
			l += "  " + r[3]
		}
		out.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	all := params(op, m)
	train := 0
	for _, p := range all {
		if p.Valid() && p.RequiresGrad() {
			train += p.Value().Len()
		}
	}
	total := count(all)
	fmt.Fprintf(&out, "%d parameters: %d trainable, %d frozen", total, train, total-train)
	return out.String()
}

// pad right-pads s with spaces to n runes.
func pad(s string, n int) string {
	return s + strings.Repeat(" ", n-utf8.RuneCountInString(s))
}

// countNamed is count of the Vars of nps, each counted once.
func countNamed(nps []NamedParam) int {
	var vs []autograd.Var
	for _, np := range nps {
		if !containsVar(vs, np.Var) {
			vs = append(vs, np.Var)
		}
	}
	return count(vs)
}

// count is the number of scalars in ps; the zero Var (a zero-value layer's
// weight) counts 0.
func count(ps []autograd.Var) int {
	n := 0
	for _, p := range ps {
		if p.Valid() {
			n += p.Value().Len()
		}
	}
	return n
}

// ownParams returns the named parameters of m that none of its children
// holds: a Linear's weight and bias, a struct module's Var fields.
func ownParams(op string, m Module) []NamedParam {
	var inChild []autograd.Var
	for _, ch := range children(op, m) {
		inChild = append(inChild, params(op, ch.Module)...)
	}
	var own []NamedParam
	for _, np := range m.NamedParams() {
		if !containsVar(inChild, np.Var) {
			own = append(own, np)
		}
	}
	return own
}

// shapeList prints nps as "weight [4 8], bias [8]".
func shapeList(nps []NamedParam) string {
	s := make([]string, len(nps))
	for i, np := range nps {
		if !np.Var.Valid() {
			s[i] = np.Name + " (unset)"
			continue
		}
		s[i] = fmt.Sprintf("%s %v", np.Name, np.Var.Shape())
		if !np.Var.RequiresGrad() {
			s[i] += " frozen"
		}
	}
	return strings.Join(s, ", ")
}

// describe is a child's text in a Summary: its String when it is a leaf
// with a one-line String, else its type's name.
func describe(op string, m Module) string {
	if st, ok := m.(fmt.Stringer); ok && len(children(op, m)) == 0 {
		if s := fmt.Sprint(st); !strings.Contains(s, "\n") {
			return s
		}
	}
	return typeName(m)
}

// typeName is the name of m's type without pointer or package: "Linear".
func typeName(m Module) string {
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return t.String()
	}
	return t.Name()
}
