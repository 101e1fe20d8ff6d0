package tensor

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// This file holds statistics over axes: the variance and standard deviation
// (two-pass, so a large common offset costs no accuracy) and the L2 norm
// (scaled, so large elements do not overflow). Like the reductions, each
// takes a list of axes (none means all; negative axes count from the end)
// and comes in three forms: F drops the reduced axes, FKeepDims keeps them
// as size 1, and FTo writes into a dst whose shape says which.
//
// Each result has x's element type. Float32 inputs accumulate in float64:
// both passes of the variance and the norm's sum of squares run in float64
// on the (exactly widened) elements, and each result is rounded to float32
// once, so it is the float64 result of the same inputs rounded (within
// one float32 ulp; the norm needs no scaling there, see statsNorm32).
// A To form panics with ErrDType if dst's type is not x's.

// Correction is what Variance and Std subtract from the number N of
// elements reduced into each output before dividing the sum of squared
// deviations: the divisor is max(N − c, 0), PyTorch's correction argument.
// Any value may be used; Biased and Unbiased name the usual two.
type Correction int

const (
	// Biased divides by N: the maximum-likelihood (population) variance,
	// NumPy's default (ddof=0).
	Biased Correction = 0
	// Unbiased divides by N − 1 (Bessel's correction): the sample variance,
	// PyTorch's default.
	Unbiased Correction = 1
)

// Variance returns the variance of x over axes (all axes when none are
// given), dropping the reduced axes:
//
//	var = Σ (x − x̄)² / max(N − c, 0)
//
// where x̄ is the mean and N the number of elements reduced into each
// output. It is computed in two passes, the mean first and then the squared
// deviations from it (with the corrected two-pass form of Chan, Golub and
// LeVeque, which also subtracts (Σ (x − x̄))²/N to cancel the mean's
// rounding), so data with a large offset keep their accuracy: the
// unbiased variance of 1e9 + [1 2 3 4] is 1.6666666666666667. As in
// PyTorch, a divisor of 0 (one element with Unbiased, or N ≤ c) gives NaN
// when the deviations are all 0 and +Inf otherwise; zero elements give NaN;
// an Inf or NaN element gives NaN. It panics with ErrShape on an axis out
// of range or given twice.
func Variance(x *Tensor, c Correction, axes ...int) *Tensor {
	p := statsPlanOf("tensor.Variance", x, axes)
	return statsVarianceTo(zerosOf(p.op, x.dtype, p.drop), x, c, p, false)
}

// VarianceKeepDims is Variance keeping the reduced axes as size 1, so the
// result broadcasts against x.
func VarianceKeepDims(x *Tensor, c Correction, axes ...int) *Tensor {
	p := statsPlanOf("tensor.Variance", x, axes)
	return statsVarianceTo(zerosOf(p.op, x.dtype, p.keep), x, c, p, false)
}

// VarianceTo writes Variance(x, c, axes...) into dst and returns dst. dst's
// shape is the reduced one, either with the reduced axes dropped or kept as
// size 1; it decides which. It panics with ErrShape on a bad axis or if
// dst's shape is neither, and with ErrDType if dst's element type is not
// x's (as do StdTo and NormTo).
func VarianceTo(dst, x *Tensor, c Correction, axes ...int) *Tensor {
	p := statsPlanOf("tensor.Variance", x, axes)
	statsCheckDst(dst, x, p)
	return statsVarianceTo(dst, x, c, p, false)
}

// Std returns the standard deviation √Variance(x, c, axes...) over axes
// (all when none), dropping the reduced axes; see Variance for the
// algorithm, the divisor and the edge cases (a NaN variance gives NaN, an
// infinite one +Inf). It panics with ErrShape on a bad axis.
func Std(x *Tensor, c Correction, axes ...int) *Tensor {
	p := statsPlanOf("tensor.Std", x, axes)
	return statsVarianceTo(zerosOf(p.op, x.dtype, p.drop), x, c, p, true)
}

