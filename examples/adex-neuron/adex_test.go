package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/snnlab/snnlab/framework"
)

func testNeuron(t *testing.T) *AdEx {
	t.Helper()
	o, err := framework.ResolveOptions("neuron adex", options(), map[string]any{"a": 0.3, "b": 0.2})
	if err != nil {
		t.Fatal(err)
	}
	n, err := newAdEx(o)
	if err != nil {
		t.Fatal(err)
	}
	return n.(*AdEx)
}

// smoothInput draws inputs until no H − Vth on the trace lies within
// margin of the gate, where the continuous output is not differentiable.
func smoothInput(t *testing.T, n *AdEx, rng *rand.Rand, T, N int, k, b, margin float64) (in, g []float64) {
	t.Helper()
	for range 1000 {
		in, g = make([]float64, T*N), make([]float64, T*N)
		for i := range in {
			in[i] = 0.5 + 0.8*rng.NormFloat64()
			g[i] = rng.NormFloat64()
		}
		st := &state[float64]{vPrev: make([]float64, T*N), wPrev: make([]float64, T*N), h: make([]float64, T*N)}
		forward(n, true, T, k, b, in, make([]float64, T*N), st)
		ok := true
		for _, h := range st.h {
			ok = ok && math.Abs(h-n.Threshold) > margin
		}
		if ok {
			return in, g
		}
	}
	t.Fatalf("no input of [T=%d, N=%d] kept clear of the spike gate in 1000 draws", T, N)
	return nil, nil
}

// TestGradientsMatchFiniteDifferences checks ∂L/∂I, ∂L/∂k and ∂L/∂b of
// the float64 kernel against central differences of the continuous path,
// whose output's true derivative is the surrogate.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	n := testNeuron(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const eps, tol = 1e-6, 1e-6
	for _, sh := range [][2]int{{1, 5}, {4, 7}, {8, 6}} {
		T, N := sh[0], sh[1]
		k, b := 0.45, 0.2
		in, g := smoothInput(t, n, rng, T, N, k, b, 1e-3)
		loss := func(in []float64, k, b float64) float64 {
			out := make([]float64, len(in))
			forward(n, true, T, k, b, in, out, nil)
			var s float64
			for i := range out {
				s += g[i] * out[i]
			}
			return s
		}

		gradIn := make([]float64, len(in))
		gk, gb := backward(n, T, k, b, in, g, gradIn)
		for i := range in {
			x := in[i]
			in[i] = x + eps
			up := loss(in, k, b)
			in[i] = x - eps
			down := loss(in, k, b)
			in[i] = x
			if fd := (up - down) / (2 * eps); math.Abs(fd-gradIn[i]) > tol*(1+math.Abs(fd)) {
				t.Errorf("[T=%d, N=%d] ∂L/∂I[%d] = %.10g, finite difference %.10g", T, N, i, gradIn[i], fd)
			}
		}
		if fd := (loss(in, k+eps, b) - loss(in, k-eps, b)) / (2 * eps); math.Abs(fd-gk) > tol*(1+math.Abs(fd)) {
			t.Errorf("[T=%d, N=%d] ∂L/∂k = %.10g, finite difference %.10g", T, N, gk, fd)
		}
		if fd := (loss(in, k, b+eps) - loss(in, k, b-eps)) / (2 * eps); math.Abs(fd-gb) > tol*(1+math.Abs(fd)) {
			t.Errorf("[T=%d, N=%d] ∂L/∂b = %.10g, finite difference %.10g", T, N, gb, fd)
		}
		if T > 1 && gb == 0 {
			t.Errorf("[T=%d, N=%d] ∂L/∂b is zero: no neuron spiked, so the check did not reach the adaptation jump", T, N)
		}
	}
}

// TestSpikingPathSpikesAndAdapts checks that the spiking output is binary
// and that a constant drive fires less often once the adaptation builds up.
func TestSpikingPathSpikesAndAdapts(t *testing.T) {
	n := testNeuron(t)
	const T = 60
	in := make([]float32, T)
	for i := range in {
		in[i] = 0.6
	}
	params := [][]float32{{n.Params()[0].Init}, {n.Params()[1].Init}}
	out := make([]float32, T)
	if err := n.Forward(framework.NeuronCall{Path: framework.Spiking, T: T, Input: in, Params: params}, out); err != nil {
		t.Fatal(err)
	}
	early, late := 0, 0
	for i, s := range out {
		if s != 0 && s != 1 {
			t.Fatalf("spike output[%d] = %v, want 0 or 1", i, s)
		}
		if i < T/3 && s == 1 {
			early++
		}
		if i >= 2*T/3 && s == 1 {
			late++
		}
	}
	if early == 0 || late >= early {
		t.Errorf("spikes in the first third %d, in the last third %d: want spiking that slows down as adaptation builds", early, late)
	}
}

// TestBadInputIsAnError checks that malformed calls return errors.
func TestBadInputIsAnError(t *testing.T) {
	n := testNeuron(t)
	params := [][]float32{{0}, {0.1}}
	nan := []float32{0, float32(math.NaN()), 0, 0}
	calls := map[string]framework.NeuronCall{
		"T zero":      {T: 0, Input: make([]float32, 4), Params: params},
		"NaN input":   {T: 2, Input: nan, Params: params},
		"no params":   {T: 2, Input: make([]float32, 4)},
		"bad path":    {Path: framework.Path(9), T: 2, Input: make([]float32, 4), Params: params},
		"uneven T":    {T: 3, Input: make([]float32, 4), Params: params},
		"short param": {T: 2, Input: make([]float32, 4), Params: [][]float32{{0}, {}}},
	}
	for name, c := range calls {
		if err := n.Forward(c, make([]float32, len(c.Input))); err == nil {
			t.Errorf("%s: Forward returned no error", name)
		}
		if err := n.Backward(c, make([]float32, len(c.Input)), make([]float32, len(c.Input)), [][]float32{{0}, {0}}); err == nil {
			t.Errorf("%s: Backward returned no error", name)
		}
	}
	o, _ := framework.ResolveOptions("neuron adex", options(), map[string]any{"tau_m": 0.5})
	if _, err := newAdEx(o); err == nil {
		t.Errorf("tau_m below dt: newAdEx returned no error")
	}
}
