// Package lifkernel is the multi-step kernel shared by snnlab's built-in
// neurons (LIF, IF, PLIF, ALIF, MixedLIF). One call runs a whole [T, N]
// input sequence forward, or recomputes it and runs backpropagation through
// time for it, with the membrane starting at rest.
//
// For each neuron n and step t (V[−1] = 0, a[0] = 0, S[−1] = 0):
//
//	a[t]      = ρ·a[t−1] + S[t−1]                 (adaptive threshold only)
//	Vth_eff   = Vth + γ·a[t]                      (Vth when not adaptive)
//	H[t]      = β·V[t−1] + I[t]
//	S[t]      = Θ(H[t] − Vth_eff),  Θ(0) = 1
//	V[t]      = Vreset              if S[t] = 1 (hard reset)
//	          = H[t] − Vth_eff      if S[t] = 1 (soft reset)
//	          = H[t]                otherwise
//
// On the spiking path the output is S and ∂S/∂H is the surrogate gradient.
// On the continuous path (MixedLIF's path B) the output is the surrogate's
// antiderivative P(H − Vth), and the reset uses the gate Θ(H − Vth) with no
// gradient. DetachReset stops the gradient through S in the reset term; the
// gradient through a (adaptive threshold) always flows.
//
// The kernel is generic over float32 and float64 so that tests can check it
// against float64 finite differences; snnlab's graphs use float32.
package lifkernel

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/plugins/neurons/surrogate"
)

// Config sets the dynamics of one kernel call. Potentials (Threshold,
// Reset, Alpha) are in the units of the input current; Decay, Rho and
// Gamma are dimensionless.
type Config struct {
	Decay       float64 // β, the leak factor in [0, 1] (the method's τ); 1 means no leak
	Threshold   float64 // Vth > 0
	Reset       float64 // Vreset, the potential after a spike under hard reset
	SoftReset   bool    // subtract Vth_eff on a spike instead of setting Vreset
	DetachReset bool    // no gradient through S in the reset term
	Surrogate   surrogate.Shape
	Alpha       float64 // surrogate width α > 0

	Adaptive bool    // adaptive threshold Vth + γ·a[t]
	Rho      float64 // decay of the adaptation variable a, in [0, 1]
	Gamma    float64 // adaptation strength γ ≥ 0

	Continuous bool // run the continuous relaxation (MixedLIF path B) instead of spikes
	DecayGrad  bool // make Backward return ∂L/∂β, for neurons that learn their decay
}

// Validate checks every field; the error names the field, its value and
// the valid range.
func (c Config) Validate() error {
	switch {
	case !(c.Decay >= 0 && c.Decay <= 1):
		return fmt.Errorf("decay %v is invalid: want a leak factor in [0, 1]", c.Decay)
	case !(c.Threshold > 0) || math.IsInf(c.Threshold, 1):
		return fmt.Errorf("threshold %v is invalid: want a finite value > 0", c.Threshold)
	case math.IsNaN(c.Reset) || math.IsInf(c.Reset, 0):
		return fmt.Errorf("reset potential %v is invalid: want a finite value", c.Reset)
	case !(c.Alpha > 0) || math.IsInf(c.Alpha, 1):
		return fmt.Errorf("surrogate width alpha %v is invalid: want a finite value > 0", c.Alpha)
	case c.Surrogate < surrogate.Rectangular || c.Surrogate > surrogate.Arctan:
		return fmt.Errorf("surrogate %v is not known; valid surrogates are rectangular, sigmoid, arctan", c.Surrogate)
	}
	if c.Adaptive {
		switch {
		case !(c.Rho >= 0 && c.Rho <= 1):
			return fmt.Errorf("adaptation decay rho %v is invalid: want a value in [0, 1]", c.Rho)
		case !(c.Gamma >= 0) || math.IsInf(c.Gamma, 1):
			return fmt.Errorf("adaptation strength gamma %v is invalid: want a finite value ≥ 0", c.Gamma)
		case c.Continuous:
			return fmt.Errorf("the continuous path is not defined for an adaptive threshold: run adaptive neurons on the spiking path")
		}
	}
	return nil
}
