package tensor

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/scalar"
)

// Softmax returns exp(x − m) / Σ exp(x − m) along axis, m the maximum along
// axis, so logits of ±1000 give exact probabilities without overflow.
// The result has x's element type; float32 inputs accumulate in float64
// (each exp, the denominator and the quotient are float64, and each output
// is rounded to float32 once), as for LogSoftmax and the To forms.
// It panics with ErrShape on a bad axis.
func Softmax(x *Tensor, axis int) *Tensor { return softmax("tensor.Softmax", x, axis, false) }

// LogSoftmax returns x − logsumexp(x) along axis, computed stably as
// (x − m) − log Σ exp(x − m), m the maximum along axis. Float32 inputs
// are computed in float64 and each output rounded once (see Softmax).
// It panics with ErrShape on a bad axis.
func LogSoftmax(x *Tensor, axis int) *Tensor { return softmax("tensor.LogSoftmax", x, axis, true) }

// softmax computes z = x − m along axis (m the maximum, 0 where m is
// infinite), then e^z / Σ e^z, or z − log Σ e^z when log is set, naming op
// in its panics. Subtracting m first keeps e^z ≤ 1 and the largest entries
// exact; forming m + log Σ e^z instead would round it to |m|·ε, an error of
// about 1e-13 in every probability at logits of 1000.
func softmax(op string, x *Tensor, axis int, log bool) *Tensor {
	return softmaxTo(op, like(op, x), x, axis, log)
}

// SoftmaxTo writes Softmax(x, axis) into dst (x's shape) and returns dst;
// along the last axis it does not allocate. It panics with ErrShape on a
// bad axis or destination and with ErrDType if dst's type is not x's; so
// does LogSoftmaxTo.
func SoftmaxTo(dst, x *Tensor, axis int) *Tensor {
	return softmaxTo("tensor.Softmax", dst, x, axis, false)
}

// LogSoftmaxTo writes LogSoftmax(x, axis) into dst (x's shape) and returns
// dst; along the last axis it does not allocate.
func LogSoftmaxTo(dst, x *Tensor, axis int) *Tensor {
	return softmaxTo("tensor.LogSoftmax", dst, x, axis, true)
}

func softmaxTo(op string, dst, x *Tensor, axis int, log bool) *Tensor {
	check(op, "dst", dst)
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	checkDst(op, dst, x.shape)
	sameDType(op, dst, x)
	outer, n, inner := split3(x.shape, axis)
	if x.dtype == Float32 {
		if inner != 1 { // not a hot path: the float64 kernel on widened x
			return round32To(dst, softmaxTo(op, zeros(op, x.shape), widen(x), axis, log))
		}
		e := getF64(n)
		for o := 0; o < outer; o++ {
			softmaxRow32(dst.data32[o*n:(o+1)*n], x.data32[o*n:(o+1)*n], *e, log)
		}
		putF64(e)
		return dst
	}
	if inner == 1 {
		for o := 0; o < outer; o++ {
			softmaxRow(dst.data[o*n:(o+1)*n], x.data[o*n:(o+1)*n], log)
		}
		return dst
	}
	m := MaxKeepDims(x, axis)
	for i, v := range m.data {
		if math.IsInf(v, 0) {
			m.data[i] = 0 // all −Inf (or a +Inf): shift by 0, the sum decides
		}
	}
	SubTo(dst, x, m)
	e := Map(dst, math.Exp)
	s := SumKeepDims(e, axis)
	if log {
		MapTo(s, s, math.Log)
		return SubTo(dst, dst, s)
	}
	return DivTo(dst, e, s)
}

