package tensor

import (
	"errors"
	"fmt"
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
	// Site is the caller's file:line, filled in by the autograd tape when the
	// error escapes one of its ops ("" otherwise).
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
	panic(&ShapeError{Op: op, Shapes: cloneShapes(shapes), Msg: msg, Err: ErrShape})
}

// indexPanic panics with a *ShapeError wrapping ErrIndex.
func indexPanic(op, msg string, shapes ...[]int) {
	panic(&ShapeError{Op: op, Shapes: cloneShapes(shapes), Msg: msg, Err: ErrIndex})
}

func cloneShapes(shapes [][]int) [][]int {
	out := make([][]int, len(shapes))
	for i, s := range shapes {
		out[i] = append([]int{}, s...)
	}
	return out
}
