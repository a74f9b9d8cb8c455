//go:build !amd64

package lifkernel

// haveRows is false: this architecture has no vector rows.
var haveRows = false

func forwardRow(n int, in, v, hs, vs, out *float32, params *float32, mode int) (nan float32) {
	panic("lifkernel: forwardRow has no implementation on this architecture")
}

func backwardRow(n int, hs, grad, gI, gV *float32, params *float32, mode int) {
	panic("lifkernel: backwardRow has no implementation on this architecture")
}
