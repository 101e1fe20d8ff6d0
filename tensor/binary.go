package tensor

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// A binaryKernel is an element-wise binary function with an optional
// vectorised form for operands of equal length, in each element type.
type binaryKernel struct {
	name  string
	f     func(x, y float64) float64
	vec   func(dst, s, t []float64) // gonum floats kernel, or nil
	f32   func(x, y float32) float32
	vec32 func(dst, s, t []float32) // a plain loop without a call per element, or nil
	// sv and sv32 are f with a scalar second operand over slices
	// (dst = s op v), for the arithmetic kernels; nil for the others.
	sv   func(dst, s []float64, v float64)
	sv32 func(dst, s []float32, v float32)
}

var (
	addK = binaryKernel{"tensor.Add", func(x, y float64) float64 { return x + y }, func(d, s, t []float64) { floats.AddTo(d, s, t) },
		func(x, y float32) float32 { return x + y }, addLoop[float32], addScalarLoop[float64], addScalarLoop[float32]}
	subK = binaryKernel{"tensor.Sub", func(x, y float64) float64 { return x - y }, func(d, s, t []float64) { floats.SubTo(d, s, t) },
		func(x, y float32) float32 { return x - y }, subLoop[float32], subScalarLoop[float64], subScalarLoop[float32]}
	mulK = binaryKernel{"tensor.Mul", func(x, y float64) float64 { return x * y }, func(d, s, t []float64) { floats.MulTo(d, s, t) },
		func(x, y float32) float32 { return x * y }, mulLoop[float32], mulScalarLoop[float64], mulScalarLoop[float32]}
	divK = binaryKernel{"tensor.Div", func(x, y float64) float64 { return x / y }, func(d, s, t []float64) { floats.DivTo(d, s, t) },
		func(x, y float32) float32 { return x / y }, divLoop[float32], divScalarLoop[float64], divScalarLoop[float32]}
	powK = widened("tensor.Pow", math.Pow)
	maxK = binaryKernel{"tensor.Maximum", maxNaN, nil, maxNaNT[float32], nil, nil, nil}
	minK = binaryKernel{"tensor.Minimum", minNaN, nil, minNaNT[float32], nil, nil, nil}
	gtK  = widened("tensor.Greater", func(x, y float64) float64 { return b2f(x > y) })
	geK  = widened("tensor.GreaterEqual", func(x, y float64) float64 { return b2f(x >= y) })
	ltK  = widened("tensor.Less", func(x, y float64) float64 { return b2f(x < y) })
	leK  = widened("tensor.LessEqual", func(x, y float64) float64 { return b2f(x <= y) })
	eqK  = widened("tensor.Equal", func(x, y float64) float64 { return b2f(x == y) })
	neK  = widened("tensor.NotEqual", func(x, y float64) float64 { return b2f(x != y) })
)

// maxNaN is max(x, y) that propagates NaN; on ties it returns x.
func maxNaN(x, y float64) float64 { return maxNaNT(x, y) }

// minNaN is min(x, y) that propagates NaN; on ties it returns x.
func minNaN(x, y float64) float64 { return minNaNT(x, y) }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// apply computes dst = k(a, b) with broadcasting; dst must have the broadcast shape.
func (k *binaryKernel) apply(dst, a, b *Tensor) {
	check(k.name, "dst", dst)
	check(k.name, "a", a)
	check(k.name, "b", b)
	if len(a.data) == 1 && len(b.data) == 1 && len(dst.data) == 1 &&
		len(a.shape) == len(dst.shape) && len(b.shape) == len(dst.shape) && len(dst.shape) < 2 {
		dst.data[0] = k.f(a.data[0], b.data[0]) // scalars and 1-vectors: no broadcasting to work out
		return
	}
	if dst.dtype|a.dtype|b.dtype != Float64 { // one test for both types (Float64 is 0)
		k.apply32(dst, a, b)
		return
	}
	var buf [8]int
	out, ok := broadcastInto(buf[:0], a.shape, b.shape)
	if !ok {
		shapePanic(k.name, "shapes do not broadcast (trailing dimensions must be equal or 1)", a.shape, b.shape)
	}
	checkDst(k.name, dst, out)
	d, x, y := dst.data, a.data, b.data
	switch {
	case len(x) == len(d) && len(y) == len(d):
		if k.vec != nil {
			k.vec(d, x, y)
			return
		}
		for i := range d {
			d[i] = k.f(x[i], y[i])
		}
	case len(y) == 1 && len(x) == len(d):
		v := y[0]
		for i := range d {
			d[i] = k.f(x[i], v)
		}
	case len(x) == 1 && len(y) == len(d):
		v := x[0]
		for i := range d {
			d[i] = k.f(v, y[i])
		}
	case len(x) == len(d) && len(y) > 0 && isSuffix(b.shape, a.shape):
		// b repeats along the leading axes of a (a bias row): whole rows at a time.
		n := len(y)
		for o := 0; o < len(d); o += n {
			if k.vec != nil {
				k.vec(d[o:o+n], x[o:o+n], y)
				continue
			}
			for i := 0; i < n; i++ {
				d[o+i] = k.f(x[o+i], y[i])
			}
		}
	case len(x) == len(d) && len(y) > 0 && planes(b.shape, out) > 1:
		// b is constant over runs of a (a channel bias of NCHW images)
		planeLoop(k.f, k.sv, d, x, y, planes(b.shape, out))
	default:
		eachBroadcast(out, bstrides(a.shape, out), bstrides(b.shape, out), func(o, ia, ib, n, sa, sb int) {
			for i := 0; i < n; i++ {
				d[o+i] = k.f(x[ia+i*sa], y[ib+i*sb])
			}
		})
	}
}

