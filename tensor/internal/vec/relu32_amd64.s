//go:build amd64 && !purego

#include "textflag.h"

// The float32 kernels: relu_amd64.s with packed singles, eight per YMM
// register (VCMPPS, VANDPS, VMOVUPS; VCMPSS and VMOVSS in the tail). The
// predicates are the same quiet ones: NLE_UQ keeps x > 0 and NaN, GT_OQ
// keeps g where y > 0.
#define NLE_UQ $0x16
#define GT_OQ $0x1e

// ReLU of 8 floats at off(SI) into off(DI), through register R and mask M.
#define RELU8(off, R, M) \
	VMOVUPS off(SI), R;      \
	VCMPPS  NLE_UQ, Y0, R, M; \
	VANDPS  R, M, M;         \
	VMOVUPS M, off(DI)

// func reluAVX32(dst, x []float32)
TEXT ·reluAVX32(SB), NOSPLIT, $0-48
	MOVQ   dst_base+0(FP), DI
	MOVQ   x_base+24(FP), SI
	MOVQ   x_len+32(FP), CX
	VXORPS Y0, Y0, Y0
	CMPQ   CX, $32
	JB     relu8

relu32:
	RELU8(0, Y1, Y5)
	RELU8(32, Y2, Y6)
	RELU8(64, Y3, Y7)
	RELU8(96, Y4, Y8)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JAE  relu32

relu8:
	CMPQ CX, $8
	JB   relu1
	RELU8(0, Y1, Y5)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  relu8

relu1:
	TESTQ CX, CX
	JZ    reluDone

relu1Loop:
	VMOVSS (SI), X1
	VCMPSS NLE_UQ, X0, X1, X5
	VANDPS X1, X5, X5
	VMOVSS X5, (DI)
	ADDQ   $4, SI
	ADDQ   $4, DI
	DECQ   CX
	JNZ    relu1Loop

reluDone:
	VZEROUPPER
	RET

// Backward ReLU of 8 floats at off(SI) (y) and off(DX) (g) into off(DI),
// through register M.
#define BACK8(off, M) \
	VMOVUPS off(SI), M;      \
	VCMPPS  GT_OQ, Y0, M, M; \
	VANDPS  off(DX), M, M;   \
	VMOVUPS M, off(DI)

// func reluBackwardAVX32(dst, y, g []float32)
TEXT ·reluBackwardAVX32(SB), NOSPLIT, $0-72
	MOVQ   dst_base+0(FP), DI
	MOVQ   y_base+24(FP), SI
	MOVQ   y_len+32(FP), CX
	MOVQ   g_base+48(FP), DX
	VXORPS Y0, Y0, Y0
	CMPQ   CX, $32
	JB     back8

back32:
	BACK8(0, Y1)
	BACK8(32, Y2)
	BACK8(64, Y3)
	BACK8(96, Y4)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JAE  back32

back8:
	CMPQ CX, $8
	JB   back1
	BACK8(0, Y1)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  back8

back1:
	TESTQ CX, CX
	JZ    backDone

back1Loop:
	VMOVSS (SI), X1
	VCMPSS GT_OQ, X0, X1, X1
	VMOVSS (DX), X2
	VANDPS X2, X1, X1
	VMOVSS X1, (DI)
	ADDQ   $4, SI
	ADDQ   $4, DX
	ADDQ   $4, DI
	DECQ   CX
	JNZ    back1Loop

backDone:
	VZEROUPPER
	RET
