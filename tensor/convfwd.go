package tensor

import "github.com/tapegrad/tapegrad/tensor/internal/gemm"

// The forward convolution as implicit GEMM: the micro-kernel reads each
// image's patches from its zero-padded copy (im2col.go) through an offset
// table.

// fwdCall is one fast forward convolution, shared out by image.
type fwdCall[T float] struct {
	q     convGeom
	y, x  []T
	wpk   []T // packed weights, wper elements per group
	wper  int
	byPos bool // compute Yᵀ = Pᵀ·Wᵀ
	pair  bool // two output rows per product row (see indirectPair)
}

// conv2dFast computes y = conv(x, w) for geometry q (any stride,
// padding, dilation and groups), choosing per call among indirectPair,
// indirect and packed patches (packPatches, in either orientation).
func conv2dFast[T float](q *convGeom, y, x, w []T) {
	l, kg, og := q.oh*q.ow, q.kg(), q.o/q.g
	if q.n*l == 0 || og == 0 {
		return
	}
	b := getBufs[T]() // holds the call and its packed weights (in tmp)
	cl := &b.fwd
	*cl = fwdCall[T]{q: *q, y: y, x: x, byPos: convOrient[T](og, l)}
	if q.sw == 1 && gemm.HasIndirect() && tileFill(q.ow, gemm.MR) >= 0.5 {
		// Reading the patches from the image beats packing them even
		// at half a tile wasted (W6's 8 channels in float32's 16 columns).
		cl.byPos = true
	}
	nr, cg := gemm.NR[T](), q.c/q.g
	if cl.byPos && q.sw == 1 && q.sh == 1 && q.dh == 1 && 2*og <= nr && q.oh >= 2 &&
		gemm.HasIndirect() && tileFill(q.ow, gemm.MR) >= 0.5 {
		cl.pair = true
		cl.wper = nr * cg * (q.kh + 1) * q.kw
		b.tmp = grow(b.tmp, cl.wper*q.g)
		cl.wpk = b.tmp
		for gi := range q.g {
			packPair(cl.wpk[gi*cl.wper:(gi+1)*cl.wper], w[gi*og*kg:], og, cg, q.kh, q.kw, nr)
		}
		gemm.Run(convThreads(q.n*q.o*l*kg), q.n, cl)
		*cl = fwdCall[T]{}
		putBufs(b)
		return
	}
	s := gemm.MR
	if cl.byPos {
		s = nr
	}
	cl.wper = roundTo(og, s) * kg
	b.tmp = grow(b.tmp, cl.wper*q.g)
	cl.wpk = b.tmp
	for gi := range q.g {
		packRows(cl.wpk[gi*cl.wper:], w[gi*og*kg:], og, kg, s)
	}
	gemm.Run(convThreads(q.n*q.o*l*kg), q.n, cl)
	*cl = fwdCall[T]{}
	putBufs(b)
}

// Task computes image n.
func (cl *fwdCall[T]) Task(n int) {
	q := &cl.q
	l, kg, og, cg := q.oh*q.ow, q.kg(), q.o/q.g, q.c/q.g
	hp, wp := q.h+2*q.ph, q.w+2*q.pw
	b := getBufs[T]()
	if cl.pair {
		cl.indirectPair(n, b)
		putBufs(b)
		return
	}
	if cl.byPos && q.sw == 1 && gemm.HasIndirect() && tileFill(q.ow, gemm.MR) >= 0.5 {
		cl.indirect(n, b)
		putBufs(b)
		return
	}
	xp := cl.x[n*q.c*q.h*q.w : (n+1)*q.c*q.h*q.w]
	if q.ph != 0 || q.pw != 0 {
		b.xp = grow(b.xp, q.c*hp*wp)
		padImage(b.xp, xp, q.c, q.h, q.w, q.ph, q.pw, hp, wp)
		xp = b.xp
	}
	s := gemm.NR[T]()
	if cl.byPos {
		s = gemm.MR
	}
	b.pa = grow(b.pa, roundTo(l, s)*kg)
	off := tapOffsets(b, q, cg, hp, wp)
	yn := cl.y[n*q.o*l : (n+1)*q.o*l]
	if cl.byPos {
		b.pb = grow(b.pb, l*og)
	}
	for gi := range q.g {
		packPatches(b.pa, xp[gi*cg*hp*wp:], off, l, q.ow, q.sh*wp, q.sw, s)
		wg := cl.wpk[gi*cl.wper : (gi+1)*cl.wper]
		yg := yn[gi*og*l : (gi+1)*og*l]
		if !cl.byPos {
			gemm.Prepacked(og, l, kg, wg, b.pa, 0, yg, l)
			continue
		}
		t := b.pb
		gemm.Prepacked(l, og, kg, b.pa, wg, 0, t, og)
		for o := range og {
			row := yg[o*l : (o+1)*l]
			for p := range row {
				row[p] = t[p*og+o]
			}
		}
	}
	putBufs(b)
}

