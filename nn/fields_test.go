package nn_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/checkpoint"
	"github.com/tapegrad/tapegrad/tensor"
)

// twoLayer is the custom module: two Linears and a Dropout, with
// one line of NamedParams and no Children method.
type twoLayer struct {
	FC1  *nn.Linear
	Drop *nn.Dropout
	FC2  *nn.Linear
}

func newTwoLayer(seed uint64) *twoLayer {
	rng := rand.New(rand.NewPCG(seed, 1))
	return &twoLayer{FC1: nn.NewLinear(rng, 3, 4, nil), Drop: nn.NewDropout(rng, 0.5), FC2: nn.NewLinear(rng, 4, 2, nil)}
}

func (m *twoLayer) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	return m.FC2.Forward(tp, m.Drop.Forward(tp, tp.Tanh(m.FC1.Forward(tp, x))))
}

func (m *twoLayer) NamedParams() []nn.NamedParam { return nn.FieldParams(m) }

func TestFieldParamsTwoLayer(t *testing.T) {
	m := newTwoLayer(1)
	want := []string{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
	if d := cmp.Diff(want, names(m.NamedParams())); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	// The parameters themselves carry the names (DOT, errors).
	var got []string
	for _, p := range nn.Params(m) {
		got = append(got, p.Name())
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Var names (-want +got):\n%s", d)
	}
	chs := nn.Children(m)
	var chNames []string
	for _, ch := range chs {
		chNames = append(chNames, ch.Name)
	}
	if d := cmp.Diff([]string{"fc1", "drop", "fc2"}, chNames); d != "" {
		t.Errorf("children (-want +got):\n%s", d)
	}
	if chs[1].Module != nn.Module(m.Drop) {
		t.Errorf("child drop is %v, want the Dropout field", chs[1].Module)
	}
	// 3·4+4 + 4·2+2
	if got, want := nn.NumParams(m), 26; got != want {
		t.Errorf("NumParams = %d, want %d", got, want)
	}
	// Training mode reaches the Dropout through the struct field.
	nn.SetTraining(m, false)
	if m.Drop.Training() {
		t.Error("SetTraining(m, false) left the Dropout training")
	}
	nn.SetTraining(m, true)
	if !m.Drop.Training() {
		t.Error("SetTraining(m, true) left the Dropout evaluating")
	}
}

func TestFieldParamsCheckpointRoundTrip(t *testing.T) {
	src, dst := newTwoLayer(1), newTwoLayer(2)
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, src); err != nil {
		t.Fatal(err)
	}
	if err := checkpoint.Read(&buf, dst); err != nil {
		t.Fatal(err)
	}
	for i, p := range nn.Params(dst) {
		if d := tapegradtest.Diff(nn.Params(src)[i].Value(), p.Value()); d != "" {
			t.Errorf("%s after the round trip (-want +got):\n%s", p.Name(), d)
		}
	}
	// The file's names are the struct's, PyTorch's state-dict keys.
	var keys []string
	for k := range checkpoint.StateDict(src) {
		keys = append(keys, k)
	}
	want := []string{"fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"}
	if d := cmp.Diff(want, keys, cmpSorted); d != "" {
		t.Errorf("state dict keys (-want +got):\n%s", d)
	}
}

