// Package mixedlif registers the "mixedlif" neuron: one LIF neuron with two
// forward behaviours that share every weight, run multi-step over a whole
// [T, N] sequence.
//
// Path A (spiking) is LIF: S[t] = Θ(H[t] − Vth), trained with the surrogate
// gradient. Path B (continuous) replaces the step by the surrogate's
// antiderivative,
//
//	O[t] = clip((H[t] − Vth)/α + 1/2, 0, 1)          (rectangular surrogate)
//	V[t] = (1 − g[t])·H[t] + g[t]·Vreset,  g[t] = Θ(H[t] − Vth)
//
// where the reset gate g passes no gradient. With the sigmoid or arctan
// surrogate, O[t] is that surrogate's antiderivative (a sigmoid or a scaled
// arctangent, 1/2 at the threshold). At inference only path A runs, so a
// trained MixedLIF network is a LIF network. Importing the package
// registers the neuron with the framework.
package mixedlif

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/internal/options"
	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
)

// Name is the registered name.
const Name = "mixedlif"

func init() {
	framework.RegisterNeuron(framework.Spec{
		Name:    Name,
		Doc:     "LIF neuron that spikes on path A and outputs the surrogate's antiderivative on path B",
		Options: append([]framework.OptionSpec{options.DecaySpec()}, options.Common()...),
	}, New)
}

// New builds a MixedLIF neuron from resolved options.
func New(o framework.Options) (framework.Neuron, error) {
	c, err := options.Config(o)
	if err != nil {
		return nil, err
	}
	return &lifkernel.Neuron{Config: c, Mixed: true}, nil
}
