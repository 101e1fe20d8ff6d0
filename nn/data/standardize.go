package data

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// Standardizer rescales each feature (column) to mean 0 and standard
// deviation 1 using statistics fitted on one data set, usually the training
// set, and applied unchanged to others (the test set), so that no test
// information leaks into training:
//
//	z[i][j] = (x[i][j] − Mean[j]) / Std[j]
type Standardizer struct {
	// Mean is the mean of each feature over the fitted rows.
	Mean []float64
	// Std is the population standard deviation (divisor n) of each feature
	// over the fitted rows, or 1 for a feature that is constant there, so
	// that a constant feature maps to 0 instead of dividing by zero.
	Std []float64
}

// FitStandardizer returns the Standardizer of the columns of x, a tensor of
// shape (n, features) with n ≥ 1. It costs O(n·features).
// It panics with an error wrapping tensor.ErrShape if x is not of rank 2 or
// has no rows, and with one wrapping ErrArgument if x is nil.
func FitStandardizer(x *tensor.Tensor) *Standardizer {
	if x == nil {
		argPanic("data.FitStandardizer", "nil x")
	}
	if x.Rank() != 2 || x.Dim(0) == 0 {
		panic(&tensor.ShapeError{Op: "data.FitStandardizer", Shapes: [][]int{x.Shape()},
			Msg: "want (n, features) with n ≥ 1", Err: tensor.ErrShape})
	}
	mean := tensor.Mean(x, 0).Data()
	d := tensor.Sub(x, tensor.New(mean)) // two passes: accurate when |mean| ≫ std
	variance := tensor.Mean(tensor.Mul(d, d), 0).Data()
	lo, hi := tensor.Min(x, 0).Data(), tensor.Max(x, 0).Data()
	std := make([]float64, len(mean))
	for j := range std {
		if lo[j] == hi[j] {
			// Constant: an exact mean makes every value map to exactly 0.
			mean[j], std[j] = lo[j], 1
			continue
		}
		std[j] = math.Sqrt(variance[j])
	}
	return &Standardizer{Mean: mean, Std: std}
}

// Transform returns (x − Mean) / Std, feature by feature, for x of shape
// (m, features). x is unchanged.
// It panics with an error wrapping tensor.ErrShape if x is not (m, len(Mean)),
// and with one wrapping ErrArgument if s or x is nil.
func (s *Standardizer) Transform(x *tensor.Tensor) *tensor.Tensor {
	s.check("data.Standardizer.Transform", x)
	return tensor.Div(tensor.Sub(x, tensor.New(s.Mean)), tensor.New(s.Std))
}

// Inverse undoes Transform: it returns z·Std + Mean, feature by feature, for
// z of shape (m, features). z is unchanged.
// It panics with an error wrapping tensor.ErrShape if z is not (m, len(Mean)),
// and with one wrapping ErrArgument if s or z is nil.
func (s *Standardizer) Inverse(z *tensor.Tensor) *tensor.Tensor {
	s.check("data.Standardizer.Inverse", z)
	return tensor.Add(tensor.Mul(z, tensor.New(s.Std)), tensor.New(s.Mean))
}

// check panics unless s and x are not nil and x has shape (m, len(s.Mean)).
func (s *Standardizer) check(op string, x *tensor.Tensor) {
	if s == nil {
		argPanic(op, "nil Standardizer")
	}
	if x == nil {
		argPanic(op, "nil tensor")
	}
	if x.Rank() != 2 || x.Dim(1) != len(s.Mean) || len(s.Std) != len(s.Mean) {
		panic(&tensor.ShapeError{Op: op, Shapes: [][]int{x.Shape()},
			Msg: fmt.Sprintf("want (m, %d) for a Standardizer of %d features", len(s.Mean), len(s.Mean)), Err: tensor.ErrShape})
	}
}

// The names of a Standardizer's state tensors (see StateTensors).
const (
	StateMean = "mean"
	StateStd  = "std"
)

// StateTensors returns copies of s's statistics, for saving with a model
// (checkpoint.WithState): Mean under StateMean ("mean") and Std under
// StateStd ("std"), each of shape (features,); an unfitted (zero)
// Standardizer gives two tensors of shape (0,). It panics with an error
// wrapping ErrArgument if s is nil.
func (s *Standardizer) StateTensors() map[string]*tensor.Tensor {
	if s == nil {
		argPanic("data.Standardizer.StateTensors", "nil Standardizer")
	}
	return map[string]*tensor.Tensor{
		StateMean: tensor.New(slices.Clone(s.orEmpty(s.Mean))),
		StateStd:  tensor.New(slices.Clone(s.orEmpty(s.Std))),
	}
}

// orEmpty returns x, or an empty slice for nil (tensor.New needs one).
func (*Standardizer) orEmpty(x []float64) []float64 {
	if x == nil {
		return []float64{}
	}
	return x
}

// LoadStateTensors sets s's Mean and Std to copies of the tensors
// StateTensors names, exactly as they were saved: ts must hold "mean" and
// "std", both of shape (features,) for one features ≥ 0, and nothing else.
// It replaces s's statistics whatever their length; a model's input size
// is checked where the statistics are used (Transform panics with
// tensor.ErrShape). It validates everything before changing s: on error s
// is unchanged. The error wraps ErrFormat, or ErrArgument if s is nil.
func (s *Standardizer) LoadStateTensors(ts map[string]*tensor.Tensor) error {
	const op = "data.Standardizer.LoadStateTensors"
	if s == nil {
		return fmt.Errorf("%s: nil Standardizer: %w", op, ErrArgument)
	}
	for _, name := range slices.Sorted(maps.Keys(ts)) {
		if name != StateMean && name != StateStd {
			return formatErrorf("%s: unknown state tensor %q (want %q and %q)", op, name, StateMean, StateStd)
		}
	}
	mean, std := ts[StateMean], ts[StateStd]
	for _, t := range []struct {
		name string
		x    *tensor.Tensor
	}{{StateMean, mean}, {StateStd, std}} {
		switch {
		case t.x == nil:
			return formatErrorf("%s: no %q tensor", op, t.name)
		case t.x.Rank() != 1:
			return formatErrorf("%s: %q has shape %v, want (features,)", op, t.name, t.x.Shape())
		}
	}
	if mean.Dim(0) != std.Dim(0) {
		return formatErrorf("%s: %q has %d features but %q %d", op, StateMean, mean.Dim(0), StateStd, std.Dim(0))
	}
	s.Mean, s.Std = slices.Clone(mean.Data()), slices.Clone(std.Data())
	return nil
}
