package lifkernel

import "golang.org/x/sys/cpu"

// haveRows reports whether the vector rows may run: they need AVX2.
var haveRows = cpu.X86.HasAVX2

//go:noescape
func forwardRow(n int, in, v, hs, vs, out *float32, params *float32, mode int) (nan float32)

//go:noescape
func backwardRow(n int, hs, grad, gI, gV *float32, params *float32, mode int)
