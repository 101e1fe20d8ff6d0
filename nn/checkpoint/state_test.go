package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/tensor"
)

// wineStandardizer returns the Standardizer fitted on the wine data set's
// 13 features.
func wineStandardizer(t *testing.T) *data.Standardizer {
	t.Helper()
	ds, err := data.Wine()
	if err != nil {
		t.Fatal(err)
	}
	return data.FitStandardizer(ds.X)
}

// TestSaveLoadStandardizer: a fitted Standardizer saved WithState loads back
// bit for bit into an empty one, beside the model's parameters, under the
// names StatePrefix promises; a Load without WithState ignores it.
func TestSaveLoadStandardizer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	st := wineStandardizer(t)
	if err := Save(path, torchMLP(1), WithState("input", st)); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"layers.0.bias", "layers.0.weight", "layers.2.bias", "layers.2.weight", "state.input.mean", "state.input.std"}, f.Names); d != "" {
		t.Errorf("tensor names (-want +got):\n%s", d)
	}

	model := torchMLP(2)
	var got data.Standardizer
	if err := Load(path, model, WithState("input", &got)); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(st, &got); d != "" {
		t.Errorf("loaded Standardizer (-saved +loaded):\n%s", d)
	}
	if d := cmp.Diff(paramBits(torchMLP(1)), paramBits(model)); d != "" {
		t.Errorf("parameters (-saved +loaded):\n%s", d)
	}
	if err := Load(path, torchMLP(3)); err != nil {
		t.Errorf("Load without WithState: %v, want the state ignored", err)
	}
}

// fakeOpt is an Optimizer whose state never fits, to make Load fail after
// the states have been loaded.
type fakeOpt struct{}

func (fakeOpt) StateTensors() map[string]*tensor.Tensor { return nil }
func (fakeOpt) LoadStateTensors(map[string]*tensor.Tensor) error {
	return errors.New("fakeOpt: no state fits")
}

// TestLoadStateMismatch: each way a file's states can fail to fit is an
// error wrapping the sentinel, naming the state, and leaves the model and
// every state as they were (the first state is loaded and restored when the
// second state or the optimiser fails).
func TestLoadStateMismatch(t *testing.T) {
	st := wineStandardizer(t)
	file := func(mut func(ts map[string]*tensor.Tensor)) []byte {
		var b bytes.Buffer
		if err := Write(&b, torchMLP(1), WithState("a", st), WithState("b", st)); err != nil {
			t.Fatal(err)
		}
		f, err := Decode(b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		mut(f.Tensors)
		f.Metadata[MetaOptimizer] = fmt.Sprintf("%T", fakeOpt{})
		b.Reset()
		if err := WriteTensors(&b, f.Tensors, f.Metadata, F64); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	keep := func(map[string]*tensor.Tensor) {}
	tests := []struct {
		name string
		data []byte
		opts func(a, b *data.Standardizer) []Option
		want error
		msg  []string
	}{
		{"state missing", file(keep),
			func(a, b *data.Standardizer) []Option { return []Option{WithState("a", a), WithState("c", b)} },
			ErrMismatch, []string{`lacks state "c"`, "state.c.*"}},
		{"second state lacks std", file(func(ts map[string]*tensor.Tensor) { delete(ts, "state.b.std") }),
			func(a, b *data.Standardizer) []Option { return []Option{WithState("a", a), WithState("b", b)} },
			ErrMismatch, []string{`state "b"`, `no "std"`}},
		{"second state's lengths differ", file(func(ts map[string]*tensor.Tensor) { ts["state.b.std"] = tensor.Zeros(12) }),
			func(a, b *data.Standardizer) []Option { return []Option{WithState("a", a), WithState("b", b)} },
			ErrMismatch, []string{`state "b"`, `"mean" has 13 features but "std" 12`}},
		{"unknown state tensor", file(func(ts map[string]*tensor.Tensor) { ts["state.a.var"] = tensor.Zeros(13) }),
			func(a, b *data.Standardizer) []Option { return []Option{WithState("a", a)} },
			ErrMismatch, []string{`state "a"`, `unknown state tensor "var"`}},
		{"optimiser fails after the states", file(keep),
			func(a, b *data.Standardizer) []Option {
				return []Option{WithState("a", a), WithState("b", b), WithOptimizer(fakeOpt{})}
			},
			ErrMismatch, []string{"no state fits"}},
		{"nil state", file(keep),
			func(a, b *data.Standardizer) []Option { return []Option{WithState("a", nil)} },
			ErrArg, []string{`state "a" is nil`}},
		{"empty name", file(keep),
			func(a, b *data.Standardizer) []Option { return []Option{WithState("", a)} },
			ErrArg, []string{`state name ""`}},
		{"dotted name", file(keep),
			func(a, b *data.Standardizer) []Option { return []Option{WithState("a.b", a)} },
			ErrArg, []string{`state name "a.b"`}},
		{"name twice", file(keep),
			func(a, b *data.Standardizer) []Option { return []Option{WithState("a", a), WithState("a", b)} },
			ErrArg, []string{`state name "a" is given twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model := torchMLP(2)
			before := paramBits(model)
			orig := &data.Standardizer{Mean: []float64{1, 2}, Std: []float64{3, 4}}
			a, b := &data.Standardizer{Mean: []float64{1, 2}, Std: []float64{3, 4}}, &data.Standardizer{}
			err := Read(bytes.NewReader(tt.data), model, tt.opts(a, b)...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want an error wrapping %v", err, tt.want)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
			if d := cmp.Diff(before, paramBits(model)); d != "" {
				t.Errorf("a failed Load changed the parameters (-before +after):\n%s", d)
			}
			if d := cmp.Diff(orig, a); d != "" {
				t.Errorf("a failed Load changed state a (-before +after):\n%s", d)
			}
			if d := cmp.Diff(&data.Standardizer{}, b, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("a failed Load changed state b (-before +after):\n%s", d)
			}
		})
	}
}

// TestSaveStateArgs: Save refuses bad WithState options, and a state
// tensor that would take a parameter's name, before writing anything.
func TestSaveStateArgs(t *testing.T) {
	st := wineStandardizer(t)
	for _, tt := range []struct {
		name string
		opts []Option
		msg  string
	}{
		{"nil state", []Option{WithState("a", (*data.Standardizer)(nil))}, `state "a" is nil`},
		{"dotted name", []Option{WithState(".", st)}, `state name "."`},
		{"name twice", []Option{WithState("a", st), WithState("a", st)}, "given twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, torchMLP(1), tt.opts...)
			if !errors.Is(err, ErrArg) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v, want ErrArg containing %q", err, tt.msg)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes", b.Len())
			}
		})
	}
	// A parameter named like a state tensor.
	m := named{{Name: "state.a.mean", Var: torchMLP(1).Layers[0].NamedParams()[0].Var}}
	if err := Write(new(bytes.Buffer), m, WithState("a", st)); !errors.Is(err, ErrArg) || !strings.Contains(err.Error(), `"state.a.mean" has the name of a parameter`) {
		t.Errorf("state named like a parameter: got %v, want ErrArg", err)
	}
}
