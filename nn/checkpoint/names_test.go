package checkpoint

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// named is a module whose parameters have the names given, so that tests
// can make names collide.
type named []nn.NamedParam

func (m named) Forward(_ *autograd.Tape, x autograd.Var) autograd.Var { return x }
func (m named) NamedParams() []nn.NamedParam                          { return m }

func param(name string, v ...float64) nn.NamedParam {
	return nn.NamedParam{Name: name, Var: autograd.NewNamedParam(name, tensor.New(v, len(v)))}
}

// TestNameCollisions saves and loads models whose parameter names, after
// the name mapping, collide: two distinct parameters under one name must
// fail (wrapping ErrArg) before anything is written, while one tied
// parameter under several names, or twice under one, is fine.
func TestNameCollisions(t *testing.T) {
	a, b := param("a", 1, 2), param("b", 3, 4)
	tests := []struct {
		name string
		m    named
		opts []Option
		want string // a piece of the error; "" for success
	}{
		{"same name twice", named{a, {Name: "a", Var: b.Var}}, nil, `parameters a and a both have the file name "a"`},
		{"WithNames maps two to one", named{a, b}, []Option{WithNames(func(string) string { return "w" })}, `parameters a and b both have the file name "w"`},
		{"TorchName maps two to one", named{param("layers.0.weight", 1), param("0.weight", 2)}, []Option{Torch()}, `file name "0.weight"`},
		{"tied under two names", named{a, {Name: "a2", Var: a.Var}}, nil, ""},
		{"tied twice under one name", named{a, a}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "m.safetensors")
			err := Save(p, tc.m, tc.opts...)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Save: %v", err)
				}
				if err := Load(p, tc.m, tc.opts...); err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrArg) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Save = %v, want an error wrapping ErrArg containing %q", err, tc.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("a failed Save left %d files", len(ents))
			}
			if err := Write(new(bytes.Buffer), tc.m, tc.opts...); !errors.Is(err, ErrArg) {
				t.Errorf("Write = %v, want ErrArg", err)
			}
			if err := tapegradtest.Catch(func() { StateDict(tc.m, tc.opts...) }); !errors.Is(err, ErrArg) {
				t.Errorf("StateDict panicked with %v, want ErrArg", err)
			}
		})
	}
}

// TestLoadDistinctTensors loads a file into a model whose name mapping
// sends two distinct parameters to one file tensor: an error wrapping
// ErrArg, and neither parameter changes.
func TestLoadDistinctTensors(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTensors(&buf, map[string]*tensor.Tensor{"w": tensor.New([]float64{9, 9}, 2)}, nil, F64); err != nil {
		t.Fatal(err)
	}
	m := named{param("a", 1, 2), param("b", 3, 4)}
	err := Read(&buf, m, WithNames(func(string) string { return "w" }))
	if !errors.Is(err, ErrArg) || !strings.Contains(err.Error(), "one tensor cannot load into both") {
		t.Fatalf("Read = %v, want an error wrapping ErrArg", err)
	}
	if diff := cmp.Diff([][]float64{{1, 2}, {3, 4}}, paramBits(m)); diff != "" {
		t.Errorf("a failed load changed the model (-before +after):\n%s", diff)
	}
}
