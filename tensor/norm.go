package tensor

import (
	"fmt"
	"math"
)

// Layer normalisation kernels (PyTorch's native_layer_norm and its
// backward). x is seen as m rows of n elements, n the product of the
// normalised trailing dimensions; each row is normalised by its own mean μ
// and biased variance σ² (both accumulated in float64, for float32 data
// too), then scaled by w and shifted by b (n elements each, nil for none):
//
//	x̂ = (x − μ) / √(σ² + ε),   y = x̂ ⊙ w + b.

// LayerNormTo writes into dst (x's shape and type) the layer normalisation
// of x over its last dimensions holding n elements per row, with gain w and
// bias b (nil for none, otherwise n elements of x's type), and returns dst.
// If stats is not nil, a float64 tensor of 2·rows elements, it receives
// each row's μ and 1/√(σ² + ε), which LayerNormBackwardTo can reuse.
// It panics with ErrArg if x or dst is nil or a zero value, with ErrShape
// if n does not divide x's length or w, b, dst or stats have the wrong
// length, and with ErrDType if the types differ.
func LayerNormTo(dst, stats, x, w, b *Tensor, n int, eps float64) *Tensor {
	const op = "tensor.LayerNormTo"
	checkLayerNorm(op, x, n, dst, false, w, b)
	st := checkStats(op, x, n, stats)
	if x.DType() == Float32 {
		layerNormRows(dst.Data32(), st, x.Data32(), data32(w), data32(b), n, eps)
	} else {
		layerNormRows(dst.Data(), st, x.Data(), data64(w), data64(b), n, eps)
	}
	return dst
}

// checkStats returns the data of stats (nil for none), panicking unless
// it is a float64 tensor of two elements per row of x.
func checkStats(op string, x *Tensor, n int, stats *Tensor) []float64 {
	if stats == nil {
		return nil
	}
	check(op, "stats", stats)
	if stats.DType() != Float64 || stats.Len() != 2*(x.Len()/n) {
		shapePanic(op, "statistics must be float64, two per row", x.Shape(), stats.Shape())
	}
	return stats.Data()
}

// LayerNormBackwardTo computes the gradients of y = LayerNorm(x; w, b)
// given g = ∂L/∂y, with each row's μ and 1/√(σ² + ε) from stats (as
// LayerNormTo wrote them) or, for nil stats, recomputed from x:
//
//	∂x = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)) / √(σ² + ε),  ĝ = g ⊙ w (g without w),
//	∂w = Σ_rows g ⊙ x̂,   ∂b = Σ_rows g.
//
// dx (x's shape), dw and db (n elements) may each be nil to skip that
// gradient; dw and db are overwritten, not accumulated. It panics as
// LayerNormTo does (with ErrArg for a nil x or g).
func LayerNormBackwardTo(dx, dw, db, x, w, g, stats *Tensor, n int, eps float64) {
	const op = "tensor.LayerNormBackwardTo"
	checkLayerNorm(op, x, n, g, false, w, nil)
	checkLayerNorm(op, x, n, dx, true, dw, db)
	st := checkStats(op, x, n, stats)
	if x.DType() == Float32 {
		layerNormBackRows(data32(dx), data32(dw), data32(db), x.Data32(), data32(w), g.Data32(), st, n, eps)
	} else {
		layerNormBackRows(data64(dx), data64(dw), data64(db), x.Data(), data64(w), g.Data(), st, n, eps)
	}
}

// checkLayerNorm panics unless x is a tensor whose length n divides
// (n > 0), like is x's shape and type (or nil when likeOptional) and w, b
// are n elements of x's type (or nil). Nil or zero-value required tensors
// panic with ErrArg.
func checkLayerNorm(op string, x *Tensor, n int, like *Tensor, likeOptional bool, w, b *Tensor) {
	check(op, "x", x)
	if like != nil || !likeOptional {
		check(op, "dst or g", like)
		if like.Len() != x.Len() {
			shapePanic(op, "shapes differ", x.Shape(), like.Shape())
		}
		if like.DType() != x.DType() {
			dtypePanic(op, fmt.Sprintf("%v and %v operands", x.DType(), like.DType()), x.Shape(), like.Shape())
		}
	}
	if n <= 0 || x.Len()%n != 0 {
		shapePanic(op, fmt.Sprintf("%d elements per row do not divide the input", n), x.Shape())
	}
	for _, p := range [2]*Tensor{w, b} {
		if p == nil {
			continue
		}
		check(op, "gain or bias", p)
		if p.Len() != n {
			shapePanic(op, fmt.Sprintf("gain and bias need %d elements", n), x.Shape(), p.Shape())
		}
		if p.DType() != x.DType() {
			dtypePanic(op, fmt.Sprintf("%v and %v operands", x.DType(), p.DType()), x.Shape(), p.Shape())
		}
	}
}

