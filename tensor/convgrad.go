package tensor

import "github.com/tapegrad/tapegrad/tensor/internal/gemm"

// The convolution's gradients: with respect to the input (a packed
// product per image, then col2im) and to the weight (implicit GEMM over the
// batch in fixed parts, summed in a fixed order).

// packCols packs the rows×cols row-major matrix a as slivers of s
// columns along its rows (gemm.Prepacked's layout for an operand whose
// inner dimension runs down a's columns):
// dst[σ·s·rows + p·s + c] = a[p·cols + σ·s + c], zero past the last column.
func packCols[T float](dst, a []T, rows, cols, s int) {
	for c0 := 0; c0 < cols; c0 += s {
		d := dst[c0*rows : c0*rows+s*rows]
		cnt := min(s, cols-c0)
		for p := range rows {
			r := d[p*s : p*s+s]
			src := a[p*cols+c0 : p*cols+c0+cnt]
			switch {
			case cnt == 8 && s == 8: // whole slivers as arrays: no call of memmove
				*(*[8]T)(r) = *(*[8]T)(src)
			case cnt == 16 && s == 16:
				*(*[16]T)(r) = *(*[16]T)(src)
			default:
				copy(r[:cnt], src)
				clear(r[cnt:])
			}
		}
	}
}

// adjCall is one fast transposed convolution, shared out by image.
type adjCall[T float] struct {
	q    convGeom
	x, y []T
	wpk  []T // packed W_gᵀ, wper elements per group
	wper int
}

// conv2dAdjointFast computes the image-side x = convᵀ(y, w) (the
// transposed convolution) for geometry q: per image and group, the
// columns (Kg × L) = W_gᵀ·Y_n (a product of inner dimension Og) and
// col2im adds them into the image.
func conv2dAdjointFast[T float](q *convGeom, x, y, w []T) {
	clear(x)
	l, kg, og := q.oh*q.ow, q.kg(), q.o/q.g
	if q.n*l == 0 || kg == 0 || og == 0 {
		return
	}
	b := getBufs[T]()
	cl := &b.adj
	*cl = adjCall[T]{q: *q, x: x, y: y, wper: roundTo(kg, gemm.MR) * og}
	b.tmp = grow(b.tmp, cl.wper*q.g)
	cl.wpk = b.tmp
	for gi := range q.g {
		packCols(cl.wpk[gi*cl.wper:], w[gi*og*kg:], og, kg, gemm.MR)
	}
	gemm.Run(convThreads(q.n*q.o*l*kg), q.n, cl)
	*cl = adjCall[T]{}
	putBufs(b)
}

// Task computes image n: its columns are added into a zeroed padded
// copy of the image, every tap in bounds, whose inside is then copied out.
func (cl *adjCall[T]) Task(n int) {
	q := &cl.q
	l, kg, og, cg := q.oh*q.ow, q.kg(), q.o/q.g, q.c/q.g
	hp, wp := q.h+2*q.ph, q.w+2*q.pw
	nr := gemm.NR[T]()
	b := getBufs[T]()
	b.pb = grow(b.pb, roundTo(l, nr)*og)
	b.pa = grow(b.pa, kg*l)
	b.xp = grow(b.xp, q.c*hp*wp)
	clear(b.xp)
	off := tapOffsets(b, q, cg, hp, wp)
	for gi := range q.g {
		packCols(b.pb, cl.y[(n*q.o+gi*og)*l:(n*q.o+(gi+1)*og)*l], og, l, nr)
		gemm.Prepacked(kg, l, og, cl.wpk[gi*cl.wper:(gi+1)*cl.wper], b.pb, 0, b.pa, l)
		col2im(b.xp[gi*cg*hp*wp:], b.pa, off, q.oh, q.ow, q.sh*wp, q.sw)
	}
	xn := cl.x[n*q.c*q.h*q.w : (n+1)*q.c*q.h*q.w]
	for ch := range q.c {
		for y := range q.h {
			copy(xn[(ch*q.h+y)*q.w:(ch*q.h+y+1)*q.w], b.xp[(ch*hp+y+q.ph)*wp+q.pw:])
		}
	}
	putBufs(b)
}