var cmpSorted = cmp.Transformer("sort", func(s []string) []string {
	out := append([]string{}, s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// kitchenSink holds every kind of field FieldParams reads or skips.
type kitchenSink struct {
	*nn.Sequential                // embedded: its layers.i names, unprefixed
	OutProj        *nn.Linear     // snake_case
	QKVProj        nn.Linear      // held by value
	Conv2D         *nn.Linear     // a nil pointer: skipped
	Blocks         []nn.Module    // ModuleList: blocks.0, blocks.1
	Scale          autograd.Var   // a parameter field
	Extra          []autograd.Var // a ParameterList
	Const          autograd.Var   // a constant: skipped
	Act            nn.Activation  `nn:"act_fn"`
	Hidden         *nn.Linear     `nn:"-"`
	Count          int            // not a module: ignored
	cache          *tensor.Tensor // unexported, not a module: ignored
}

func (k *kitchenSink) NamedParams() []nn.NamedParam { return nn.FieldParams(k) }

func TestFieldParamsKinds(t *testing.T) {
	rng := tapegradtest.NewRNG()
	k := &kitchenSink{
		Sequential: nn.NewSequential(nn.NewLinear(rng, 1, 1, nil)),
		OutProj:    nn.NewLinear(rng, 1, 1, nil),
		QKVProj:    *nn.NewLinear(rng, 1, 1, nil),
		Blocks:     []nn.Module{nn.NewLinear(rng, 1, 1, nil), nn.ReLU()},
		Scale:      autograd.NewParam(tensor.New([]float64{1}, 1)),
		Extra:      []autograd.Var{autograd.NewParam(tensor.Zeros(2))},
		Const:      autograd.Const(tensor.Zeros(1)),
		Act:        nn.ReLU(),
		Hidden:     nn.NewLinear(rng, 1, 1, nil),
	}
	want := []string{
		"layers.0.weight", "layers.0.bias",
		"out_proj.weight", "out_proj.bias",
		"qkv_proj.weight", "qkv_proj.bias",
		"blocks.0.weight", "blocks.0.bias",
		"scale", "extra.0",
	}
	if d := cmp.Diff(want, names(k.NamedParams())); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	var chNames []string
	for _, ch := range nn.Children(k) {
		chNames = append(chNames, ch.Name)
	}
	wantCh := []string{"layers.0", "out_proj", "qkv_proj", "blocks.0", "blocks.1", "act_fn"}
	if d := cmp.Diff(wantCh, chNames); d != "" {
		t.Errorf("children (-want +got):\n%s", d)
	}
}

// hidden keeps its layer in an unexported field, which reflection cannot read.
type hidden struct{ fc *nn.Linear }

func (h *hidden) NamedParams() []nn.NamedParam { return nn.FieldParams(h) }

func TestFieldParamsPanics(t *testing.T) {
	runPanics(t, []panicRow{
		{"nil", func() { nn.FieldParams(nil) }, nn.ErrArg, []string{"nn.FieldParams", "nil"}},
		{"nil pointer", func() { nn.FieldParams((*twoLayer)(nil)) }, nn.ErrArg, []string{"nn.FieldParams", "nil *nn_test.twoLayer"}},
		{"not a struct", func() { nn.FieldParams(3) }, nn.ErrArg, []string{"nn.FieldParams", "int is not a struct"}},
		{"unexported module", func() { (&hidden{}).NamedParams() }, nn.ErrArg,
			[]string{"nn.FieldParams", "field fc of *nn_test.hidden is unexported", "Fc `nn:\"fc\"`"}},
		{"nil in a slice", func() { nn.FieldParams(&kitchenSink{Blocks: []nn.Module{nil}}) }, nn.ErrArg,
			[]string{"nn.FieldParams", "kitchenSink.Blocks[0]", "nil module"}},
		{"Children nil", func() { nn.Children(nil) }, nn.ErrArg, []string{"nn.Children", "nil module"}},
		{"NameParams nil", func() { nn.NameParams[nn.Module](nil) }, nn.ErrArg, []string{"nn.NameParams", "nil module"}},
	})
}

func TestNameParams(t *testing.T) {
	// Names lengthen to the full path as models are composed; a tied
	// parameter keeps its first name.
	rng := tapegradtest.NewRNG()
	l := nn.NewLinear(rng, 2, 2, nil)
	if got := l.W.Name(); got != "weight" {
		t.Errorf("a lone layer's weight is named %q, want weight", got)
	}
	inner := nn.NewSequential(l, nn.Tanh(), l)
	if got := l.W.Name(); got != "layers.0.weight" {
		t.Errorf("in a Sequential: %q, want layers.0.weight", got)
	}
	type outer struct{ Body *nn.Sequential }
	nn.FieldParams(&outer{inner})
	if got := l.W.Name(); got != "body.layers.0.weight" {
		t.Errorf("in a struct: %q, want body.layers.0.weight", got)
	}
	inner.NamedParams() // an inner module's own call does not shorten them
	if got := l.W.Name(); got != "body.layers.0.weight" {
		t.Errorf("after the inner NamedParams: %q, want body.layers.0.weight", got)
	}
	// Hand-written NamedParams: NameParams on the root names them.
	p := autograd.NewParam(tensor.Zeros(1))
	nn.NameParams(custom{p})
	if got := p.Name(); got != "gain" {
		t.Errorf("NameParams gave %q, want gain", got)
	}
}

// custom writes its NamedParams by hand.
type custom struct{ g autograd.Var }

func (c custom) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var { return tp.Mul(x, c.g) }
func (c custom) NamedParams() []nn.NamedParam                           { return []nn.NamedParam{{Name: "gain", Var: c.g}} }

func TestDOTHierarchicalNames(t *testing.T) {
	model := nn.NewMLP(tapegradtest.NewRNG(), []int{2, 3, 1}, nn.Tanh(), nil)
	tp := autograd.NewTape()
	y := model.Forward(tp, tp.Const(tensor.New([]float64{1, 2}, 1, 2)))
	var b strings.Builder
	if err := tp.DOT(&b, autograd.DOTOptions{Out: y}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`label="layers.0.weight\n[2 3]"`, `label="layers.2.bias\n[1]"`} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("DOT lacks %s:\n%s", s, b.String())
		}
	}
}

func TestSequentialStringOfStructModule(t *testing.T) {
	// A struct module without a String method prints PyTorch's way inside
	// a Sequential, not as Go's &{…}.
	got := nn.NewSequential(newTwoLayer(1), nn.ReLU()).String()
	want := `Sequential(
  (0): twoLayer(
    (fc1): Linear(in=3, out=4, bias=true)
    (drop): Dropout(p=0.5)
    (fc2): Linear(in=4, out=2, bias=true)
  )
  (1): ReLU
)`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("String (-want +got):\n%s", d)
	}
}
