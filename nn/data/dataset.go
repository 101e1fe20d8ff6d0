package data

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// Dataset is a table of n samples: a feature matrix X and either class
// labels (classification) or real-valued targets (regression).
//
// A classification set has Labels and a nil Y; a regression set has Y and
// nil Labels. The loaders of this package return a fresh Dataset on every
// call, so a caller may modify it freely.
type Dataset struct {
	// Name identifies the data set ("iris", "mnist-train", …).
	Name string
	// X holds one sample per row: shape (n, features).
	X *tensor.Tensor
	// Labels holds the class of each sample, in [0, NumClasses()), for
	// classification; nil for regression.
	Labels []int
	// Y holds the target of each sample, shape (n,), for regression; nil for
	// classification.
	Y *tensor.Tensor
	// ClassNames names each class: ClassNames[Labels[i]] is sample i's class.
	// Nil when unknown or for regression.
	ClassNames []string
	// FeatureNames names each column of X. Nil when unknown.
	FeatureNames []string
}

// Len returns the number of samples n (rows of X). It panics with an error
// wrapping ErrArgument if d or X is nil.
func (d *Dataset) Len() int { d.mustX("data.Dataset.Len"); return d.X.Dim(0) }

// Features returns the number of features (columns of X). It panics with an
// error wrapping ErrArgument if d or X is nil, and with one wrapping
// tensor.ErrShape if X has rank below 2.
func (d *Dataset) Features() int { d.mustX("data.Dataset.Features"); return d.X.Dim(1) }

// mustX panics with an error wrapping ErrArgument, naming op, if d or d.X
// is nil.
func (d *Dataset) mustX(op string) {
	if d == nil {
		argPanic(op, "nil dataset")
	}
	if d.X == nil {
		argPanic(op, "dataset %q has a nil X", d.Name)
	}
}

// NumClasses returns len(ClassNames) when the names are known, and otherwise
// one more than the largest label (0 for a regression set). It panics with
// an error wrapping ErrArgument if d is nil.
func (d *Dataset) NumClasses() int {
	if d == nil {
		argPanic("data.Dataset.NumClasses", "nil dataset")
	}
	if d.ClassNames != nil {
		return len(d.ClassNames)
	}
	k := 0
	for _, l := range d.Labels {
		k = max(k, l+1)
	}
	return k
}

// Validate reports whether d is consistent: X of rank 2, exactly one of
// Labels and Y set, with one entry per row of X, labels in
// [0, NumClasses()), and one feature name per column when names are given.
// The error wraps ErrArgument. It costs O(n).
func (d *Dataset) Validate() error {
	if err := d.checkShapes(); err != nil {
		return err
	}
	k := d.NumClasses()
	for i, l := range d.Labels {
		if l < 0 || l >= k {
			return fmt.Errorf("data: dataset %q: label %d of sample %d outside [0, %d): %w", d.Name, l, i, k, ErrArgument)
		}
	}
	return nil
}

// checkShapes is the O(1) part of Validate.
func (d *Dataset) checkShapes() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("data: dataset %q: %s: %w", d.Name, fmt.Sprintf(format, args...), ErrArgument)
	}
	if d == nil || d.X == nil {
		return fmt.Errorf("data: nil dataset or nil X: %w", ErrArgument)
	}
	if d.X.Rank() != 2 {
		return bad("X has shape %v, want (n, features)", d.X.Shape())
	}
	n := d.X.Dim(0)
	switch {
	case d.Labels == nil && d.Y == nil:
		return bad("neither Labels nor Y is set")
	case d.Labels != nil && d.Y != nil:
		return bad("both Labels and Y are set")
	case d.Labels != nil && len(d.Labels) != n:
		return bad("%d labels for %d rows of X", len(d.Labels), n)
	case d.Y != nil && (d.Y.Rank() != 1 || d.Y.Dim(0) != n):
		return bad("Y has shape %v, want (%d,)", d.Y.Shape(), n)
	case d.FeatureNames != nil && len(d.FeatureNames) != d.X.Dim(1):
		return bad("%d feature names for %d columns of X", len(d.FeatureNames), d.X.Dim(1))
	}
	return nil
}

// mustShapes panics with an error wrapping ErrArgument if d fails checkShapes.
func (d *Dataset) mustShapes(op string) {
	if err := d.checkShapes(); err != nil {
		panic(fmt.Errorf("%s: %w", op, err))
	}
}

// Subset returns a new Dataset holding the rows idx of d, in that order
// (indices may repeat): X via tensor.IndexSelect along axis 0, and the
// matching Labels or Y. Names are copied. Use it to take a mini-batch:
//
//	for idx := range data.Batches(ds.Len(), 32, rng) {
//		b := ds.Subset(idx) // b.X is (len(idx), features)
//		…
//	}
//
// It costs one copy of the selected rows. It panics with an error wrapping
// tensor.ErrIndex if an index is outside [0, n), and with ErrArgument if d
// is structurally inconsistent (see Validate).
func (d *Dataset) Subset(idx []int) *Dataset {
	d.mustShapes("data.Dataset.Subset")
	out := &Dataset{
		Name:         d.Name,
		X:            tensor.IndexSelect(d.X, 0, idx), // panics with ErrIndex first
		ClassNames:   slices.Clone(d.ClassNames),
		FeatureNames: slices.Clone(d.FeatureNames),
	}
	if d.Labels != nil {
		out.Labels = make([]int, len(idx))
		for i, k := range idx {
			out.Labels[i] = d.Labels[k]
		}
	}
	if d.Y != nil {
		out.Y = tensor.IndexSelect(d.Y, 0, idx)
	}
	return out
}

// To returns d with X and Y converted to element type dt: d itself when
// they have it already (like tensor.Tensor.To), else a new Dataset sharing
// d's labels and names, its X and Y converted copies. It panics with an
// error wrapping ErrArgument if d or X is nil, and with tensor.ErrArg if dt
// is not a known type.
func (d *Dataset) To(dt tensor.DType) *Dataset {
	d.mustX("data.Dataset.To")
	if d.X.DType() == dt && (d.Y == nil || d.Y.DType() == dt) {
		return d
	}
	out := *d
	out.X = d.X.To(dt)
	if d.Y != nil {
		out.Y = d.Y.To(dt)
	}
	return &out
}

// Rows returns a new Dataset holding rows [start, end) of d, as a Go slice
// expression d[start:end] would: the first 100 samples are d.Rows(0, 100).
// It is a copy, not a view: its X, Labels, Y and names share no memory
// with d, so either may be modified. It costs one copy of the selected rows.
// It panics with an error wrapping tensor.ErrIndex unless
// 0 ≤ start ≤ end ≤ d.Len(), and with one wrapping ErrArgument if d is
// structurally inconsistent (see Validate).
func (d *Dataset) Rows(start, end int) *Dataset {
	const op = "data.Dataset.Rows"
	d.mustShapes(op)
	if n := d.X.Dim(0); start < 0 || end < start || end > n {
		panic(fmt.Errorf("%s: rows [%d, %d) of dataset %q of %d rows: %w", op, start, end, d.Name, n, tensor.ErrIndex))
	}
	out := &Dataset{
		Name:         d.Name,
		X:            tensor.Slice(d.X, 0, start, end),
		ClassNames:   slices.Clone(d.ClassNames),
		FeatureNames: slices.Clone(d.FeatureNames),
	}
	if d.Labels != nil {
		out.Labels = slices.Clone(d.Labels[start:end])
	}
	if d.Y != nil {
		out.Y = tensor.Slice(d.Y, 0, start, end)
	}
	return out
}