// StdKeepDims is Std keeping the reduced axes as size 1.
func StdKeepDims(x *Tensor, c Correction, axes ...int) *Tensor {
	p := statsPlanOf("tensor.Std", x, axes)
	return statsVarianceTo(zerosOf(p.op, x.dtype, p.keep), x, c, p, true)
}

// StdTo writes Std(x, c, axes...) into dst, whose shape (reduced axes
// dropped or kept as 1) decides which, and returns dst. It panics with
// ErrShape on a bad axis or destination.
func StdTo(dst, x *Tensor, c Correction, axes ...int) *Tensor {
	p := statsPlanOf("tensor.Std", x, axes)
	statsCheckDst(dst, x, p)
	return statsVarianceTo(dst, x, c, p, true)
}

// statsVarianceTo writes the variance (its square root when sqrt is set)
// over p's axes into dst, which has one of p's shapes. It works in buffers
// of its own, so dst may be x when nothing is reduced away (a 0-d x). A
// Float32 x runs the same passes in float64 (statsMoments32) and each
// result is rounded once.
func statsVarianceTo(dst, x *Tensor, c Correction, p statsPlan, sqrt bool) *Tensor {
	buf := make([]float64, 3*p.outN)
	mean, ss, comp := buf[:p.outN], buf[p.outN:2*p.outN], buf[2*p.outN:]
	N := float64(p.n)
	if x.dtype == Float32 {
		statsMoments32(x.data32, p, mean, ss, comp)
	} else {
		statsMoments(x.data, p, mean, ss, comp)
	}
	div := max(N-float64(c), 0)
	for i := range ss {
		v := ss[i] - comp[i]*comp[i]/N
		if v < 0 {
			v = 0 // rounding when all deviations are ~0; NaN passes
		}
		v /= div
		if sqrt {
			v = math.Sqrt(v)
		}
		dst.setAt(i, v)
	}
	return dst
}

// statsMoments sets, for each output i of p, mean[i] to the mean of the
// elements of xd it reduces, then ss[i] to Σ (x − mean)² and comp[i] to
// Σ (x − mean) over them (mean, ss and comp hold zeros on entry).
func statsMoments(xd []float64, p statsPlan, mean, ss, comp []float64) {
	// Pass 1: the sums, then the means.
	eachBroadcast(p.dims, p.ost, nil, func(in, out, _, n, step, _ int) {
		if step == 0 {
			mean[out] += floats.Sum(xd[in : in+n])
			return
		}
		floats.Add(mean[out:out+n], xd[in:in+n])
	})
	N := float64(p.n)
	for i := range mean {
		mean[i] /= N
	}
	// Pass 2: Σ (x − x̄)² and Σ (x − x̄).
	eachBroadcast(p.dims, p.ost, nil, func(in, out, _, n, step, _ int) {
		if step == 0 {
			m, s, e := mean[out], 0.0, 0.0
			for _, v := range xd[in : in+n] {
				d := v - m
				s += d * d
				e += d
			}
			ss[out] += s
			comp[out] += e
			return
		}
		for i, v := range xd[in : in+n] {
			d := v - mean[out+i]
			ss[out+i] += d * d
			comp[out+i] += d
		}
	})
}

// statsMoments32 is statsMoments for float32 elements, each widened
// (exactly) and every sum float64.
func statsMoments32(xd []float32, p statsPlan, mean, ss, comp []float64) {
	eachBroadcast(p.dims, p.ost, nil, func(in, out, _, n, step, _ int) {
		if step == 0 {
			mean[out] += sum32(xd[in : in+n])
			return
		}
		for i, v := range xd[in : in+n] {
			mean[out+i] += float64(v)
		}
	})
	N := float64(p.n)
	for i := range mean {
		mean[i] /= N
	}
	eachBroadcast(p.dims, p.ost, nil, func(in, out, _, n, step, _ int) {
		if step == 0 {
			m, s, e := mean[out], 0.0, 0.0
			for _, v := range xd[in : in+n] {
				d := float64(v) - m
				s += d * d
				e += d
			}
			ss[out] += s
			comp[out] += e
			return
		}
		for i, v := range xd[in : in+n] {
			d := float64(v) - mean[out+i]
			ss[out+i] += d * d
			comp[out+i] += d
		}
	})
}

