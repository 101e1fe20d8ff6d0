package shapes

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// ErrShape is the sentinel of every shape-misuse panic (tensor.ErrShape).
var ErrShape = errors.New("shape mismatch")

// ErrIndex is the sentinel of every index-out-of-range panic (tensor.ErrIndex).
var ErrIndex = errors.New("index out of range")

// ErrArg is the sentinel of every bad-argument panic (tensor.ErrArg): a nil
// or zero-value tensor, a nil function or a nil random generator.
var ErrArg = errors.New("bad argument")

// ArgSentinel returns a package's own bad-argument sentinel (nn.ErrArg,
// optim.ErrConfig, …): an error that prints msg and wraps ErrArg, so
// errors.Is(err, nn.ErrArg) and errors.Is(err, tensor.ErrArg) both hold and
// autograd.Maybe recovers every package's misuse by the one sentinel.
func ArgSentinel(msg string) error { return &argSentinel{msg} }

type argSentinel struct{ msg string }

func (e *argSentinel) Error() string { return e.msg }
func (e *argSentinel) Unwrap() error { return ErrArg }

// Error describes a misuse of shapes: the operation, the shapes it saw and
// what was wrong. It wraps ErrShape (ErrIndex for bad indices, ErrArg for a
// nil argument). Package tensor exports it as tensor.ShapeError.
type Error struct {
	Op     string  // the operation, e.g. "tensor.Add"
	Shapes [][]int // the operand shapes involved
	Msg    string  // what was wrong and, where useful, what to do
	Err    error   // ErrShape, ErrIndex or ErrArg
	// Site is the user's file:line that led to the error (see CallerSite).
	Site string
}

// Error formats the op, the shapes and the message: "op: [2 3] and [4]: msg (at file:line)".
// A nil *Error formats as "<nil>".
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
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

// Unwrap returns the sentinel (ErrShape, ErrIndex or ErrArg); nil for a nil *Error.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Panic panics with an *Error wrapping ErrShape, holding copies of shapes
// and the user's call site.
func Panic(op, msg string, shapes ...[]int) {
	panic(&Error{Op: op, Shapes: cloneShapes(shapes), Msg: msg, Err: ErrShape, Site: CallerSite()})
}

// IndexPanic panics with an *Error wrapping ErrIndex (see Panic).
func IndexPanic(op, msg string, shapes ...[]int) {
	panic(&Error{Op: op, Shapes: cloneShapes(shapes), Msg: msg, Err: ErrIndex, Site: CallerSite()})
}

// ArgPanic panics with an *Error wrapping ErrArg (see Panic).
func ArgPanic(op, msg string, shapes ...[]int) {
	panic(&Error{Op: op, Shapes: cloneShapes(shapes), Msg: msg, Err: ErrArg, Site: CallerSite()})
}

// modulePrefix is the import path prefix of tapegrad's packages.
const modulePrefix = "github.com/tapegrad/tapegrad/"

// CallerSite returns "file:line" of the innermost caller outside tapegrad's
// library packages (tests and example programs count as outside, runtime
// frames are skipped): the user's line that led to an error. Shape errors and
// autograd's anomaly mode use it; it costs a stack walk, so it runs only when
// an error is made or in anomaly mode.
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

// ErrDType is the sentinel of every element-type mismatch (tensor.ErrDType):
// a float32 tensor where a float64 one is needed, or operands of two types.
// It wraps ErrArg, so autograd.Maybe recovers it like every other misuse.
var ErrDType = ArgSentinel("element types differ")

// DTypePanic panics with an *Error naming op, wrapping ErrDType.
func DTypePanic(op, msg string, shapes ...[]int) {
	panic(&Error{Op: op, Shapes: cloneShapes(shapes), Msg: msg, Err: ErrDType, Site: CallerSite()})
}
