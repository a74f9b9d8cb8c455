#include "textflag.h"

// The convolution row kernels keep one output pixel's column chunk in
// Y0–Y7 (and, for chunks of 8 and 16 columns, a second partial sum in
// Y8–Y9 so that two addition chains run at once). Register use: DI output
// pixel, CX pixels left, SI weights, R11 the pixel's first CSR start entry
// or padded input element, BX the tap list, R15 taps left, AX the spike
// count, R14 the weight shift of the current pixel (spike kernels).

// func spikeRows8(out *float32, outStride, n int, w *float32, ldw int, bias *float32, start *int32, step int, idx *int32, taps *tap, ntaps, span, wstep int) int
TEXT ·spikeRows8(SB), NOSPLIT, $0-112
	MOVQ out+0(FP), DI
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), SI
	MOVQ ldw+32(FP), R9
	MOVQ start+48(FP), R11
	MOVQ idx+64(FP), R13
	XORQ AX, AX
	XORQ R14, R14

pixel:
	MOVQ bias+40(FP), R10
	VMOVUPS 0(R10), Y0
	VXORPS Y8, Y8, Y8
	MOVQ taps+72(FP), BX
	MOVQ ntaps+80(FP), R15

tap:
	MOVQ 0(BX), R8
	MOVQ 8(BX), R10
	SUBQ R14, R10
	MOVLQSX (R11)(R8*4), DX
	ADDQ span+88(FP), R8
	MOVLQSX (R11)(R8*4), R8
	ADDQ R8, AX
	SUBQ DX, AX

