//go:build amd64 && !purego

#include "textflag.h"

// One step p of the 6×8 micro-kernel: load B̃[p, 0:8] into Y12:Y13,
// broadcast each Ã[p, r] and multiply-add into row r's sums Y(2r):Y(2r+1).
#define STEP(ao, bo) \
	VMOVUPD      (bo)(DI), Y12;     \
	VMOVUPD      (bo+32)(DI), Y13;  \
	VBROADCASTSD (ao)(SI), Y14;     \
	VFMADD231PD  Y12, Y14, Y0;      \
	VFMADD231PD  Y13, Y14, Y1;      \
	VBROADCASTSD (ao+8)(SI), Y15;   \
	VFMADD231PD  Y12, Y15, Y2;      \
	VFMADD231PD  Y13, Y15, Y3;      \
	VBROADCASTSD (ao+16)(SI), Y14;  \
	VFMADD231PD  Y12, Y14, Y4;      \
	VFMADD231PD  Y13, Y14, Y5;      \
	VBROADCASTSD (ao+24)(SI), Y15;  \
	VFMADD231PD  Y12, Y15, Y6;      \
	VFMADD231PD  Y13, Y15, Y7;      \
	VBROADCASTSD (ao+32)(SI), Y14;  \
	VFMADD231PD  Y12, Y14, Y8;      \
	VFMADD231PD  Y13, Y14, Y9;      \
	VBROADCASTSD (ao+40)(SI), Y15;  \
	VFMADD231PD  Y12, Y15, Y10;     \
	VFMADD231PD  Y13, Y15, Y11

// Row r of C = alpha·sums (beta = 0): Y14 holds alpha.
#define STORE0(lo, hi) \
	VMULPD  lo, Y14, lo;  \
	VMULPD  hi, Y14, hi;  \
	VMOVUPD lo, (DX);     \
	VMOVUPD hi, 32(DX);   \
	ADDQ    R8, DX

// Row r of C = FMA(alpha, sums, beta·C): Y14 holds alpha, Y15 beta.
#define STORE(lo, hi) \
	VMULPD      (DX), Y15, Y12;    \
	VMULPD      32(DX), Y15, Y13;  \
	VFMADD231PD lo, Y14, Y12;      \
	VFMADD231PD hi, Y14, Y13;      \
	VMOVUPD     Y12, (DX);         \
	VMOVUPD     Y13, 32(DX);       \
	ADDQ        R8, DX

// func kernel6x8AVX2(k int, a, b, c *float64, ldc int, alpha, beta float64)
TEXT ·kernel6x8AVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8

	// Warm the six rows of C while the sums are computed.
	MOVQ       DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)

	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

	MOVQ CX, R9
	SHRQ $2, R9
	JZ   tail

loop4:
	PREFETCHT0 512(SI)
	STEP(0, 0)
	STEP(48, 64)
	PREFETCHT0 512(DI)
	STEP(96, 128)
	STEP(144, 192)
	ADDQ $192, SI
	ADDQ $256, DI
	DECQ R9
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   done

loop1:
	STEP(0, 0)
	ADDQ $48, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

done:
	VBROADCASTSD alpha+40(FP), Y14
	VMOVSD       beta+48(FP), X15
	VXORPD       X13, X13, X13
	VUCOMISD     X13, X15
	JNE          general
	JPS          general

	STORE0(Y0, Y1)
	STORE0(Y2, Y3)
	STORE0(Y4, Y5)
	STORE0(Y6, Y7)
	STORE0(Y8, Y9)
	STORE0(Y10, Y11)
	VZEROUPPER
	RET

general:
	VBROADCASTSD beta+48(FP), Y15
	STORE(Y0, Y1)
	STORE(Y2, Y3)
	STORE(Y4, Y5)
	STORE(Y6, Y7)
	STORE(Y8, Y9)
	STORE(Y10, Y11)
	VZEROUPPER
	RET

// One step p of the 6×16 float32 micro-kernel: load B̃[p, 0:16] into
// Y12:Y13, broadcast each Ã[p, r] and multiply-add into row r's sums
// Y(2r):Y(2r+1).
#define SSTEP(ao, bo) \
	VMOVUPS      (bo)(DI), Y12;     \
	VMOVUPS      (bo+32)(DI), Y13;  \
	VBROADCASTSS (ao)(SI), Y14;     \
	VFMADD231PS  Y12, Y14, Y0;      \
	VFMADD231PS  Y13, Y14, Y1;      \
	VBROADCASTSS (ao+4)(SI), Y15;   \
	VFMADD231PS  Y12, Y15, Y2;      \
	VFMADD231PS  Y13, Y15, Y3;      \
	VBROADCASTSS (ao+8)(SI), Y14;   \
	VFMADD231PS  Y12, Y14, Y4;      \
	VFMADD231PS  Y13, Y14, Y5;      \
	VBROADCASTSS (ao+12)(SI), Y15;  \
	VFMADD231PS  Y12, Y15, Y6;      \
	VFMADD231PS  Y13, Y15, Y7;      \
	VBROADCASTSS (ao+16)(SI), Y14;  \
	VFMADD231PS  Y12, Y14, Y8;      \
	VFMADD231PS  Y13, Y14, Y9;      \
	VBROADCASTSS (ao+20)(SI), Y15;  \
	VFMADD231PS  Y12, Y15, Y10;     \
	VFMADD231PS  Y13, Y15, Y11

