package tensor

import (
	"math"
	"strconv"
	"strings"
)

// String formats t the way NumPy prints an array: nested brackets, one row
// per line, columns aligned, and "..." eliding the middle of axes longer than
// 1000 elements in total. A scalar prints as its value, a nil *Tensor as
// "<nil>" and a zero-value Tensor as "<zero Tensor>": String never panics.
//
// A Float32 tensor prints each value as the shortest decimal that rounds
// back to the same float32 (0.1 prints as 0.1, not 0.10000000149011612),
// followed by ", dtype=float32" after the closing bracket, as NumPy's repr
// and PyTorch mark a type other than their default: "[1. 2.5], dtype=float32".
// Float64, the default, carries no mark.
func (t *Tensor) String() string {
	if t == nil {
		return "<nil>"
	}
	if len(t.shape) == 0 && t.Len() != 1 {
		return "<zero Tensor>"
	}
	bits, mark := 64, ""
	if t.dtype == Float32 {
		bits, mark = 32, ", dtype="+t.dtype.String()
	}
	if len(t.shape) == 0 {
		return formatFloat(t.at(0), bits) + mark
	}
	n := t.Len()
	summarise := n > 1000
	width := 0
	for i := range n {
		width = max(width, len(formatFloat(t.at(i), bits)))
	}
	var b strings.Builder
	t.format(&b, 0, 0, width, bits, summarise)
	b.WriteString(mark)
	return b.String()
}

// formatFloat formats v, a value of a float of the given bits (64 or 32),
// with the fewest digits that read back as that float.
func formatFloat(v float64, bits int) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case v == math.Trunc(v) && math.Abs(v) < 1e16:
		return strconv.FormatFloat(v, 'f', -1, bits) + "."
	}
	a := math.Abs(v)
	if a >= 1e-4 && a < 1e16 {
		return strconv.FormatFloat(v, 'f', -1, bits)
	}
	return strconv.FormatFloat(v, 'e', -1, bits)
}

// format writes the sub-array at axis ax starting at flat offset off.
func (t *Tensor) format(b *strings.Builder, ax, off, width, bits int, summarise bool) {
	n := t.shape[ax]
	inner := numel(t.shape[ax+1:])
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if summarise && n > 6 && i == 3 {
			// NumPy's print: "..." stands in for the elided items and is
			// followed by the same separator as they are.
			if ax == len(t.shape)-1 {
				b.WriteString("... ")
			} else {
				b.WriteString("..." + strings.Repeat("\n", len(t.shape)-ax-1) + strings.Repeat(" ", ax+1))
			}
			i = n - 3
		}
		if ax == len(t.shape)-1 {
			s := formatFloat(t.at(off+i), bits)
			b.WriteString(strings.Repeat(" ", width-len(s)) + s)
			if i < n-1 {
				b.WriteByte(' ')
			}
			continue
		}
		t.format(b, ax+1, off+i*inner, width, bits, summarise)
		if i < n-1 {
			b.WriteString(strings.Repeat("\n", len(t.shape)-ax-1) + strings.Repeat(" ", ax+1))
		}
	}
	b.WriteByte(']')
}

// AllClose reports whether a and b have the same shape and every pair of
// elements satisfies |a − b| ≤ atol + rtol·|b| (NumPy's allclose: NaNs are
// never close, and an infinity is close only to an equal infinity).
// a and b may have different element types: the values are compared as
// float64 (float32 widens exactly), so a float32 result can be checked
// against a float64 reference. AllClose and MaxAbsDiff are the only
// functions of two tensors that accept mixed types: they compute no tensor,
// so there is no result type to choose.
// It panics with ErrArg if a or b is nil or a zero-value Tensor.
func AllClose(a, b *Tensor, rtol, atol float64) bool {
	check("tensor.AllClose", "a", a)
	check("tensor.AllClose", "b", b)
	if !sameShape(a, b) {
		return false
	}
	for i := range a.Len() {
		x, y := a.at(i), b.at(i)
		if x == y {
			continue
		}
		// With y infinite the bound is infinite too: check that apart.
		if math.IsInf(x, 0) || math.IsInf(y, 0) || !(math.Abs(x-y) <= atol+rtol*math.Abs(y)) {
			return false
		}
	}
	return true
}

// MaxAbsDiff returns max |a − b| over elements, +Inf if the shapes differ,
// and NaN if any element is NaN. Like AllClose it accepts operands of
// different element types and compares them as float64. It panics with
// ErrArg if a or b is nil or a zero-value Tensor.
func MaxAbsDiff(a, b *Tensor) float64 {
	check("tensor.MaxAbsDiff", "a", a)
	check("tensor.MaxAbsDiff", "b", b)
	if !sameShape(a, b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a.Len() {
		x, y := a.at(i), b.at(i)
		if x == y {
			continue // equal infinities differ by 0, not Inf − Inf = NaN
		}
		d := math.Abs(x - y)
		if d != d {
			return d
		}
		m = math.Max(m, d)
	}
	return m
}
