package lifkernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/snnlab/snnlab/plugins/neurons/surrogate"
)

// TestFastMatchesGeneral runs every configuration the specialised loops
// take through them and through the general loops, and compares outputs,
// traces and gradients. The currents are random, mixed with currents that
// put H − Vth exactly on 0 and on the edges ±α/2 of the surrogate window.
func TestFastMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	edges := []float32{1, 1.5, 0.5, 1.5, 0.5, 1} // with Vth = 1, α = 1: x = 0, ±α/2
	for _, decay := range []float64{1, 0.5} {
		for _, soft := range []bool{false, true} {
			for _, detach := range []bool{false, true} {
				for _, continuous := range []bool{false, true} {
					c := Config{Decay: decay, Threshold: 1, Reset: -0.2, Alpha: 1, Surrogate: surrogate.Rectangular,
						SoftReset: soft, DetachReset: detach, Continuous: continuous, DecayGrad: true}
					name := fmt.Sprintf("decay=%v/soft=%v/detach=%v/continuous=%v", decay, soft, detach, continuous)
					t.Run(name, func(t *testing.T) {
						const T, N = 4, 3003 // blocks of 2,048 and 955: vector rows and a scalar tail
						in, g := make([]float32, T*N), make([]float32, T*N)
						for i := range in {
							in[i] = float32(0.6 + 0.9*rng.NormFloat64())
							if i%5 == 0 {
								in[i] = edges[i%len(edges)]
							}
							g[i] = float32(rng.NormFloat64())
						}
						run := func(fast bool) (Trace[float32], []float32, float64) {
							fastPath = fast
							defer func() { fastPath = true }()
							tr := Trace[float32]{Out: make([]float32, T*N), H: make([]float32, T*N), V: make([]float32, T*N)}
							if err := Run(c, T, in, tr); err != nil {
								t.Fatal(err)
							}
							gi := make([]float32, T*N)
							gd, err := Backward(c, T, in, g, gi)
							if err != nil {
								t.Fatal(err)
							}
							return tr, gi, gd
						}
						ft, fg, fd := run(true)
						gt, gg, gd := run(false)
						for _, f := range []struct {
							what      string
							got, want []float32
						}{{"output", ft.Out, gt.Out}, {"H", ft.H, gt.H}, {"V", ft.V, gt.V}, {"∂I", fg, gg}} {
							for i := range f.got {
								// The continuous output multiplies by 1/α where the
								// general loop divides by α: one rounding apart.
								if math.Abs(float64(f.got[i]-f.want[i])) > 1e-6 {
									t.Fatalf("%s[%d]: fast %v, general %v (input %v)", f.what, i, f.got[i], f.want[i], in[i])
								}
							}
						}
						if math.Abs(fd-gd) > 1e-9*(1+math.Abs(gd)) {
							t.Fatalf("∂β: fast %v, general %v", fd, gd)
						}
					})
				}
			}
		}
	}
}

// TestFastRejectsNonFinite checks that the specialised loops report a NaN
// or infinite current like the general ones.
func TestFastRejectsNonFinite(t *testing.T) {
	c := Config{Decay: 0.5, Threshold: 1, Alpha: 1, Surrogate: surrogate.Rectangular}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		// Short rows run the scalar tail, long ones the vector rows.
		for _, n := range []int{4, 64} {
			for _, at := range []int{2, n - 1} {
				in := make([]float32, n)
				in[at] = bad
				if err := Forward(c, 2, in, make([]float32, n)); err == nil {
					t.Errorf("%d inputs, %v at %d: no error", n, bad, at)
				}
				if _, err := Backward(c, 2, in, make([]float32, n), make([]float32, n)); err == nil {
					t.Errorf("%d inputs, %v at %d: backward gave no error", n, bad, at)
				}
			}
		}
	}
}
