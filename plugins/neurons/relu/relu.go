// Package relu registers the "relu" neuron: out = max(0, I) on both paths,
// with no state over time. It is not a spiking neuron. Building a spiking
// backbone with it gives the non-spiking (ANN) network of the same
// architecture, the baseline that cost comparisons put next to the spiking
// versions; run it with T = 1. Importing the package registers the neuron.
package relu

import (
	"fmt"

	"github.com/snnlab/snnlab/framework"
)

// Name is the registered name.
const Name = "relu"

func init() {
	framework.RegisterNeuron(framework.Spec{
		Name: Name,
		Doc:  "rectified linear unit max(0, I) on both paths, no state over time: the non-spiking ANN baseline of a backbone (use T = 1)",
	}, New)
}

// New returns the ReLU; it has no options.
func New(framework.Options) (framework.Neuron, error) { return Neuron{}, nil }

// Neuron is the stateless ReLU. It is safe for concurrent use.
type Neuron struct{}

// Params returns nil: the ReLU has no learnable parameters.
func (Neuron) Params() []framework.ParamSpec { return nil }

// Forward writes max(0, I) for every element of the [T, N] input.
func (Neuron) Forward(call framework.NeuronCall, out []float32) error {
	if err := check(call, len(out), "output"); err != nil {
		return err
	}
	for i, v := range call.Input {
		out[i] = max(v, 0)
	}
	return nil
}

// Backward writes gradIn = gradOut where I > 0 and 0 elsewhere (the
// derivative at 0 taken as 0).
func (Neuron) Backward(call framework.NeuronCall, gradOut, gradIn []float32, gradParams [][]float32) error {
	if err := check(call, len(gradOut), "output gradient"); err != nil {
		return err
	}
	if len(gradIn) != len(call.Input) {
		return fmt.Errorf("relu: input gradient has %d elements, want %d to match the input [T=%d, N=%d]", len(gradIn), len(call.Input), call.T, call.N())
	}
	for i, v := range call.Input {
		if v > 0 {
			gradIn[i] = gradOut[i]
		} else {
			gradIn[i] = 0
		}
	}
	return nil
}

func check(call framework.NeuronCall, n int, name string) error {
	if err := call.Validate(nil); err != nil {
		return fmt.Errorf("relu: %w", err)
	}
	if n != len(call.Input) {
		return fmt.Errorf("relu: %s has %d elements, want %d to match the input [T=%d, N=%d]", name, n, len(call.Input), call.T, call.N())
	}
	return nil
}
