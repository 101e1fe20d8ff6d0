package nn_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// unexported holds its parameters in unexported fields, one of them in a
// nested struct and one behind a pointer, and names them by hand: the
// walk of WithParams must find Vars that FieldParams cannot read.
type unexported struct {
	gain  autograd.Var
	inner struct{ shift *autograd.Var }
}

func newUnexported() *unexported {
	u := &unexported{gain: autograd.NewParam(tensor.New([]float64{1, 2, 3}, 3))}
	s := autograd.NewParam(tensor.New([]float64{0.5, 0.5, 0.5}, 3))
	u.inner.shift = &s
	return u
}

func (u *unexported) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return tp.Add(tp.Mul(x, u.gain), *u.inner.shift)
}

func (u *unexported) NamedParams() []nn.NamedParam {
	return []nn.NamedParam{{Name: "gain", Var: u.gain}, {Name: "shift", Var: *u.inner.shift}}
}

// mapped holds its parameters in a map and in an array, unexported.
type mapped struct {
	byName map[string]autograd.Var
	pair   [2]autograd.Var
}

func newMapped() *mapped {
	return &mapped{
		byName: map[string]autograd.Var{"scale": autograd.NewParam(tensor.New([]float64{2, -1}, 2))},
		pair:   [2]autograd.Var{autograd.NewParam(tensor.New([]float64{0.5, 1}, 2)), autograd.NewParam(tensor.Ones(2))},
	}
}

func (m *mapped) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return tp.Mul(tp.Add(tp.Mul(x, m.byName["scale"]), m.pair[0]), m.pair[1])
}

func (m *mapped) NamedParams() []nn.NamedParam {
	return []nn.NamedParam{{Name: "scale", Var: m.byName["scale"]}, {Name: "pair.0", Var: m.pair[0]}, {Name: "pair.1", Var: m.pair[1]}}
}

// byValue is a module whose methods take a value receiver: held by value
// in a Sequential's interface, its Vars sit in a copy the walk writes back.
type byValue struct{ G autograd.Var }

func (b byValue) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var { return tp.Mul(x, b.G) }
func (b byValue) NamedParams() []nn.NamedParam                           { return nn.FieldParams(b) }

// layerCase builds a model (the same one on each call: a fixed seed) and
// an input for it.
type layerCase struct {
	name  string
	model func() nn.Module
	x     *tensor.Tensor
}

