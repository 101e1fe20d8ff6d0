package tensor

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// reduceTo folds x over axes into dst (whose element count is the reduced
// one: either the keep-dims or the dropped shape), starting from init and
// combining with f. A Float32 x folds into float64 accumulators (acc32),
// rounded to dst once at the end.
func reduceTo(op string, dst, x *Tensor, axes []int, init float64, f func(acc, v float64) float64) *Tensor {
	check(op, "dst", dst)
	check(op, "x", x)
	sameDType(op, dst, x)
	var kb, sb [8]int
	kshape := shapes.ReduceShapeInto(kb[:0], op, x.shape, true, axes...)
	if n := numel(kshape); dst.Len() != n {
		dstPanic(op, dst.shape, kshape)
	}
	if x.dtype == Float32 {
		acc := getF64(len(dst.data32))
		fold32(*acc, x, kshape, init, f)
		for i, v := range *acc {
			dst.data32[i] = float32(v)
		}
		putF64(acc)
		return dst
	}
	for i := range dst.data {
		dst.data[i] = init
	}
	if len(dst.data) == 1 {
		acc := init
		for _, v := range x.data {
			acc = f(acc, v)
		}
		dst.data[0] = acc
	} else if len(x.data) > 0 {
		eachBroadcast(x.shape, bstridesInto(sb[:0], kshape, x.shape), nil, func(o, id, _, n, sd, _ int) {
			src := x.data[o : o+n]
			if sd == 0 {
				acc := dst.data[id]
				for _, v := range src {
					acc = f(acc, v)
				}
				dst.data[id] = acc
				return
			}
			d := dst.data[id : id+n]
			for k, v := range src {
				d[k] = f(d[k], v)
			}
		})
	}
	return dst
}

// reduce allocates the result of reduceTo with the requested shape and x's
// element type.
func reduce(op string, x *Tensor, keepDims bool, axes []int, init float64, f func(acc, v float64) float64) *Tensor {
	check(op, "x", x)
	dst := zerosOf(op, x.dtype, shapes.ReduceShape(op, x.shape, keepDims, axes...))
	return reduceTo(op, dst, x, axes, init, f)
}

func add(a, v float64) float64 { return a + v }

// Sum returns the sum of x over axes (all axes when none are given;
// negative axes count from the end), dropping the reduced axes: for x of
// shape (2, 3, 4), Sum(x, 1) has shape (2, 4) and Sum(x) is 0-d. The result
// has x's element type. Float32 inputs accumulate in float64 and round
// once at the end (as in every reduction and statistic of this package):
// the float64 sum's error, at most n·2⁻⁵³·Σ|x| for n elements, stays below
// the final rounding unless the sum cancels heavily (Σ|x| / |Σx| beyond
// 2²⁹/n), so the result is nearly always the exact sum correctly rounded:
// more accurate than PyTorch's float32 pairwise sums (testdata/torch_f32.py).
// It panics with ErrShape on an axis out of range or given twice, and with
// ErrArg if x is nil or a zero-value Tensor (as do all reductions).
func Sum(x *Tensor, axes ...int) *Tensor { return sum("tensor.Sum", x, false, axes) }

// SumKeepDims is Sum keeping the reduced axes as size 1, so the result
// broadcasts against x: for x of shape (2, 3, 4), SumKeepDims(x, 1) has
// shape (2, 1, 4). It panics like Sum.
func SumKeepDims(x *Tensor, axes ...int) *Tensor { return sum("tensor.Sum", x, true, axes) }

// sum is Sum naming op in its panics.
func sum(op string, x *Tensor, keepDims bool, axes []int) *Tensor {
	check(op, "x", x)
	if len(axes) == 0 && !keepDims {
		if x.dtype == Float32 {
			return Float32.Scalar(sum32(x.data32))
		}
		return Scalar(floats.Sum(x.data))
	}
	return reduce(op, x, keepDims, axes, 0, add)
}

// SumAxesTo writes the sum of x over axes (all when none) into dst, whose
// shape is the reduced one with or without kept axes, and returns dst.
// It panics with ErrShape on a bad axis or destination, and with ErrDType
// if dst and x differ in element type (as do all the To forms below).
func SumAxesTo(dst, x *Tensor, axes ...int) *Tensor {
	check("tensor.Sum", "dst", dst)
	check("tensor.Sum", "x", x)
	sameDType("tensor.Sum", dst, x)
	if len(dst.data32) == 1 && (len(axes) == 0 || len(x.data32) == 1) {
		var kb [8]int
		shapes.ReduceShapeInto(kb[:0], "tensor.Sum", x.shape, true, axes...) // checks the axes
		dst.data32[0] = float32(sum32(x.data32))
		return dst
	}
	if len(dst.data) == 1 && (len(axes) == 0 || len(x.data) == 1) {
		var kb [8]int
		shapes.ReduceShapeInto(kb[:0], "tensor.Sum", x.shape, true, axes...) // checks the axes
		dst.data[0] = floats.Sum(x.data)
		return dst
	}
	return reduceTo("tensor.Sum", dst, x, axes, 0, add)
}

