package tensor

import "math"

// Softmax returns exp(x − m) / Σ exp(x − m) along axis, m the maximum along
// axis, so logits of ±1000 give exact probabilities without overflow.
// It panics with ErrShape on a bad axis.
func Softmax(x *Tensor, axis int) *Tensor {
	dst := logSoftmax("tensor.Softmax", x, axis)
	MapTo(dst, dst, math.Exp)
	return dst
}

// LogSoftmax returns x − logsumexp(x) along axis, computed stably.
// It panics with ErrShape on a bad axis.
func LogSoftmax(x *Tensor, axis int) *Tensor { return logSoftmax("tensor.LogSoftmax", x, axis) }

// logSoftmax is LogSoftmax naming op in its panics.
func logSoftmax(op string, x *Tensor, axis int) *Tensor {
	axis = normAxis(op, axis, len(x.shape), x.shape)
	dst := Zeros(x.shape...)
	outer, n, inner := split3(x.shape, axis)
	if inner == 1 {
		for o := 0; o < outer; o++ {
			logSoftmaxRow(dst.data[o*n:(o+1)*n], x.data[o*n:(o+1)*n])
		}
		return dst
	}
	return SubTo(dst, x, LogSumExp(x, true, axis))
}

// logSoftmaxRow writes log-softmax(src) into dst for one contiguous row.
func logSoftmaxRow(dst, src []float64) {
	m := math.Inf(-1)
	for _, v := range src {
		m = maxNaN(m, v)
	}
	if math.IsInf(m, 0) {
		m = 0
	}
	s := 0.0
	for _, v := range src {
		s += math.Exp(v - m)
	}
	lse := m + math.Log(s)
	for i, v := range src {
		dst[i] = v - lse
	}
}
