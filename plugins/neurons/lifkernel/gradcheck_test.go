package lifkernel_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/plugins/neurons/internal/reference"
	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
	"github.com/snnlab/snnlab/plugins/neurons/surrogate"
)

// configs returns every combination of neuron kind, surrogate, reset mode,
// DetachReset and path that the built-in neurons can run.
func configs() map[string]lifkernel.Config {
	kinds := map[string]lifkernel.Config{
		"lif":  {Decay: 0.5},
		"if":   {Decay: 1},
		"plif": {Decay: 0.574442516811659}, // sigmoid(0.3)
		"alif": {Decay: 0.8, Adaptive: true, Rho: 0.9, Gamma: 0.3},
	}
	out := map[string]lifkernel.Config{}
	for kind, base := range kinds {
		for _, shape := range []surrogate.Shape{surrogate.Rectangular, surrogate.Sigmoid, surrogate.Arctan} {
			for _, reset := range []string{"hard0", "hard-0.2", "soft"} {
				for _, detach := range []bool{false, true} {
					for _, continuous := range []bool{false, true} {
						if continuous && (base.Adaptive || detach) {
							continue // adaptive neurons spike on both paths; path B's gate is always detached
						}
						c := base
						c.Threshold, c.Alpha, c.Surrogate = 1, 0.8, shape
						c.SoftReset = reset == "soft"
						if reset == "hard-0.2" {
							c.Reset = -0.2
						}
						c.DetachReset, c.Continuous, c.DecayGrad = detach, continuous, true
						name := fmt.Sprintf("%s/%v/%s/detach=%v/continuous=%v", kind, shape, reset, detach, continuous)
						out[name] = c
					}
				}
			}
		}
	}
	return out
}

// shapes are the [T, N] sizes the gradient checks run on.
var shapes = [][2]int{{1, 7}, {4, 16}, {6, 23}}

func randomInput(rng *rand.Rand, T, N int) (in, g []float64) {
	in = make([]float64, T*N)
	g = make([]float64, T*N)
	for i := range in {
		in[i] = float64(float32(0.6 + 0.9*rng.NormFloat64()))
		g[i] = float64(float32(rng.NormFloat64()))
	}
	return in, g
}

// TestKernelMatchesUnfusedGraph64 checks output, ∂L/∂I and ∂L/∂β of the
// float64 kernel against the step-by-step gorgonia graph for every config.
func TestKernelMatchesUnfusedGraph64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, c := range configs() {
		for _, sh := range shapes {
			T, N := sh[0], sh[1]
			in, g := randomInput(rng, T, N)
			want, err := reference.Run(c, T, in, g, tensor.Float64)
			if err != nil {
				t.Fatalf("%s: reference: %v", name, err)
			}
			out := make([]float64, len(in))
			if err := lifkernel.Forward(c, T, in, out); err != nil {
				t.Fatalf("%s: Forward: %v", name, err)
			}
			gradIn := make([]float64, len(in))
			gDecay, err := lifkernel.Backward(c, T, in, g, gradIn)
			if err != nil {
				t.Fatalf("%s: Backward: %v", name, err)
			}
			where := fmt.Sprintf("%s [T=%d, N=%d]", name, T, N)
			closeAll(t, where+" output", out, want.Out, 1e-12)
			closeAll(t, where+" grad_I", gradIn, want.GradIn, 1e-9)
			closeAll(t, where+" grad_decay", []float64{gDecay}, []float64{want.GradDecay}, 1e-9)
			if T > 1 && allZero(gradIn) {
				t.Errorf("%s: grad_I is all zero; the inputs never reach the surrogate window", where)
			}
		}
	}
}

// TestKernelMatchesUnfusedGraph32 is the same check for the float32 kernel
// against a float32 graph.
func TestKernelMatchesUnfusedGraph32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for name, c := range configs() {
		T, N := 4, 16
		in64, g64 := randomInput(rng, T, N)
		want, err := reference.Run(c, T, in64, g64, tensor.Float32)
		if err != nil {
			t.Fatalf("%s: reference: %v", name, err)
		}
		in, g := to32(in64), to32(g64)
		out := make([]float32, len(in))
		if err := lifkernel.Forward(c, T, in, out); err != nil {
			t.Fatalf("%s: Forward: %v", name, err)
		}
		gradIn := make([]float32, len(in))
		gDecay, err := lifkernel.Backward(c, T, in, g, gradIn)
		if err != nil {
			t.Fatalf("%s: Backward: %v", name, err)
		}
		closeAll(t, name+" output", to64(out), want.Out, 1e-6)
		closeAll(t, name+" grad_I", to64(gradIn), want.GradIn, 1e-5)
		closeAll(t, name+" grad_decay", []float64{gDecay}, []float64{want.GradDecay}, 1e-4)
	}
}