// col2im is the adjoint of reading patches: it adds each element of cols
// (Kg × L, L = oh·ow) into the padded image xp at the pixel it was read
// from, xp[off[t] + i·rowStep + j·sw] += cols[t, i·ow + j].
func col2im[T float](xp, cols []T, off []int, oh, ow, rowStep, sw int) {
	l := oh * ow
	for t, o := range off {
		src := cols[t*l : (t+1)*l]
		for i := range oh {
			si := src[i*ow : (i+1)*ow]
			if sw == 1 {
				d := xp[o+i*rowStep : o+i*rowStep+ow]
				for j, e := range si {
					d[j] += e
				}
				continue
			}
			d := xp[o+i*rowStep:]
			for j, e := range si {
				d[j*sw] += e
			}
		}
	}
}

// wgradCall is one fast weight gradient, shared out in wgradParts pieces
// of the batch, each summing its images into its own partial gradient.
type wgradCall[T float] struct {
	q     convGeom
	x, g  []T
	parts []T // wgradParts partial gradients of per elements
	per   int
	byPos bool // compute ∂Wᵀ = P·Gᵀ (taps on the MR side)
	ind   bool // compute ∂Wᵀ with gemm.Indirect (see indirect)
	pair  bool // two kernel rows per sliver (see indirect)
}

// conv2dWeightFast computes dw = Σ_n g ⋆ x for geometry q.
func conv2dWeightFast[T float](q *convGeom, dw, x, g []T) {
	l, kg, og, cg := q.oh*q.ow, q.kg(), q.o/q.g, q.c/q.g
	clear(dw)
	if q.n*l == 0 || kg == 0 || og == 0 {
		return
	}
	b := getBufs[T]()
	cl := &b.wg
	*cl = wgradCall[T]{q: *q, x: x, g: g, per: q.o * kg}
	nr := gemm.NR[T]()
	cl.byPos = tileFill(kg, gemm.MR)*tileFill(og, nr) > tileFill(og, gemm.MR)*tileFill(kg, nr)
	parts := min(wgradParts, q.n)
	if q.dw == 1 && gemm.HasIndirect() {
		cl.ind = true
		cl.pair = 2*og <= nr && q.sh == 1 && q.dh == 1 && q.kh >= 2
		nu := q.kh
		if cl.pair {
			nu = (q.kh + 1) / 2
		}
		cl.per = q.g * cg * nu * roundTo(q.kw, gemm.MR) * roundTo(og, nr)
	}
	b.tmp = grow(b.tmp, parts*cl.per)
	cl.parts = b.tmp
	gemm.Run(convThreads(q.n*q.o*l*kg), parts, cl)
	if cl.ind {
		cl.sumIndirect(dw, parts)
		*cl = wgradCall[T]{}
		putBufs(b)
		return
	}
	for i := range parts {
		p := cl.parts[i*cl.per : (i+1)*cl.per]
		for gi := range q.g {
			pg := p[gi*og*kg : (gi+1)*og*kg]
			dg := dw[gi*og*kg : (gi+1)*og*kg]
			if !cl.byPos {
				for k, v := range pg {
					dg[k] += v
				}
				continue
			}
			for t := range kg {
				for o := range og {
					dg[o*kg+t] += pg[t*og+o]
				}
			}
		}
	}
	*cl = wgradCall[T]{}
	putBufs(b)
}

