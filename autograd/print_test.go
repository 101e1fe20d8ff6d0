package autograd_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestGradientVarString(t *testing.T) {
	// A gradient Grad returns is no recorded node: it prints as a gradient,
	// with its values.
	tp := autograd.NewTape()
	x := tp.Var(tensor.New([]float64{1, 2}, 2))
	g := tp.Grad(tp.Sum(tp.Mul(x, x)), x)[0]
	want := "Var(gradient [2])\n" + tensor.New([]float64{2, 4}, 2).String()
	if got := g.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := g.Op(); got != "gradient" {
		t.Errorf("Op() = %q, want gradient", got)
	}
}

func TestSetName(t *testing.T) {
	p := autograd.NewNamedParam("weight", tensor.Zeros(2))
	p.SetName("layers.0.weight")
	if got := p.Name(); got != "layers.0.weight" {
		t.Errorf("Name() = %q after SetName, want layers.0.weight", got)
	}
	if got := p.String(); !strings.HasPrefix(got, "Var(layers.0.weight param [2])") {
		t.Errorf("String() = %q, want the new name", got)
	}
	tp := autograd.NewTape()
	v := tp.Add(p, p)
	v.SetName("ignored") // a tape Var's name is its op
	if got := v.Name(); got != "" {
		t.Errorf("a tape Var took the name %q", got)
	}
}

func TestTapeMisuseNamesCallSite(t *testing.T) {
	// Like shape errors, tape misuse names the user's line: this file.
	a, b := autograd.NewTape(), autograd.NewTape()
	x := a.Var(tensor.Zeros(2))
	for _, c := range []struct {
		name string
		f    func()
		msg  string
	}{
		{"another tape", func() { b.Add(x, x) }, "add: Var %0 belongs to another tape"},
		{"zero Var", func() { b.Neg(autograd.Var{}) }, "zero Var"},
		{"stale", func() {
			y := b.Var(tensor.Zeros(1))
			b.Reset()
			b.Neg(y)
		}, "from before the tape's Reset"},
		{"backward of a parameter", func() { b.Backward(autograd.NewParam(tensor.Zeros(1))) }, "of a parameter or constant"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := tapegradtest.Catch(c.f)
			if !errors.Is(err, autograd.ErrTape) {
				t.Fatalf("got %v, want ErrTape", err)
			}
			if !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "(at ") ||
				!strings.Contains(err.Error(), "print_test.go:") {
				t.Errorf("error %q lacks %q or this file's line", err, c.msg)
			}
		})
	}
}
