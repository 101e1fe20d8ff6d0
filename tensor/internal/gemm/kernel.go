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
// to the fastest kernel the CPU supports.
var kernel = kernelGo

// store writes C[i,j] = FMA(alpha, t[i·NR+j], beta·C[i,j]) (alpha·t when
// beta = 0) for the top-left rows×cols of a micro-tile.
func store(c []float64, ldc, rows, cols int, t *[mr * nr]float64, alpha, beta float64) {
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
			ci[j] = math.FMA(alpha, v, beta*ci[j])
		}
	}
}

// kernelGo is the portable micro-kernel. It accumulates in rows of four
// so that the compiler keeps the sums in registers.
func kernelGo(k int, a, b, c []float64, ldc int, alpha, beta float64) {
	var t [mr * nr]float64
	a = a[:k*mr]
	b = b[:k*nr]
	for i := 0; i < mr; i += 2 {
		var s00, s01, s02, s03, s04, s05, s06, s07 float64
		var s10, s11, s12, s13, s14, s15, s16, s17 float64
		for p := range k {
			bp := b[p*nr : p*nr+nr : p*nr+nr]
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
		t[i*nr+0], t[i*nr+1], t[i*nr+2], t[i*nr+3] = s00, s01, s02, s03
		t[i*nr+4], t[i*nr+5], t[i*nr+6], t[i*nr+7] = s04, s05, s06, s07
		t[i*nr+8], t[i*nr+9], t[i*nr+10], t[i*nr+11] = s10, s11, s12, s13
		t[i*nr+12], t[i*nr+13], t[i*nr+14], t[i*nr+15] = s14, s15, s16, s17
	}
	store(c, ldc, mr, nr, &t, alpha, beta)
}
