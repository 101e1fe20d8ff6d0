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
func (t *Tensor) String() string {
	if t == nil {
		return "<nil>"
	}
	if len(t.shape) == 0 && len(t.data) != 1 {
		return "<zero Tensor>"
	}
	if len(t.shape) == 0 {
		return formatFloat(t.data[0])
	}
	summarise := len(t.data) > 1000
	width := 0
	for _, v := range t.data {
		width = max(width, len(formatFloat(v)))
	}
	var b strings.Builder
	t.format(&b, 0, 0, width, summarise)
	return b.String()
}

func formatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case v == math.Trunc(v) && math.Abs(v) < 1e16:
		return strconv.FormatFloat(v, 'f', -1, 64) + "."
	}
	a := math.Abs(v)
	if a >= 1e-4 && a < 1e16 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'e', -1, 64)
}

// format writes the sub-array at axis ax starting at flat offset off.
func (t *Tensor) format(b *strings.Builder, ax, off, width int, summarise bool) {
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
			s := formatFloat(t.data[off+i])
			b.WriteString(strings.Repeat(" ", width-len(s)) + s)
			if i < n-1 {
				b.WriteByte(' ')
			}
			continue
		}
		t.format(b, ax+1, off+i*inner, width, summarise)
		if i < n-1 {
			b.WriteString(strings.Repeat("\n", len(t.shape)-ax-1) + strings.Repeat(" ", ax+1))
		}
	}
	b.WriteByte(']')
}

// AllClose reports whether a and b have the same shape and every pair of
// elements satisfies |a − b| ≤ atol + rtol·|b| (NumPy's allclose: NaNs are
// never close, and an infinity is close only to an equal infinity).
// It panics with ErrArg if a or b is nil or a zero-value Tensor.
func AllClose(a, b *Tensor, rtol, atol float64) bool {
	check("tensor.AllClose", "a", a)
	check("tensor.AllClose", "b", b)
	if !sameShape(a, b) {
		return false
	}
	for i, x := range a.data {
		y := b.data[i]
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
// and NaN if any element is NaN. It panics with ErrArg if a or b is nil or
// a zero-value Tensor.
func MaxAbsDiff(a, b *Tensor) float64 {
	check("tensor.MaxAbsDiff", "a", a)
	check("tensor.MaxAbsDiff", "b", b)
	if !sameShape(a, b) {
		return math.Inf(1)
	}
	m := 0.0
	for i, x := range a.data {
		if x == b.data[i] {
			continue // equal infinities differ by 0, not Inf − Inf = NaN
		}
		d := math.Abs(x - b.data[i])
		if d != d {
			return d
		}
		m = math.Max(m, d)
	}
	return m
}
