package nn_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// This file holds the helpers shared by the package's tests, then the tests
// of module.go.

// approx is the tolerance for results compared with numbers worked out by
// hand (or with Python's math module) through a different order of float64
// operations: a few ulps of error per op over a handful of ops, so a
// relative 1e-12 (and an absolute 1e-15 for values that should be 0) is
// ample while still catching any wrong formula.
var approx = cmpopts.EquateApprox(1e-12, 1e-15)

// panicRow is one misuse that must panic with an error wrapping want whose
// message contains every string of msg.
type panicRow struct {
	name string
	f    func()
	want error
	msg  []string
}

// runPanics runs each row as a subtest through tapegradtest.CheckPanic and
// checks that a shape or index panic is a *tensor.ShapeError.
func runPanics(t *testing.T, rows []panicRow) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			err := tapegradtest.CheckPanic(t, r.f, r.want, r.msg...)
			var se *tensor.ShapeError
			if (errors.Is(r.want, tensor.ErrShape) || errors.Is(r.want, tensor.ErrIndex)) && !errors.As(err, &se) {
				t.Errorf("panic %q is a %T, not a *tensor.ShapeError", err, err)
			}
		})
	}
}

// names returns the names of nps.
func names(nps []nn.NamedParam) []string {
	out := make([]string, len(nps))
	for i, np := range nps {
		out[i] = np.Name
	}
	return out
}

func TestSequentialNamesAndParams(t *testing.T) {
	rng := tapegradtest.NewRNG()
	inner := nn.NewSequential(nn.NewLinear(rng, 3, 4, nil), nn.Tanh())
	m := nn.NewSequential(inner, nn.NewDropout(rng, 0.5), nn.NewLinear(rng, 4, 2, nil))
	want := []string{"layers.0.layers.0.weight", "layers.0.layers.0.bias", "layers.2.weight", "layers.2.bias"}
	if d := cmp.Diff(want, names(m.NamedParams())); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	// 3·4+4 + 4·2+2
	if got, want := nn.NumParams(m), 26; got != want {
		t.Errorf("NumParams = %d, want %d", got, want)
	}
	if got := len(nn.Params(m)); got != 4 {
		t.Errorf("len(Params) = %d, want 4", got)
	}
}

func TestParamsTiedWeights(t *testing.T) {
	// The same layer used twice: two names, one parameter set.
	l := nn.NewLinear(tapegradtest.NewRNG(), 2, 2, nil)
	m := nn.NewSequential(l, nn.Tanh(), l)
	if got := len(m.NamedParams()); got != 4 {
		t.Errorf("len(NamedParams) = %d, want 4", got)
	}
	ps := nn.Params(m)
	if len(ps) != 2 || !ps[0].Same(l.W) || !ps[1].Same(l.B) {
		t.Errorf("Params = %v, want [W B] once each", ps)
	}
	if got, want := nn.NumParams(m), 6; got != want {
		t.Errorf("NumParams = %d, want %d", got, want)
	}
}

func TestZeroGrad(t *testing.T) {
	m := nn.NewMLP(tapegradtest.NewRNG(), []int{2, 3, 1}, nn.Tanh(), nil)
	tp := autograd.NewTape()
	x := tp.Const(tensor.New([]float64{1, 2, 3, 4}, 2, 2))
	tp.Backward(tp.Sum(m.Forward(tp, x)))
	for _, p := range nn.Params(m) {
		if p.Grad() == nil {
			t.Fatalf("%s has no gradient after Backward", p.Name())
		}
	}
	nn.ZeroGrad(m)
	for _, np := range m.NamedParams() {
		g := np.Var.Grad()
		if d := tapegradtest.Diff(tensor.ZerosLike(g), g); d != "" {
			t.Errorf("%s after ZeroGrad (-want +got):\n%s", np.Name, d)
		}
	}
}

func TestWalkAndSetTraining(t *testing.T) {
	rng := tapegradtest.NewRNG()
	d1, d2 := nn.NewDropout(rng, 0.1), nn.NewDropout(rng, 0.2)
	m := nn.NewSequential(nn.NewLinear(rng, 2, 2, nil), d1, nn.NewSequential(d2, nn.ReLU()))
	var seen []string
	nn.Walk(m, func(m nn.Module) { seen = append(seen, strings.SplitN(fmt.Sprint(m), "(", 2)[0]) })
	want := []string{"Sequential", "Linear", "Dropout", "Sequential", "Dropout", "ReLU"}
	if d := cmp.Diff(want, seen); d != "" {
		t.Errorf("Walk order (-want +got):\n%s", d)
	}
	for _, on := range []bool{false, true} {
		nn.SetTraining(m, on)
		if d1.Training() != on || d2.Training() != on {
			t.Errorf("SetTraining(%t): dropouts training = %t, %t", on, d1.Training(), d2.Training())
		}
	}
}

func TestSequentialString(t *testing.T) {
	m := nn.NewSequential(nn.NewMLP(tapegradtest.NewRNG(), []int{2, 2, 1}, nn.Sigmoid(), nn.Sigmoid()), nn.Identity())
	want := `Sequential(
  (0): Sequential(
    (0): Linear(in=2, out=2, bias=true)
    (1): Sigmoid
    (2): Linear(in=2, out=1, bias=true)
    (3): Sigmoid
  )
  (1): Identity
)`
	if d := cmp.Diff(want, m.String()); d != "" {
		t.Errorf("String (-want +got):\n%s", d)
	}
}

func TestSequentialForward(t *testing.T) {
	// An empty Sequential is the identity; layers apply in order.
	x := autograd.Const(tensor.New([]float64{-1, 2}, 1, 2))
	if got := nn.NewSequential().Forward(nil, x); !got.Same(x) {
		t.Errorf("empty Sequential returned %v, want its input", got)
	}
	scale := nn.NewActivation("Double", func(tp *autograd.Tape, x autograd.Var) autograd.Var { return tp.Scale(x, 2) }, nil)
	// relu then double: [0, 4]; double then relu would give the same, so add
	// a shift that does not commute: relu(x)−1 vs relu(x−1).
	shift := nn.NewActivation("Shift", func(tp *autograd.Tape, x autograd.Var) autograd.Var { return tp.AddScalar(x, -1) }, nil)
	got := nn.NewSequential(nn.ReLU(), shift, scale).Forward(nil, x).Value()
	if d := tapegradtest.Diff(tensor.New([]float64{-2, 2}, 1, 2), got); d != "" {
		t.Errorf("relu→shift→double (-want +got):\n%s", d)
	}
}
