//go:build !amd64

package nn

// haveVectorKernel is false: this architecture has no vector kernel, so
// matmul runs its plain Go loop.
var haveVectorKernel = false

func gemm4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int) {
	panic("nn: gemm4x16 has no implementation on this architecture")
}

func addTo(dst, src *float32, n int) {
	panic("nn: addTo has no implementation on this architecture")
}

func gemm4x16off(k int, a *float32, lda int, b *float32, offs *int, c *float32, ldc int, acc int) {
	panic("nn: gemm4x16off has no implementation on this architecture")
}

func gemm4x16rows(k int, a0, a1, a2, a3 *float32, b *float32, ldb int, c *float32, ldc int, acc int) {
	panic("nn: gemm4x16rows has no implementation on this architecture")
}

func sumsRow(x *float32, n int, s float32) (a, aa float32) {
	panic("nn: sumsRow has no implementation on this architecture")
}

func sumsRow2(x, dy *float32, n int, s float32) (a, aa, b, bx float32) {
	panic("nn: sumsRow2 has no implementation on this architecture")
}

func affineRow(out, u, v *float32, n int, a, b, c float32) {
	panic("nn: affineRow has no implementation on this architecture")
}

// haveSpikeKernel is false: the spike route runs its plain Go loops.
var haveSpikeKernel = false

func spikeGather16(npix, step int, masks *uint64, taps *int, ntaps int, w *float32, ldw int, out *float32, ldo int) {
	panic("nn: spikeGather16 has no implementation on this architecture")
}

func spikeGather8(npix, step int, masks *uint64, taps *int, ntaps int, w *float32, ldw int, out *float32, ldo int) {
	panic("nn: spikeGather8 has no implementation on this architecture")
}

func spikeScatter16(npix, step int, masks *uint64, taps *int, ntaps int, dw *float32, ldw int, dy *float32, ldd int) {
	panic("nn: spikeScatter16 has no implementation on this architecture")
}

func spikeScatter8(npix, step int, masks *uint64, taps *int, ntaps int, dw *float32, ldw int, dy *float32, ldd int) {
	panic("nn: spikeScatter8 has no implementation on this architecture")
}
