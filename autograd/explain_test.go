package autograd_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// mlp builds fresh parameters of a 2-2-1 sigmoid network and returns them
// with a function recording its half squared error on one datapoint.
func mlp() ([]autograd.Var, func(tp *autograd.Tape) autograd.Var) {
	ps := []autograd.Var{
		autograd.NewNamedParam("W1", tensor.New([]float64{0.1, -0.2, 0.3, 0.4}, 2, 2)),
		autograd.NewNamedParam("b1", tensor.New([]float64{0, 0.1}, 2)),
		autograd.NewNamedParam("W2", tensor.New([]float64{0.5, -0.5}, 2, 1)),
		autograd.NewNamedParam("b2", tensor.New([]float64{0.2}, 1)),
	}
	return ps, func(tp *autograd.Tape) autograd.Var {
		x := tp.Const(tensor.New([]float64{1, 2}, 1, 2))
		a1 := tp.Sigmoid(tp.Add(tp.MatMul(x, ps[0]), ps[1]))
		a2 := tp.Sigmoid(tp.Add(tp.MatMul(a1, ps[2]), ps[3]))
		d := tp.Sub(a2, tp.Const(tensor.New([]float64{1}, 1, 1)))
		return tp.Scale(tp.Sum(tp.Square(d)), 0.5)
	}
}

func TestExplainGradsEqualBackward(t *testing.T) {
	want, f := mlp()
	tp := autograd.NewTape()
	tp.Backward(f(tp))

	got, g := mlp()
	tp2 := autograd.NewTape()
	var b strings.Builder
	if err := tp2.Explain(&b, g(tp2)); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		// the same rules on the same values: equal to the last bit
		if d := cmp.Diff(want[i].Grad().Data(), got[i].Grad().Data()); d != "" {
			t.Errorf("%s: Grad after Explain differs from Backward (-backward +explain):\n%s", want[i].Name(), d)
		}
	}
	out := b.String()
	// BP1–BP4 of the course, in backward order: the output error through the
	// output sigmoid, the bias and weight gradients of each layer.
	for _, s := range []string{
		"rule sigmoid: ∂x = g ⊙ y(1−y)", "BP1", "BP2", "BP3", "BP4",
		"→ ∂L/∂b2 +=", "→ ∂L/∂W2 +=", "→ ∂L/∂b1 +=", "→ ∂L/∂W1 +=",
		"step 10: %1 = matmul(%0, W1) [1 2]",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("Explain output lacks %q:\n%s", s, out)
		}
	}
	if i, j := strings.Index(out, "∂L/∂W2 +="), strings.Index(out, "∂L/∂W1 +="); i > j {
		t.Errorf("W2's gradient printed after W1's; want reverse layer order:\n%s", out)
	}
}

func TestRuleText(t *testing.T) {
	for _, c := range []struct{ op, want string }{
		{"sigmoid", "sigmoid: ∂x = g ⊙ y(1−y)"},
		{"my_custom", "rule of my_custom"},
	} {
		if got := autograd.RuleText(c.op); !strings.HasPrefix(got, c.want) {
			t.Errorf("RuleText(%q) = %q, want prefix %q", c.op, got, c.want)
		}
	}
}

func TestExplainUnknownOpAndErrors(t *testing.T) {
	double := &autograd.CustomOp{
		Name:    "double",
		Forward: func(in []*tensor.Tensor) *tensor.Tensor { return tensor.Scale(in[0], 2) },
		Backward: func(tp *autograd.Tape, in []autograd.Var, out, g autograd.Var) []autograd.Var {
			return []autograd.Var{tp.Scale(g, 2)}
		},
	}
	tp := autograd.NewTape()
	x := tp.Var(vec(1, 2))
	var b strings.Builder
	if err := tp.Explain(&b, tp.Sum(tp.Apply(double, x))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "rule of double") {
		t.Errorf("got\n%s\nwant a line with \"rule of double\"", b.String())
	}
	if d := cmp.Diff([]float64{2, 2}, x.Grad().Data()); d != "" {
		t.Errorf("input gradient (-want +got):\n%s", d)
	}

	// a non-scalar loss panics like Backward
	func() {
		defer func() {
			if err, _ := recover().(error); !errors.Is(err, tensor.ErrShape) {
				t.Errorf("got panic %v, want tensor.ErrShape", err)
			}
		}()
		tp.Explain(&b, x)
	}()
	// a failing writer's error is returned
	tp2 := autograd.NewTape()
	if err := tp2.Explain(failWriter{}, tp2.Sum(tp2.Var(vec(1)))); !errors.Is(err, errWrite) {
		t.Errorf("got error %v, want %v", err, errWrite)
	}
}

var errWrite = errors.New("write failed")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }
