package train

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/checkpoint"
)

// ErrArg marks a misuse of this package: an invalid Mode, a missing model
// or data set, a batch size below 1. Errors and panics wrap it.
var ErrArg = shapes.ArgSentinel("train: invalid argument")

// Mode says whether a monitored metric improves by falling or by rising.
type Mode int

const (
	Min Mode = iota + 1 // lower is better (a loss)
	Max                 // higher is better (an accuracy)
)

// Monitor watches one metric of a History for improvements.
type Monitor struct {
	Metric   string  // the History name watched (TestLoss, "test accuracy", …)
	Mode     Mode    // Min or Max
	MinDelta float64 // an improvement must beat the best by more than this
}

// improves reports whether v beats best by more than m.MinDelta in m's
// direction (best = NaN: nothing seen yet, so any number improves). NaN
// never improves. It panics with ErrArg for a Mode other than Min or Max.
func (m Monitor) improves(v, best float64) bool {
	if m.Mode != Min && m.Mode != Max {
		panic(fmt.Errorf("%w: monitor of %q has mode %d, want Min or Max", ErrArg, m.Metric, m.Mode))
	}
	if math.IsNaN(v) {
		return false
	}
	if math.IsNaN(best) {
		return true
	}
	if m.Mode == Min {
		return v < best-m.MinDelta
	}
	return v > best+m.MinDelta
}

// EarlyStopping ends training when its metric has not improved for more
// than Patience updates in a row (Keras's and Lightning's rule: Patience 0
// stops at the first update without improvement).
type EarlyStopping struct {
	Monitor
	Patience int

	best float64
	bad  int
}

// NewEarlyStopping returns an early stop on metric in mode after patience
// updates without improvement, with MinDelta 0.
func NewEarlyStopping(metric string, mode Mode, patience int) *EarlyStopping {
	return &EarlyStopping{Monitor: Monitor{Metric: metric, Mode: mode}, Patience: patience, best: nan}
}

// Update records the metric's latest value v and reports whether it
// improved on the best so far and whether training should stop. It panics
// with ErrArg for an invalid Mode.
func (e *EarlyStopping) Update(v float64) (improved, stop bool) {
	if e.improves(v, e.best) {
		e.best, e.bad = v, 0
		return true, false
	}
	e.bad++
	return false, e.bad > e.Patience
}

// Best returns the best value seen, NaN before the first.
func (e *EarlyStopping) Best() float64 { return e.best }

// BestCheckpoint keeps the best model seen so far in a file: each Update
// that improves its metric saves Model to Path with checkpoint.Save (an
// atomic write, so a crash leaves the previous best), and Restore loads it
// back.
type BestCheckpoint struct {
	Monitor
	Path  string
	Model nn.Module

	best  float64
	epoch int // the Update count of the best, 0 before any save
	n     int
}

// NewBestCheckpoint returns a BestCheckpoint of model at path watching
// metric in mode, with MinDelta 0.
func NewBestCheckpoint(path string, model nn.Module, metric string, mode Mode) *BestCheckpoint {
	return &BestCheckpoint{Monitor: Monitor{Metric: metric, Mode: mode}, Path: path, Model: model, best: nan}
}

// Update records the metric's latest value v and, if it improves on the
// best, saves the model. It reports whether it saved; a failed save is an
// error (and the best is unchanged). It panics with ErrArg for an invalid
// Mode.
func (b *BestCheckpoint) Update(v float64) (saved bool, err error) {
	b.n++
	if !b.improves(v, b.best) {
		return false, nil
	}
	if err := checkpoint.Save(b.Path, b.Model); err != nil {
		return false, fmt.Errorf("train: saving the best model: %w", err)
	}
	b.best, b.epoch = v, b.n
	return true, nil
}

// Best returns the best value and the Update (counted from 1) that saw it;
// NaN and 0 before any save.
func (b *BestCheckpoint) Best() (v float64, update int) { return b.best, b.epoch }

// Restore loads the best model saved back into Model. It is an error
// wrapping ErrArg if nothing was saved.
func (b *BestCheckpoint) Restore() error {
	if b.epoch == 0 {
		return fmt.Errorf("%w: no best model of %q was saved", ErrArg, b.Metric)
	}
	if err := checkpoint.Load(b.Path, b.Model); err != nil {
		return fmt.Errorf("train: restoring the best model: %w", err)
	}
	return nil
}
