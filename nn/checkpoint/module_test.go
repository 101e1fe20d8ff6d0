package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// torchMLP is tapegrad's twin of the reference files' PyTorch model,
// Sequential(Linear(4,8), ReLU, Linear(8,3)), with its own random weights.
func torchMLP(seed uint64) *nn.Sequential {
	return nn.NewMLP(rand.New(rand.NewPCG(seed, 1)), []int{4, 8, 3}, nn.ReLU(), nil)
}

// TestLoadTorchMLP loads the state dicts PyTorch wrote into the equivalent
// tapegrad model and checks the probe output PyTorch computed. For the F64
// file the tolerance is 1e-12 (the bar; the sums differ from
// PyTorch's only in rounding order, about 1e-16). The F32 file holds the
// weights rounded to float32 (relative error 2⁻²⁴ ≈ 6e-8), so its output may
// differ from the float64 probe by about 1e-7; 1e-6 bounds that.
func TestLoadTorchMLP(t *testing.T) {
	m := readManifest(t)
	probe := m.Files["mlp_4_8_3_f64.safetensors"].Probe
	for _, tc := range []struct {
		file string
		tol  float64
	}{
		{"mlp_4_8_3_f64.safetensors", 1e-12},
		{"mlp_4_8_3_f32.safetensors", 1e-6},
	} {
		t.Run(tc.file, func(t *testing.T) {
			model := torchMLP(3)
			if err := Load(filepath.Join(sharedDir, tc.file), model, Torch()); err != nil {
				t.Fatal(err)
			}
			// The weights are exactly the manifest's, transposed.
			want := m.Files[tc.file].Tensors["0.weight"]
			got := tensor.T(model.Layers[0].(*nn.Linear).W.Value())
			if diff := cmp.Diff(want.Values, got.Data()); diff != "" {
				t.Errorf("layers.0.weight (-want +got):\n%s", diff)
			}
			x := tensor.New(probe.Input, probe.InputShape...)
			y := model.Forward(nil, autograd.Const(x)).Value()
			if diff := cmp.Diff(probe.OutputShape, y.Shape()); diff != "" {
				t.Errorf("output shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(probe.Output, y.Data(), cmpopts.EquateApprox(0, tc.tol)); diff != "" {
				t.Errorf("probe output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSaveTorchMatchesPyTorch loads PyTorch's F64 file, saves it back with
// Torch() and checks the new file holds exactly PyTorch's tensors under
// PyTorch's names, with format "pt", so PyTorch's safetensors would load it
// into the same nn.Sequential.
func TestSaveTorchMatchesPyTorch(t *testing.T) {
	orig, err := ReadFile(filepath.Join(sharedDir, "mlp_4_8_3_f64.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	model := torchMLP(3)
	if err := Apply(orig, model, Torch()); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "out.safetensors")
	if err := Save(p, model, Torch()); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(orig.Tensors, back.Tensors, cmp.Comparer(tensorsEqual)); diff != "" {
		t.Errorf("tensors (-pytorch +saved):\n%s", diff)
	}
	if back.Metadata["format"] != "pt" || back.Metadata[MetaLayout] != "torch" {
		t.Errorf("metadata %v lacks format=pt, %s=torch", back.Metadata, MetaLayout)
	}
}

func tensorsEqual(a, b *tensor.Tensor) bool {
	return slices.Equal(a.Shape(), b.Shape()) && sameBits(a.Data(), b.Data())
}

func TestTorchName(t *testing.T) {
	tests := map[string]string{
		"layers.0.weight":         "0.weight",
		"layers.2.layers.1.bias":  "2.1.bias",
		"weight":                  "weight",
		"encoder.layers.3.weight": "encoder.3.weight",
		"layers.weight":           "layers.weight",
		"layers.x.weight":         "layers.x.weight",
	}
	for in, want := range tests {
		if got := TorchName(in); got != want {
			t.Errorf("TorchName(%q) = %q, want %q", in, got, want)
		}
	}
}

// paramBits copies every parameter value of m (widened exactly if
// float32), to check a failed load changed nothing.
func paramBits(m nn.Module) [][]float64 {
	var out [][]float64
	for _, p := range nn.Params(m) {
		out = append(out, p.Value().Float64s())
	}
	return out
}

// TestLoadMismatch loads files that do not fit the model: each returns an
// error naming the problem, and neither the model nor the optimiser changes.
func TestLoadMismatch(t *testing.T) {
	src := torchMLP(1)
	good := StateDict(src)
	with := func(f func(ts map[string]*tensor.Tensor)) map[string]*tensor.Tensor {
		ts := map[string]*tensor.Tensor{}
		for k, v := range good {
			ts[k] = v.Copy()
		}
		f(ts)
		return ts
	}
	encode := func(ts map[string]*tensor.Tensor, md map[string]string) []byte {
		var b bytes.Buffer
		if err := WriteTensors(&b, ts, md, F64); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	adamFile := func(mut func(map[string]*tensor.Tensor)) []byte {
		m := torchMLP(1)
		opt := optim.NewAdam(nn.Params(m), optim.AdamDefaults())
		var b bytes.Buffer
		if err := Write(&b, m, WithOptimizer(opt)); err != nil {
			t.Fatal(err)
		}
		f, err := Decode(b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		mut(f.Tensors)
		return encode(f.Tensors, f.Metadata)
	}
	torchFile, _ := os.ReadFile(filepath.Join(sharedDir, "mlp_4_8_3_f64.safetensors"))
	// An I64 tensor where a float parameter belongs.
	i64 := func() []byte {
		var b bytes.Buffer
		WriteTensors(&b, with(func(ts map[string]*tensor.Tensor) { delete(ts, "layers.2.bias") }), nil, F64)
		f, _ := Decode(b.Bytes())
		hdr := `{"layers.2.bias":{"dtype":"I64","shape":[3],"data_offsets":[0,24]}`
		data := make([]byte, 24)
		off := 24
		for _, n := range f.Names {
			s := f.Tensors[n].Shape()
			sb, _ := jsonMarshal(s)
			hdr += fmt.Sprintf(`,%q:{"dtype":"F64","shape":%s,"data_offsets":[%d,%d]}`, n, sb, off, off+8*f.Tensors[n].Len())
			off += 8 * f.Tensors[n].Len()
			data = encodeData(data, f.Tensors[n].Data(), F64)
		}
		return withHeader(hdr+"}", data)
	}()
	tests := []struct {
		name string
		data []byte
		opts []Option
		want []string
	}{
		{"missing parameter", encode(with(func(ts map[string]*tensor.Tensor) { delete(ts, "layers.2.bias") }), nil), nil,
			[]string{`lacks "layers.2.bias"`}},
		{"unexpected tensor", encode(with(func(ts map[string]*tensor.Tensor) { ts["layers.4.weight"] = tensor.Zeros(2) }), nil), nil,
			[]string{`tensors the model lacks: "layers.4.weight" [2]`}},
		{"renamed", encode(with(func(ts map[string]*tensor.Tensor) {
			ts["fc.weight"] = ts["layers.0.weight"]
			delete(ts, "layers.0.weight")
		}), nil), nil,
			[]string{`lacks "layers.0.weight"`}},
		{"wrong shape", encode(with(func(ts map[string]*tensor.Tensor) { ts["layers.0.weight"] = tensor.Zeros(4, 9) }), nil), nil,
			[]string{`"layers.0.weight" has shape [4 9]`, "needs [4 8]"}},
		{"wrong dtype", i64, nil, []string{`"layers.2.bias" has dtype I64`}},
		{"pytorch file without Torch()", torchFile, nil, []string{"load it with checkpoint.Torch()"}},
		{"tapegrad file with Torch()", encode(good, map[string]string{MetaLayout: "tapegrad"}), []Option{Torch()},
			[]string{`lacks "0.weight"`, "load it without Torch()"}},
		{"optimiser missing from file", encode(good, nil), []Option{WithOptimizer(optim.NewAdam(nn.Params(torchMLP(2)), optim.AdamDefaults()))},
			[]string{"holds state of no optimiser, not *optim.Adam"}},
		{"other optimiser", adamFile(func(map[string]*tensor.Tensor) {}), []Option{WithOptimizer(optim.NewSGD(nn.Params(torchMLP(2)), optim.SGDConfig{LR: 1e-3}))},
			[]string{"holds state of *optim.Adam, not *optim.SGD"}},
		{"optimiser state wrong shape", adamFile(func(ts map[string]*tensor.Tensor) { ts["optim.1.exp_avg"] = tensor.Zeros(9) }),
			[]Option{WithOptimizer(optim.NewAdam(nn.Params(torchMLP(2)), optim.AdamDefaults()))},
			[]string{`"1.exp_avg" has shape [9], want the parameter's [8]`}},
		{"optimiser state missing", adamFile(func(ts map[string]*tensor.Tensor) { delete(ts, "optim.3.step") }),
			[]Option{WithOptimizer(optim.NewAdam(nn.Params(torchMLP(2)), optim.AdamDefaults()))},
			[]string{`missing state tensor "3.step"`}},
		{"optimiser step not whole", adamFile(func(ts map[string]*tensor.Tensor) { ts["optim.0.step"] = tensor.Scalar(1.5) }),
			[]Option{WithOptimizer(optim.NewAdam(nn.Params(torchMLP(2)), optim.AdamDefaults()))},
			[]string{`step count "0.step" is 1.5`}},
		{"optimiser state of AMSGrad", adamFile(func(ts map[string]*tensor.Tensor) { ts["optim.0.max_exp_avg_sq"] = tensor.Zeros(4, 8) }),
			[]Option{WithOptimizer(optim.NewAdam(nn.Params(torchMLP(2)), optim.AdamDefaults()))},
			[]string{`unexpected state tensors 0.max_exp_avg_sq`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model := torchMLP(2)
			before := paramBits(model)
			var opt Optimizer
			o := collect(tc.opts)
			var stBefore map[string]*tensor.Tensor
			if o.opt != nil {
				opt = o.opt
				stBefore = opt.StateTensors()
			}
			p := filepath.Join(t.TempDir(), "bad.safetensors")
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			err := Load(p, model, tc.opts...)
			if !errors.Is(err, ErrMismatch) {
				t.Fatalf("Load = %v, want an error wrapping ErrMismatch", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if diff := cmp.Diff(before, paramBits(model)); diff != "" {
				t.Errorf("a failed load changed the model (-before +after):\n%s", diff)
			}
			if opt != nil {
				if diff := cmp.Diff(stBefore, opt.StateTensors(), cmp.Comparer(tensorsEqual)); diff != "" {
					t.Errorf("a failed load changed the optimiser (-before +after):\n%s", diff)
				}
			}
		})
	}
}

// failAfter is a writer that fails once n bytes have passed.
type failAfter struct {
	w io.Writer
	n int
}

var errDiskFull = errors.New("injected: disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.w.Write(p[:f.n])
		f.n = 0
		return k, errDiskFull
	}
	f.n -= len(p)
	return f.w.Write(p)
}

// TestSaveAtomic saves a checkpoint, then fails a second save in several
// ways (the writer failing after 0, 8, 100 and 600 bytes, the rename
// failing, a panic inside the write) and checks that each returns the error,
// leaves the first file byte for byte, and leaves no temporary file. A
// last, successful save replaces the file.
func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.safetensors")
	m1, m2 := torchMLP(1), torchMLP(2)
	if err := Save(p, m1); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(p)
	check := func(t *testing.T) {
		t.Helper()
		now, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(now, first) {
			t.Errorf("the previous checkpoint changed (err %v)", err)
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Errorf("directory holds %v, want only model.safetensors", names)
		}
		back := torchMLP(9)
		if err := Load(p, back); err != nil {
			t.Errorf("the previous checkpoint no longer loads: %v", err)
		}
	}
	for _, n := range []int{0, 8, 100, 600} {
		t.Run(fmt.Sprintf("writer fails after %d bytes", n), func(t *testing.T) {
			wrapWriter = func(w io.Writer) io.Writer { return &failAfter{w: w, n: n} }
			defer func() { wrapWriter = nil }()
			err := Save(p, m2)
			if !errors.Is(err, errDiskFull) {
				t.Fatalf("Save = %v, want the injected error", err)
			}
			check(t)
		})
	}
	t.Run("rename fails", func(t *testing.T) {
		rename = func(string, string) error { return errDiskFull }
		defer func() { rename = os.Rename }()
		if err := Save(p, m2); !errors.Is(err, errDiskFull) {
			t.Fatalf("Save = %v, want the injected error", err)
		}
		check(t)
	})
	t.Run("write panics", func(t *testing.T) {
		func() {
			defer func() { recover() }()
			WriteFileAtomic(p, func(w io.Writer) error {
				w.Write([]byte("partial"))
				panic("injected")
			})
		}()
		check(t)
	})
	t.Run("success replaces", func(t *testing.T) {
		if err := Save(p, m2); err != nil {
			t.Fatal(err)
		}
		back := torchMLP(9)
		if err := Load(p, back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(paramBits(m2), paramBits(back)); diff != "" {
			t.Errorf("loaded (-saved +loaded):\n%s", diff)
		}
		st, _ := os.Stat(p)
		if st.Mode().Perm() != 0o644 {
			t.Errorf("mode %v, want 0644", st.Mode().Perm())
		}
	})
}

// TestSaveDTypes saves in each dtype and loads back: F64 exactly, the
// narrower types within their rounding (half an ulp: 2⁻²⁴, 2⁻¹¹, 2⁻⁸
// relative).
func TestSaveDTypes(t *testing.T) {
	for _, tc := range []struct {
		dt  DType
		rel float64
	}{{F64, 0}, {F32, 0x1p-24}, {F16, 0x1p-11}, {BF16, 0x1p-8}} {
		t.Run(string(tc.dt), func(t *testing.T) {
			src, dst := torchMLP(1), torchMLP(2)
			p := filepath.Join(t.TempDir(), "m.safetensors")
			if err := Save(p, src, WithDType(tc.dt)); err != nil {
				t.Fatal(err)
			}
			if err := Load(p, dst); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(paramBits(src), paramBits(dst), cmpopts.EquateApprox(tc.rel, 1e-7)); diff != "" {
				t.Errorf("(-saved +loaded):\n%s", diff)
			}
		})
	}
}

func jsonMarshal(s []int) ([]byte, error) {
	if len(s) == 0 {
		return []byte("[]"), nil
	}
	b := []byte("[")
	for i, d := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", d)
	}
	return append(b, ']'), nil
}
