package infer

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useVector selects the AVX2 row kernels; they need AVX2 and FMA. Tests
// turn it off to compare them with the Go loops.
var useVector = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly kernels compute spikeRow and denseRow for one chunk width.
// Strides and steps are in bytes, ldw and tap offsets in elements. The
// callers below check every bound first.

//go:noescape
func spikeRows8(out *float32, outStride, n int, w *float32, ldw int, bias *float32, start *int32, step int, idx *int32, taps *tap, ntaps, span, wstep int) int

//go:noescape
func spikeRows16(out *float32, outStride, n int, w *float32, ldw int, bias *float32, start *int32, step int, idx *int32, taps *tap, ntaps, span, wstep int) int

//go:noescape
func spikeRows32(out *float32, outStride, n int, w *float32, ldw int, bias *float32, start *int32, step int, idx *int32, taps *tap, ntaps, span, wstep int) int

//go:noescape
func spikeRows64(out *float32, outStride, n int, w *float32, ldw int, bias *float32, start *int32, step int, idx *int32, taps *tap, ntaps, span, wstep int) int

//go:noescape
func denseRows8(out *float32, outStride, n int, w, bias, x *float32, step int, taps *tap, ntaps int)

//go:noescape
func denseRows16(out *float32, outStride, n int, w, bias, x *float32, step int, taps *tap, ntaps int)

//go:noescape
func denseRows32(out *float32, outStride, n int, w, bias, x *float32, step int, taps *tap, ntaps int)

//go:noescape
func denseRows64(out *float32, outStride, n int, w, bias, x *float32, step int, taps *tap, ntaps int)

// spikeRowVector runs spikeRow in assembly. It panics (an engine bug, not
// bad input) if a buffer is too short for the pixels it would touch.
func spikeRowVector(out []float32, outStride, n int, w []float32, ldw int, bias []float32, start []int32, step int, idx []int32, taps []tap, span, wstep, width int) int {
	if len(taps) == 0 {
		for i := 0; i < n; i++ {
			copy(out[i*outStride:i*outStride+width], bias[:width])
		}
		return 0
	}
	_ = out[(n-1)*outStride+width-1]
	_ = bias[width-1]
	maxDelta := 0
	for _, t := range taps {
		maxDelta = max(maxDelta, t.delta)
	}
	_ = start[(n-1)*step+maxDelta+span]
	if len(idx) == 0 {
		idx = make([]int32, 1)
	}
	o, s := int(unsafe.Sizeof(float32(0))), int(unsafe.Sizeof(int32(0)))
	args := func(f func(*float32, int, int, *float32, int, *float32, *int32, int, *int32, *tap, int, int, int) int) int {
		return f(&out[0], outStride*o, n, &w[0], ldw, &bias[0], &start[0], step*s, &idx[0], &taps[0], len(taps), span, wstep)
	}
	switch width {
	case 8:
		return args(spikeRows8)
	case 16:
		return args(spikeRows16)
	case 32:
		return args(spikeRows32)
	case 64:
		return args(spikeRows64)
	}
	// Other multiples of 8 run in chunks.
	count := 0
	for c := 0; c < width; {
		cw := chunkWidth(width - c)
		count = spikeRowVector(out[c:], outStride, n, w[c:], ldw, bias[c:], start, step, idx, taps, span, wstep, cw)
		c += cw
	}
	return count
}

// denseRowVector runs denseRow in assembly, with the same checks as
// spikeRowVector.
func denseRowVector(out []float32, outStride, n int, w []float32, bias []float32, x []float32, step int, taps []tap, width int) {
	if len(taps) == 0 {
		for i := 0; i < n; i++ {
			copy(out[i*outStride:i*outStride+width], bias[:width])
		}
		return
	}
	_ = out[(n-1)*outStride+width-1]
	_ = bias[width-1]
	maxDelta, maxWeight := 0, 0
	for _, t := range taps {
		maxDelta, maxWeight = max(maxDelta, t.delta), max(maxWeight, t.weight)
	}
	_ = x[(n-1)*step+maxDelta]
	_ = w[maxWeight+width-1]
	o := int(unsafe.Sizeof(float32(0)))
	switch width {
	case 8:
		denseRows8(&out[0], outStride*o, n, &w[0], &bias[0], &x[0], step*o, &taps[0], len(taps))
	case 16:
		denseRows16(&out[0], outStride*o, n, &w[0], &bias[0], &x[0], step*o, &taps[0], len(taps))
	case 32:
		denseRows32(&out[0], outStride*o, n, &w[0], &bias[0], &x[0], step*o, &taps[0], len(taps))
	case 64:
		denseRows64(&out[0], outStride*o, n, &w[0], &bias[0], &x[0], step*o, &taps[0], len(taps))
	default:
		for c := 0; c < width; {
			cw := chunkWidth(width - c)
			denseRowVector(out[c:], outStride, n, w[c:], bias[c:], x, step, taps, cw)
			c += cw
		}
	}
}

//go:noescape
func lifRows(in, v, out *float32, n int, p *lifParams)

//go:noescape
func compressPixels(spk *float32, npix, c, base int, idx *int32, count int, start *int32, table *[256][8]int32) int

// lifRowsVector runs lifRows in assembly on len(in), a multiple of 8,
// neurons; v and out hold at least as many.
func lifRowsVector(in, v, out []float32, p *lifParams) {
	lifRows(&in[0], &v[0], &out[0], len(in), p)
}

func compressPixelsVector(spk []float32, npix, c, base int, idx []int32, count int, start []int32) int {
	return compressPixels(&spk[0], npix, c, base, &idx[0], count, &start[0], &compressTable)
}
