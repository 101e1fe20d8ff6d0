package autograd

import (
	"errors"
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Maybe runs f and turns a misuse panic into a returned error, for callers
// that prefer errors to panics (a server validating a user's model, a REPL).
// It recovers a panic whose value is an error wrapping tensor.ErrShape,
// tensor.ErrIndex, tensor.ErrArg, ErrTape or ErrAnomaly, and returns that
// error unchanged
// (so errors.Is and errors.As work on it). Any other panic (a runtime error,
// a nil dereference, a bug) is not misuse and is re-panicked. Maybe returns
// nil if f returns normally.
//
// A tape whose op panicked midway may hold a partial record; Reset it (or
// drop it) before reusing it.
func Maybe(f func()) (err error) {
	if f == nil {
		return fmt.Errorf("%w: Maybe of a nil function", ErrTape)
	}
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if e, ok := r.(error); ok && isMisuse(e) {
			err = e
			return
		}
		panic(r)
	}()
	f()
	return nil
}

// isMisuse reports whether err wraps one of the misuse sentinels.
func isMisuse(err error) bool {
	return errors.Is(err, tensor.ErrShape) || errors.Is(err, tensor.ErrIndex) || errors.Is(err, tensor.ErrArg) ||
		errors.Is(err, ErrTape) || errors.Is(err, ErrAnomaly)
}
