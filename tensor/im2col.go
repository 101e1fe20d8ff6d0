package tensor

import (
	"runtime"
	"sync"

	"github.com/tapegrad/tapegrad/tensor/internal/gemm"
)

// This file holds the convolution kernels: implicit GEMM. Nothing
// builds an im2col matrix for the matrix product to copy once more into
// its packed layout. Per image (and group):
//
//   - forward, Yᵀ (L × Og) = Pᵀ·Wᵀ with gemm.Indirect: the micro-kernel
//     reads MR neighbouring output positions of one tap straight from a
//     zero-padded copy of the image (a row of positions is rounded up to
//     a multiple of MR; the few extra sums are dropped), against the
//     weights packed once per call. Where that kernel is unavailable
//     (purego, or a horizontal stride), the patches are gathered into
//     the packed layout (packPatches) for gemm.Prepacked.
//   - weight gradient, ∂Wᵀ (Cg·kH·kwv × Og) = P·Gᵀ with gemm.Indirect:
//     MR neighbouring taps of one kernel row (kW rounded up to kwv, a
//     multiple of MR) read straight from the padded images, the inner
//     dimension running over the positions of a few images; else packTaps.
//   - input gradient, columns (Kg × L) = W_gᵀ·G_n (gemm.Prepacked), added
//     by col2im into a zeroed padded image, whose inside is copied out.
//
// The padded copy makes every tap land in bounds: no tap needs a check.
// Orientation: with few output channels (W6's 8 and 16) the MR = 6 rows
// of a micro-tile waste much of a tile on the channels' side; the
// transposed products put positions or taps on the MR side and the
// channels on the NR side (8 for float64: a perfect fit).
//
// Threads: images are independent pieces of work for gemm.Run, which
// hands them to the caller and the product helpers; each image is
// computed the same way whichever thread takes it, and the weight
// gradient sums a fixed number (wgradParts) of partial sums over fixed
// ranges of the batch in a fixed order, so results do not depend on
// GOMAXPROCS.

// convBufs is one goroutine's scratch for the fast convolution.
type convBufs[T float] struct {
	xp, pa, pb, tmp []T
	off, bases      []int
	fwd             fwdCall[T]   // a call this goroutine shares out
	wg              wgradCall[T] // (kept here, so that no call allocates)
	adj             adjCall[T]
}

// convPool is a free list of convBufs, never emptied by the collector, so
// steady loops allocate nothing.
type convPool[T float] struct {
	mu   sync.Mutex
	free []*convBufs[T]
}

var (
	convPool64 convPool[float64]
	convPool32 convPool[float32]
)

func poolOf[T float]() *convPool[T] {
	if p, ok := any(&convPool64).(*convPool[T]); ok {
		return p
	}
	return any(&convPool32).(*convPool[T])
}

func getBufs[T float]() *convBufs[T] {
	p := poolOf[T]()
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.free); k > 0 {
		b := p.free[k-1]
		p.free = p.free[:k-1]
		return b
	}
	return new(convBufs[T])
}

func putBufs[T float](b *convBufs[T]) {
	p := poolOf[T]()
	p.mu.Lock()
	p.free = append(p.free, b)
	p.mu.Unlock()
}

// grow returns s with length n, reallocated if its capacity is short
// (contents undefined).
func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}

// roundTo returns x rounded up to a multiple of q.
func roundTo(x, q int) int { return (x + q - 1) / q * q }

// tileFill returns the fraction of a grid of s-wide tiles covering n that n uses.
func tileFill(n, s int) float64 { return float64(n) / float64(max(roundTo(n, s), 1)) }

// convOrient reports whether the product of og channels by l positions
// wastes less of its micro-tiles as Yᵀ (positions on the MR side) than as Y.
func convOrient[T float](og, l int) bool {
	nr := gemm.NR[T]()
	return tileFill(l, gemm.MR)*tileFill(og, nr) > tileFill(og, gemm.MR)*tileFill(l, nr)
}

