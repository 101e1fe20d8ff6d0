package tensor

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"

	"github.com/tapegrad/tapegrad/internal/shapes"
)

// reduceTo folds x over axes into dst (whose element count is the reduced
// one: either the keep-dims or the dropped shape), starting from init and
// combining with f.
func reduceTo(op string, dst, x *Tensor, axes []int, init float64, f func(acc, v float64) float64) *Tensor {
	check(op, "dst", dst)
	check(op, "x", x)
	var kb, sb [8]int
	kshape := shapes.ReduceShapeInto(kb[:0], op, x.shape, true, axes...)
	if n := numel(kshape); len(dst.data) != n {
		dstPanic(op, dst.shape, kshape)
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

// reduce allocates the result of reduceTo with the requested shape.
func reduce(op string, x *Tensor, keepDims bool, axes []int, init float64, f func(acc, v float64) float64) *Tensor {
	check(op, "x", x)
	dst := zeros(op, shapes.ReduceShape(op, x.shape, keepDims, axes...))
	return reduceTo(op, dst, x, axes, init, f)
}

func add(a, v float64) float64 { return a + v }

// Sum returns the sum of x over axes (all axes when none are given;
// negative axes count from the end), dropping the reduced axes: for x of
// shape (2, 3, 4), Sum(x, 1) has shape (2, 4) and Sum(x) is 0-d.
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
		return Scalar(floats.Sum(x.data))
	}
	return reduce(op, x, keepDims, axes, 0, add)
}

// SumAxesTo writes the sum of x over axes (all when none) into dst, whose
// shape is the reduced one with or without kept axes, and returns dst.
// It panics with ErrShape on a bad axis or destination.
func SumAxesTo(dst, x *Tensor, axes ...int) *Tensor {
	check("tensor.Sum", "dst", dst)
	check("tensor.Sum", "x", x)
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
	r := len(x.shape)
	if r > 0 && len(axes) == 1 && (axes[0] == r-1 || axes[0] == -1) {
		n := x.shape[r-1]
		rows := len(x.data) / max(n, 1)
		if len(dst.data) != rows || n == 0 {
			var kb [8]int
			dstPanic("tensor.LogSumExp", dst.shape, shapes.ReduceShapeInto(kb[:0], "tensor.LogSumExp", x.shape, true, axes...))
		}
		for i := range rows {
			dst.data[i] = logSumExpRow(x.data[i*n : (i+1)*n])
		}
		return dst
	}
	l := LogSumExpKeepDims(x, axes...)
	if len(l.data) != len(dst.data) {
		dstPanic("tensor.LogSumExp", dst.shape, l.shape)
	}
	copy(dst.data, l.data)
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
// is NaN. It panics with ErrShape on a bad axis.
func Mean(x *Tensor, axes ...int) *Tensor { return mean("tensor.Mean", x, false, axes) }

// MeanKeepDims is Mean keeping the reduced axes as size 1 (see SumKeepDims).
func MeanKeepDims(x *Tensor, axes ...int) *Tensor { return mean("tensor.Mean", x, true, axes) }

func mean(op string, x *Tensor, keepDims bool, axes []int) *Tensor {
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
// zero elements is −Inf. It panics with ErrShape on a bad axis.
func Max(x *Tensor, axes ...int) *Tensor {
	return reduce("tensor.Max", x, false, axes, math.Inf(-1), maxNaN)
}

// MaxKeepDims is Max keeping the reduced axes as size 1 (see SumKeepDims).
func MaxKeepDims(x *Tensor, axes ...int) *Tensor {
	return reduce("tensor.Max", x, true, axes, math.Inf(-1), maxNaN)
}

// Min returns the minimum of x over axes (all axes when none are given),
// dropping the reduced axes (see Sum); NaN propagates. The minimum over
// zero elements is +Inf. It panics with ErrShape on a bad axis.
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
// results. Where every element is −Inf the result is −Inf.
// It panics with ErrShape on a bad axis.
func LogSumExp(x *Tensor, axes ...int) *Tensor { return logSumExp(x, false, axes) }

// LogSumExpKeepDims is LogSumExp keeping the reduced axes as size 1 (see
// SumKeepDims).
func LogSumExpKeepDims(x *Tensor, axes ...int) *Tensor { return logSumExp(x, true, axes) }

func logSumExp(x *Tensor, keepDims bool, axes []int) *Tensor {
	check("tensor.LogSumExp", "x", x)
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
// x's shape without that axis (indices stored as float64; the first index
// wins ties). A NaN counts as the largest, as in Max and NumPy's argmax: the
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
	dst := zeros(op, out)
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
