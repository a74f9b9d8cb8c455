// Package lif registers the "lif" neuron: a leaky integrate-and-fire neuron
// with a fixed decay, run multi-step over a whole [T, N] sequence.
//
//	H[t] = β·V[t−1] + I[t],  S[t] = Θ(H[t] − Vth),  V[t] = (1 − S[t])·H[t] + S[t]·Vreset
//
// Both paths run this spiking form. Importing the package registers the
// neuron with the framework.
package lif

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/internal/options"
	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
)

// Name is the registered name.
const Name = "lif"

func init() {
	framework.RegisterNeuron(framework.Spec{
		Name:    Name,
		Doc:     "leaky integrate-and-fire neuron with a fixed decay β; spikes on both paths",
		Options: append([]framework.OptionSpec{options.DecaySpec()}, options.Common()...),
	}, New)
}

// New builds a LIF neuron from resolved options.
func New(o framework.Options) (framework.Neuron, error) {
	c, err := options.Config(o)
	if err != nil {
		return nil, err
	}
	return &lifkernel.Neuron{Config: c}, nil
}
