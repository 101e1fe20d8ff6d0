package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// ErrFormat is wrapped by every error this package returns about malformed
// input bytes: a bad header, a count that does not match, a field that is not
// a number, a truncated or corrupt gzip stream; and by
// Standardizer.LoadStateTensors about saved tensors that do not form a
// Standardizer. Test with
// errors.Is(err, data.ErrFormat). Errors from the reader itself (a failing
// disk) and missing files are returned as they are, not as ErrFormat.
var ErrFormat = errors.New("malformed data")

// ErrArgument is wrapped by the panics of this package's utilities when they
// are called with an impossible argument (a test fraction outside [0, 1], a
// batch size below 1, an inconsistent Dataset). Shape misuse panics wrap
// tensor.ErrShape or tensor.ErrIndex instead, as everywhere in tapegrad.
var ErrArgument = shapes.ArgSentinel("invalid argument")

// formatError is a description of malformed input that wraps ErrFormat and,
// when there is one, the error that revealed it (gzip.ErrChecksum …).
type formatError struct {
	msg   string
	cause error
}

// Error returns the description, followed by the cause if there is one.
func (e *formatError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

// Unwrap returns ErrFormat and the cause, so errors.Is matches both.
func (e *formatError) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrFormat, e.cause}
	}
	return []error{ErrFormat}
}

// formatErrorf returns a *formatError with a formatted message.
func formatErrorf(format string, args ...any) error {
	return &formatError{msg: fmt.Sprintf(format, args...)}
}

// readError classifies an error met while reading: damage to a gzip stream
// and a premature end are format errors; anything else (the reader failed)
// is wrapped as it is. what says what was being read.
func readError(what string, err error) error {
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.As(err, &corrupt) {
		return &formatError{msg: "reading " + what, cause: err}
	}
	return fmt.Errorf("reading %s: %w", what, err)
}

// argPanic panics with an error that wraps ErrArgument.
func argPanic(op, format string, args ...any) {
	panic(fmt.Errorf("%s: %s: %w", op, fmt.Sprintf(format, args...), ErrArgument))
}

// checkReader returns an error wrapping ErrArgument, naming op, if r is nil.
func checkReader(op string, r io.Reader) error {
	if r == nil {
		return fmt.Errorf("%s: nil reader: %w", op, ErrArgument)
	}
	return nil
}

// gzipMagic is the first two bytes of every gzip stream (RFC 1952).
var gzipMagic = [2]byte{0x1f, 0x8b}

// decompress returns a reader of r's content, decompressed if it starts with
// the gzip magic number and passed through unchanged otherwise.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, readError("input", err)
	}
	if len(head) < 2 || head[0] != gzipMagic[0] || head[1] != gzipMagic[1] {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, readError("gzip header", err)
	}
	return zr, nil
}