// softmaxRow writes softmax(src), or log-softmax(src) when log is set, into
// dst for one contiguous row, and returns the denominator Σ e^z.
func softmaxRow(dst, src []float64, log bool) float64 {
	m := math.Inf(-1)
	for _, v := range src {
		m = maxNaN(m, v)
	}
	if math.IsInf(m, 0) {
		m = 0
	}
	s := 0.0
	for i, v := range src {
		z := v - m
		e := math.Exp(z)
		s += e
		if log {
			dst[i] = z
		} else {
			dst[i] = e
		}
	}
	if log {
		ls := math.Log(s)
		for i := range dst {
			dst[i] -= ls
		}
		return s
	}
	for i := range dst {
		dst[i] /= s
	}
	return s
}

// softmaxRow32 is softmaxRow for a float32 row (dst may be src): the
// maximum, each exp (kept in e, of the row's length; for the softmax to
// 2⁻³⁶ relative, scalar.ExpForFloat32) and the sum are float64 and each
// output is the float64 result rounded once.
func softmaxRow32(dst, src []float32, e []float64, log bool) float64 {
	m := math.Inf(-1)
	for _, v := range src {
		m = maxNaN(m, float64(v))
	}
	if math.IsInf(m, 0) {
		m = 0
	}
	s := 0.0
	if log {
		for i, v := range src {
			z := float64(v) - m
			e[i] = z
			s += math.Exp(z)
		}
	} else {
		e = e[:len(src)]
		for i, v := range src {
			e[i] = float64(v) - m
		}
		scalar.ExpForFloat32(e) // exact enough for a float32 result
		for _, v := range e {
			s += v
		}
	}
	if log {
		ls := math.Log(s)
		for i, z := range e[:len(src)] {
			dst[i] = float32(z - ls)
		}
		return s
	}
	for i, v := range e[:len(src)] {
		dst[i] = float32(v / s)
	}
	return s
}

// CausalSoftmax returns the softmax along the last axis of x, of shape
// (…, L, S), taken in each row t of the last two axes over the entries
// u ≤ t alone, with 0 at u > t: Softmax(x + M, −1) for the causal mask M
// (0 where u ≤ t, −Inf where u > t; PyTorch's attention with
// is_causal=True), without forming x + M. The entries u > t are not read;
// where a row's softmax is NaN (a NaN among its entries u ≤ t, or all of
// them −Inf) they are NaN too, as Softmax(x + M, −1) gives. Float32 as
// Softmax. It panics with ErrShape if x has fewer than two axes.
func CausalSoftmax(x *Tensor) *Tensor {
	return CausalSoftmaxTo(like("tensor.CausalSoftmax", x), x)
}

// CausalSoftmaxTo writes CausalSoftmax(x) into dst (x's shape) and returns
// dst; dst may be x. It panics with ErrShape if x has fewer than two axes
// or dst's shape is not x's, and with ErrDType if dst's type is not x's.
func CausalSoftmaxTo(dst, x *Tensor) *Tensor {
	const op = "tensor.CausalSoftmax"
	check(op, "dst", dst)
	check(op, "x", x)
	if len(x.shape) < 2 {
		shapePanic(op, "needs rank ≥ 2 (…, L, S)", x.shape)
	}
	checkDst(op, dst, x.shape)
	sameDType(op, dst, x)
	l, s := x.shape[len(x.shape)-2], x.shape[len(x.shape)-1]
	rows := x.Len() / max(s, 1)
	var e *[]float64
	if x.dtype == Float32 {
		e = getF64(s)
	}
	for r := range rows {
		k := min(r%max(l, 1)+1, s) // entries u ≤ t of row t
		lo, hi := r*s, (r+1)*s
		var den float64
		if x.dtype == Float32 {
			den = softmaxRow32(dst.data32[lo:lo+k], x.data32[lo:lo+k], *e, false)
			rest := float32(0 / den) // 0, or NaN where den is 0 or NaN
			for i := lo + k; i < hi; i++ {
				dst.data32[i] = rest
			}
			continue
		}
		den = softmaxRow(dst.data[lo:lo+k], x.data[lo:lo+k], false)
		rest := 0 / den
		for i := lo + k; i < hi; i++ {
			dst.data[i] = rest
		}
	}
	if e != nil {
		putF64(e)
	}
	return dst
}
