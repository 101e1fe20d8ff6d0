package data

import (
	"fmt"
	"math"

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
