package train

import (
	"flag"
	"fmt"
	"io"

	"github.com/tapegrad/tapegrad/tensor"
)

// Flags are the command-line settings every training program has. Set the
// program's defaults in the struct, then Register the flags:
//
//	f := train.Flags{Epochs: 40, Batch: 32, Seed: 1}
//	f.Register(flag.CommandLine)
//	f.RegisterBatch(flag.CommandLine)
//	flag.Parse()
type Flags struct {
	Epochs int    // -epochs: passes over the training set
	Batch  int    // -batch: mini-batch size (RegisterBatch)
	Seed   uint64 // -seed: seeds every random draw
	Plot   string // -plot: write the loss curve to this PNG file ("" for none)
	Quiet  bool   // -quiet: no progress display
	// DType is -dtype (RegisterDType): the element type to train in,
	// float64 (the zero value) or float32; convert the model with nn.To.
	DType tensor.DType
}

// Register defines -epochs, -seed, -plot and -quiet on fs, their defaults
// the current values of f.
//
// A nil fs means flag.CommandLine, the program's flags.
func (f *Flags) Register(fs *flag.FlagSet) {
	if fs == nil {
		fs = flag.CommandLine
	}
	fs.IntVar(&f.Epochs, "epochs", f.Epochs, "passes over the training set")
	fs.Uint64Var(&f.Seed, "seed", f.Seed, "random seed")
	fs.StringVar(&f.Plot, "plot", f.Plot, "write the loss curve to this PNG file")
	fs.BoolVar(&f.Quiet, "quiet", f.Quiet, "no progress display")
}

// RegisterBatch defines -batch on fs, its default f.Batch.
func (f *Flags) RegisterBatch(fs *flag.FlagSet) {
	if fs == nil {
		fs = flag.CommandLine
	}
	fs.IntVar(&f.Batch, "batch", f.Batch, "mini-batch size")
}

// RegisterDType defines -dtype on fs (float64 or float32), its default
// f.DType.
func (f *Flags) RegisterDType(fs *flag.FlagSet) {
	if fs == nil {
		fs = flag.CommandLine
	}
	fs.Var((*dtypeFlag)(&f.DType), "dtype", "element type: float64 or float32")
}

// dtypeFlag is a tensor.DType as a flag.Value.
type dtypeFlag tensor.DType

func (d *dtypeFlag) String() string { return tensor.DType(*d).String() }

func (d *dtypeFlag) Set(s string) error {
	switch s {
	case "float64":
		*d = dtypeFlag(tensor.Float64)
	case "float32":
		*d = dtypeFlag(tensor.Float32)
	default:
		return fmt.Errorf("%q is not float64 or float32", s)
	}
	return nil
}

// Progress returns NewProgress(w), or nil (no display) when f.Quiet.
func (f *Flags) Progress(w io.Writer) *Progress {
	if f.Quiet {
		return nil
	}
	return NewProgress(w)
}