// Row r of C = alpha·sums (beta = 0): Y14 holds alpha.
#define SSTORE0(lo, hi) \
	VMULPS  lo, Y14, lo;  \
	VMULPS  hi, Y14, hi;  \
	VMOVUPS lo, (DX);     \
	VMOVUPS hi, 32(DX);   \
	ADDQ    R8, DX

// Row r of C = FMA(alpha, sums, beta·C): Y14 holds alpha, Y15 beta.
#define SSTORE(lo, hi) \
	VMULPS      (DX), Y15, Y12;    \
	VMULPS      32(DX), Y15, Y13;  \
	VFMADD231PS lo, Y14, Y12;      \
	VFMADD231PS hi, Y14, Y13;      \
	VMOVUPS     Y12, (DX);         \
	VMOVUPS     Y13, 32(DX);       \
	ADDQ        R8, DX

// func kernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·kernel6x16AVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

	// Warm the six rows of C (64 bytes each) while the sums are computed.
	MOVQ       DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	MOVQ CX, R9
	SHRQ $2, R9
	JZ   stail

sloop4:
	PREFETCHT0 384(SI)
	SSTEP(0, 0)
	SSTEP(24, 64)
	PREFETCHT0 512(DI)
	SSTEP(48, 128)
	SSTEP(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ R9
	JNZ  sloop4

stail:
	ANDQ $3, CX
	JZ   sdone

sloop1:
	SSTEP(0, 0)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  sloop1

sdone:
	VBROADCASTSS alpha+40(FP), Y14
	VMOVSS       beta+44(FP), X15
	VXORPS       X13, X13, X13
	VUCOMISS     X13, X15
	JNE          sgeneral
	JPS          sgeneral

	SSTORE0(Y0, Y1)
	SSTORE0(Y2, Y3)
	SSTORE0(Y4, Y5)
	SSTORE0(Y6, Y7)
	SSTORE0(Y8, Y9)
	SSTORE0(Y10, Y11)
	VZEROUPPER
	RET

sgeneral:
	VBROADCASTSS beta+44(FP), Y15
	SSTORE(Y0, Y1)
	SSTORE(Y2, Y3)
	SSTORE(Y4, Y5)
	SSTORE(Y6, Y7)
	SSTORE(Y8, Y9)
	SSTORE(Y10, Y11)
	VZEROUPPER
	RET

// func kernel6x8IndAVX2(k int, x *float64, off *int, b *float64, c *float64, ldc int)
//
// The 6×8 kernel with an indirect Ã: step p broadcasts the six values
// x[off[p]], …, x[off[p]+5] (six neighbouring image positions of one
// convolution tap) instead of a packed sliver. C = sums (alpha 1, beta 0).
TEXT ·kernel6x8IndAVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ x+8(FP), BX
	MOVQ off+16(FP), R10
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $3, R8

	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

	MOVQ CX, R9
	SHRQ $1, R9
	JZ   itail

iloop2:
	MOVQ (R10), R11
	LEAQ (BX)(R11*8), SI
	STEP(0, 0)
	MOVQ 8(R10), R11
	LEAQ (BX)(R11*8), SI
	STEP(0, 64)
	ADDQ $16, R10
	ADDQ $128, DI
	DECQ R9
	JNZ  iloop2

itail:
	ANDQ $1, CX
	JZ   idone
	MOVQ (R10), R11
	LEAQ (BX)(R11*8), SI
	STEP(0, 0)

idone:
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y2, (DX)
	VMOVUPD Y3, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y4, (DX)
	VMOVUPD Y5, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y6, (DX)
	VMOVUPD Y7, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y8, (DX)
	VMOVUPD Y9, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y10, (DX)
	VMOVUPD Y11, 32(DX)
	VZEROUPPER
	RET

// func kernel6x16IndAVX2(k int, x *float32, off *int, b *float32, c *float32, ldc int)
//
// kernel6x8IndAVX2 for float32: the 6×16 kernel with an indirect Ã.
TEXT ·kernel6x16IndAVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ x+8(FP), BX
	MOVQ off+16(FP), R10
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	MOVQ CX, R9
	SHRQ $1, R9
	JZ   stail

sloop2:
	MOVQ (R10), R11
	LEAQ (BX)(R11*4), SI
	SSTEP(0, 0)
	MOVQ 8(R10), R11
	LEAQ (BX)(R11*4), SI
	SSTEP(0, 64)
	ADDQ $16, R10
	ADDQ $128, DI
	DECQ R9
	JNZ  sloop2

stail:
	ANDQ $1, CX
	JZ   sdone
	MOVQ (R10), R11
	LEAQ (BX)(R11*4), SI
	SSTEP(0, 0)

sdone:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	VZEROUPPER
	RET