// convThreads returns the goroutines worth using for mads multiply-adds.
func convThreads(mads int) int {
	if mads < 64*64*64 {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// padImage copies the c channels of img (h × w each) into dst
// (hp × wp each, hp = h + 2ph, wp = w + 2pw) with zero borders of ph rows
// and pw columns (ph, pw ≥ 0), writing each element of dst once.
func padImage[T float](dst, img []T, c, h, w, ph, pw, hp, wp int) {
	if ph == 0 && pw == 0 {
		copy(dst[:c*h*w], img)
		return
	}
	for ch := range c {
		d := dst[ch*hp*wp : (ch+1)*hp*wp]
		clear(d[:ph*wp])
		clear(d[(ph+h)*wp:])
		for i := range h {
			row := d[(i+ph)*wp : (i+ph+1)*wp]
			clear(row[:pw])
			copy(row[pw:pw+w], img[(ch*h+i)*w:(ch*h+i+1)*w])
			clear(row[pw+w:])
		}
	}
}

// tapOffsets sets b.off[t] for the taps t = (ch, u, v) of cg channels of a
// padded image (hp × wp): the offset of tap t from a patch's top-left corner.
func tapOffsets[T float](b *convBufs[T], q *convGeom, cg, hp, wp int) []int {
	b.off = grow(b.off, cg*q.kh*q.kw)
	t := 0
	for ch := range cg {
		for u := range q.kh {
			for v := range q.kw {
				b.off[t] = ch*hp*wp + u*q.dh*wp + v*q.dw
				t++
			}
		}
	}
	return b.off
}

// packRows packs the rows×k row-major matrix a as slivers of s rows along
// k (gemm.Prepacked's layout for either operand):
// dst[σ·s·k + p·s + r] = a[(σ·s + r)·k + p], zero past the last row.
func packRows[T float](dst, a []T, rows, k, s int) {
	for r0 := 0; r0 < rows; r0 += s {
		d := dst[r0*k : r0*k+s*k]
		cnt := min(s, rows-r0)
		for r := range cnt {
			src := a[(r0+r)*k : (r0+r+1)*k]
			for p, v := range src {
				d[p*s+r] = v
			}
		}
		for r := cnt; r < s; r++ {
			for p := range k {
				d[p*s+r] = 0
			}
		}
	}
}

// packPatches packs the patches of the padded image xp as slivers of s
// positions along the taps: dst[σ·s·Kg + t·s + c] = xp[off[t] + base(σ·s + c)]
// with base(p) = (p / ow)·rowStep + (p mod ow)·sw, zero past position l.
// A sliver of one output row with unit stride is a run of the image row.
func packPatches[T float](dst, xp []T, off []int, l, ow, rowStep, sw, s int) {
	kg := len(off)
	var bases [16]int
	for s0 := 0; s0 < l; s0 += s {
		d := dst[s0*kg : s0*kg+s*kg]
		cnt := min(s, l-s0)
		i0, j0 := s0/ow, s0%ow
		if cnt == s && sw == 1 && j0+s <= ow {
			base := i0*rowStep + j0
			switch s {
			case 6:
				for t, o := range off {
					*(*[6]T)(d[t*6:]) = *(*[6]T)(xp[o+base:])
				}
			case 8:
				for t, o := range off {
					*(*[8]T)(d[t*8:]) = *(*[8]T)(xp[o+base:])
				}
			case 16:
				for t, o := range off {
					*(*[16]T)(d[t*16:]) = *(*[16]T)(xp[o+base:])
				}
			default:
				for t, o := range off {
					copy(d[t*s:t*s+s], xp[o+base:])
				}
			}
			continue
		}
		for c := range cnt {
			p := s0 + c
			bases[c] = p/ow*rowStep + p%ow*sw
		}
		bs := bases[:cnt]
		for t, o := range off {
			r := d[t*s : t*s+s]
			for c, b := range bs {
				r[c] = xp[o+b]
			}
			for c := cnt; c < s; c++ {
				r[c] = 0
			}
		}
	}
}

// packTaps packs the patches of xp as slivers of s taps along the
// positions (the transpose of packPatches' matrix):
// dst[σ·s·l + p·s + r] = xp[off[σ·s + r] + base(p)], zero past the last tap.
func packTaps[T float](dst, xp []T, off []int, oh, ow, rowStep, sw, s int) {
	kg, l := len(off), oh*ow
	for t0 := 0; t0 < kg; t0 += s {
		d := dst[t0*l : t0*l+s*l]
		cnt := min(s, kg-t0)
		o := off[t0 : t0+cnt]
		switch {
		case sw == 1 && s == 6 && cnt == 6:
			// Six taps' image rows read side by side, each position's
			// six values stored together (as gemm's packA).
			for i := range oh {
				b := i * rowStep
				r0, r1, r2 := xp[o[0]+b:o[0]+b+ow], xp[o[1]+b:o[1]+b+ow], xp[o[2]+b:o[2]+b+ow]
				r3, r4, r5 := xp[o[3]+b:o[3]+b+ow], xp[o[4]+b:o[4]+b+ow], xp[o[5]+b:o[5]+b+ow]
				di := d[i*ow*6 : (i+1)*ow*6]
				for j := range ow {
					q := di[j*6 : j*6+6 : j*6+6]
					q[0], q[1], q[2], q[3], q[4], q[5] = r0[j], r1[j], r2[j], r3[j], r4[j], r5[j]
				}
			}
		case sw == 1 && cnt == s && s%8 == 0:
			for h := 0; h < s; h += 8 {
				for i := range oh {
					b := i * rowStep
					r0, r1, r2, r3 := xp[o[h]+b:o[h]+b+ow], xp[o[h+1]+b:o[h+1]+b+ow], xp[o[h+2]+b:o[h+2]+b+ow], xp[o[h+3]+b:o[h+3]+b+ow]
					r4, r5, r6, r7 := xp[o[h+4]+b:o[h+4]+b+ow], xp[o[h+5]+b:o[h+5]+b+ow], xp[o[h+6]+b:o[h+6]+b+ow], xp[o[h+7]+b:o[h+7]+b+ow]
					di := d[i*ow*s:]
					for j := range ow {
						q := di[j*s+h : j*s+h+8 : j*s+h+8]
						q[0], q[1], q[2], q[3] = r0[j], r1[j], r2[j], r3[j]
						q[4], q[5], q[6], q[7] = r4[j], r5[j], r6[j], r7[j]
					}
				}
			}
		default:
			for r, or := range o {
				// Tap r's row of the patch matrix, written down lane r.
				for i := range oh {
					src := xp[or+i*rowStep:]
					di := d[i*ow*s+r:]
					if sw == 1 {
						src = src[:ow]
						for j, v := range src {
							di[j*s] = v
						}
						continue
					}
					for j := range ow {
						di[j*s] = src[j*sw]
					}
				}
			}
			for r := cnt; r < s; r++ {
				for p := range l {
					d[p*s+r] = 0
				}
			}
		}
	}
}

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

// wgradParts is the number of partial sums of a fast weight gradient: a
// constant, so that the sum's order does not depend on the thread count.
const wgradParts = 8

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

// packRowsAt is packRows into slivers of kstride rows, at row koff:
// dst[σ·s·kstride + (koff + p)·s + r] = a[(σ·s + r)·k + p], zero past the
// last row.
func packRowsAt[T float](dst, a []T, rows, k, s, kstride, koff int) {
	for r0 := 0; r0 < rows; r0 += s {
		d := dst[r0*kstride+koff*s : r0*kstride+(koff+k)*s]
		cnt := min(s, rows-r0)
		h := 0
		for ; h+8 <= cnt; h += 8 {
			// Eight rows read side by side into lanes h…h+7.
			a0, a1, a2, a3 := a[(r0+h)*k:(r0+h+1)*k], a[(r0+h+1)*k:(r0+h+2)*k], a[(r0+h+2)*k:(r0+h+3)*k], a[(r0+h+3)*k:(r0+h+4)*k]
			a4, a5, a6, a7 := a[(r0+h+4)*k:(r0+h+5)*k], a[(r0+h+5)*k:(r0+h+6)*k], a[(r0+h+6)*k:(r0+h+7)*k], a[(r0+h+7)*k:(r0+h+8)*k]
			for p := range k {
				q := d[p*s+h : p*s+h+8 : p*s+h+8]
				q[0], q[1], q[2], q[3] = a0[p], a1[p], a2[p], a3[p]
				q[4], q[5], q[6], q[7] = a4[p], a5[p], a6[p], a7[p]
			}
		}
		for r := h; r < cnt; r++ {
			src := a[(r0+r)*k : (r0+r+1)*k]
			for p, v := range src {
				d[p*s+r] = v
			}
		}
		if cnt < s {
			for p := range k {
				clear(d[p*s+cnt : p*s+s])
			}
		}
	}
}
