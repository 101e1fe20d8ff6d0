package checkpoint

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestNilArgs calls every exported function and method of the package
// with nil and zero-value arguments (a nil model, writer, reader, file,
// function, option, typed-nil optimiser or schedule, a model with a zero
// Var, a nil tensor) and fails if a runtime error escapes or a panic wraps
// none of the package's errors. An entry point without a row fails.
func TestNilArgs(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.safetensors")
	m := torchMLP(1)
	zeroVar := named{{Name: "w"}}
	var nilAdam *optim.Adam
	var nilSched *optim.StepLR
	rows := map[string][]func(){
		"Save": {
			func() { Save(p, nil) },
			func() { Save(p, zeroVar) },
			func() { Save(p, m, nil) },
			func() { Save(p, m, WithOptimizer(nilAdam)) },
			func() { Save(p, m, WithSchedule(nilSched)) },
			func() { Save(p, m, WithNames(nil), WithMetadata(nil), WithDType("")) },
		},
		"Load": {
			func() { Load(p, nil) },
			func() { Load("", m) },
			func() { Load(p, m, WithOptimizer(nilAdam)) },
		},
		"Write": {
			func() { Write(nil, m) },
			func() { Write(new(bytes.Buffer), nil) },
			func() { Write(new(bytes.Buffer), m, WithSchedule(nilSched)) },
		},
		"Read": {
			func() { Read(nil, m) },
			func() { Read(new(bytes.Buffer), nil) },
		},
		"Apply": {
			func() { Apply(nil, m) },
			func() { Apply(&File{}, nil) },
			func() { Apply(&File{}, m) },
			func() { Apply(&File{Tensors: map[string]*tensor.Tensor{"layers.0.weight": nil}}, m) },
			func() { Apply(&File{}, zeroVar) },
			func() { Apply(&File{}, m, WithOptimizer(nilAdam)) },
		},
		"StateDict":       {func() { StateDict(nil) }, func() { StateDict(zeroVar) }},
		"ReadFile":        {func() { ReadFile("") }},
		"ReadTensors":     {func() { ReadTensors(nil) }, func() { ReadTensors(new(bytes.Buffer)) }},
		"Decode":          {func() { Decode(nil) }},
		"WriteTensors":    {func() { WriteTensors(nil, nil, nil, "") }, func() { WriteTensors(new(bytes.Buffer), map[string]*tensor.Tensor{"a": nil}, nil, F64) }},
		"WriteFileAtomic": {func() { WriteFileAtomic(p, nil) }, func() { WriteFileAtomic("", nil) }},
		"TorchName":       {func() { TorchName("") }},
		"Torch":           {func() { Torch() }},
		"WithDType":       {func() { WithDType("") }},
		"WithNames":       {func() { WithNames(nil) }},
		"WithMetadata":    {func() { WithMetadata(nil) }},
		"WithOptimizer":   {func() { WithOptimizer(nil) }},
		"WithSchedule":    {func() { WithSchedule(nil) }},
		"WithMaxDraws":    {func() { WithMaxDraws(0) }},
		"WithState": {
			func() { WithState("", nil) },
			func() { Save(p, m, WithState("s", nil)) },
			func() { Save(p, m, WithState("s", (*data.Standardizer)(nil))) },
			func() { Load(p, m, WithState("s", new(data.Standardizer))) },
			func() { Apply(&File{}, m, WithState("s", new(data.Standardizer))) },
		},
		"DType.Size":    {func() { DType("").Size() }},
		"DType.IsFloat": {func() { DType("").IsFloat() }},
	}
	have := map[string]bool{}
	for name := range rows {
		have[name] = true
	}
	missing, stale := tapegradtest.MissingRows(tapegradtest.ExportedAPI(t, "."), have)
	if len(missing) > 0 || len(stale) > 0 {
		t.Errorf("entry points without a row: %v; rows naming nothing: %v", missing, stale)
	}
	for name, calls := range rows {
		for i, f := range calls {
			err := tapegradtest.NoRuntimePanic(t, name, f)
			if err != nil && !errors.Is(err, ErrArg) && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrMismatch) && !errors.Is(err, nn.ErrArg) {
				t.Errorf("%s call %d: panic %v wraps none of the documented errors", name, i, err)
			}
		}
	}
	// The example returns a clear error.
	if err := Save(p, nil); !errors.Is(err, ErrArg) {
		t.Errorf("Save(path, nil) = %v, want ErrArg", err)
	}
}