func layerCases() []layerCase {
	rng := func() *rand.Rand { return tapegradtest.NewRNG() }
	in := func(shape ...int) *tensor.Tensor { return tensor.RandN(rand.New(rand.NewPCG(3, 4)), shape...) }
	eval := func(m nn.Module) nn.Module { nn.SetTraining(m, false); return m }
	conv2 := tensor.Conv2dDefaults()
	return []layerCase{
		{"Linear", func() nn.Module { return nn.NewLinear(rng(), 3, 2, nil) }, in(4, 3)},
		{"Neuron", func() nn.Module { return nn.NewNeuron(rng(), 3, nn.Tanh()) }, in(4, 3)},
		{"Conv1d", func() nn.Module { return nn.NewConv1d(rng(), 2, 3, 2, tensor.Conv1dDefaults()) }, in(2, 2, 5)},
		{"Conv2d", func() nn.Module { return nn.NewConv2d(rng(), 2, 3, [2]int{2, 2}, conv2) }, in(2, 2, 4, 4)},
		{"ConvTranspose2d", func() nn.Module { return nn.NewConvTranspose2d(rng(), 2, 3, [2]int{2, 2}, conv2) }, in(2, 2, 3, 3)},
		{"BatchNorm1d/train", func() nn.Module { return nn.NewBatchNorm1d(nn.NormDefaults(), 3) }, in(4, 3)},
		{"BatchNorm2d/eval", func() nn.Module { return eval(nn.NewBatchNorm2d(nn.NormDefaults(), 2)) }, in(2, 2, 3, 3)},
		{"LayerNorm", func() nn.Module { return nn.NewLayerNorm(nn.NormDefaults(), 4) }, in(3, 4)},
		{"GroupNorm", func() nn.Module { return nn.NewGroupNorm(nn.NormDefaults(), 2, 4) }, in(2, 4, 3)},
		{"Embedding", func() nn.Module { return nn.NewEmbedding(rng(), 5, 3) }, tensor.New([]float64{0, 4, 2, 2}, 2, 2)},
		{"MultiheadAttention", func() nn.Module { return nn.NewMultiheadAttention(rng(), 4, 2) }, in(2, 3, 4)},
		{"TransformerEncoderLayer", func() nn.Module { return eval(nn.NewTransformerEncoderLayer(rng(), 4, 2, 8, "gelu")) }, in(2, 3, 4)},
		{"LSTMCell", func() nn.Module { return nn.NewLSTMCell(rng(), 3, 2) }, in(4, 3)},
		{"GRUCell", func() nn.Module { return nn.NewGRUCell(rng(), 3, 2) }, in(4, 3)},
		{"LSTM", func() nn.Module { return nn.NewLSTM(rng(), 3, 2, 2) }, in(2, 4, 3)},
		{"GRU", func() nn.Module { return nn.NewGRU(rng(), 3, 2, 2) }, in(2, 4, 3)},
		{"Sequential", func() nn.Module { return nn.NewMLP(rng(), []int{3, 4, 2}, nn.ReLU(), nn.Sigmoid()) }, in(4, 3)},
		{"unexported fields", func() nn.Module { return newUnexported() }, in(2, 3)},
		{"map and array", func() nn.Module { return newMapped() }, in(3, 2)},
		{"module held by value", func() nn.Module {
			return nn.NewSequential(byValue{autograd.NewParam(tensor.New([]float64{2, 3}, 2))}, nn.NewLinear(rng(), 2, 2, nil))
		}, in(3, 2)},
	}
}

// TestWithParamsEveryLayer replaces every parameter and buffer of each
// layer by a distinct value: the output must be what a copy of the layer
// holding those values gives, and afterwards the layer must hold, and
// compute with, its own parameters again.
func TestWithParamsEveryLayer(t *testing.T) {
	for _, c := range layerCases() {
		t.Run(c.name, func(t *testing.T) {
			m, twin := c.model(), c.model()
			before := m.NamedParams()
			x := autograd.Const(c.x)
			want0 := m.Forward(nil, x).Value().Copy()

			tp := autograd.NewTape()
			vals := rand.New(rand.NewPCG(5, 6))
			repl := map[string]autograd.Var{}
			for _, np := range twin.NamedParams() {
				// U(0.5, 1.5): positive, so a running variance stays valid
				v := tensor.RandU(vals, 0.5, 1.5, np.Var.Shape()...)
				np.Var.SetValue(v.Copy())
				repl[np.Name] = tp.Var(v)
			}
			if len(repl) == 0 {
				t.Fatal("the model has no parameters")
			}
			got := nn.FunctionalCall(tp, m, repl, x).Value()
			want := twin.Forward(nil, x).Value()
			if d := cmp.Diff(want.Float64s(), got.Float64s()); d != "" {
				t.Errorf("FunctionalCall (-twin +got):\n%s", d)
			}
			if cmp.Equal(want0.Float64s(), got.Float64s()) {
				t.Errorf("FunctionalCall gave the original output %v", got)
			}

			after := m.NamedParams()
			if len(after) != len(before) {
				t.Fatalf("got %d named params after the call, want %d", len(after), len(before))
			}
			for i := range before {
				if !after[i].Var.Same(before[i].Var) || after[i].Name != before[i].Name {
					t.Errorf("param %d: got %s %v after the call, want %s %v", i, after[i].Name, after[i].Var, before[i].Name, before[i].Var)
				}
			}
			if d := cmp.Diff(want0.Float64s(), m.Forward(nil, x).Value().Float64s()); d != "" {
				t.Errorf("output after the call (-before +after):\n%s", d)
			}
		})
	}
}

