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

// wgradParts is the number of partial sums of a fast weight gradient: a
// constant, so that the sum's order does not depend on the thread count.
const wgradParts = 8

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