pair:
	LEAQ 1(DX), R12
	CMPQ R12, R8
	JGE  single
	MOVLQSX 0(R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0
	MOVLQSX 4(R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y8, Y8
	ADDQ $2, DX
	JMP  pair

single:
	CMPQ DX, R8
	JGE  next
	MOVLQSX (R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0

next:
	ADDQ $16, BX
	DECQ R15
	JNZ  tap
	VADDPS Y8, Y0, Y0
	VMOVUPS Y0, 0(DI)
	ADDQ outStride+8(FP), DI
	ADDQ step+56(FP), R11
	ADDQ wstep+96(FP), R14
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	MOVQ AX, ret+104(FP)
	RET

// func spikeRows16(out *float32, outStride, n int, w *float32, ldw int, bias *float32, start *int32, step int, idx *int32, taps *tap, ntaps, span, wstep int) int
TEXT ·spikeRows16(SB), NOSPLIT, $0-112
	MOVQ out+0(FP), DI
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), SI
	MOVQ ldw+32(FP), R9
	MOVQ start+48(FP), R11
	MOVQ idx+64(FP), R13
	XORQ AX, AX
	XORQ R14, R14

pixel:
	MOVQ bias+40(FP), R10
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), Y1
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	MOVQ taps+72(FP), BX
	MOVQ ntaps+80(FP), R15

tap:
	MOVQ 0(BX), R8
	MOVQ 8(BX), R10
	SUBQ R14, R10
	MOVLQSX (R11)(R8*4), DX
	ADDQ span+88(FP), R8
	MOVLQSX (R11)(R8*4), R8
	ADDQ R8, AX
	SUBQ DX, AX

pair:
	LEAQ 1(DX), R12
	CMPQ R12, R8
	JGE  single
	MOVLQSX 0(R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0
	VADDPS 32(SI)(R12*4), Y1, Y1
	MOVLQSX 4(R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y8, Y8
	VADDPS 32(SI)(R12*4), Y9, Y9
	ADDQ $2, DX
	JMP  pair

single:
	CMPQ DX, R8
	JGE  next
	MOVLQSX (R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0
	VADDPS 32(SI)(R12*4), Y1, Y1

next:
	ADDQ $16, BX
	DECQ R15
	JNZ  tap
	VADDPS Y8, Y0, Y0
	VADDPS Y9, Y1, Y1
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	ADDQ outStride+8(FP), DI
	ADDQ step+56(FP), R11
	ADDQ wstep+96(FP), R14
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	MOVQ AX, ret+104(FP)
	RET

// func spikeRows32(out *float32, outStride, n int, w *float32, ldw int, bias *float32, start *int32, step int, idx *int32, taps *tap, ntaps, span, wstep int) int
TEXT ·spikeRows32(SB), NOSPLIT, $0-112
	MOVQ out+0(FP), DI
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), SI
	MOVQ ldw+32(FP), R9
	MOVQ start+48(FP), R11
	MOVQ idx+64(FP), R13
	XORQ AX, AX
	XORQ R14, R14

pixel:
	MOVQ bias+40(FP), R10
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), Y1
	VMOVUPS 64(R10), Y2
	VMOVUPS 96(R10), Y3
	MOVQ taps+72(FP), BX
	MOVQ ntaps+80(FP), R15

tap:
	MOVQ 0(BX), R8
	MOVQ 8(BX), R10
	SUBQ R14, R10
	MOVLQSX (R11)(R8*4), DX
	ADDQ span+88(FP), R8
	MOVLQSX (R11)(R8*4), R8
	ADDQ R8, AX
	SUBQ DX, AX

pair:
	LEAQ 1(DX), R12
	CMPQ R12, R8
	JGE  single
	MOVLQSX 0(R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0
	VADDPS 32(SI)(R12*4), Y1, Y1
	VADDPS 64(SI)(R12*4), Y2, Y2
	VADDPS 96(SI)(R12*4), Y3, Y3
	MOVLQSX 4(R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0
	VADDPS 32(SI)(R12*4), Y1, Y1
	VADDPS 64(SI)(R12*4), Y2, Y2
	VADDPS 96(SI)(R12*4), Y3, Y3
	ADDQ $2, DX
	JMP  pair

single:
	CMPQ DX, R8
	JGE  next
	MOVLQSX (R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0
	VADDPS 32(SI)(R12*4), Y1, Y1
	VADDPS 64(SI)(R12*4), Y2, Y2
	VADDPS 96(SI)(R12*4), Y3, Y3

next:
	ADDQ $16, BX
	DECQ R15
	JNZ  tap
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ outStride+8(FP), DI
	ADDQ step+56(FP), R11
	ADDQ wstep+96(FP), R14
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	MOVQ AX, ret+104(FP)
	RET

// func spikeRows64(out *float32, outStride, n int, w *float32, ldw int, bias *float32, start *int32, step int, idx *int32, taps *tap, ntaps, span, wstep int) int
TEXT ·spikeRows64(SB), NOSPLIT, $0-112
	MOVQ out+0(FP), DI
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), SI
	MOVQ ldw+32(FP), R9
	MOVQ start+48(FP), R11
	MOVQ idx+64(FP), R13
	XORQ AX, AX
	XORQ R14, R14

pixel:
	MOVQ bias+40(FP), R10
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), Y1
	VMOVUPS 64(R10), Y2
	VMOVUPS 96(R10), Y3
	VMOVUPS 128(R10), Y4
	VMOVUPS 160(R10), Y5
	VMOVUPS 192(R10), Y6
	VMOVUPS 224(R10), Y7
	MOVQ taps+72(FP), BX
	MOVQ ntaps+80(FP), R15

tap:
	MOVQ 0(BX), R8
	MOVQ 8(BX), R10
	SUBQ R14, R10
	MOVLQSX (R11)(R8*4), DX
	ADDQ span+88(FP), R8
	MOVLQSX (R11)(R8*4), R8
	ADDQ R8, AX
	SUBQ DX, AX

pair:
	LEAQ 1(DX), R12
	CMPQ R12, R8
	JGE  single
	MOVLQSX 0(R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0
	VADDPS 32(SI)(R12*4), Y1, Y1
	VADDPS 64(SI)(R12*4), Y2, Y2
	VADDPS 96(SI)(R12*4), Y3, Y3
	VADDPS 128(SI)(R12*4), Y4, Y4
	VADDPS 160(SI)(R12*4), Y5, Y5
	VADDPS 192(SI)(R12*4), Y6, Y6
	VADDPS 224(SI)(R12*4), Y7, Y7
	MOVLQSX 4(R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0
	VADDPS 32(SI)(R12*4), Y1, Y1
	VADDPS 64(SI)(R12*4), Y2, Y2
	VADDPS 96(SI)(R12*4), Y3, Y3
	VADDPS 128(SI)(R12*4), Y4, Y4
	VADDPS 160(SI)(R12*4), Y5, Y5
	VADDPS 192(SI)(R12*4), Y6, Y6
	VADDPS 224(SI)(R12*4), Y7, Y7
	ADDQ $2, DX
	JMP  pair

single:
	CMPQ DX, R8
	JGE  next
	MOVLQSX (R13)(DX*4), R12
	IMULQ R9, R12
	ADDQ R10, R12
	VADDPS 0(SI)(R12*4), Y0, Y0
	VADDPS 32(SI)(R12*4), Y1, Y1
	VADDPS 64(SI)(R12*4), Y2, Y2
	VADDPS 96(SI)(R12*4), Y3, Y3
	VADDPS 128(SI)(R12*4), Y4, Y4
	VADDPS 160(SI)(R12*4), Y5, Y5
	VADDPS 192(SI)(R12*4), Y6, Y6
	VADDPS 224(SI)(R12*4), Y7, Y7

next:
	ADDQ $16, BX
	DECQ R15
	JNZ  tap
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	ADDQ outStride+8(FP), DI
	ADDQ step+56(FP), R11
	ADDQ wstep+96(FP), R14
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	MOVQ AX, ret+104(FP)
	RET

// func denseRows8(out *float32, outStride, n int, w, bias, x *float32, step int, taps *tap, ntaps int)
TEXT ·denseRows8(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), SI
	MOVQ x+40(FP), R11

pixel:
	MOVQ bias+32(FP), R10
	VMOVUPS 0(R10), Y0
	MOVQ taps+56(FP), BX
	MOVQ ntaps+64(FP), R15

tap:
	MOVQ 0(BX), R8
	MOVQ 8(BX), R10
	VBROADCASTSS (R11)(R8*4), Y15
	VFMADD231PS 0(SI)(R10*4), Y15, Y0
	ADDQ $16, BX
	DECQ R15
	JNZ  tap
	VMOVUPS Y0, 0(DI)
	ADDQ outStride+8(FP), DI
	ADDQ step+48(FP), R11
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	RET

// func denseRows16(out *float32, outStride, n int, w, bias, x *float32, step int, taps *tap, ntaps int)
TEXT ·denseRows16(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), SI
	MOVQ x+40(FP), R11

pixel:
	MOVQ bias+32(FP), R10
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), Y1
	MOVQ taps+56(FP), BX
	MOVQ ntaps+64(FP), R15

tap:
	MOVQ 0(BX), R8
	MOVQ 8(BX), R10
	VBROADCASTSS (R11)(R8*4), Y15
	VFMADD231PS 0(SI)(R10*4), Y15, Y0
	VFMADD231PS 32(SI)(R10*4), Y15, Y1
	ADDQ $16, BX
	DECQ R15
	JNZ  tap
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	ADDQ outStride+8(FP), DI
	ADDQ step+48(FP), R11
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	RET

// func denseRows32(out *float32, outStride, n int, w, bias, x *float32, step int, taps *tap, ntaps int)
TEXT ·denseRows32(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), SI
	MOVQ x+40(FP), R11

pixel:
	MOVQ bias+32(FP), R10
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), Y1
	VMOVUPS 64(R10), Y2
	VMOVUPS 96(R10), Y3
	MOVQ taps+56(FP), BX
	MOVQ ntaps+64(FP), R15

tap:
	MOVQ 0(BX), R8
	MOVQ 8(BX), R10
	VBROADCASTSS (R11)(R8*4), Y15
	VFMADD231PS 0(SI)(R10*4), Y15, Y0
	VFMADD231PS 32(SI)(R10*4), Y15, Y1
	VFMADD231PS 64(SI)(R10*4), Y15, Y2
	VFMADD231PS 96(SI)(R10*4), Y15, Y3
	ADDQ $16, BX
	DECQ R15
	JNZ  tap
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ outStride+8(FP), DI
	ADDQ step+48(FP), R11
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	RET

// func denseRows64(out *float32, outStride, n int, w, bias, x *float32, step int, taps *tap, ntaps int)
TEXT ·denseRows64(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), SI
	MOVQ x+40(FP), R11

pixel:
	MOVQ bias+32(FP), R10
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), Y1
	VMOVUPS 64(R10), Y2
	VMOVUPS 96(R10), Y3
	VMOVUPS 128(R10), Y4
	VMOVUPS 160(R10), Y5
	VMOVUPS 192(R10), Y6
	VMOVUPS 224(R10), Y7
	MOVQ taps+56(FP), BX
	MOVQ ntaps+64(FP), R15

tap:
	MOVQ 0(BX), R8
	MOVQ 8(BX), R10
	VBROADCASTSS (R11)(R8*4), Y15
	VFMADD231PS 0(SI)(R10*4), Y15, Y0
	VFMADD231PS 32(SI)(R10*4), Y15, Y1
	VFMADD231PS 64(SI)(R10*4), Y15, Y2
	VFMADD231PS 96(SI)(R10*4), Y15, Y3
	VFMADD231PS 128(SI)(R10*4), Y15, Y4
	VFMADD231PS 160(SI)(R10*4), Y15, Y5
	VFMADD231PS 192(SI)(R10*4), Y15, Y6
	VFMADD231PS 224(SI)(R10*4), Y15, Y7
	ADDQ $16, BX
	DECQ R15
	JNZ  tap
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	ADDQ outStride+8(FP), DI
	ADDQ step+48(FP), R11
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	RET

// func lifRows(in, v, out *float32, n int, p *lifParams)
//
// H = β·V + I (product rounded before the sum, as the Go loops do),
// S = (H − Vth ≥ 0), then V = S ? Vreset : H (hard) or H − S·Vth (soft).
TEXT ·lifRows(SB), NOSPLIT, $0-40
	MOVQ in+0(FP), SI
	MOVQ v+8(FP), DI
	MOVQ out+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ p+32(FP), AX
	VBROADCASTSS 0(AX), Y10
	VBROADCASTSS 4(AX), Y11
	VBROADCASTSS 8(AX), Y12
	VBROADCASTSS 12(AX), Y13
	MOVL 16(AX), BX
	VXORPS Y14, Y14, Y14

loop:
	VMULPS (DI), Y10, Y0
	VADDPS (SI), Y0, Y0
	VSUBPS Y11, Y0, Y1
	VCMPPS $13, Y14, Y1, Y3
	VANDPS Y13, Y3, Y4
	VMOVUPS Y4, (DX)
	TESTL BX, BX
	JNZ  soft
	VBLENDVPS Y3, Y12, Y0, Y5
	JMP  store

soft:
	VANDPS Y11, Y3, Y6
	VSUBPS Y6, Y0, Y5

store:
	VMOVUPS Y5, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ  loop
	VZEROUPPER
	RET

// func compressPixels(spk *float32, npix, c, base int, idx *int32, count int, start *int32, table *[256][8]int32) int
//
// For each of npix pixels of c channels (a multiple of 8), it stores the
// pixel's first list position in start and appends base + e to idx for
// every nonzero element e of the row. Each group of 8 writes 8 entries
// and advances by its spike count, so idx needs 7 entries of slack.
TEXT ·compressPixels(SB), NOSPLIT, $0-72
	MOVQ spk+0(FP), SI
	MOVQ npix+8(FP), CX
	MOVQ c+16(FP), R9
	MOVQ base+24(FP), R10
	MOVQ idx+32(FP), DI
	MOVQ count+40(FP), AX
	MOVQ start+48(FP), R11
	MOVQ table+56(FP), R13
	VXORPS Y15, Y15, Y15

cpixel:
	MOVL AX, (R11)
	ADDQ $4, R11
	MOVQ R9, R12

cgroup:
	VMOVUPS (SI), Y0
	VCMPPS $4, Y15, Y0, Y1
	VMOVMSKPS Y1, BX
	MOVQ BX, DX
	SHLQ $5, DX
	VMOVDQU (R13)(DX*1), Y2
	MOVQ R10, X3
	VPBROADCASTD X3, Y3
	VPADDD Y3, Y2, Y2
	VMOVDQU Y2, (DI)(AX*4)
	POPCNTL BX, BX
	ADDQ BX, AX
	ADDQ $32, SI
	ADDQ $8, R10
	SUBQ $8, R12
	JNZ  cgroup
	DECQ CX
	JNZ  cpixel
	VZEROUPPER
	MOVQ AX, ret+64(FP)
	RET
