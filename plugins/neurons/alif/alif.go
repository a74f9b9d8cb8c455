// Package alif registers the "alif" neuron: a LIF neuron with an adaptive
// threshold (Bellec et al., 2018), run multi-step over a whole [T, N]
// sequence.
//
//	a[t] = ρ·a[t−1] + S[t−1],  Vth_eff[t] = Vth + γ·a[t],  a[0] = 0
//	H[t] = β·V[t−1] + I[t],    S[t] = Θ(H[t] − Vth_eff[t])
//
// The surrogate window is centred on Vth_eff[t], and the gradient flows
// through a. A soft reset subtracts Vth_eff[t]. Both paths run the spiking
// form. Importing the package registers the neuron with the framework.
package alif

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/internal/options"
	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
)

// Name is the registered name.
const Name = "alif"

// Option names of the adaptation.
const (
	Rho   = "rho"
	Gamma = "gamma"
)

func init() {
	specs := append([]framework.OptionSpec{options.DecaySpec()}, options.Common()...)
	specs = append(specs,
		framework.FloatOption(Rho, 0.9, 0, 1, "",
			"decay ρ of the adaptation variable a per step"),
		framework.FloatOption(Gamma, 0.2, 0, framework.Unbounded, "",
			"adaptation strength γ: each unit of a raises the threshold by γ, in the units of the input current"),
	)
	framework.RegisterNeuron(framework.Spec{
		Name:    Name,
		Doc:     "adaptive LIF neuron: the threshold Vth + γ·a rises after each spike and decays by ρ per step; spikes on both paths",
		Options: specs,
	}, New)
}

// New builds an ALIF neuron from resolved options.
func New(o framework.Options) (framework.Neuron, error) {
	c, err := options.Config(o)
	if err != nil {
		return nil, err
	}
	c.Adaptive = true
	c.Rho = o.Float(Rho)
	c.Gamma = o.Float(Gamma)
	return &lifkernel.Neuron{Config: c}, nil
}
