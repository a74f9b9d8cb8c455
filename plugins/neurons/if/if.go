// Package ifneuron registers the "if" neuron: an integrate-and-fire neuron,
// which is LIF without leak (β = 1), run multi-step over a whole [T, N]
// sequence.
//
//	H[t] = V[t−1] + I[t],  S[t] = Θ(H[t] − Vth),  V[t] = (1 − S[t])·H[t] + S[t]·Vreset
//
// Both paths run this spiking form. Importing the package registers the
// neuron with the framework. The directory is named "if"; the package is
// ifneuron because "if" is a Go keyword.
package ifneuron

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/internal/options"
	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
)

// Name is the registered name.
const Name = "if"

func init() {
	framework.RegisterNeuron(framework.Spec{
		Name:    Name,
		Doc:     "integrate-and-fire neuron (LIF with no leak, β = 1); spikes on both paths",
		Options: options.Common(),
	}, New)
}

// New builds an IF neuron from resolved options.
func New(o framework.Options) (framework.Neuron, error) {
	c, err := options.Config(o)
	if err != nil {
		return nil, err
	}
	c.Decay = 1
	return &lifkernel.Neuron{Config: c}, nil
}