func data64(t *Tensor) []float64 {
	if t == nil {
		return nil
	}
	return t.Data()
}

func data32(t *Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Data32()
}

// rowStats returns the mean and 1/√(σ² + ε) of row in one pass, in
// float64: the sums of d = v − K and d² with K = row[0], four partial sums
// each, then σ² = (Σd² − (Σd)²/n) / n. The shift makes this accurate:
// (K − μ)² ≤ Σ(v − μ)² = n·σ² for any element K of the row, so the
// cancellation loses at most a factor n of precision (1e-14 relative for
// rows of 64).
func rowStats[T float32 | float64](row []T, eps float64) (mean, rstd float64) {
	if len(row) == 0 {
		return 0, 1 / math.Sqrt(eps)
	}
	sh := float64(row[0])
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(row); i += 4 {
		r := row[i : i+4 : i+4]
		d0, d1, d2, d3 := float64(r[0])-sh, float64(r[1])-sh, float64(r[2])-sh, float64(r[3])-sh
		s0, s1, s2, s3 = s0+d0, s1+d1, s2+d2, s3+d3
		q0, q1, q2, q3 = q0+d0*d0, q1+d1*d1, q2+d2*d2, q3+d3*d3
	}
	for ; i < len(row); i++ {
		d := float64(row[i]) - sh
		s0 += d
		q0 += d * d
	}
	n := float64(len(row))
	s, q := s0+s1+s2+s3, q0+q1+q2+q3
	v := max((q-s*s/n)/n, 0)
	return sh + s/n, 1 / math.Sqrt(v+eps)
}

// layerNormRows is LayerNormTo's loop over rows of n elements.
func layerNormRows[T float32 | float64](dst []T, stats []float64, x, w, b []T, n int, eps float64) {
	dst = dst[:len(x)]
	for r := 0; r < len(x); r += n {
		row, out := x[r:r+n], dst[r:r+n]
		mean, rstd := rowStats(row, eps)
		if stats != nil {
			stats[2*(r/n)], stats[2*(r/n)+1] = mean, rstd
		}
		// x̂ = (v − μ)·r = r·v + k, in the element type (the statistics
		// were accumulated in float64)
		r, k := T(rstd), T(-mean*rstd)
		switch {
		case w != nil && b != nil:
			w, b := w[:n], b[:n]
			for i, v := range row {
				out[i] = (r*v+k)*w[i] + b[i]
			}
		case w != nil:
			w := w[:n]
			for i, v := range row {
				out[i] = (r*v + k) * w[i]
			}
		case b != nil:
			b := b[:n]
			for i, v := range row {
				out[i] = r*v + k + b[i]
			}
		default:
			for i, v := range row {
				out[i] = r*v + k
			}
		}
	}
}

// layerNormBackRows is LayerNormBackwardTo's loop over rows of n
// elements: one pass for ∂w, ∂b and the two means, one for ∂x. The row
// statistics are float64; ∂w and ∂b are summed over rows in the element
// type (a float64 scratch would cost an allocation per call).
func layerNormBackRows[T float32 | float64](dx, dw, db, x, w, g []T, stats []float64, n int, eps float64) {
	clear(dw)
	clear(db)
	if dw != nil {
		dw = dw[:n]
	}
	if db != nil {
		db = db[:n]
	}
	if w != nil {
		w = w[:n]
	}
	for r := 0; r < len(x); r += n {
		row, gr := x[r:r+n:r+n], g[r:r+n:r+n]
		var mean, rstd float64
		if stats != nil {
			mean, rstd = stats[2*(r/n)], stats[2*(r/n)+1]
		} else {
			mean, rstd = rowStats(row, eps)
		}
		k := -mean * rstd // x̂ = r·v + k
		// a = Σ ĝ, c = Σ ĝ ⊙ x̂ (ĝ = g ⊙ w); ∂w += g ⊙ x̂, ∂b += g
		var a, c float64
		if dw != nil && db != nil {
			a, c = backSumsAffine(dw, db, row, gr, w, rstd, k)
		} else {
			if dw != nil || db != nil {
				backAffine(dw, db, row, gr, rstd, k)
			}
			a, c = backSums(row, gr, w, rstd, k)
		}
		if dx == nil {
			continue
		}
		// ∂x = r·(ĝ − a/n − x̂·c/n) = r·ĝ + k1·v + k0
		a /= float64(n)
		c /= float64(n)
		k1 := -rstd * rstd * c
		k0 := -rstd*a - mean*k1
		out := dx[r : r+n : r+n]
		out, gr = out[:len(row)], gr[:len(row)]
		rt, k1t, k0t := T(rstd), T(k1), T(k0)
		if w != nil {
			w := w[:len(row)]
			for i, v := range row {
				out[i] = rt*gr[i]*w[i] + k1t*v + k0t
			}
		} else {
			for i, v := range row {
				out[i] = rt*gr[i] + k1t*v + k0t
			}
		}
	}
}