// Task sums images [i·N/P, (i+1)·N/P) into partial gradient i.
func (cl *wgradCall[T]) Task(i int) {
	q := &cl.q
	parts := min(wgradParts, q.n)
	l, kg, og, cg := q.oh*q.ow, q.kg(), q.o/q.g, q.c/q.g
	hp, wp := q.h+2*q.ph, q.w+2*q.pw
	part := cl.parts[i*cl.per : (i+1)*cl.per]
	b := getBufs[T]()
	if cl.ind {
		cl.indirect(i, part, b)
		putBufs(b)
		return
	}
	clear(part)
	off := tapOffsets(b, q, cg, hp, wp)
	sTap, sG := gemm.NR[T](), gemm.MR
	if cl.byPos {
		sTap, sG = gemm.MR, gemm.NR[T]()
	}
	b.pa = grow(b.pa, roundTo(kg, sTap)*l)
	b.pb = grow(b.pb, roundTo(og, sG)*l)
	for n := i * q.n / parts; n < (i+1)*q.n/parts; n++ {
		xp := cl.x[n*q.c*q.h*q.w : (n+1)*q.c*q.h*q.w]
		if q.ph != 0 || q.pw != 0 {
			b.xp = grow(b.xp, q.c*hp*wp)
			padImage(b.xp, xp, q.c, q.h, q.w, q.ph, q.pw, hp, wp)
			xp = b.xp
		}
		for gi := range q.g {
			packTaps(b.pa, xp[gi*cg*hp*wp:], off, q.oh, q.ow, q.sh*wp, q.sw, sTap)
			packRows(b.pb, cl.g[(n*q.o+gi*og)*l:(n*q.o+(gi+1)*og)*l], og, l, sG)
			pg := part[gi*og*kg : (gi+1)*og*kg]
			if cl.byPos {
				gemm.Prepacked(kg, og, l, b.pa, b.pb, 1, pg, og)
			} else {
				gemm.Prepacked(og, kg, l, b.pb, b.pa, 1, pg, kg)
			}
		}
	}
	putBufs(b)
}

// indirect sums the images of part i into part with gemm.Indirect, the
// taps on the MR side read straight from the padded images: a sliver is
// MR neighbouring taps (c, u, v0…v0+MR−1) of one kernel row, kernel rows
// padded to kwv = ⌈kW/MR⌉·MR taps whose extra sums are dropped, and the
// inner dimension runs over the positions of a few images at a time.
// part is laid out (groups, Cg·nu·kwv, ⌈Og/NR⌉·NR) with nu = kH, or for
// a pair call (2·Og ≤ NR, unit vertical stride and dilation) nu = ⌈kH/2⌉:
// then a sliver of kernel row u (even) also yields kernel row u + 1 in
// columns Og…2·Og−1, which multiply the same pixels by the gradient one
// output row up (packPairG); the positions then run over oh + 1 rows,
// the gradient zero in row oh of the first half and row 0 of the second.
func (cl *wgradCall[T]) indirect(i int, part []T, b *convBufs[T]) {
	q := &cl.q
	parts := min(wgradParts, q.n)
	l, og, cg := q.oh*q.ow, q.o/q.g, q.c/q.g
	hp, wp := q.h+2*q.ph, q.w+2*q.pw
	nr := gemm.NR[T]()
	kwv, ogp := roundTo(q.kw, gemm.MR), roundTo(og, nr)
	ustep, ohk, slack := 1, q.oh, gemm.MR
	if cl.pair {
		ustep, ohk, slack = 2, q.oh+1, wp+gemm.MR
	}
	nu := (q.kh + ustep - 1) / ustep
	per := cg * nu * kwv * ogp
	b.bases = grow(b.bases, cg*nu*kwv/gemm.MR)
	s := 0
	for c := range cg {
		for u := 0; u < q.kh; u += ustep {
			for v0 := 0; v0 < q.kw; v0 += gemm.MR {
				b.bases[s] = c*hp*wp + u*q.dh*wp + v0
				s++
			}
		}
	}
	img := q.c * hp * wp
	lk := ohk * q.ow
	n0, n1 := i*q.n/parts, (i+1)*q.n/parts
	sub := max(1, 1024/max(lk, 1))
	for m0 := n0; m0 < n1; m0 += sub {
		nb := min(sub, n1-m0)
		b.xp = grow(b.xp, nb*img+slack)
		for k := range nb {
			n := m0 + k
			padImage(b.xp[k*img:], cl.x[n*q.c*q.h*q.w:(n+1)*q.c*q.h*q.w], q.c, q.h, q.w, q.ph, q.pw, hp, wp)
		}
		clear(b.xp[nb*img:])
		b.off = grow(b.off, nb*lk)
		p := 0
		for k := range nb {
			for y := range ohk {
				for x := range q.ow {
					b.off[p] = k*img + y*q.sh*wp + x*q.sw
					p++
				}
			}
		}
		b.pb = grow(b.pb, ogp*nb*lk)
		if m0 > n0 {
			b.pa = grow(b.pa, per)
		}
		for gi := range q.g {
			for k := range nb {
				n := m0 + k
				gn := cl.g[(n*q.o+gi*og)*l : (n*q.o+(gi+1)*og)*l]
				if cl.pair {
					packPairG(b.pb[k*lk*nr:(k+1)*lk*nr], gn, og, q.oh, q.ow, nr)
				} else {
					packRowsAt(b.pb, gn, og, l, nr, nb*l, k*l)
				}
			}
			pg := part[gi*per : (gi+1)*per]
			if m0 == n0 {
				gemm.Indirect(b.xp[gi*cg*hp*wp:], b.bases, b.off, b.pb, ogp, pg, ogp)
				continue
			}
			gemm.Indirect(b.xp[gi*cg*hp*wp:], b.bases, b.off, b.pb, ogp, b.pa, ogp)
			for k, v := range b.pa {
				pg[k] += v
			}
		}
	}
}

