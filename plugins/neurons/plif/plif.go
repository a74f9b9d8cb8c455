// Package plif registers the "plif" neuron: a parametric LIF neuron whose
// decay is learned, one scalar per layer (Fang et al., 2021), run
// multi-step over a whole [T, N] sequence.
//
//	β = sigmoid(w),  H[t] = β·V[t−1] + I[t],  S[t] = Θ(H[t] − Vth)
//
// The neuron has one learnable parameter, "w" (one element), and its
// Backward returns ∂L/∂w summed over the layer. Both paths run the spiking
// form. Importing the package registers the neuron with the framework.
package plif

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/internal/options"
	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
)

// Name is the registered name.
const Name = "plif"

// InitDecay is the name of the option that sets the starting decay.
const InitDecay = "init_decay"

func init() {
	initDecay := framework.FloatOption(InitDecay, 0.5, 0, 1, "",
		"decay β at initialisation, in (0, 1); w starts at logit(β), so 0.5 gives w = 0")
	initDecay.MinOpen, initDecay.MaxOpen = true, true
	framework.RegisterNeuron(framework.Spec{
		Name:    Name,
		Doc:     "parametric LIF neuron with a learned decay β = sigmoid(w), one w per layer; spikes on both paths",
		Options: append([]framework.OptionSpec{initDecay}, options.Common()...),
	}, New)
}

// New builds a PLIF neuron from resolved options.
func New(o framework.Options) (framework.Neuron, error) {
	c, err := options.Config(o)
	if err != nil {
		return nil, err
	}
	beta := o.Float(InitDecay)
	if !(beta > 0 && beta < 1) {
		return nil, fmt.Errorf("option %s: value %v is out of range; valid range is (0, 1)", InitDecay, beta)
	}
	c.Decay = beta
	return &lifkernel.Neuron{Config: c, LearnDecay: true, InitW: float32(math.Log(beta / (1 - beta)))}, nil
}
