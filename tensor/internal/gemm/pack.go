package gemm

import (
	"sync"
	"unsafe"
)

// workspace holds one goroutine's packing buffers, 64-byte aligned, and
// the scratch tile for partial micro-tiles at the right and bottom edges.
// Both element types share them: the float64 storage is viewed as float32
// by an Sgemm (see view), so a goroutine keeps one set of buffers.
type workspace struct {
	ap, bp []float64        // packed Ã (MC×KC) and B̃ (KC×NC)
	tile   [mr * nr]float64 // an MR×NR float64 or MR×NR32 float32 tile: 384 bytes
	job    job              // a parallel product this workspace's owner shares out
	done   chan struct{}    // wakes a Run's blocked caller (see Run)
}

// view returns s's memory as n elements of T; s must hold n·sizeof(T) bytes.
func view[T elem](s []float64, n int) []T {
	if uintptr(n)*unsafe.Sizeof(T(0)) > uintptr(len(s))*8 {
		panic("gemm: view beyond its buffer")
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s))), n)
}

// tileOf returns w's scratch tile as MR×NR elements of T.
func tileOf[T elem](w *workspace) []T { return view[T](w.tile[:], mr*nrOf[T]()) }

// free is the list of idle workspaces. Unlike a sync.Pool it is never
// emptied by the garbage collector, so steady-state calls do not allocate;
// it holds at most as many workspaces as there were concurrent products.
var free struct {
	sync.Mutex
	list []*workspace
}

func getWorkspace() *workspace {
	free.Lock()
	defer free.Unlock()
	if n := len(free.list); n > 0 {
		w := free.list[n-1]
		free.list = free.list[:n-1]
		return w
	}
	return new(workspace)
}

// reserve grows w's packing buffers to hold an mc×kc block of Ã and a
// kc×nc panel of B̃ of T, and returns them.
func reserve[T elem](w *workspace, mc, kc, nc int) (ap, bp []T) {
	words := func(n int) int { return (n*int(unsafe.Sizeof(T(0))) + 7) / 8 }
	if len(w.ap) < words(mc*kc) {
		w.ap = aligned(words(mc * kc))
	}
	if len(w.bp) < words(kc*nc) {
		w.bp = aligned(words(kc * nc))
	}
	return view[T](w.ap, mc*kc), view[T](w.bp, kc*nc)
}

func putWorkspace(w *workspace) {
	free.Lock()
	free.list = append(free.list, w)
	free.Unlock()
}

// aligned returns a zeroed slice of n float64s starting on a 64-byte
// (cache-line) boundary.
func aligned(n int) []float64 {
	s := make([]float64, n+8)
	off := int(uintptr(unsafe.Pointer(&s[0]))&63) / 8
	if off != 0 {
		off = 8 - off
	}
	return s[off : off+n : off+n]
}