// indirect computes image n with gemm.Indirect, reading the patches
// straight from the padded image: the positions are laid out on a grid
// of rows of owv = ⌈ow/MR⌉·MR, so that every sliver of MR positions lies
// in one output row (as MR neighbouring image pixels); the owv − ow extra
// columns read a few pixels past the row (the padded copy has slack
// after its end) and are dropped.
func (cl *fwdCall[T]) indirect(n int, b *convBufs[T]) {
	q := &cl.q
	l, og, cg := q.oh*q.ow, q.o/q.g, q.c/q.g
	hp, wp := q.h+2*q.ph, q.w+2*q.pw
	owv := roundTo(q.ow, gemm.MR)
	ogp := roundTo(og, gemm.NR[T]())
	b.xp = grow(b.xp, q.c*hp*wp+gemm.MR)
	padImage(b.xp, cl.x[n*q.c*q.h*q.w:(n+1)*q.c*q.h*q.w], q.c, q.h, q.w, q.ph, q.pw, hp, wp)
	clear(b.xp[q.c*hp*wp:])
	off := tapOffsets(b, q, cg, hp, wp)
	b.bases = grow(b.bases, q.oh*owv/gemm.MR)
	for s := range b.bases {
		p := s * gemm.MR
		b.bases[s] = p/owv*q.sh*wp + p%owv
	}
	b.pb = grow(b.pb, q.oh*owv*ogp)
	t := b.pb
	yn := cl.y[n*q.o*l : (n+1)*q.o*l]
	for gi := range q.g {
		gemm.Indirect(b.xp[gi*cg*hp*wp:], b.bases, off, cl.wpk[gi*cl.wper:(gi+1)*cl.wper], ogp, t, ogp)
		yg := yn[gi*og*l : (gi+1)*og*l]
		for o := range og {
			row := yg[o*l : (o+1)*l]
			for i := range q.oh {
				ri := row[i*q.ow : (i+1)*q.ow]
				ti := t[i*owv*ogp+o:]
				for j := range ri {
					ri[j] = ti[j*ogp]
				}
			}
		}
	}
}

// packPair packs group weights w (og, cg, kh, kw) for indirectPair: an
// extended kernel of kh + 1 rows, nr columns, column o holding channel o's
// kernel (row kh zero) and column og + o the same kernel one row down
// (row 0 zero), so that pixel row i + u feeds output row i through tap u
// and output row i + 1 through tap u − 1:
// dst[((c·(kh+1) + u)·kw + v)·nr + col].
func packPair[T float](dst, w []T, og, cg, kh, kw, nr int) {
	clear(dst)
	t := 0
	for c := range cg {
		for u := range kh + 1 {
			for v := range kw {
				d := dst[t*nr : (t+1)*nr]
				t++
				for o := range og {
					if u < kh {
						d[o] = w[((o*cg+c)*kh+u)*kw+v]
					}
					if u > 0 {
						d[og+o] = w[((o*cg+c)*kh+u-1)*kw+v]
					}
				}
			}
		}
	}
}

// indirectPair is indirect for few channels (2·Og ≤ NR; stride and
// vertical dilation 1): rather than leave half of the NR columns of a
// micro-tile empty, each product row covers MR positions of output rows
// i and i + 1 (i even), their Og channels side by side, over the kh + 1
// image rows both read (packPair). A last odd row reads one padding row
// past the image (slack in the padded copy) and its pair is dropped.
func (cl *fwdCall[T]) indirectPair(n int, b *convBufs[T]) {
	q := &cl.q
	l, og, cg := q.oh*q.ow, q.o/q.g, q.c/q.g
	hp, wp := q.h+2*q.ph, q.w+2*q.pw
	nr := gemm.NR[T]()
	owv, pairs := roundTo(q.ow, gemm.MR), (q.oh+1)/2
	b.xp = grow(b.xp, q.c*hp*wp+wp+gemm.MR)
	padImage(b.xp, cl.x[n*q.c*q.h*q.w:(n+1)*q.c*q.h*q.w], q.c, q.h, q.w, q.ph, q.pw, hp, wp)
	clear(b.xp[q.c*hp*wp:])
	b.off = grow(b.off, cg*(q.kh+1)*q.kw)
	t := 0
	for c := range cg {
		for u := range q.kh + 1 {
			for v := range q.kw {
				b.off[t] = c*hp*wp + u*wp + v*q.dw
				t++
			}
		}
	}
	b.bases = grow(b.bases, pairs*owv/gemm.MR)
	for s := range b.bases {
		p := s * gemm.MR
		b.bases[s] = 2*(p/owv)*wp + p%owv
	}
	b.pb = grow(b.pb, pairs*owv*nr)
	c := b.pb
	yn := cl.y[n*q.o*l : (n+1)*q.o*l]
	for gi := range q.g {
		gemm.Indirect(b.xp[gi*cg*hp*wp:], b.bases, b.off, cl.wpk[gi*cl.wper:(gi+1)*cl.wper], nr, c, nr)
		yg := yn[gi*og*l : (gi+1)*og*l]
		for o := range og {
			for i := range q.oh {
				ri := yg[o*l+i*q.ow : o*l+(i+1)*q.ow]
				ci := c[(i/2)*owv*nr+(i%2)*og+o:]
				for j := range ri {
					ri[j] = ci[j*nr]
				}
			}
		}
	}
}
