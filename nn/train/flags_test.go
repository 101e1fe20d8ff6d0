package train

import (
	"flag"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/tensor"
)

func TestFlags(t *testing.T) {
	f := Flags{Epochs: 40, Batch: 32, Seed: 1}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f.Register(fs)
	f.RegisterBatch(fs)
	if err := fs.Parse([]string{"-epochs", "3", "-plot", "a.png", "-quiet"}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Flags{Epochs: 3, Batch: 32, Seed: 1, Plot: "a.png", Quiet: true}, f); d != "" {
		t.Errorf("flags (-want +got):\n%s", d)
	}
	if f.Progress(io.Discard) != nil {
		t.Error("a quiet run has a progress display")
	}
}

// TestDTypeFlag: -dtype parses both names, refuses others, and prints the
// current value as its default.
func TestDTypeFlag(t *testing.T) {
	for _, tc := range []struct {
		arg     string
		want    tensor.DType
		wantErr bool
	}{
		{"float32", tensor.Float32, false},
		{"float64", tensor.Float64, false},
		{"float16", tensor.Float64, true},
	} {
		var f Flags
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f.RegisterDType(fs)
		err := fs.Parse([]string{"-dtype", tc.arg})
		if (err != nil) != tc.wantErr || f.DType != tc.want {
			t.Errorf("-dtype %s: DType %v, error %v; want %v, error %v", tc.arg, f.DType, err, tc.want, tc.wantErr)
		}
	}
	if got := fs0().Lookup("dtype").DefValue; got != "float64" {
		t.Errorf("-dtype default prints %q, want float64", got)
	}
}

func fs0() *flag.FlagSet {
	var f Flags
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f.RegisterDType(fs)
	return fs
}
