package autograd

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/internal/shapes"
	"github.com/tapegrad/tapegrad/tensor"
)

// ErrAnomaly is the sentinel wrapped by the panic of anomaly mode when an op
// produces a NaN or Inf.
var ErrAnomaly = errors.New("autograd: non-finite value")

// AnomalyError reports the first op that produced a NaN or ±Inf while
// anomaly mode was on.
type AnomalyError struct {
	Op     string  // the op that produced the value
	Phase  string  // "forward" or "backward"
	Shapes [][]int // the op's output shape (forward) or gradient shape (backward)
	Site   string  // the user's call site that recorded the op (file:line)
	Value  float64 // the first non-finite element
}

// Error names the op, the phase, the shape and the call site.
func (e *AnomalyError) Error() string {
	return fmt.Sprintf("autograd: %s produced %v in the %s pass (shape %v), recorded at %s",
		e.Op, e.Value, e.Phase, e.Shapes, e.Site)
}

// Unwrap returns ErrAnomaly.
func (e *AnomalyError) Unwrap() error { return ErrAnomaly }

var errHookParam = fmt.Errorf("%w: Hook on a parameter: hook the Var that uses it instead", ErrTape)

// SetAnomaly switches anomaly mode on or off. When on, every recorded op
// keeps the caller's file:line, and the first op that turns finite inputs
// into a NaN or Inf (forward), or produces a non-finite gradient (backward),
// panics with an *AnomalyError naming the op, the shapes, the call site and
// the phase. Off by default; when off it costs one branch per op.
func (tp *Tape) SetAnomaly(on bool) { tp.anomaly = on }

// callSite returns the user's file:line (see internal/shapes.CallerSite).
func callSite() string { return shapes.CallerSite() }

// checkFinite panics with an AnomalyError if t holds a NaN or Inf that its
// inputs (if given) did not already hold.
func checkFinite(tp *Tape, op string, t *tensor.Tensor, site, phase string, in []Var) {
	bad := math.NaN()
	found := false
	for _, v := range t.Data() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad, found = v, true
			break
		}
	}
	if !found {
		return
	}
	for _, x := range in {
		for _, v := range x.Value().Data() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return // inherited, reported where it first appeared
			}
		}
	}
	panic(&AnomalyError{Op: op, Phase: phase, Shapes: [][]int{slices.Clone(t.Shape())}, Site: site, Value: bad})
}

func sameShape(a, b []int) bool { return slices.Equal(a, b) }

func shapeErr(op, msg string, shs ...[]int) error {
	cl := make([][]int, len(shs))
	for i, s := range shs {
		cl[i] = slices.Clone(s)
	}
	return &tensor.ShapeError{Op: op, Shapes: cl, Msg: msg, Err: tensor.ErrShape, Site: shapes.CallerSite()}
}
