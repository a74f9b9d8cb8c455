//go:build !amd64

package infer

// useVector is false: this architecture has no vector kernels, so the row
// kernels run their Go loops.
var useVector = false

func spikeRowVector(out []float32, outStride, n int, w []float32, ldw int, bias []float32, start []int32, step int, idx []int32, taps []tap, span, wstep, width int) int {
	return spikeRowGo(out, outStride, n, w, ldw, bias, start, step, idx, taps, span, wstep, width)
}

func lifRowsVector(in, v, out []float32, p *lifParams) {
	panic("infer: lifRowsVector has no implementation on this architecture")
}

func compressPixelsVector(spk []float32, npix, c, base int, idx []int32, count int, start []int32) int {
	panic("infer: compressPixelsVector has no implementation on this architecture")
}

func denseRowVector(out []float32, outStride, n int, w []float32, bias []float32, x []float32, step int, taps []tap, width int) {
	denseRowGo(out, outStride, n, w, bias, x, step, taps, width)
}
