package gemm

import "math"

// kernel computes one MR×NR micro-tile
//
//	C[i,j] = alpha·Σ_p a[p·MR+i]·b[p·NR+j] + beta·C[i,j],  i < MR, j < NR, p < k,
//
// from packed slivers a (k·MR) and b (k·NR) into c with row stride ldc,
// ignoring C's old values when beta = 0. The sum runs in order of p with
// one fused multiply-add per term (or a multiply and an add where FMA is
// not available, in the pure-Go kernel), and the result is written as
// FMA(alpha, sum, beta·C), the same rounding as store. It is set at init
// to the fastest kernel the CPU supports; kernel32 is its float32 twin
// (NR = 16).
var (
	kernel   = kernelGo[float64]
	kernel32 = kernelGo[float32]
)

// kernelOf returns the micro-kernel for T.
func kernelOf[T elem]() func(k int, a, b, c []T, ldc int, alpha, beta T) {
	if f, ok := any(kernel).(func(int, []T, []T, []T, int, T, T)); ok {
		return f
	}
	return any(kernel32).(func(int, []T, []T, []T, int, T, T))
}

// store writes C[i,j] = FMA(alpha, t[i·NR+j], beta·C[i,j]) (alpha·t when
// beta = 0) for the top-left rows×cols of a micro-tile. For float32 the
// fused multiply-add is computed in float64 and rounded to float32, which
// can differ from a float32 FMA in the last bit (double rounding); the
// same tiles always take this path, whatever the thread count.
func store[T elem](c []T, ldc, rows, cols int, t []T, alpha, beta T) {
	nr := nrOf[T]()
	for i := range rows {
		ci := c[i*ldc : i*ldc+cols]
		ti := t[i*nr : i*nr+cols]
		if beta == 0 {
			for j, v := range ti {
				ci[j] = alpha * v
			}
			continue
		}
		for j, v := range ti {
			ci[j] = T(math.FMA(float64(alpha), float64(v), float64(beta*ci[j])))
		}
	}
}

// kernelGo is the portable micro-kernel. It accumulates two rows by eight
// columns at a time so that the compiler keeps the sums in registers.
func kernelGo[T elem](k int, a, b, c []T, ldc int, alpha, beta T) {
	const maxTile = mr * nr32
	var tile [maxTile]T
	nr := nrOf[T]()
	t := tile[:mr*nr]
	a = a[:k*mr]
	b = b[:k*nr]
	for i := 0; i < mr; i += 2 {
		for h := 0; h < nr; h += 8 {
			var s00, s01, s02, s03, s04, s05, s06, s07 T
			var s10, s11, s12, s13, s14, s15, s16, s17 T
			for p := range k {
				o := p*nr + h
				bp := b[o : o+8 : o+8]
				a0, a1 := a[p*mr+i], a[p*mr+i+1]
				s00 += a0 * bp[0]
				s01 += a0 * bp[1]
				s02 += a0 * bp[2]
				s03 += a0 * bp[3]
				s04 += a0 * bp[4]
				s05 += a0 * bp[5]
				s06 += a0 * bp[6]
				s07 += a0 * bp[7]
				s10 += a1 * bp[0]
				s11 += a1 * bp[1]
				s12 += a1 * bp[2]
				s13 += a1 * bp[3]
				s14 += a1 * bp[4]
				s15 += a1 * bp[5]
				s16 += a1 * bp[6]
				s17 += a1 * bp[7]
			}
			r0 := t[i*nr+h : i*nr+h+8 : i*nr+h+8]
			r1 := t[(i+1)*nr+h : (i+1)*nr+h+8 : (i+1)*nr+h+8]
			r0[0], r0[1], r0[2], r0[3] = s00, s01, s02, s03
			r0[4], r0[5], r0[6], r0[7] = s04, s05, s06, s07
			r1[0], r1[1], r1[2], r1[3] = s10, s11, s12, s13
			r1[4], r1[5], r1[6], r1[7] = s14, s15, s16, s17
		}
	}
	store(c, ldc, mr, nr, t, alpha, beta)
}
