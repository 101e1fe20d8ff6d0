package tensor

import "github.com/tapegrad/tapegrad/internal/shapes"

// ErrShape is the sentinel wrapped by every shape-misuse panic of this
// package (and of the packages built on it): mismatched operand shapes,
// a wrong rank, an axis out of range or an element count that does not fit.
// Recover the panic value and test it with errors.Is(err, tensor.ErrShape).
var ErrShape = shapes.ErrShape

// ErrIndex is the sentinel wrapped by panics for an index out of range
// (an element index, a class label or a gather index).
var ErrIndex = shapes.ErrIndex

// ShapeError describes a misuse of shapes: the operation, the shapes it saw
// and what was wrong. It wraps ErrShape (or ErrIndex for bad indices), and
// its Error method formats "op: [2 3] and [4]: message (at file:line)".
// Its fields are
//
//	Op     string  // the operation, e.g. "tensor.Add"
//	Shapes [][]int // the operand shapes involved (copies)
//	Msg    string  // what was wrong and, where useful, what to do
//	Err    error   // ErrShape or ErrIndex
//	Site   string  // the user's file:line that led to the error
//
// It is an alias of the type the shared shape plumbing (internal/shapes)
// panics with, so every package of tapegrad raises the same type.
type ShapeError = shapes.Error

// shapePanic panics with a *ShapeError wrapping ErrShape.
func shapePanic(op, msg string, shs ...[]int) { shapes.Panic(op, msg, shs...) }

// indexPanic panics with a *ShapeError wrapping ErrIndex.
func indexPanic(op, msg string, shs ...[]int) { shapes.IndexPanic(op, msg, shs...) }
