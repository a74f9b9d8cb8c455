#include "textflag.h"

// HSUM8 folds the 8 lanes of Y register y into the low lane of X register
// x, using X15 as scratch.
#define HSUM8(y, x) \
	VEXTRACTF128 $1, y, X15 \
	VADDPS X15, x, x \
	VMOVHLPS x, X15, X15 \
	VADDPS X15, x, x \
	VMOVSHDUP x, X15 \
	VADDSS X15, x, x

// func sumsRow(x *float32, n int, s float32) (a, aa float32)
//
// a = Σ(x − s), aa = Σ(x − s)² over n values, n a multiple of 8.
TEXT ·sumsRow(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS s+16(FP), Y8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPS (SI)(BX*4), Y2
	VSUBPS Y8, Y2, Y2
	VADDPS Y2, Y0, Y0
	VFMADD231PS Y2, Y2, Y1
	ADDQ $8, BX
	JMP  loop

done:
	HSUM8(Y0, X0)
	HSUM8(Y1, X1)
	MOVSS X0, a+24(FP)
	MOVSS X1, aa+28(FP)
	VZEROUPPER
	RET

// func sumsRow2(x, dy *float32, n int, s float32) (a, aa, b, bx float32)
//
// As sumsRow, and b = Σg, bx = Σdy·(x − s).
TEXT ·sumsRow2(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ dy+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSS s+24(FP), Y8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPS (SI)(BX*4), Y4
	VMOVUPS (DI)(BX*4), Y5
	VSUBPS Y8, Y4, Y4
	VADDPS Y4, Y0, Y0
	VFMADD231PS Y4, Y4, Y1
	VADDPS Y5, Y2, Y2
	VFMADD231PS Y4, Y5, Y3
	ADDQ $8, BX
	JMP  loop

done:
	HSUM8(Y0, X0)
	HSUM8(Y1, X1)
	HSUM8(Y2, X2)
	HSUM8(Y3, X3)
	MOVSS X0, a+32(FP)
	MOVSS X1, aa+36(FP)
	MOVSS X2, b+40(FP)
	MOVSS X3, bx+44(FP)
	VZEROUPPER
	RET

// func affineRow(out, u, v *float32, n int, a, b, c float32)
//
// out[i] = a·u[i] + b·v[i] + c over n values, n a multiple of 8; v is
// not read when it is nil.
TEXT ·affineRow(SB), NOSPLIT, $0-44
	MOVQ out+0(FP), R8
	MOVQ u+8(FP), SI
	MOVQ v+16(FP), DI
	MOVQ n+24(FP), CX
	VBROADCASTSS a+32(FP), Y8
	VBROADCASTSS b+36(FP), Y9
	VBROADCASTSS c+40(FP), Y10
	XORQ BX, BX
	TESTQ DI, DI
	JEQ  one

two:
	CMPQ BX, CX
	JGE  done
	VMOVUPS (SI)(BX*4), Y0
	VMOVUPS (DI)(BX*4), Y1
	VMOVAPS Y10, Y2
	VFMADD231PS Y0, Y8, Y2
	VFMADD231PS Y1, Y9, Y2
	VMOVUPS Y2, (R8)(BX*4)
	ADDQ $8, BX
	JMP  two

one:
	CMPQ BX, CX
	JGE  done
	VMOVUPS (SI)(BX*4), Y0
	VMOVAPS Y10, Y2
	VFMADD231PS Y0, Y8, Y2
	VMOVUPS Y2, (R8)(BX*4)
	ADDQ $8, BX
	JMP  one

done:
	VZEROUPPER
	RET