// TestWithParamsRestoresOnPanic: a panic in f reaches the caller, and the
// parameters are back.
func TestWithParamsRestoresOnPanic(t *testing.T) {
	m := nn.NewMLP(tapegradtest.NewRNG(), []int{2, 3, 1}, nn.Tanh(), nil)
	w := m.NamedParams()[0].Var
	boom := errors.New("boom")
	err := tapegradtest.Catch(func() {
		nn.WithParams(m, map[string]autograd.Var{"layers.0.weight": autograd.Const(tensor.Zeros(2, 3))}, func() {
			if m.Layers[0].(*nn.Linear).W.Same(w) {
				t.Error("inside f: the weight was not replaced")
			}
			panic(boom)
		})
	})
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the panic of f", err)
	}
	if !m.Layers[0].(*nn.Linear).W.Same(w) {
		t.Error("after a panic: the weight was not restored")
	}
}

// TestWithParamsTied: one Var under two names is replaced in both places
// by either name; two different replacements for it are refused.
func TestWithParamsTied(t *testing.T) {
	rng := tapegradtest.NewRNG()
	a := nn.NewLinear(rng, 2, 2, nil)
	b := &nn.Linear{W: a.W} // tied weight, no bias
	m := nn.NewSequential(a, b)
	r := autograd.Const(tensor.Ones(2, 2))
	nn.WithParams(m, map[string]autograd.Var{"layers.1.weight": r}, func() {
		if !a.W.Same(r) || !b.W.Same(r) {
			t.Error("a tied weight was not replaced in both layers")
		}
	})
	if !a.W.Same(b.W) || a.W.Same(r) {
		t.Error("the tied weight was not restored")
	}
	err := tapegradtest.Catch(func() {
		nn.WithParams(m, map[string]autograd.Var{"layers.0.weight": r, "layers.1.weight": autograd.Const(tensor.Ones(2, 2))}, func() {})
	})
	if !errors.Is(err, nn.ErrArg) || !strings.Contains(err.Error(), "tied") {
		t.Errorf("got %v, want ErrArg naming the tied parameters", err)
	}
}

// TestWithParamsPanics: misuse panics with the documented sentinel and a
// message naming the parameter, and leaves the model as it was.
func TestWithParamsPanics(t *testing.T) {
	m := nn.NewMLP(tapegradtest.NewRNG(), []int{2, 3, 1}, nn.Tanh(), nil)
	w := m.Layers[0].(*nn.Linear).W
	ok := autograd.Const(tensor.Zeros(2, 3))
	tests := []struct {
		name   string
		m      nn.Module
		params map[string]autograd.Var
		f      func()
		want   error
		says   []string
	}{
		{"unknown names", m, map[string]autograd.Var{"layers.0.weight": ok, "nope": ok, "layers.9.bias": ok}, func() {}, nn.ErrArg, []string{`"layers.9.bias", "nope"`}},
		{"shape", m, map[string]autograd.Var{"layers.0.weight": autograd.Const(tensor.Zeros(3, 2))}, func() {}, tensor.ErrShape, []string{"layers.0.weight", "[2 3] and [3 2]"}},
		{"zero Var", m, map[string]autograd.Var{"layers.0.weight": {}}, func() {}, nn.ErrArg, []string{"layers.0.weight", "zero Var"}},
		{"nil f", m, nil, nil, nn.ErrArg, []string{"nil function"}},
		{"nil module", nil, nil, func() {}, nn.ErrArg, []string{"nil module"}},
		{"zero-Var parameter", new(nn.Linear), map[string]autograd.Var{"weight": ok}, func() {}, nn.ErrArg, []string{`"weight"`, "zero Var"}},
		{"root held by value", byValue{autograd.NewParam(tensor.Ones(1))}, map[string]autograd.Var{"g": autograd.Const(tensor.Ones(1))}, func() {}, nn.ErrArg, []string{`"g"`, "not held"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tapegradtest.Catch(func() { nn.WithParams(tt.m, tt.params, tt.f) })
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want a panic wrapping %v", err, tt.want)
			}
			for _, s := range tt.says {
				if !strings.Contains(err.Error(), s) || !strings.Contains(err.Error(), "nn.WithParams") {
					t.Errorf("got %q, want it to name nn.WithParams and say %q", err, s)
				}
			}
			if !m.Layers[0].(*nn.Linear).W.Same(w) {
				t.Error("the model was changed")
			}
		})
	}
}