// TestContinuousPathFiniteDifferences checks path B's ∂L/∂I and ∂L/∂β
// against central differences of the float64 forward pass, on inputs that
// keep every H − Vth away from the gate at 0 and the rectangle's kinks.
func TestContinuousPathFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const eps, margin = 1e-6, 1e-3
	for name, c := range configs() {
		if !c.Continuous {
			continue
		}
		for _, sh := range shapes {
			T, N := sh[0], sh[1]
			in, g := smoothInput(t, rng, c, T, N, margin)
			gradIn := make([]float64, len(in))
			gDecay, err := lifkernel.Backward(c, T, in, g, gradIn)
			if err != nil {
				t.Fatalf("%s: Backward: %v", name, err)
			}

			fd := make([]float64, len(in))
			for i := range in {
				x := in[i]
				in[i] = x + eps
				up := objective(t, c, T, in, g)
				in[i] = x - eps
				down := objective(t, c, T, in, g)
				in[i] = x
				fd[i] = (up - down) / (2 * eps)
			}
			where := fmt.Sprintf("%s [T=%d, N=%d]", name, T, N)
			closeAll(t, where+" grad_I vs finite differences", gradIn, fd, 1e-6)

			fdDecay := decayDifference(t, c, T, in, g, eps)
			closeAll(t, where+" grad_decay vs finite differences", []float64{gDecay}, []float64{fdDecay}, 1e-5)
		}
	}
}

// decayDifference returns the finite-difference ∂L/∂β: central, or
// second-order one-sided at β = 1, the largest decay the kernel accepts.
func decayDifference(t *testing.T, c lifkernel.Config, T int, in, g []float64, eps float64) float64 {
	at := func(beta float64) float64 {
		d := c
		d.Decay = beta
		return objective(t, d, T, in, g)
	}
	if c.Decay+eps > 1 {
		return (3*at(c.Decay) - 4*at(c.Decay-eps) + at(c.Decay-2*eps)) / (2 * eps)
	}
	return (at(c.Decay+eps) - at(c.Decay-eps)) / (2 * eps)
}

// smoothInput draws inputs until no H − Vth lies within margin of 0 or of
// ±α/2, where path B's output or reset is not differentiable.
func smoothInput(t *testing.T, rng *rand.Rand, c lifkernel.Config, T, N int, margin float64) (in, g []float64) {
	t.Helper()
	for range 1000 {
		in, g = randomInput(rng, T, N)
		H := make([]float64, len(in))
		if err := lifkernel.Run(c, T, in, lifkernel.Trace[float64]{H: H}); err != nil {
			t.Fatal(err)
		}
		ok := true
		for _, h := range H {
			x := h - c.Threshold
			if math.Abs(x) < margin || math.Abs(math.Abs(x)-c.Alpha/2) < margin {
				ok = false
				break
			}
		}
		if ok {
			return in, g
		}
	}
	t.Fatalf("no input of [T=%d, N=%d] kept clear of the kinks in 1000 draws", T, N)
	return nil, nil
}

func objective(t *testing.T, c lifkernel.Config, T int, in, g []float64) float64 {
	t.Helper()
	out := make([]float64, len(in))
	if err := lifkernel.Forward(c, T, in, out); err != nil {
		t.Fatal(err)
	}
	var s float64
	for i := range out {
		s += g[i] * out[i]
	}
	return s
}

// closeAll checks got against want within tol, absolute or relative.
func closeAll(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", name, len(got), len(want))
	}
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if d > tol && d > tol*math.Abs(want[i]) {
			t.Errorf("%s[%d] = %.12g, want %.12g (difference %.3g)", name, i, got[i], want[i], d)
			return
		}
	}
}

func allZero(xs []float64) bool {
	for _, x := range xs {
		if x != 0 {
			return false
		}
	}
	return true
}

func to32(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}

func to64(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}
