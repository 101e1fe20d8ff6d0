package tensor

import (
	"math"
	"sync/atomic"
)

// The float32 side of the reductions: float64 accumulators and the one
// spare buffer that keeps them from allocating.

// fold32 folds the Float32 x into the float64 accumulators acc, one per
// element of kshape (x's shape with the reduced axes as 1, checked),
// starting from init and combining with f in the order reduceTo folds a
// Float64 x. It is the one float32 reduction kernel: the float64
// accumulation makes a sum's rounding error at most about 2⁻⁵³·n·Σ|x|, far
// below the final rounding to float32 unless the sum cancels.
func fold32(acc []float64, x *Tensor, kshape []int, init float64, f func(acc, v float64) float64) {
	var sb [8]int
	for i := range acc {
		acc[i] = init
	}
	if len(acc) == 1 {
		a := init
		for _, v := range x.data32 {
			a = f(a, float64(v))
		}
		acc[0] = a
	} else if len(x.data32) > 0 {
		eachBroadcast(x.shape, bstridesInto(sb[:0], kshape, x.shape), nil, func(o, id, _, n, sd, _ int) {
			src := x.data32[o : o+n]
			if sd == 0 {
				a := acc[id]
				for _, v := range src {
					a = f(a, float64(v))
				}
				acc[id] = a
				return
			}
			d := acc[id : id+n]
			for k, v := range src {
				d[k] = f(d[k], float64(v))
			}
		})
	}
}

// spareF64 holds one spare buffer for the float64 accumulators of the
// float32 reductions, scans and softmax (getF64, putF64), so that they
// allocate no more than their float64 forms: a steady-state float32
// training step allocates nothing. One slot suffices, as no caller nests
// them; a caller that finds it empty (another goroutine holds the buffer)
// allocates. Unlike a sync.Pool it is deterministic, also under the race
// detector; buffers above maxSpareF64 elements are not kept.
var spareF64 atomic.Pointer[[]float64]

// maxSpareF64 is the largest buffer spareF64 keeps: 512 KiB.
const maxSpareF64 = 1 << 16

// getF64 returns a buffer of n float64s (of any content); give it back
// with putF64.
func getF64(n int) *[]float64 {
	p := spareF64.Swap(nil)
	if p == nil {
		p = new([]float64)
	}
	if cap(*p) < n {
		*p = make([]float64, n)
	}
	*p = (*p)[:n]
	return p
}

// putF64 gives back a buffer of getF64.
func putF64(p *[]float64) {
	if cap(*p) <= maxSpareF64 {
		spareF64.Store(p)
	}
}

// sum32 is Σ x in float64 for float32 elements, in four interleaved
// partial sums (as gonum's floats.Sum), so the additions pipeline.
func sum32(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// widen returns a Float64 tensor holding x's elements (x itself if it is
// Float64): the float32 paths that are not hot reuse the float64 kernels on
// it and round their result once (round32To).
func widen(x *Tensor) *Tensor {
	if x.dtype == Float64 {
		return x
	}
	return &Tensor{shape: x.shape, data: x.Float64s()}
}

// round32To writes the Float64 y's elements, rounded, into the Float32 dst
// (same element count) and returns dst.
func round32To(dst, y *Tensor) *Tensor {
	for i, v := range y.data {
		dst.data32[i] = float32(v)
	}
	return dst
}

// logSumExpRow32 is logSumExpRow for a float32 row, computed in float64
// (the caller rounds once).
func logSumExpRow32(v []float32) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = maxNaN(m, float64(x))
	}
	if math.IsInf(m, 0) {
		m = 0
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(float64(x) - m)
	}
	return m + math.Log(s)
}

// argMax32 is ArgMax's loop for float32 (see ArgMax): the same
// comparisons, exact in float32.
func argMax32(dst, x []float32, outer, n, inner int) {
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			best, bi := float32(math.Inf(-1)), 0
			for k := 0; k < n; k++ {
				v := x[(o*n+k)*inner+in]
				if v != v {
					bi = k
					break
				}
				if v > best {
					best, bi = v, k
				}
			}
			dst[o*inner+in] = float32(bi)
		}
	}
}
