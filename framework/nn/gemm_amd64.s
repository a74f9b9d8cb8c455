#include "textflag.h"

// The 4×16 kernels keep the block of C in Y0–Y7 (two registers per row),
// load one row of B into Y8–Y9 and broadcast one element of each of the
// four rows of A into Y10–Y13. DX points at C, R10 is C's row stride in
// bytes.

#define ZERO8 \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3 \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5 \
	VXORPS Y6, Y6, Y6 \
	VXORPS Y7, Y7, Y7

// FMA4 multiplies the B row in Y8–Y9 by element BX of the A rows at SI,
// R11, R12 and R13 and adds the products to the accumulators.
#define FMA4 \
	VBROADCASTSS (SI)(BX*4), Y10 \
	VFMADD231PS Y8, Y10, Y0 \
	VFMADD231PS Y9, Y10, Y1 \
	VBROADCASTSS (R11)(BX*4), Y11 \
	VFMADD231PS Y8, Y11, Y2 \
	VFMADD231PS Y9, Y11, Y3 \
	VBROADCASTSS (R12)(BX*4), Y12 \
	VFMADD231PS Y8, Y12, Y4 \
	VFMADD231PS Y9, Y12, Y5 \
	VBROADCASTSS (R13)(BX*4), Y13 \
	VFMADD231PS Y8, Y13, Y6 \
	VFMADD231PS Y9, Y13, Y7

// ADDC adds the block of C at DX to the accumulators; DX is left unchanged.
#define ADDC \
	MOVQ DX, AX \
	VADDPS (AX), Y0, Y0 \
	VADDPS 32(AX), Y1, Y1 \
	ADDQ R10, AX \
	VADDPS (AX), Y2, Y2 \
	VADDPS 32(AX), Y3, Y3 \
	ADDQ R10, AX \
	VADDPS (AX), Y4, Y4 \
	VADDPS 32(AX), Y5, Y5 \
	ADDQ R10, AX \
	VADDPS (AX), Y6, Y6 \
	VADDPS 32(AX), Y7, Y7

// STOREC writes the accumulators to the block of C at DX.
#define STOREC \
	VMOVUPS Y0, (DX) \
	VMOVUPS Y1, 32(DX) \
	ADDQ R10, DX \
	VMOVUPS Y2, (DX) \
	VMOVUPS Y3, 32(DX) \
	ADDQ R10, DX \
	VMOVUPS Y4, (DX) \
	VMOVUPS Y5, 32(DX) \
	ADDQ R10, DX \
	VMOVUPS Y6, (DX) \
	VMOVUPS Y7, 32(DX)

// func gemm4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int)
TEXT ·gemm4x16(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R9
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	ZERO8
	XORQ BX, BX

loop:
	VMOVUPS (DI), Y8
	VMOVUPS 32(DI), Y9
	FMA4
	ADDQ R9, DI
	INCQ BX
	CMPQ BX, CX
	JLT  loop

	MOVQ acc+56(FP), AX
	TESTQ AX, AX
	JEQ  store
	ADDC

store:
	STOREC
	VZEROUPPER
	RET

// func gemm4x16off(k int, a *float32, lda int, b *float32, offs *int, c *float32, ldc int, acc int)
//
// As gemm4x16, but row p of B starts offs[p] elements after b.
TEXT ·gemm4x16off(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DI
	MOVQ offs+32(FP), R9
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R8
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	ZERO8
	XORQ BX, BX

loop:
	MOVQ (R9)(BX*8), R14
	VMOVUPS (DI)(R14*4), Y8
	VMOVUPS 32(DI)(R14*4), Y9
	FMA4
	INCQ BX
	CMPQ BX, CX
	JLT  loop

	MOVQ acc+56(FP), AX
	TESTQ AX, AX
	JEQ  store
	ADDC

store:
	STOREC
	VZEROUPPER
	RET

// func gemm4x16rows(k int, a0, a1, a2, a3 *float32, b *float32, ldb int, c *float32, ldc int, acc int)
//
// As gemm4x16, but the four rows of A start at a0, a1, a2 and a3.
TEXT ·gemm4x16rows(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), CX
	MOVQ a0+8(FP), SI
	MOVQ a1+16(FP), R11
	MOVQ a2+24(FP), R12
	MOVQ a3+32(FP), R13
	MOVQ b+40(FP), DI
	MOVQ ldb+48(FP), R9
	MOVQ c+56(FP), DX
	MOVQ ldc+64(FP), R10
	SHLQ $2, R9
	SHLQ $2, R10
	ZERO8
	XORQ BX, BX

loop:
	VMOVUPS (DI), Y8
	VMOVUPS 32(DI), Y9
	FMA4
	ADDQ R9, DI
	INCQ BX
	CMPQ BX, CX
	JLT  loop

	MOVQ acc+72(FP), AX
	TESTQ AX, AX
	JEQ  store
	ADDC

store:
	STOREC
	VZEROUPPER
	RET

// func addTo(dst, src *float32, n int)
//
// dst[i] += src[i] for i < n: 32 elements per step, then 8, then one.
TEXT ·addTo(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

wide:
	CMPQ CX, $32
	JLT  eight
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS (DI), Y0, Y0
	VADDPS 32(DI), Y1, Y1
	VADDPS 64(DI), Y2, Y2
	VADDPS 96(DI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  wide

eight:
	CMPQ CX, $8
	JLT  one
	VMOVUPS (SI), Y0
	VADDPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  eight

one:
	TESTQ CX, CX
	JEQ  done
	MOVSS (SI), X0
	ADDSS (DI), X0
	MOVSS X0, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  one

done:
	VZEROUPPER
	RET