// TestFunctionalCallGradients: gradients reach the replacements, tape
// leaves here, and not the model's own parameters.
func TestFunctionalCallGradients(t *testing.T) {
	m := nn.NewMLP(tapegradtest.NewRNG(), []int{2, 3, 1}, nn.Tanh(), nil)
	nn.ZeroGrad(m)
	tp := autograd.NewTape()
	repl := map[string]autograd.Var{}
	var leaves []autograd.Var
	for _, np := range m.NamedParams() {
		v := tp.Var(np.Var.Value().Copy())
		repl[np.Name] = v
		leaves = append(leaves, v)
	}
	x := tp.Const(tensor.New([]float64{0.5, -1, 2, 0.25}, 2, 2))
	loss := tp.Sum(nn.FunctionalCall(tp, m, repl, x))
	tp.Backward(loss)

	// the same loss through the model's own parameters gives the gradients
	// the leaves must hold
	tp2 := autograd.NewTape()
	tp2.Backward(tp2.Sum(m.Forward(tp2, tp2.Const(x.Value()))))
	for i, p := range nn.Params(m) {
		if d := cmp.Diff(p.Grad().Float64s(), leaves[i].Grad().Float64s(), cmpopts.EquateApprox(0, 1e-12)); d != "" {
			t.Errorf("%s: leaf gradient (-model's +got):\n%s", p.Name(), d)
		}
		p.ZeroGrad()
	}
	tp.Backward(loss)
	for _, p := range nn.Params(m) {
		if g := tensor.Sum(tensor.Abs(p.Grad())).Item(); g != 0 {
			t.Errorf("%s: the model's parameter got a gradient (|g|₁ = %g)", p.Name(), g)
		}
	}
}

// mamlLoss is the outer loss of one MAML step on a 2-3-1 tanh MLP: with
// θ the model's parameters (given as xs, in NamedParams order), the inner
// step θ' = θ − α·∇θ L_train(θ) keeps its graph (GradGraph), and the
// result is L_test(θ'), so its gradient in θ holds second derivatives.
func mamlLoss(m nn.Module, names []string) autograd.Func {
	xTrain := tensor.New([]float64{0.5, -1, 2, 0.25, -0.3, 0.8}, 3, 2)
	yTrain := tensor.New([]float64{0.2, -0.4, 0.1}, 3, 1)
	xTest := tensor.New([]float64{1, 0.5, -0.5, 1.5}, 2, 2)
	yTest := tensor.New([]float64{0.3, -0.2}, 2, 1)
	const alpha = 0.1
	return func(tp *autograd.Tape, xs []autograd.Var) autograd.Var {
		theta := map[string]autograd.Var{}
		for i, n := range names {
			theta[n] = xs[i]
		}
		inner := nn.MSE(tp, nn.FunctionalCall(tp, m, theta, tp.Const(xTrain)), tp.Const(yTrain))
		gs := tp.GradGraph(inner, xs...)
		adapted := map[string]autograd.Var{}
		for i, n := range names {
			adapted[n] = tp.Sub(xs[i], tp.Scale(gs[i], alpha))
		}
		return nn.MSE(tp, nn.FunctionalCall(tp, m, adapted, tp.Const(xTest)), tp.Const(yTest))
	}
}

