package tensor

import "github.com/tapegrad/tapegrad/internal/shapes"

// ErrShape is the sentinel wrapped by every shape-misuse panic of this
// package (and of the packages built on it): mismatched operand shapes,
// a wrong rank, an axis out of range, a negative size or an element count
// above MaxElements. Recover the panic value and test it with
// errors.Is(err, tensor.ErrShape).
var ErrShape = shapes.ErrShape

// ErrIndex is the sentinel wrapped by panics for an index out of range
// (an element index, a class label or a gather index).
var ErrIndex = shapes.ErrIndex

// ErrArg is the sentinel wrapped by panics for a bad argument that is not a
// shape: a nil *Tensor or a zero-value Tensor (one not made by this
// package's constructors) where a tensor is needed, a nil function (Map)
// or a nil *rand.Rand (RandN, RandU).
var ErrArg = shapes.ErrArg

// ErrDType is the sentinel wrapped by panics for element types that do not
// go together: tensor operands of one function (a To function's dst
// included) of two types, Data on a Float32 tensor or Data32 on a Float64
// one. Types are never converted implicitly; convert with To. It wraps
// ErrArg, so errors.Is(err, tensor.ErrArg) holds too.
var ErrDType = shapes.ErrDType

// MaxElements is the largest element count of a tensor: the most float64s
// one Go allocation may hold: 2^45 (256 TiB of data) on 64-bit Linux,
// macOS and Windows, 2^37 on ios/arm64, 2^29 on wasm and 2^28 − 1 on 32-bit
// platforms, where n·8 bytes must fit in an int. A shape whose dimensions
// multiply to more, counting only its non-zero dimensions, is refused with
// ErrShape by every function that makes a tensor. A count within it may
// still exceed the memory at hand.
const MaxElements = shapes.MaxElements

// ShapeError describes a misuse of shapes: the operation, the shapes it saw
// and what was wrong. It wraps ErrShape (ErrIndex for bad indices, ErrArg
// for a nil argument, ErrDType for mixed element types), and its Error
// method formats
// "op: [2 3] and [4]: message (at file:line)". Its fields are
//
//	Op     string  // the operation, e.g. "tensor.Add"
//	Shapes [][]int // the operand shapes involved (copies)
//	Msg    string  // what was wrong and, where useful, what to do
//	Err    error   // ErrShape, ErrIndex, ErrArg or ErrDType
//	Site   string  // the user's file:line that led to the error
//
// It is an alias of the type the shared shape plumbing (internal/shapes)
// panics with, so every package of tapegrad raises the same type.
type ShapeError = shapes.Error

// shapePanic panics with a *ShapeError wrapping ErrShape.
func shapePanic(op, msg string, shs ...[]int) { shapes.Panic(op, msg, shs...) }

// indexPanic panics with a *ShapeError wrapping ErrIndex.
func indexPanic(op, msg string, shs ...[]int) { shapes.IndexPanic(op, msg, shs...) }

// dtypePanic panics with a *ShapeError wrapping ErrDType.
func dtypePanic(op, msg string, shs ...[]int) { shapes.DTypePanic(op, msg, shs...) }

// argPanic panics with a *ShapeError wrapping ErrArg.
func argPanic(op, msg string) { shapes.ArgPanic(op, msg) }

// check panics with ErrArg naming op and the argument arg unless t is a
// tensor made by this package: nil and the zero value Tensor{} (no shape
// and no elements: every tensor made here of rank 0 holds one element)
// are refused. It is two comparisons, cheap enough for every entry point,
// and inlined (cost 80, the compiler's budget: keep it so).
func check(op, arg string, t *Tensor) {
	if t == nil || len(t.shape)+len(t.data)+len(t.data32) == 0 {
		badTensor(op, arg, t)
	}
}

// badTensor is check's panic, out of line so that check stays inlinable.
func badTensor(op, arg string, t *Tensor) {
	if t == nil {
		argPanic(op, "nil *Tensor "+arg)
	}
	argPanic(op, "zero-value Tensor "+arg+" (make tensors with New, Zeros, Scalar, …)")
}

// checkFunc panics with ErrArg naming op if f is nil.
func checkFunc(op string, f func(float64) float64) {
	if f == nil {
		argPanic(op, "nil function")
	}
}