// Norm returns the L2 (Euclidean) norm √Σ x² of x over axes (all axes when
// none are given), dropping the reduced axes. Over all axes of a matrix it
// is the Frobenius norm ‖A‖_F (not the spectral norm); over one axis it is
// the vector norm of each slice (torch.linalg.vector_norm with ord 2). Each
// output is computed as m·√Σ (x/m)², m the largest |x| it reduces (as BLAS
// dnrm2 and math.Hypot scale), so elements of 1e200 do not overflow, nor
// tiny ones underflow: the norm of [3e200 4e200] is 5e200, where the
// unscaled Σ x² overflows to +Inf. Zero elements, or all zeros, give 0;
// an infinite element gives +Inf; a NaN gives NaN. It panics with ErrShape
// on an axis out of range or given twice.
func Norm(x *Tensor, axes ...int) *Tensor {
	p := statsPlanOf("tensor.Norm", x, axes)
	return statsNormTo(zerosOf(p.op, x.dtype, p.drop), x, p)
}

// NormKeepDims is Norm keeping the reduced axes as size 1.
func NormKeepDims(x *Tensor, axes ...int) *Tensor {
	p := statsPlanOf("tensor.Norm", x, axes)
	return statsNormTo(zerosOf(p.op, x.dtype, p.keep), x, p)
}

// NormTo writes Norm(x, axes...) into dst, whose shape (reduced axes
// dropped or kept as 1) decides which, and returns dst. It panics with
// ErrShape on a bad axis or destination.
func NormTo(dst, x *Tensor, axes ...int) *Tensor {
	p := statsPlanOf("tensor.Norm", x, axes)
	statsCheckDst(dst, x, p)
	return statsNormTo(dst, x, p)
}

// statsNormTo writes the scaled L2 norm over p's axes into dst: pass 1
// finds each output's scale m = max |x| (NaN if any element is NaN), pass 2
// sums (x/m)² where m is finite and non-zero; elsewhere m is the answer.
// A Float32 x needs no scaling (statsNorm32).
func statsNormTo(dst, x *Tensor, p statsPlan) *Tensor {
	if x.dtype == Float32 {
		return statsNorm32(dst, x, p)
	}
	xd := x.Data()
	buf := make([]float64, 2*p.outN)
	scale, ssq := buf[:p.outN], buf[p.outN:]
	eachBroadcast(p.dims, p.ost, nil, func(in, out, _, n, step, _ int) {
		for i, v := range xd[in : in+n] {
			j := out + i*step
			if a := math.Abs(v); a > scale[j] || a != a {
				scale[j] = a
			}
		}
	})
	usable := func(m float64) bool { return m > 0 && m <= math.MaxFloat64 } // finite, non-zero, not NaN
	eachBroadcast(p.dims, p.ost, nil, func(in, out, _, n, step, _ int) {
		if step == 0 {
			m := scale[out]
			if !usable(m) {
				return
			}
			s := 0.0
			for _, v := range xd[in : in+n] {
				r := v / m
				s += r * r
			}
			ssq[out] += s
			return
		}
		for i, v := range xd[in : in+n] {
			if m := scale[out+i]; usable(m) {
				r := v / m
				ssq[out+i] += r * r
			}
		}
	})
	d := dst.Data()
	for i, m := range scale {
		if usable(m) {
			d[i] = m * math.Sqrt(ssq[i])
		} else {
			d[i] = m
		}
	}
	return dst
}