// TestFunctionalCallMAML: the outer loss of a MAML step, as a function of
// θ, passes autograd.Check, so the second-order gradients through the
// inner step are right.
func TestFunctionalCallMAML(t *testing.T) {
	m := nn.NewMLP(tapegradtest.NewRNG(), []int{2, 3, 1}, nn.Tanh(), nil)
	var names []string
	var theta []*tensor.Tensor
	for _, np := range m.NamedParams() {
		names = append(names, np.Name)
		theta = append(theta, np.Var.Value().Copy())
	}
	f := mamlLoss(m, names)
	rep, err := autograd.Check(f, theta, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep)

	// the second-order term matters: dropping it (a first-order MAML, the
	// inner gradient a constant) gives a different gradient
	tp := autograd.NewTape()
	xs := make([]autograd.Var, len(theta))
	for i, th := range theta {
		xs[i] = tp.Var(th)
	}
	full := tp.Grad(f(tp, xs), xs...)[0].Value().Copy()
	if d := tensor.Sum(tensor.Abs(tensor.Sub(full, firstOrderMAML(m, names, theta)))).Item(); d < 1e-6 {
		t.Errorf("the first-order and full MAML gradients agree (|Δ|₁ = %g): the test does not test second order", d)
	}
}

// firstOrderMAML returns the gradient of the outer loss in the first
// parameter with the inner gradient treated as a constant.
func firstOrderMAML(m nn.Module, names []string, theta []*tensor.Tensor) *tensor.Tensor {
	xTrain := tensor.New([]float64{0.5, -1, 2, 0.25, -0.3, 0.8}, 3, 2)
	yTrain := tensor.New([]float64{0.2, -0.4, 0.1}, 3, 1)
	xTest := tensor.New([]float64{1, 0.5, -0.5, 1.5}, 2, 2)
	yTest := tensor.New([]float64{0.3, -0.2}, 2, 1)
	tp := autograd.NewTape()
	xs := make([]autograd.Var, len(theta))
	th, adapted := map[string]autograd.Var{}, map[string]autograd.Var{}
	for i, n := range names {
		xs[i] = tp.Var(theta[i])
		th[n] = xs[i]
	}
	gs := tp.Grad(nn.MSE(tp, nn.FunctionalCall(tp, m, th, tp.Const(xTrain)), tp.Const(yTrain)), xs...)
	for i, n := range names {
		adapted[n] = tp.Sub(xs[i], tp.Scale(gs[i], 0.1))
	}
	outer := nn.MSE(tp, nn.FunctionalCall(tp, m, adapted, tp.Const(xTest)), tp.Const(yTest))
	return tp.Grad(outer, xs[0])[0].Value().Copy()
}

func init() {
	m := func() *nn.Sequential { return nn.NewMLP(tapegradtest.NewRNG(), []int{2, 1}, nil, nil) }
	moreNilRows["WithParams"] = []func(){
		func() { nn.WithParams(nil, nil, func() {}) },
		func() { nn.WithParams(m(), nil, nil) },
		func() { nn.WithParams(m(), map[string]autograd.Var{"layers.0.weight": {}}, func() {}) },
		func() { nn.WithParams(&nn.Sequential{Layers: []nn.Module{nil}}, nil, func() {}) },
		func() { nn.WithParams(new(nn.Linear), nil, func() {}) },
	}
	moreNilRows["FunctionalCall"] = []func(){
		func() { nn.FunctionalCall(nil, nil, nil, autograd.Var{}) },
		func() { nn.FunctionalCall(nil, m(), nil, autograd.Var{}) },
		func() { nn.FunctionalCall(nil, m(), map[string]autograd.Var{"layers.0.weight": {}}, autograd.Var{}) },
		func() { nn.FunctionalCall(nil, new(nn.Linear), nil, autograd.Var{}) },
	}
}