// isSuffix reports whether s equals the trailing len(s) dimensions of t,
// ignoring leading 1s of s.
func isSuffix(s, t []int) bool {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	if len(s) > len(t) {
		return false
	}
	off := len(t) - len(s)
	for i := range s {
		if s[i] != t[off+i] {
			return false
		}
	}
	return true
}

// run allocates the broadcast result of k(a, b).
func (k *binaryKernel) run(a, b *Tensor) *Tensor {
	check(k.name, "a", a)
	check(k.name, "b", b)
	shape := mustBroadcast(k.name, a.shape, b.shape)
	var dst *Tensor
	if a.dtype == Float64 {
		dst = zeros(k.name, shape) // as before float32 existed: no extra call on the scalar path
	} else {
		dst = zerosOf(k.name, a.dtype, shape)
	}
	k.apply(dst, a, b)
	return dst
}

// Add returns a + b element-wise with NumPy broadcasting.
// It panics with ErrShape if the shapes do not broadcast or the result would
// exceed MaxElements elements, with ErrDType if a and b (and, for the To
// forms, dst) are not of one element type, and with ErrArg if a tensor is
// nil or a zero value. So do the other element-wise binary functions and
// their To forms.
//
// The result has the operands' type. On Float32, Add, Sub, Mul and Div are
// float32 operations (correctly rounded, as PyTorch's); Pow and Hypot are
// computed on the elements widened to float64 and rounded; Maximum,
// Minimum and the comparisons are exact, the masks 0/1 Float32 tensors.
func Add(a, b *Tensor) *Tensor { return addK.run(a, b) }

// Sub returns a − b element-wise with broadcasting.
func Sub(a, b *Tensor) *Tensor { return subK.run(a, b) }

// Mul returns a ⊙ b (the element-wise product) with broadcasting.
func Mul(a, b *Tensor) *Tensor { return mulK.run(a, b) }

// Div returns a / b element-wise with broadcasting.
func Div(a, b *Tensor) *Tensor { return divK.run(a, b) }

// Pow returns a^b element-wise with broadcasting (math.Pow's conventions).
func Pow(a, b *Tensor) *Tensor { return powK.run(a, b) }

// Maximum returns max(a, b) element-wise with broadcasting; NaN propagates.
func Maximum(a, b *Tensor) *Tensor { return maxK.run(a, b) }

// Minimum returns min(a, b) element-wise with broadcasting; NaN propagates.
func Minimum(a, b *Tensor) *Tensor { return minK.run(a, b) }

// Greater returns the 0/1 mask a > b with broadcasting.
func Greater(a, b *Tensor) *Tensor { return gtK.run(a, b) }

// GreaterEqual returns the 0/1 mask a ≥ b with broadcasting.
func GreaterEqual(a, b *Tensor) *Tensor { return geK.run(a, b) }

// Less returns the 0/1 mask a < b with broadcasting.
func Less(a, b *Tensor) *Tensor { return ltK.run(a, b) }

// LessEqual returns the 0/1 mask a ≤ b with broadcasting.
func LessEqual(a, b *Tensor) *Tensor { return leK.run(a, b) }

// Equal returns the 0/1 mask a = b with broadcasting.
func Equal(a, b *Tensor) *Tensor { return eqK.run(a, b) }

// NotEqual returns the 0/1 mask a ≠ b with broadcasting.
func NotEqual(a, b *Tensor) *Tensor { return neK.run(a, b) }

// AddTo writes a + b (broadcast) into dst, which must have the broadcast
// shape, and returns dst. dst may alias a or b when their shape is dst's.
// The other To functions below follow the same contract.
func AddTo(dst, a, b *Tensor) *Tensor { addK.apply(dst, a, b); return dst }

// SubTo writes a − b (broadcast) into dst.
func SubTo(dst, a, b *Tensor) *Tensor { subK.apply(dst, a, b); return dst }

// MulTo writes a ⊙ b (broadcast) into dst.
func MulTo(dst, a, b *Tensor) *Tensor { mulK.apply(dst, a, b); return dst }

// DivTo writes a / b (broadcast) into dst.
func DivTo(dst, a, b *Tensor) *Tensor { divK.apply(dst, a, b); return dst }

