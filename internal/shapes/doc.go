// Package shapes holds the shape plumbing that tapegrad's tensor and autograd
// packages share but users do not need: reduced, reshaped, permuted,
// broadcast and matrix-product shapes (each with an Into variant that appends
// into a caller's stack buffer), the checked element count of a shape
// (Numel, against MaxElements), the shape-error type and its sentinels
// (re-exported by package tensor as tensor.ShapeError, tensor.ErrShape,
// tensor.ErrIndex and tensor.ErrArg), the user call site recorded in
// errors, and the buffer reuse hook of autograd's tape (Reuse).
//
// Every function panics with an *Error wrapping ErrShape on misuse, naming
// the operation it is given and the shapes involved.
package shapes
