// Package vec holds tapegrad's element-wise kernels that gonum's floats has
// no counterpart for: ReLU and its backward pass, for float64 (ReLU,
// ReLUBackward) and float32 (ReLU32, ReLUBackward32).
//
// # Semantics
//
// Each kernel is defined by a plain Go loop (reluGo, reluBackwardGo and
// their float32 twins reluGo32, reluBackwardGo32) and computes exactly
// that loop's bits: no rounding is involved, only a comparison and a mask,
// so the assembly and the Go kernels agree bit for bit, NaN payloads and
// signed zeros included.
//
// # Kernels
//
// On amd64 with AVX (detected at run time with golang.org/x/sys/cpu) the
// kernels are Go assembly (relu_amd64.s) working on four float64s per YMM
// register: sixteen per loop iteration, then four, then a scalar tail of
// up to three; the float32 ones (relu32_amd64.s) on eight float32s per
// register: thirty-two, then eight, then a tail of up to seven. Elsewhere,
// or when built with the purego tag, they are the Go loops. The assembly
// needs only AVX, not AVX2: it compares, ANDs and moves packed doubles
// (singles) and uses no 256-bit integer instructions.
//
// # Slices
//
// A kernel reads and writes len(x) (or len(y)) elements; the other slices
// must be at least that long, else it panics with an error wrapping
// ErrLength. dst may be the same slice as an input (in place), but must
// not otherwise overlap one.
package vec