// PowTo writes a^b (broadcast) into dst.
func PowTo(dst, a, b *Tensor) *Tensor { powK.apply(dst, a, b); return dst }

// MaximumTo writes max(a, b) (broadcast) into dst.
func MaximumTo(dst, a, b *Tensor) *Tensor { maxK.apply(dst, a, b); return dst }

// MinimumTo writes min(a, b) (broadcast) into dst.
func MinimumTo(dst, a, b *Tensor) *Tensor { minK.apply(dst, a, b); return dst }

// GreaterTo writes the mask a > b into dst.
func GreaterTo(dst, a, b *Tensor) *Tensor { gtK.apply(dst, a, b); return dst }

// EqualTo writes the mask a = b into dst.
func EqualTo(dst, a, b *Tensor) *Tensor { eqK.apply(dst, a, b); return dst }

// Where returns cond ≠ 0 ? a : b element-wise, broadcasting all three; the
// result has a's and b's element type. cond is only compared with 0, so
// it may be of either type (a mask from Greater on other tensors, say).
// It panics with ErrShape if the shapes do not broadcast and with ErrDType
// if a and b differ in type.
func Where(cond, a, b *Tensor) *Tensor {
	const op = "tensor.Where"
	check(op, "cond", cond)
	check(op, "a", a)
	check(op, "b", b)
	s := mustBroadcast(op, cond.shape, a.shape)
	s = mustBroadcast(op, s, b.shape)
	dst := zerosOf(op, a.dtype, s)
	WhereTo(dst, cond, a, b)
	return dst
}

// WhereTo writes cond ≠ 0 ? a : b into dst, whose shape must be the
// broadcast of the three shapes. It panics with ErrShape otherwise, and
// with ErrDType if dst, a and b are not of one type (cond may be of either).
func WhereTo(dst, cond, a, b *Tensor) *Tensor {
	check("tensor.Where", "dst", dst)
	check("tensor.Where", "cond", cond)
	check("tensor.Where", "a", a)
	check("tensor.Where", "b", b)
	if dst.dtype|a.dtype|b.dtype != Float64 {
		sameDType("tensor.Where", a, b)
		sameDType("tensor.Where", dst, a)
	}
	s := mustBroadcast("tensor.Where", cond.shape, a.shape)
	checkDst("tensor.Where", dst, mustBroadcast("tensor.Where", s, b.shape))
	c, x, y := cond, a, b
	if !sameShape(c, dst) {
		c = BroadcastTo(cond, dst.shape...)
	}
	if !sameShape(x, dst) {
		x = BroadcastTo(a, dst.shape...)
	}
	if !sameShape(y, dst) {
		y = BroadcastTo(b, dst.shape...)
	}
	switch {
	case dst.dtype == Float64 && c.dtype == Float64:
		for i := range dst.data {
			if c.data[i] != 0 {
				dst.data[i] = x.data[i]
			} else {
				dst.data[i] = y.data[i]
			}
		}
	case dst.dtype == Float64:
		whereLoop(dst.data, c.data32, x.data, y.data)
	case c.dtype == Float64:
		whereLoop(dst.data32, c.data, x.data32, y.data32)
	default:
		whereLoop(dst.data32, c.data32, x.data32, y.data32)
	}
	return dst
}

// whereLoop sets d[i] = c[i] ≠ 0 ? x[i] : y[i] for slices of one length.
func whereLoop[T, C float](d []T, c []C, x, y []T) {
	c, x, y = c[:len(d)], x[:len(d)], y[:len(d)]
	for i := range d {
		if c[i] != 0 {
			d[i] = x[i]
		} else {
			d[i] = y[i]
		}
	}
}

// AddScaledTo computes dst += alpha·x for tensors of equal length and
// returns dst. For Float32, alpha is rounded to float32 and each element is
// computed in float64 (the product exactly, the sum rounded) and rounded
// to float32: the float64 result on the same values, rounded, so no
// cancellation between dst and alpha·x loses more than that last rounding.
// It panics with ErrShape if the element counts differ and with ErrDType if
// dst and x differ in type.
func AddScaledTo(dst *Tensor, alpha float64, x *Tensor) *Tensor {
	check("tensor.AddScaledTo", "dst", dst)
	check("tensor.AddScaledTo", "x", x)
	if dst.dtype|x.dtype != Float64 {
		sameDType("tensor.AddScaledTo", dst, x)
		if len(dst.data32) != len(x.data32) {
			shapePanic("tensor.AddScaledTo", "element counts differ", dst.shape, x.shape)
		}
		addScaled32(dst.data32, float32(alpha), x.data32)
		return dst
	}
	if len(dst.data) != len(x.data) {
		shapePanic("tensor.AddScaledTo", "element counts differ", dst.shape, x.shape)
	}
	floats.AddScaled(dst.data, alpha, x.data)
	return dst
}
