package main

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
)

// AdEx is a discrete-time adaptive exponential integrate-and-fire neuron,
// run multi-step over a whole [T, N] sequence. For each neuron and step t,
// starting at rest (V[−1] = W[−1] = 0):
//
//	E[t] = Δ·exp((V[t−1] − θ)/Δ)                      exponential spike initiation
//	H[t] = V[t−1] + k·(−V[t−1] + E[t] − W[t−1]) + I[t]  membrane before the spike
//	G[t] = Θ(H[t] − Vth),  Θ(0) = 1                      spike gate
//	V[t] = (1 − G[t])·H[t] + G[t]·Vreset                 hard reset
//	W[t] = ρ·W[t−1] + (1 − ρ)·a·V[t−1] + b·G[t]          adaptation current
//
// k = dt/τm is the membrane rate, ρ = exp(−dt/τw) the adaptation decay, Δ
// the sharpness of spike initiation and θ the rheobase potential;
// potentials are in units of the input current I. On the spiking path the
// output is O = G, with the sigmoid surrogate ∂O/∂H = (4/α)·σ(1 − σ),
// σ = sigmoid(4(H − Vth)/α). On the continuous path the output is σ
// itself, whose true derivative is that surrogate. The gate is detached in
// the reset and in the adaptation jump on both paths.
//
// The learnable parameters are "k_logit", with k = sigmoid(k_logit), and
// "b", the spike-triggered adaptation jump; both are per layer.
type AdEx struct {
	Delta     float64 // Δ > 0
	Theta     float64 // θ, rheobase potential
	Threshold float64 // Vth, where a spike is cut
	Reset     float64 // Vreset
	Rho       float64 // ρ in [0, 1)
	A         float64 // subthreshold adaptation coupling a
	Alpha     float64 // surrogate width α > 0
	InitK     float64 // initial membrane rate k in (0, 1)
	InitB     float64 // initial adaptation jump b
}

var _ framework.Neuron = (*AdEx)(nil)

// Params declares k_logit and b.
func (n *AdEx) Params() []framework.ParamSpec {
	return []framework.ParamSpec{
		{Name: "k_logit", Size: 1, Init: float32(math.Log(n.InitK / (1 - n.InitK))), Doc: "membrane rate logit: k = dt/τm = sigmoid(k_logit)"},
		{Name: "b", Size: 1, Init: float32(n.InitB), Doc: "spike-triggered adaptation jump, in units of the input current"},
	}
}

// Forward writes the output sequence O ([T, N]) into out.
func (n *AdEx) Forward(call framework.NeuronCall, out []float32) error {
	if err := n.check(call); err != nil {
		return err
	}
	if len(out) != len(call.Input) {
		return fmt.Errorf("adex output: %d elements, want %d ([T=%d, N=%d])", len(out), len(call.Input), call.T, call.N())
	}
	k, b := sigmoid(float64(call.Params[0][0])), float64(call.Params[1][0])
	forward(n, call.Path == framework.Continuous, call.T, k, b, call.Input, out, nil)
	return nil
}

// Backward overwrites gradIn with ∂L/∂I, gradParams[0] with ∂L/∂k_logit and
// gradParams[1] with ∂L/∂b.
func (n *AdEx) Backward(call framework.NeuronCall, gradOut, gradIn []float32, gradParams [][]float32) error {
	if err := n.check(call); err != nil {
		return err
	}
	if len(gradOut) != len(call.Input) || len(gradIn) != len(call.Input) {
		return fmt.Errorf("adex gradients: output gradient has %d and input gradient %d elements, want %d ([T=%d, N=%d])",
			len(gradOut), len(gradIn), len(call.Input), call.T, call.N())
	}
	if len(gradParams) != 2 || len(gradParams[0]) != 1 || len(gradParams[1]) != 1 {
		return fmt.Errorf("adex parameter gradients: want two tensors of one element (k_logit, b)")
	}
	k, b := sigmoid(float64(call.Params[0][0])), float64(call.Params[1][0])
	gk, gb := backward(n, call.T, k, b, call.Input, gradOut, gradIn)
	gradParams[0][0] = float32(gk * k * (1 - k))
	gradParams[1][0] = float32(gb)
	return nil
}

// check validates the call and rejects non-finite input currents.
func (n *AdEx) check(call framework.NeuronCall) error {
	if err := call.Validate(n.Params()); err != nil {
		return err
	}
	if call.Path != framework.Spiking && call.Path != framework.Continuous {
		return fmt.Errorf("adex: path %v is not known; use spiking or continuous", call.Path)
	}
	for i, x := range call.Input {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("adex input current (t=%d, n=%d) is %v", i/call.N(), i%call.N(), x)
		}
	}
	return nil
}

// state is the forward trace backward needs, each [T, N].
type state[F float32 | float64] struct {
	vPrev, wPrev, h []F
}

// forward runs the dynamics and writes O into out; with st it also records
// the trace.
func forward[F float32 | float64](n *AdEx, continuous bool, T int, k, b float64, in, out []F, st *state[F]) {
	N := len(in) / T
	for j := 0; j < N; j++ {
		v, w := 0.0, 0.0
		for t := 0; t < T; t++ {
			i := t*N + j
			e := n.Delta * math.Exp((v-n.Theta)/n.Delta)
			h := v + k*(-v+e-w) + float64(in[i])
			g := 0.0
			if h >= n.Threshold {
				g = 1
			}
			if continuous {
				out[i] = F(sigmoid(4 * (h - n.Threshold) / n.Alpha))
			} else {
				out[i] = F(g)
			}
			if st != nil {
				st.vPrev[i], st.wPrev[i], st.h[i] = F(v), F(w), F(h)
			}
			vNext := (1-g)*h + g*n.Reset
			w = n.Rho*w + (1-n.Rho)*n.A*v + b*g
			v = vNext
		}
	}
}

// backward recomputes the trace and runs backpropagation through time,
// writing ∂L/∂I into gradIn and returning ∂L/∂k and ∂L/∂b.
func backward[F float32 | float64](n *AdEx, T int, k, b float64, in, gradOut, gradIn []F) (gk, gb float64) {
	N := len(in) / T
	st := &state[F]{vPrev: make([]F, len(in)), wPrev: make([]F, len(in)), h: make([]F, len(in))}
	forward(n, false, T, k, b, in, make([]F, len(in)), st)
	for j := 0; j < N; j++ {
		gv, gw := 0.0, 0.0 // ∂L/∂V[t] and ∂L/∂W[t] from the steps after t
		for t := T - 1; t >= 0; t-- {
			i := t*N + j
			v, w, h := float64(st.vPrev[i]), float64(st.wPrev[i]), float64(st.h[i])
			g := 0.0
			if h >= n.Threshold {
				g = 1
			}
			s := sigmoid(4 * (h - n.Threshold) / n.Alpha)
			gh := float64(gradOut[i])*(4/n.Alpha)*s*(1-s) + gv*(1-g)
			gb += gw * g

			e := n.Delta * math.Exp((v-n.Theta)/n.Delta)
			gradIn[i] = F(gh)
			gk += gh * (-v + e - w)
			gv = gh*(1-k+k*e/n.Delta) + gw*(1-n.Rho)*n.A
			gw = -gh*k + gw*n.Rho
		}
	}
	return gk, gb
}

// sigmoid is the logistic function, written so that neither branch overflows.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
