package lifkernel

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/snnlab/snnlab/plugins/neurons/surrogate"
)

// TestParallelMatchesSequential checks that spreading the blocks over
// goroutines changes no bit of the output, ∂L/∂I or ∂L/∂β.
func TestParallelMatchesSequential(t *testing.T) {
	const T, N = 3, 3*blockSize + 17
	rng := rand.New(rand.NewPCG(9, 9))
	in := make([]float32, T*N)
	g := make([]float32, T*N)
	for i := range in {
		in[i] = float32(0.6 + rng.NormFloat64())
		g[i] = float32(rng.NormFloat64())
	}
	c := Config{Decay: 0.7, Threshold: 1, Alpha: 1, Surrogate: surrogate.Sigmoid, Adaptive: true, Rho: 0.9, Gamma: 0.2, DecayGrad: true}

	run := func(minElems, procs int) ([]float32, []float32, float64) {
		defer func(old int) { parallelMin = old }(parallelMin)
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		parallelMin = minElems
		out := make([]float32, len(in))
		if err := Forward(c, T, in, out); err != nil {
			t.Fatal(err)
		}
		grad := make([]float32, len(in))
		gDecay, err := Backward(c, T, in, g, grad)
		if err != nil {
			t.Fatal(err)
		}
		return out, grad, gDecay
	}

	out1, grad1, d1 := run(math.MaxInt, 1)
	for _, procs := range []int{2, 3, 8} {
		out, grad, d := run(1, procs)
		for i := range out {
			if math.Float32bits(out[i]) != math.Float32bits(out1[i]) || math.Float32bits(grad[i]) != math.Float32bits(grad1[i]) {
				t.Fatalf("GOMAXPROCS=%d: element %d differs: out %v vs %v, grad %v vs %v", procs, i, out[i], out1[i], grad[i], grad1[i])
			}
		}
		if d != d1 {
			t.Errorf("GOMAXPROCS=%d: decay gradient %v, sequential %v", procs, d, d1)
		}
	}
}