// MaxAxesTo writes the maximum of x over axes into dst (see SumAxesTo).
func MaxAxesTo(dst, x *Tensor, axes ...int) *Tensor {
	return reduceTo("tensor.Max", dst, x, axes, math.Inf(-1), maxNaN)
}

// MinAxesTo writes the minimum of x over axes into dst (see SumAxesTo).
func MinAxesTo(dst, x *Tensor, axes ...int) *Tensor {
	return reduceTo("tensor.Min", dst, x, axes, math.Inf(1), minNaN)
}

// LogSumExpAxesTo writes log Σ exp(x) over axes into dst (see SumAxesTo),
// computed stably. Reducing the last axis alone works row by row without
// allocating.
func LogSumExpAxesTo(dst, x *Tensor, axes ...int) *Tensor {
	check("tensor.LogSumExp", "dst", dst)
	check("tensor.LogSumExp", "x", x)
	sameDType("tensor.LogSumExp", dst, x)
	r := len(x.shape)
	if r > 0 && len(axes) == 1 && (axes[0] == r-1 || axes[0] == -1) {
		n := x.shape[r-1]
		rows := x.Len() / max(n, 1)
		if dst.Len() != rows || n == 0 {
			var kb [8]int
			dstPanic("tensor.LogSumExp", dst.shape, shapes.ReduceShapeInto(kb[:0], "tensor.LogSumExp", x.shape, true, axes...))
		}
		if x.dtype == Float32 {
			for i := range rows {
				dst.data32[i] = float32(logSumExpRow32(x.data32[i*n : (i+1)*n]))
			}
			return dst
		}
		for i := range rows {
			dst.data[i] = logSumExpRow(x.data[i*n : (i+1)*n])
		}
		return dst
	}
	l := LogSumExpKeepDims(x, axes...)
	if l.Len() != dst.Len() {
		dstPanic("tensor.LogSumExp", dst.shape, l.shape)
	}
	copy(dst.data, l.data)
	copy(dst.data32, l.data32)
	return dst
}

// logSumExpRow is log Σ exp(v) for one contiguous row, shifted by its max.
func logSumExpRow(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = maxNaN(m, x)
	}
	if math.IsInf(m, 0) {
		m = 0
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}

// Mean returns the mean of x over axes (all axes when none are given),
// dropping the reduced axes (see Sum): Σx / count, where count is the
// number of elements reduced into each result. The mean over zero elements
// is NaN. Float32 inputs accumulate in float64: the float64 sum is divided
// by count and rounded once. It panics with ErrShape on a bad axis.
func Mean(x *Tensor, axes ...int) *Tensor { return mean("tensor.Mean", x, false, axes) }

// MeanKeepDims is Mean keeping the reduced axes as size 1 (see SumKeepDims).
func MeanKeepDims(x *Tensor, axes ...int) *Tensor { return mean("tensor.Mean", x, true, axes) }

func mean(op string, x *Tensor, keepDims bool, axes []int) *Tensor {
	check(op, "x", x)
	if x.dtype == Float32 {
		var kb [8]int
		kshape := shapes.ReduceShapeInto(kb[:0], op, x.shape, true, axes...)
		dst := zerosOf(op, Float32, shapes.ReduceShape(op, x.shape, keepDims, axes...))
		acc := getF64(len(dst.data32))
		fold32(*acc, x, kshape, 0, add)
		n := len(x.data32)
		if len(*acc) > 0 {
			n /= len(*acc)
		}
		for i, v := range *acc {
			dst.data32[i] = float32(v / float64(n))
		}
		putF64(acc)
		return dst
	}
	s := sum(op, x, keepDims, axes)
	n := len(x.data)
	if len(s.data) > 0 {
		n /= len(s.data)
	}
	for i := range s.data {
		s.data[i] /= float64(n)
	}
	return s
}

// Max returns the maximum of x over axes (all axes when none are given),
// dropping the reduced axes (see Sum); NaN propagates. The maximum over
// zero elements is −Inf. The result has x's type and, being one of its
// elements, is exact in either type. It panics with ErrShape on a bad axis.
func Max(x *Tensor, axes ...int) *Tensor {
	return reduce("tensor.Max", x, false, axes, math.Inf(-1), maxNaN)
}