// packA copies op(A)[0:mc, 0:kc] into dst as ⌈mc/MR⌉ slivers; sliver s
// holds, for p = 0…kc-1, the MR values op(A)[s·MR+r, p], r = 0…MR-1,
// zero-padded past row mc. op(A)[i,p] is a[i·lda+p], or a[p·lda+i] if trans.
func packA[T elem](dst, a []T, lda int, trans bool, mc, kc int) {
	for i0 := 0; i0 < mc; i0 += mr {
		rows := min(mr, mc-i0)
		d := dst[i0*kc : i0*kc+mr*kc]
		switch {
		case trans && rows == mr:
			for p := range kc { // plain stores: copy's call per six elements cost more than the copying
				q := d[p*mr : p*mr+mr : p*mr+mr]
				r := a[p*lda+i0 : p*lda+i0+mr : p*lda+i0+mr]
				q[0], q[1], q[2], q[3], q[4], q[5] = r[0], r[1], r[2], r[3], r[4], r[5]
			}
		case !trans && rows == mr:
			r0 := a[(i0+0)*lda : (i0+0)*lda+kc]
			r1 := a[(i0+1)*lda : (i0+1)*lda+kc]
			r2 := a[(i0+2)*lda : (i0+2)*lda+kc]
			r3 := a[(i0+3)*lda : (i0+3)*lda+kc]
			r4 := a[(i0+4)*lda : (i0+4)*lda+kc]
			r5 := a[(i0+5)*lda : (i0+5)*lda+kc]
			for p := range kc {
				q := d[p*mr : p*mr+mr : p*mr+mr]
				q[0], q[1], q[2], q[3], q[4], q[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
		default:
			for p := range kc {
				q := d[p*mr : p*mr+mr]
				for r := range mr {
					switch {
					case r >= rows:
						q[r] = 0
					case trans:
						q[r] = a[p*lda+i0+r]
					default:
						q[r] = a[(i0+r)*lda+p]
					}
				}
			}
		}
	}
}

// packB copies op(B)[0:kc, 0:nc] into dst as ⌈nc/NR⌉ slivers; sliver s
// holds, for p = 0…kc-1, the NR values op(B)[p, s·NR+c], c = 0…NR-1,
// zero-padded past column nc. op(B)[p,j] is b[p·ldb+j], or b[j·ldb+p] if
// trans. NR (8 or 16) is copied in groups of eight.
func packB[T elem](dst, b []T, ldb int, trans bool, kc, nc int) {
	nr := nrOf[T]()
	full := nc / nr * nr
	if !trans {
		// Row by row: each row of B is read once, contiguously, and its
		// full slivers written with plain stores (copy's call per 8
		// elements cost more than the copying).
		for p := range kc {
			row := b[p*ldb : p*ldb+nc]
			for j0 := 0; j0 < full; j0 += nr {
				for h := 0; h < nr; h += 8 {
					o := j0*kc + p*nr + h
					q := dst[o : o+8 : o+8]
					r := row[j0+h : j0+h+8 : j0+h+8]
					q[0], q[1], q[2], q[3] = r[0], r[1], r[2], r[3]
					q[4], q[5], q[6], q[7] = r[4], r[5], r[6], r[7]
				}
			}
		}
		if full < nc {
			packBTail(dst, b, ldb, false, kc, nc, full)
		}
		return
	}
	// Transposed: each sliver's columns are rows of b, read eight side by side.
	for j0 := 0; j0 < full; j0 += nr {
		d := dst[j0*kc : j0*kc+nr*kc]
		for h := 0; h < nr; h += 8 {
			c0 := b[(j0+h+0)*ldb : (j0+h+0)*ldb+kc]
			c1 := b[(j0+h+1)*ldb : (j0+h+1)*ldb+kc]
			c2 := b[(j0+h+2)*ldb : (j0+h+2)*ldb+kc]
			c3 := b[(j0+h+3)*ldb : (j0+h+3)*ldb+kc]
			c4 := b[(j0+h+4)*ldb : (j0+h+4)*ldb+kc]
			c5 := b[(j0+h+5)*ldb : (j0+h+5)*ldb+kc]
			c6 := b[(j0+h+6)*ldb : (j0+h+6)*ldb+kc]
			c7 := b[(j0+h+7)*ldb : (j0+h+7)*ldb+kc]
			for p := range kc {
				q := d[p*nr+h : p*nr+h+8 : p*nr+h+8]
				q[0], q[1], q[2], q[3] = c0[p], c1[p], c2[p], c3[p]
				q[4], q[5], q[6], q[7] = c4[p], c5[p], c6[p], c7[p]
			}
		}
	}
	if full < nc {
		packBTail(dst, b, ldb, true, kc, nc, full)
	}
}

// packBTail packs the last, partial sliver (columns full… nc−1), padding
// with zeros.
func packBTail[T elem](dst, b []T, ldb int, trans bool, kc, nc, j0 int) {
	nr := nrOf[T]()
	cols := nc - j0
	d := dst[j0*kc : j0*kc+nr*kc]
	for p := range kc {
		q := d[p*nr : p*nr+nr]
		for c := range nr {
			switch {
			case c >= cols:
				q[c] = 0
			case trans:
				q[c] = b[(j0+c)*ldb+p]
			default:
				q[c] = b[p*ldb+j0+c]
			}
		}
	}
}

// serial runs the blocked loop nest of doc.go on one goroutine. The inner
// dimension is cut into equal blocks of at most blk.kc (784 = 3·262 rather
// than 320+320+144), so that no short block wastes a pass over C; the cut
// depends on k alone, never on the thread split.
func serial[T elem](w *workspace, blk blocking, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	kblocks := (k + blk.kc - 1) / blk.kc
	kcMax := (k + kblocks - 1) / kblocks
	ap, bp := reserve[T](w, min(blk.mc, roundUp(m, mr)), kcMax, min(blk.nc, roundUp(n, nrOf[T]())))
	for jc := 0; jc < n; jc += blk.nc {
		nc := min(blk.nc, n-jc)
		for pc := 0; pc < k; pc += kcMax {
			kc := min(kcMax, k-pc)
			if transB {
				packB(bp, b[jc*ldb+pc:], ldb, true, kc, nc)
			} else {
				packB(bp, b[pc*ldb+jc:], ldb, false, kc, nc)
			}
			bet := beta
			if pc > 0 {
				bet = 1
			}
			for ic := 0; ic < m; ic += blk.mc {
				mc := min(blk.mc, m-ic)
				if transA {
					packA(ap, a[pc*lda+ic:], lda, true, mc, kc)
				} else {
					packA(ap, a[ic*lda+pc:], lda, false, mc, kc)
				}
				macro(w, ap, bp, mc, nc, kc, alpha, bet, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// macro multiplies packed Ã (mc×kc) by packed B̃ (kc×nc) into C one
// micro-tile at a time; partial tiles go through w's scratch tile.
func macro[T elem](w *workspace, ap, bp []T, mc, nc, kc int, alpha, beta T, c []T, ldc int) {
	nr := nrOf[T]()
	kern := kernelOf[T]()
	tile := tileOf[T](w)
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		b := bp[jr*kc : jr*kc+nr*kc]
		for ir := 0; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			a := ap[ir*kc : ir*kc+mr*kc]
			if rows == mr && cols == nr {
				kern(kc, a, b, c[ir*ldc+jr:], ldc, alpha, beta)
				continue
			}
			kern(kc, a, b, tile, nr, 1, 0)
			store(c[ir*ldc+jr:], ldc, rows, cols, tile, alpha, beta)
		}
	}
}

// roundUp returns x rounded up to a multiple of q.
func roundUp(x, q int) int { return (x + q - 1) / q * q }
