#include "textflag.h"

// Vector rows of the fast LIF loops, 8 neurons per step, float32. They
// compute exactly what the Go loops in fast.go compute: products and sums
// are rounded separately (no fused multiply-add) and the surrogate window
// multiplies, so a NaN gradient still propagates.
//
// params points at 8 float32 constants: decay, vth, vreset, invA, halfA,
// and three unused.

// func forwardRow(n int, in, v, hs, vs, out *float32, params *float32, mode int) (nan float32)
//
// mode bit 0: soft reset; bit 1: continuous output. n is a multiple of 8.
// nan is the sum of in[i]·0, NaN exactly when an input is NaN or ±Inf.
TEXT ·forwardRow(SB), NOSPLIT, $0-68
	MOVQ n+0(FP), CX
	MOVQ in+8(FP), SI
	MOVQ v+16(FP), DI
	MOVQ hs+24(FP), R8
	MOVQ vs+32(FP), R9
	MOVQ out+40(FP), R10
	MOVQ params+48(FP), AX
	MOVQ mode+56(FP), DX
	VBROADCASTSS 0(AX), Y15  // decay
	VBROADCASTSS 4(AX), Y14  // vth
	VBROADCASTSS 8(AX), Y13  // vreset
	VBROADCASTSS 12(AX), Y12 // 1/α
	MOVL $0x3f000000, BX
	MOVL BX, X11
	VBROADCASTSS X11, Y11    // 0.5
	MOVL $0x3f800000, BX
	MOVL BX, X10
	VBROADCASTSS X10, Y10    // 1
	VXORPS Y9, Y9, Y9        // 0
	VXORPS Y8, Y8, Y8        // NaN detector
	XORQ BX, BX

floop:
	CMPQ BX, CX
	JGE  fdone
	VMOVUPS (SI)(BX*4), Y0       // I
	VMULPS Y9, Y0, Y1
	VADDPS Y1, Y8, Y8
	VMOVUPS (DI)(BX*4), Y2       // v
	VMULPS Y15, Y2, Y2
	VADDPS Y0, Y2, Y2            // h = decay·v + I
	VSUBPS Y14, Y2, Y3           // x = h − vth
	VCMPPS $13, Y9, Y3, Y4       // x ≥ 0
	VANDPS Y10, Y4, Y5           // S
	TESTQ $1, DX
	JNE  fsoft
	VBLENDVPS Y4, Y13, Y2, Y6    // hard: S ? vreset : h
	JMP  fout

fsoft:
	VMULPS Y14, Y5, Y7
	VSUBPS Y7, Y2, Y6            // soft: h − S·vth

fout:
	VMOVUPS Y2, (R8)(BX*4)
	VMOVUPS Y6, (R9)(BX*4)
	VMOVUPS Y6, (DI)(BX*4)
	TESTQ $2, DX
	JNE  fcont
	VMOVUPS Y5, (R10)(BX*4)
	ADDQ $8, BX
	JMP  floop

fcont:
	VMULPS Y12, Y3, Y7
	VADDPS Y11, Y7, Y7
	VMAXPS Y9, Y7, Y7
	VMINPS Y10, Y7, Y7           // min(max(x/α + 0.5, 0), 1)
	VMOVUPS Y7, (R10)(BX*4)
	ADDQ $8, BX
	JMP  floop

fdone:
	// Fold the detector to one lane: NaN stays NaN.
	VEXTRACTF128 $1, Y8, X0
	VADDPS X0, X8, X8
	VMOVHLPS X8, X0, X0
	VADDPS X0, X8, X8
	VMOVSHDUP X8, X0
	VADDSS X0, X8, X8
	MOVSS X8, nan+64(FP)
	VZEROUPPER
	RET

// func backwardRow(n int, hs, grad, gI, gV *float32, params *float32, mode int)
//
// mode bit 0: soft reset; bit 1: gradient through the reset term. n is a
// multiple of 8. gV carries ∂L/∂V from step t+1 in and to step t−1 out.
TEXT ·backwardRow(SB), NOSPLIT, $0-56
	MOVQ n+0(FP), CX
	MOVQ hs+8(FP), SI
	MOVQ grad+16(FP), DI
	MOVQ gI+24(FP), R8
	MOVQ gV+32(FP), R9
	MOVQ params+40(FP), AX
	MOVQ mode+48(FP), DX
	VBROADCASTSS 0(AX), Y15  // decay
	VBROADCASTSS 4(AX), Y14  // vth
	VBROADCASTSS 8(AX), Y13  // vreset
	VBROADCASTSS 12(AX), Y12 // 1/α
	VBROADCASTSS 16(AX), Y11 // α/2
	MOVL $0x3f800000, BX
	MOVL BX, X10
	VBROADCASTSS X10, Y10    // 1
	MOVL $0x7fffffff, BX
	MOVL BX, X9
	VBROADCASTSS X9, Y9      // |·| mask
	VXORPS Y8, Y8, Y8        // 0
	XORQ BX, BX

bloop:
	CMPQ BX, CX
	JGE  bdone
	VMOVUPS (SI)(BX*4), Y0       // h
	VSUBPS Y14, Y0, Y1           // x = h − vth
	VANDPS Y9, Y1, Y2            // |x|
	VCMPPS $2, Y11, Y2, Y2       // |x| ≤ α/2
	VANDPS Y10, Y2, Y2           // window
	VMOVUPS (DI)(BX*4), Y3       // G
	VMOVUPS (R9)(BX*4), Y4       // gv
	TESTQ $2, DX
	JEQ  bnoreset
	TESTQ $1, DX
	JNE  bsoftreset
	VSUBPS Y0, Y13, Y5           // vreset − h
	VMULPS Y5, Y4, Y5
	VADDPS Y5, Y3, Y3            // G + gv·(vreset − h)
	JMP  bnoreset

bsoftreset:
	VMULPS Y14, Y4, Y5
	VSUBPS Y5, Y3, Y3            // G − gv·vth

bnoreset:
	VMULPS Y2, Y3, Y3
	VMULPS Y12, Y3, Y3           // gx = (…)·window·(1/α)
	TESTQ $1, DX
	JNE  bsoft
	VCMPPS $13, Y8, Y1, Y5       // x ≥ 0
	VANDPS Y10, Y5, Y5           // S
	VSUBPS Y5, Y10, Y5           // 1 − S
	VMULPS Y5, Y4, Y4            // gv·(1 − S)

bsoft:
	VADDPS Y3, Y4, Y4            // gh
	VMOVUPS Y4, (R8)(BX*4)
	VMULPS Y15, Y4, Y4
	VMOVUPS Y4, (R9)(BX*4)
	ADDQ $8, BX
	JMP  bloop

bdone:
	VZEROUPPER
	RET
