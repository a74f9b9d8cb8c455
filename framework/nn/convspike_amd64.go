package nn

import "golang.org/x/sys/cpu"

// haveSpikeKernel reports whether the spike-route kernels may run; they
// need BMI1 (TZCNT, BLSR) besides the AVX2 that haveVectorKernel checks.
var haveSpikeKernel = cpu.X86.HasBMI1

// spikeGather16 sets out[i·ldo + o] for o < 16 and npix pixels i to the
// sum of w[(taps[2t+1] + c)·ldw + o] over taps t < ntaps and over the bits c
// set in masks[i·step + taps[2t]]. The caller checks every bound.
//
//go:noescape
func spikeGather16(npix, step int, masks *uint64, taps *int, ntaps int, w *float32, ldw int, out *float32, ldo int)

// spikeGather8 is spikeGather16 for 8 output channels.
//
//go:noescape
func spikeGather8(npix, step int, masks *uint64, taps *int, ntaps int, w *float32, ldw int, out *float32, ldo int)

// spikeScatter16 adds dy[i·ldd + o] for o < 16 and npix pixels i to
// dw[(taps[2t+1] + c)·ldw + o] for taps t < ntaps and the bits c set in
// masks[i·step + taps[2t]]. The caller checks every bound.
//
//go:noescape
func spikeScatter16(npix, step int, masks *uint64, taps *int, ntaps int, dw *float32, ldw int, dy *float32, ldd int)

// spikeScatter8 is spikeScatter16 for 8 output channels.
//
//go:noescape
func spikeScatter8(npix, step int, masks *uint64, taps *int, ntaps int, dw *float32, ldw int, dy *float32, ldd int)
