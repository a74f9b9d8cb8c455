#include "textflag.h"

// Spike-route kernels. Registers: CX counts pixels, SI points at the
// pixel's first mask word, R9 walks the tap table (pairs of mask word
// offset and weight element offset), BX counts taps, AX holds a mask word,
// R10 points at the tap's first weight row, R11 is the byte offset of the
// row of the lowest set bit, R12 the row stride in bytes, DI the weight
// and DX the channels-last output or ∂y row.

// NEXTROW puts the byte offset of the row of AX's lowest set bit into R11
// and clears that bit; ZF is set when AX became zero.
#define NEXTROW \
	TZCNTQ AX, R11 \
	IMULQ  R12, R11 \
	BLSRQ  AX, AX

// LOADTAP loads the mask word of the tap at R9 into AX and its first
// weight row into R10, moves R9 to the next tap and sets ZF when the word
// is zero.
#define LOADTAP \
	MOVQ  (R9), R8 \
	MOVQ  (SI)(R8*8), AX \
	MOVQ  8(R9), R10 \
	LEAQ  (DI)(R10*4), R10 \
	ADDQ  $16, R9 \
	TESTQ AX, AX

// ARGS loads the arguments of the gather kernels.
#define ARGS \
	MOVQ npix+0(FP), CX \
	MOVQ masks+16(FP), SI \
	MOVQ w+40(FP), DI \
	MOVQ ldw+48(FP), R12 \
	SHLQ $2, R12 \
	MOVQ out+56(FP), DX

// NEXTPIXEL moves SI and DX to the next pixel.
#define NEXTPIXEL \
	MOVQ ldo+64(FP), R8 \
	LEAQ (DX)(R8*4), DX \
	MOVQ step+8(FP), R8 \
	LEAQ (SI)(R8*8), SI

// Four accumulator pairs take turns so that consecutive additions do not
// wait for each other.
#define GATHER16(a0, a1) \
	NEXTROW \
	VADDPS (R10)(R11*1), a0, a0 \
	VADDPS 32(R10)(R11*1), a1, a1

// func spikeGather16(npix, step int, masks *uint64, taps *int, ntaps int, w *float32, ldw int, out *float32, ldo int)
TEXT ·spikeGather16(SB), NOSPLIT, $0-72
	ARGS
	TESTQ CX, CX
	JLE   g16done

g16pixel:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ   taps+24(FP), R9
	MOVQ   ntaps+32(FP), BX

g16tap:
	LOADTAP
	JZ g16next

g16bit:
	GATHER16(Y0, Y1)
	JZ g16next
	GATHER16(Y2, Y3)
	JZ g16next
	GATHER16(Y4, Y5)
	JZ g16next
	GATHER16(Y6, Y7)
	JNZ g16bit

g16next:
	DECQ BX
	JNZ  g16tap

	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	VADDPS  Y6, Y4, Y4
	VADDPS  Y7, Y5, Y5
	VADDPS  Y4, Y0, Y0
	VADDPS  Y5, Y1, Y1
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	NEXTPIXEL
	DECQ    CX
	JNZ     g16pixel

g16done:
	VZEROUPPER
	RET

#define GATHER8(a0) \
	NEXTROW \
	VADDPS (R10)(R11*1), a0, a0

// func spikeGather8(npix, step int, masks *uint64, taps *int, ntaps int, w *float32, ldw int, out *float32, ldo int)
TEXT ·spikeGather8(SB), NOSPLIT, $0-72
	ARGS
	TESTQ CX, CX
	JLE   g8done

g8pixel:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   taps+24(FP), R9
	MOVQ   ntaps+32(FP), BX

g8tap:
	LOADTAP
	JZ g8next

g8bit:
	GATHER8(Y0)
	JZ g8next
	GATHER8(Y1)
	JZ g8next
	GATHER8(Y2)
	JZ g8next
	GATHER8(Y3)
	JNZ g8bit

g8next:
	DECQ BX
	JNZ  g8tap

	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VMOVUPS Y0, (DX)
	NEXTPIXEL
	DECQ    CX
	JNZ     g8pixel

g8done:
	VZEROUPPER
	RET

// SCATTER16 adds the ∂y row in Y0, Y1 to the ∂W row of AX's lowest set
// bit. LEAQ and the vector instructions leave BLSRQ's flags intact.
#define SCATTER16 \
	NEXTROW \
	LEAQ    (R10)(R11*1), R11 \
	VADDPS  (R11), Y0, Y2 \
	VADDPS  32(R11), Y1, Y3 \
	VMOVUPS Y2, (R11) \
	VMOVUPS Y3, 32(R11)

// func spikeScatter16(npix, step int, masks *uint64, taps *int, ntaps int, dw *float32, ldw int, dy *float32, ldd int)
TEXT ·spikeScatter16(SB), NOSPLIT, $0-72
	MOVQ npix+0(FP), CX
	MOVQ masks+16(FP), SI
	MOVQ dw+40(FP), DI
	MOVQ ldw+48(FP), R12
	SHLQ $2, R12
	MOVQ dy+56(FP), DX
	TESTQ CX, CX
	JLE   s16done

s16pixel:
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	MOVQ    taps+24(FP), R9
	MOVQ    ntaps+32(FP), BX

s16tap:
	LOADTAP
	JZ s16next

s16bit:
	SCATTER16
	JNZ s16bit

s16next:
	DECQ BX
	JNZ  s16tap

	MOVQ ldd+64(FP), R8
	LEAQ (DX)(R8*4), DX
	MOVQ step+8(FP), R8
	LEAQ (SI)(R8*8), SI
	DECQ CX
	JNZ  s16pixel

s16done:
	VZEROUPPER
	RET

#define SCATTER8 \
	NEXTROW \
	LEAQ    (R10)(R11*1), R11 \
	VADDPS  (R11), Y0, Y2 \
	VMOVUPS Y2, (R11)

// func spikeScatter8(npix, step int, masks *uint64, taps *int, ntaps int, dw *float32, ldw int, dy *float32, ldd int)
TEXT ·spikeScatter8(SB), NOSPLIT, $0-72
	MOVQ npix+0(FP), CX
	MOVQ masks+16(FP), SI
	MOVQ dw+40(FP), DI
	MOVQ ldw+48(FP), R12
	SHLQ $2, R12
	MOVQ dy+56(FP), DX
	TESTQ CX, CX
	JLE   s8done

s8pixel:
	VMOVUPS (DX), Y0
	MOVQ    taps+24(FP), R9
	MOVQ    ntaps+32(FP), BX

s8tap:
	LOADTAP
	JZ s8next

s8bit:
	SCATTER8
	JNZ s8bit

s8next:
	DECQ BX
	JNZ  s8tap

	MOVQ ldd+64(FP), R8
	LEAQ (DX)(R8*4), DX
	MOVQ step+8(FP), R8
	LEAQ (SI)(R8*8), SI
	DECQ CX
	JNZ  s8pixel

s8done:
	VZEROUPPER
	RET
