//go:build amd64 && !purego

#include "textflag.h"

// Comparison predicates of VCMPPD/VCMPSD (Intel SDM, table 3-1), quiet
// forms: a NaN operand makes NLE true and GT false, without a trap.
#define NLE_UQ $0x16 // !(a <= b): a > b or unordered
#define GT_OQ $0x1e  // a > b, ordered

// In Go's operand order "VCMPPD pred, b, a, dst" sets each lane of dst to
// all ones where "a pred b" holds and to zero elsewhere; ANDing a value with
// that mask keeps its bits or gives +0. Y0 (X0) holds +0 in every lane.

// ReLU of 4 doubles at off(SI) into off(DI), through register R and mask M.
#define RELU4(off, R, M) \
	VMOVUPD off(SI), R;      \
	VCMPPD  NLE_UQ, Y0, R, M; \
	VANDPD  R, M, M;         \
	VMOVUPD M, off(DI)

// func reluAVX(dst, x []float64)
TEXT ·reluAVX(SB), NOSPLIT, $0-48
	MOVQ   dst_base+0(FP), DI
	MOVQ   x_base+24(FP), SI
	MOVQ   x_len+32(FP), CX
	VXORPD Y0, Y0, Y0
	CMPQ   CX, $16
	JB     relu4

relu16:
	RELU4(0, Y1, Y5)
	RELU4(32, Y2, Y6)
	RELU4(64, Y3, Y7)
	RELU4(96, Y4, Y8)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $16, CX
	CMPQ CX, $16
	JAE  relu16

relu4:
	CMPQ CX, $4
	JB   relu1
	RELU4(0, Y1, Y5)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  relu4

relu1:
	TESTQ CX, CX
	JZ    reluDone

relu1Loop:
	VMOVSD (SI), X1
	VCMPSD NLE_UQ, X0, X1, X5
	VANDPD X1, X5, X5
	VMOVSD X5, (DI)
	ADDQ   $8, SI
	ADDQ   $8, DI
	DECQ   CX
	JNZ    relu1Loop

reluDone:
	VZEROUPPER
	RET

// Backward ReLU of 4 doubles at off(SI) (y) and off(DX) (g) into off(DI),
// through register M.
#define BACK4(off, M) \
	VMOVUPD off(SI), M;      \
	VCMPPD  GT_OQ, Y0, M, M; \
	VANDPD  off(DX), M, M;   \
	VMOVUPD M, off(DI)

// func reluBackwardAVX(dst, y, g []float64)
TEXT ·reluBackwardAVX(SB), NOSPLIT, $0-72
	MOVQ   dst_base+0(FP), DI
	MOVQ   y_base+24(FP), SI
	MOVQ   y_len+32(FP), CX
	MOVQ   g_base+48(FP), DX
	VXORPD Y0, Y0, Y0
	CMPQ   CX, $16
	JB     back4

back16:
	BACK4(0, Y1)
	BACK4(32, Y2)
	BACK4(64, Y3)
	BACK4(96, Y4)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $16, CX
	CMPQ CX, $16
	JAE  back16

back4:
	CMPQ CX, $4
	JB   back1
	BACK4(0, Y1)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  back4

back1:
	TESTQ CX, CX
	JZ    backDone

back1Loop:
	VMOVSD (SI), X1
	VCMPSD GT_OQ, X0, X1, X1
	VMOVSD (DX), X2
	VANDPD X2, X1, X1
	VMOVSD X1, (DI)
	ADDQ   $8, SI
	ADDQ   $8, DX
	ADDQ   $8, DI
	DECQ   CX
	JNZ    back1Loop

backDone:
	VZEROUPPER
	RET
