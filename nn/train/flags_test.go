package train

import (
	"flag"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
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
