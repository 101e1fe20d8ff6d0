package tensor

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// ErrShape is the sentinel wrapped by every shape-misuse panic of this
// package (and of the packages built on it): mismatched operand shapes,
// a wrong rank, an axis out of range or an element count that does not fit.
// Recover the panic value and test it with errors.Is(err, tensor.ErrShape).
var ErrShape = errors.New("shape mismatch")

// ErrIndex is the sentinel wrapped by panics for an index out of range
// (an element index, a class label or a gather index).
var ErrIndex = errors.New("index out of range")

// ShapeError describes a misuse of shapes: the operation, the shapes it saw
// and what was wrong. It wraps ErrShape (or ErrIndex for bad indices).
type ShapeError struct {
	Op     string  // the operation, e.g. "tensor.Add"
	Shapes [][]int // the operand shapes involved
	Msg    string  // what was wrong and, where useful, what to do
	Err    error   // ErrShape or ErrIndex
	// Site is the user's file:line that led to the error (see CallerSite).
	Site string
}

// Error formats the op, the shapes and the message.
func (e *ShapeError) Error() string {
	s := e.Op + ": "
	for i, sh := range e.Shapes {
		if i > 0 {
			s += " and "
		}
		s += fmt.Sprint(sh)
	}
	if len(e.Shapes) > 0 {
		s += ": "
	}
	s += e.Msg
	if e.Site != "" {
		s += " (at " + e.Site + ")"
	}
	return s
}

// Unwrap returns the sentinel (ErrShape or ErrIndex).
func (e *ShapeError) Unwrap() error { return e.Err }

// shapePanic panics with a *ShapeError wrapping ErrShape.
func shapePanic(op, msg string, shapes ...[]int) {
	panic(&ShapeError{Op: op, Shapes: cloneShapes(shapes), Msg: msg, Err: ErrShape, Site: CallerSite()})
}

// indexPanic panics with a *ShapeError wrapping ErrIndex.
func indexPanic(op, msg string, shapes ...[]int) {
	panic(&ShapeError{Op: op, Shapes: cloneShapes(shapes), Msg: msg, Err: ErrIndex, Site: CallerSite()})
}

// modulePrefix is the import path prefix of tapegrad's packages.
const modulePrefix = "github.com/tapegrad/tapegrad/"

// CallerSite returns "file:line" of the innermost caller outside tapegrad's
// library packages (tests and example programs count as outside, runtime
// frames are skipped): the user's line that led to an error. Errors of this
// package and autograd's anomaly mode use it; it costs a stack walk, so it
// runs only when an error is made or in anomaly mode.
func CallerSite() string {
	var pcs [32]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		lib := strings.HasPrefix(f.Function, "runtime.") ||
			strings.HasPrefix(f.Function, modulePrefix) && !strings.HasSuffix(f.File, "_test.go") &&
				!strings.Contains(f.Function, "/examples/")
		if !lib || !more {
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
	}
}

func cloneShapes(shapes [][]int) [][]int {
	out := make([][]int, len(shapes))
	for i, s := range shapes {
		out[i] = append([]int{}, s...)
	}
	return out
}
