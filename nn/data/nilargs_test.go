package data

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestNilArgs calls every exported function and method of data with nil and
// zero-value arguments (a nil reader, dataset, tensor or rng, a nil or
// zero-value *Dataset or *Standardizer) and fails if a runtime error
// escapes: the parsers must return an error, the utilities panic with one
// of the documented errors (see the package doc). A new entry point
// without a row fails the test.
func TestNilArgs(t *testing.T) {
	var (
		nilDS *Dataset
		nilSt *Standardizer
	)
	x := tensor.New([]float64{1, 2}, 1, 2)
	rows := map[string][]func(){
		"Batches": {
			func() { Batches(0, 0, nil) },
			func() {
				for range Batches(3, 2, nil) { // a nil rng: in order
				}
			},
		},
		"BreastCancer": {func() { BreastCancer() }},
		"Diabetes":     {func() { Diabetes() }},
		"Digits":       {func() { Digits() }},
		"Iris":         {func() { Iris() }},
		"Wine":         {func() { Wine() }},
		"Dataset.Features": {
			func() { nilDS.Features() },
			func() { (&Dataset{X: new(tensor.Tensor)}).Features() },
			func() { new(Dataset).Features() },
		},
		"Dataset.Len": {
			func() { nilDS.Len() },
			func() { new(Dataset).Len() },
		},
		"Dataset.NumClasses": {
			func() { nilDS.NumClasses() },
			func() { new(Dataset).NumClasses() },
		},
		"Dataset.Subset": {
			func() { nilDS.Subset(nil) },
			func() { new(Dataset).Subset(nil) },
			func() { (&Dataset{X: new(tensor.Tensor)}).Subset(nil) },
		},
		"Dataset.Validate": {
			func() { nilDS.Validate() },
			func() { new(Dataset).Validate() },
			func() { (&Dataset{X: new(tensor.Tensor)}).Validate() },
		},
		"FitStandardizer": {
			func() { FitStandardizer(nil) },
			func() { FitStandardizer(new(tensor.Tensor)) },
		},
		"Standardizer.Transform": {
			func() { nilSt.Transform(x) },
			func() { new(Standardizer).Transform(nil) },
			func() { new(Standardizer).Transform(new(tensor.Tensor)) },
			func() { new(Standardizer).Transform(x) },
		},
		"Standardizer.Inverse": {
			func() { nilSt.Inverse(x) },
			func() { new(Standardizer).Inverse(nil) },
			func() { new(Standardizer).Inverse(new(tensor.Tensor)) },
			func() { new(Standardizer).Inverse(x) },
		},
		"Standardizer.StateTensors": {
			func() { nilSt.StateTensors() },
			func() { new(Standardizer).StateTensors() },
		},
		"Standardizer.LoadStateTensors": {
			func() { nilSt.LoadStateTensors(nil) },
			func() { new(Standardizer).LoadStateTensors(nil) },
			func() { new(Standardizer).LoadStateTensors(map[string]*tensor.Tensor{"mean": nil, "std": nil}) },
		},
		"BinaryTargets": {func() { BinaryTargets(nil) }},
		"MultiHot": {
			func() { MultiHot(nil, 0) },
			func() { MultiHot([][]int{nil}, 1) },
		},
		"Dataset.Rows": {
			func() { nilDS.Rows(0, 0) },
			func() { new(Dataset).Rows(0, 0) },
			func() { (&Dataset{X: new(tensor.Tensor)}).Rows(0, 0) },
		},
		"Dataset.To": {
			func() { nilDS.To(tensor.Float32) },
			func() { new(Dataset).To(tensor.Float32) },
			func() { (&Dataset{X: new(tensor.Tensor)}).To(tensor.Float32) },
			func() { (&Dataset{X: tensor.Zeros(1, 1)}).To(tensor.DType(7)) },
		},
		"LoadMNIST": {func() { LoadMNIST("", nil) }},
		"MNIST":     {func() { MNIST(os.DevNull, nil) }},
		"MaxElements": {
			func() { MaxElements(0) },
			func() { ReadIDXLabels(bytes.NewReader(idxFile([]uint32{0}, nil)), nil, MaxElements(0)) },
		},
		// MNISTDir takes no argument that could be nil, and a call runs
		// `go mod download`, which may need the network: no call.
		"MNISTDir":      nil,
		"ParseCSV":      {func() { ParseCSV(nil) }},
		"ParseMatrix":   {func() { ParseMatrix(nil, 0, 0) }},
		"ReadIDXImages": {func() { ReadIDXImages(nil) }},
		"ReadIDXLabels": {func() { ReadIDXLabels(nil) }},
		"TrainTestSplit": {
			func() { TrainTestSplit(nil, 0, nil) },
			func() { TrainTestSplit(new(Dataset), 0, nil) },
			func() { TrainTestSplit(toy(), 0.5, nil) },
		},
	}
	tapegradtest.CheckEntryPoints(t, rows, ErrArgument, tensor.ErrShape, tensor.ErrIndex, tensor.ErrArg)
}

// TestNilReader: the parsers return an error wrapping ErrArgument that
// names them, rather than crash, when given a nil io.Reader.
func TestNilReader(t *testing.T) {
	tests := []struct {
		name  string
		parse func() error
	}{
		{"data.ParseCSV", func() error { _, err := ParseCSV(nil); return err }},
		{"data.ParseMatrix", func() error { _, err := ParseMatrix(nil, ',', 0); return err }},
		{"data.ReadIDXImages", func() error { _, err := ReadIDXImages(nil); return err }},
		{"data.ReadIDXLabels", func() error { _, err := ReadIDXLabels(nil); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse()
			if !errors.Is(err, ErrArgument) || !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), "nil reader") {
				t.Errorf("got %v, want an error wrapping ErrArgument that names %s and the nil reader", err, tc.name)
			}
		})
	}
}