// packPairG packs one image's gradient g (og, oh·ow) for a pair call as
// one sliver of nr columns over (oh + 1)·ow positions:
// dst[(i·ow + j)·nr + o] = g[o, i, j] (0 for i = oh) and
// dst[(i·ow + j)·nr + og + o] = g[o, i − 1, j] (0 for i = 0).
func packPairG[T float](dst, g []T, og, oh, ow, nr int) {
	l := oh * ow
	clear(dst)
	if og == 8 {
		g0, g1, g2, g3 := g[0:l], g[l:2*l], g[2*l:3*l], g[3*l:4*l]
		g4, g5, g6, g7 := g[4*l:5*l], g[5*l:6*l], g[6*l:7*l], g[7*l:8*l]
		for p := range l {
			v0, v1, v2, v3, v4, v5, v6, v7 := g0[p], g1[p], g2[p], g3[p], g4[p], g5[p], g6[p], g7[p]
			a := dst[p*nr : p*nr+8 : p*nr+8]
			a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7] = v0, v1, v2, v3, v4, v5, v6, v7
			b := dst[(p+ow)*nr+8 : (p+ow)*nr+16 : (p+ow)*nr+16]
			b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7] = v0, v1, v2, v3, v4, v5, v6, v7
		}
		return
	}
	for p := range l {
		a := dst[p*nr : p*nr+og]
		for o := range a {
			a[o] = g[o*l+p]
		}
		copy(dst[(p+ow)*nr+og:(p+ow)*nr+2*og], a)
	}
}

// sumIndirect adds the parts partial gradients of indirect, in order,
// into dw (O, Cg, kH, kW).
func (cl *wgradCall[T]) sumIndirect(dw []T, parts int) {
	q := &cl.q
	og, cg := q.o/q.g, q.c/q.g
	kwv, ogp := roundTo(q.kw, gemm.MR), roundTo(og, gemm.NR[T]())
	ustep := 1
	if cl.pair {
		ustep = 2
	}
	nu := (q.kh + ustep - 1) / ustep
	per := cg * nu * kwv * ogp
	kg := q.kg()
	for i := range parts {
		p := cl.parts[i*cl.per : (i+1)*cl.per]
		for gi := range q.g {
			pg := p[gi*per : (gi+1)*per]
			for o := range og {
				d := dw[(gi*og+o)*kg : (gi*og+o+1)*kg]
				t := 0
				for c := range cg {
					for u := range q.kh {
						row := (c*nu+u/ustep)*kwv*ogp + (u%ustep)*og + o
						for v := range q.kw {
							d[t] += pg[row+v*ogp]
							t++
						}
					}
				}
			}
		}
	}
}