// MaxKeepDims is Max keeping the reduced axes as size 1 (see SumKeepDims).
func MaxKeepDims(x *Tensor, axes ...int) *Tensor {
	return reduce("tensor.Max", x, true, axes, math.Inf(-1), maxNaN)
}

// Min returns the minimum of x over axes (all axes when none are given),
// dropping the reduced axes (see Sum); NaN propagates. The minimum over
// zero elements is +Inf; the result is exact, as Max's. It panics with
// ErrShape on a bad axis.
func Min(x *Tensor, axes ...int) *Tensor {
	return reduce("tensor.Min", x, false, axes, math.Inf(1), minNaN)
}

// MinKeepDims is Min keeping the reduced axes as size 1 (see SumKeepDims).
func MinKeepDims(x *Tensor, axes ...int) *Tensor {
	return reduce("tensor.Min", x, true, axes, math.Inf(1), minNaN)
}

// LogSumExp returns log Σ exp(x) over axes (all axes when none are given),
// dropping the reduced axes (see Sum), computed stably as
// m + log Σ exp(x − m) with m the maximum, so logits of ±1000 give finite
// results. Where every element is −Inf the result is −Inf. Float32 inputs
// are computed in float64 (maximum, sum of exps and logarithm) and the
// result is rounded once to float32. It panics with ErrShape on a bad axis.
func LogSumExp(x *Tensor, axes ...int) *Tensor { return logSumExp(x, false, axes) }

// LogSumExpKeepDims is LogSumExp keeping the reduced axes as size 1 (see
// SumKeepDims).
func LogSumExpKeepDims(x *Tensor, axes ...int) *Tensor { return logSumExp(x, true, axes) }

func logSumExp(x *Tensor, keepDims bool, axes []int) *Tensor {
	check("tensor.LogSumExp", "x", x)
	if x.dtype == Float32 {
		r := len(x.shape)
		if r > 0 && len(axes) == 1 && (axes[0] == r-1 || axes[0] == -1) && x.shape[r-1] > 0 {
			out := shapes.ReduceShape("tensor.LogSumExp", x.shape, keepDims, axes...)
			return LogSumExpAxesTo(zerosOf("tensor.LogSumExp", Float32, out), x, axes...) // row by row
		}
		l := logSumExp(widen(x), keepDims, axes)
		return round32To(zerosOf("tensor.LogSumExp", Float32, l.shape), l)
	}
	out := shapes.ReduceShape("tensor.LogSumExp", x.shape, keepDims, axes...) // checks the axes
	m := MaxKeepDims(x, axes...)
	for i, v := range m.data {
		if math.IsInf(v, 0) {
			m.data[i] = 0 // all −Inf (or a +Inf): shift by 0, the sum decides
		}
	}
	e := SubTo(like("tensor.LogSumExp", x), x, m)
	MapTo(e, e, math.Exp)
	s := SumKeepDims(e, axes...)
	for i := range s.data {
		s.data[i] = m.data[i] + math.Log(s.data[i])
	}
	s.shape = out
	return s
}

// ArgMax returns the index of the largest element along axis as a tensor of
// x's shape without that axis and x's element type (indices stored as
// floats, exact in float64 and, for Float32, along axes of up to 2²⁴
// elements; the first index wins ties). The comparison is exact in either
// type. A NaN counts as the largest, as in Max and NumPy's argmax: the
// first NaN's index is returned. It panics with ErrShape on a bad axis or an
// empty axis.
func ArgMax(x *Tensor, axis int) *Tensor {
	const op = "tensor.ArgMax"
	check(op, "x", x)
	axis = normAxis(op, axis, len(x.shape), x.shape)
	n := x.shape[axis]
	if n == 0 {
		shapePanic(op, "empty axis", x.shape)
	}
	inner := numel(x.shape[axis+1:])
	outer := numel(x.shape[:axis])
	out := slices.Delete(slices.Clone(x.shape), axis, axis+1)
	dst := zerosOf(op, x.dtype, out)
	if x.dtype == Float32 {
		argMax32(dst.data32, x.data32, outer, n, inner)
		return dst
	}
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			best, bi := math.Inf(-1), 0
			for k := 0; k < n; k++ {
				v := x.data[(o*n+k)*inner+in]
				if v != v {
					bi = k
					break
				}
				if v > best {
					best, bi = v, k
				}
			}
			dst.data[o*inner+in] = float64(bi)
		}
	}
	return dst
}