// backAffine adds a row's g ⊙ x̂ to dw and g to db (either nil to skip),
// x̂ = r·v + k, in the element type.
func backAffine[T float32 | float64](dw, db, row, gr []T, rstd, k float64) {
	gr = gr[:len(row)]
	r, kt := T(rstd), T(k)
	switch {
	case dw != nil && db != nil:
		dw, db := dw[:len(row)], db[:len(row)]
		for i, v := range row {
			dw[i] += gr[i] * (r*v + kt)
			db[i] += gr[i]
		}
	case dw != nil:
		dw := dw[:len(row)]
		for i, v := range row {
			dw[i] += gr[i] * (r*v + kt)
		}
	default:
		db := db[:len(row)]
		for i, gi := range gr {
			db[i] += gi
		}
	}
}

// backSums returns Σ ĝ and Σ ĝ ⊙ x̂ over a row (ĝ = g ⊙ w, g for nil w;
// x̂ = r·v + k), with four partial sums each.
func backSums[T float32 | float64](row, gr, w []T, rstd, k float64) (a, c float64) {
	gr = gr[:len(row)]
	var a1, a2, a3, c1, c2, c3 float64
	i := 0
	if w != nil {
		w = w[:len(row)]
		for ; i+4 <= len(row); i += 4 {
			r, g, ww := row[i:i+4:i+4], gr[i:i+4:i+4], w[i:i+4:i+4]
			g0, g1, g2, g3 := float64(g[0])*float64(ww[0]), float64(g[1])*float64(ww[1]), float64(g[2])*float64(ww[2]), float64(g[3])*float64(ww[3])
			a, a1, a2, a3 = a+g0, a1+g1, a2+g2, a3+g3
			c += g0 * (rstd*float64(r[0]) + k)
			c1 += g1 * (rstd*float64(r[1]) + k)
			c2 += g2 * (rstd*float64(r[2]) + k)
			c3 += g3 * (rstd*float64(r[3]) + k)
		}
	} else {
		for ; i+4 <= len(row); i += 4 {
			r, g := row[i:i+4:i+4], gr[i:i+4:i+4]
			g0, g1, g2, g3 := float64(g[0]), float64(g[1]), float64(g[2]), float64(g[3])
			a, a1, a2, a3 = a+g0, a1+g1, a2+g2, a3+g3
			c += g0 * (rstd*float64(r[0]) + k)
			c1 += g1 * (rstd*float64(r[1]) + k)
			c2 += g2 * (rstd*float64(r[2]) + k)
			c3 += g3 * (rstd*float64(r[3]) + k)
		}
	}
	for ; i < len(row); i++ {
		gi := float64(gr[i])
		if w != nil {
			gi *= float64(w[i])
		}
		a += gi
		c += gi * (rstd*float64(row[i]) + k)
	}
	return a + a1 + a2 + a3, c + c1 + c2 + c3
}

// backSumsAffine is backAffine (both dw and db) and backSums in one pass.
func backSumsAffine[T float32 | float64](dw, db, row, gr, w []T, rstd, k float64) (a, c float64) {
	if w == nil {
		backAffine(dw, db, row, gr, rstd, k)
		return backSums(row, gr, w, rstd, k)
	}
	n := len(row)
	gr, w, dw, db = gr[:n], w[:n], dw[:n], db[:n]
	r, kt := T(rstd), T(k)
	var a1, c1 float64
	i := 0
	for ; i+2 <= n; i += 2 {
		g0, g1 := gr[i], gr[i+1]
		x0, x1 := r*row[i]+kt, r*row[i+1]+kt
		dw[i] += g0 * x0
		dw[i+1] += g1 * x1
		db[i] += g0
		db[i+1] += g1
		h0, h1 := float64(g0)*float64(w[i]), float64(g1)*float64(w[i+1])
		a, a1 = a+h0, a1+h1
		c, c1 = c+h0*float64(x0), c1+h1*float64(x1)
	}
	for ; i < n; i++ {
		g0 := gr[i]
		x0 := r*row[i] + kt
		dw[i] += g0 * x0
		db[i] += g0
		h0 := float64(g0) * float64(w[i])
		a += h0
		c += h0 * float64(x0)
	}
	return a + a1, c + c1
}