// statsPlan describes a reduction of a shape over a set of axes. Adjacent
// axes of the same kind (reduced or kept) are merged, so a reduction walks
// as few, as long, rows as the layout allows. The kernels walk x with
// eachBroadcast(dims, ost, nil, f): f(in, out, _, n, step, _) gets each row
// of x along the last merged axis, n elements from offset in, in x's
// row-major order, which reduce into outputs out, out+step, … (step is 0
// when the row is reduced, 1 when it is kept).
type statsPlan struct {
	op   string
	keep []int // the result's shape with the reduced axes as 1
	drop []int // the result's shape without the reduced axes
	dims []int // x's shape with adjacent axes of one kind merged
	ost  []int // the output stride of each merged axis: 0 where it is reduced
	n    int   // elements reduced into each output
	outN int   // number of outputs
}

// statsPlanOf plans the reduction of x's shape over axes (all when none;
// negative count from the end), panicking with ErrShape naming op on an
// axis out of range or given twice, and with ErrArg if x is nil or a zero
// value. A 0-d shape accepts axis 0 or −1, as in PyTorch (shapes.MarkAxes).
func statsPlanOf(op string, x *Tensor, axes []int) statsPlan {
	check(op, "x", x)
	shape := x.shape
	var rb [8]bool
	red := shapes.MarkAxes(rb[:0], op, shape, axes)
	p := statsPlan{op: op, keep: []int{}, drop: []int{}, n: 1, outN: 1}
	var merged []bool // whether dims[i] is reduced
	for i, d := range shape {
		if red[i] {
			p.keep = append(p.keep, 1)
			p.n *= d
		} else {
			p.keep = append(p.keep, d)
			p.drop = append(p.drop, d)
			p.outN *= d
		}
		if k := len(p.dims) - 1; k >= 0 && merged[k] == red[i] {
			p.dims[k] *= d
			continue
		}
		p.dims = append(p.dims, d)
		merged = append(merged, red[i])
	}
	p.ost = make([]int, len(p.dims))
	stride := 1
	for i := len(p.dims) - 1; i >= 0; i-- {
		if !merged[i] {
			p.ost[i] = stride
			stride *= p.dims[i]
		}
	}
	return p
}

// statsCheckDst panics with ErrShape if dst has neither of p's result
// shapes (reduced axes kept as 1 or dropped), and with ErrDType if its
// element type is not x's.
func statsCheckDst(dst, x *Tensor, p statsPlan) {
	check(p.op, "dst", dst)
	sameDType(p.op, dst, x)
	s := dst.shape
	if !slices.Equal(s, p.keep) && !slices.Equal(s, p.drop) {
		shapePanic(p.op, fmt.Sprintf("destination has shape %v, want %v or %v", s, p.drop, p.keep),
			s, p.drop, p.keep)
	}
}

// statsNorm32 is statsNormTo for a Float32 x: √Σ x² in one pass, each x
// widened to float64, where its square is exact and neither overflows nor
// underflows (float32's range squared, 2⁻²⁹⁸ to 2²⁵⁶, lies within
// float64's normal numbers), so the scaling by max |x| is not needed; an
// infinite element gives +Inf, a NaN NaN. Each result is rounded once.
func statsNorm32(dst, x *Tensor, p statsPlan) *Tensor {
	buf := getF64(p.outN)
	ssq := *buf
	clear(ssq)
	xd := x.data32
	eachBroadcast(p.dims, p.ost, nil, func(in, out, _, n, step, _ int) {
		if step == 0 {
			s := 0.0
			for _, v := range xd[in : in+n] {
				s += float64(v) * float64(v)
			}
			ssq[out] += s
			return
		}
		for i, v := range xd[in : in+n] {
			ssq[out+i] += float64(v) * float64(v)
		}
	})
	for i, s := range ssq {
		dst.data32[i] = float32(math.Sqrt(s))
	}
	putF64(buf)
	return dst
}
