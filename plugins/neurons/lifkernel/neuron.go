package lifkernel

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
)

// Neuron adapts the kernel to framework.Neuron and framework.Tracer. It
// keeps no mutable state, so one value is safe for concurrent use. Forward,
// Backward and Trace return an error, naming the element, for a NaN or
// infinite input current.
type Neuron struct {
	// Config sets the dynamics. Continuous is ignored: the call's path
	// decides it.
	Config Config

	// Mixed makes the continuous path run the surrogate relaxation
	// (MixedLIF path B). Without it both paths run the spiking form.
	Mixed bool

	// LearnDecay replaces Config.Decay by sigmoid(w), where w is the
	// neuron's one learnable parameter (PLIF), initialised to InitW.
	LearnDecay bool
	InitW      float32
}

var (
	_ framework.Neuron = (*Neuron)(nil)
	_ framework.Tracer = (*Neuron)(nil)
)

// Params lists the decay logit "w" for neurons that learn their decay, and
// nothing otherwise.
func (n *Neuron) Params() []framework.ParamSpec {
	if !n.LearnDecay {
		return nil
	}
	return []framework.ParamSpec{{
		Name: "w",
		Size: 1,
		Init: n.InitW,
		Doc:  "decay logit: the layer's leak factor is sigmoid(w)",
	}}
}

// config resolves the kernel config of one call: its path and, for a
// learned decay, β = sigmoid(w).
func (n *Neuron) config(call framework.NeuronCall) (Config, error) {
	if err := call.Validate(n.Params()); err != nil {
		return Config{}, err
	}
	c := n.Config
	switch call.Path {
	case framework.Spiking:
		c.Continuous = false
	case framework.Continuous:
		c.Continuous = n.Mixed
	default:
		return Config{}, fmt.Errorf("neuron call: path %v is not known; use spiking or continuous", call.Path)
	}
	if n.LearnDecay {
		w := float64(call.Params[0][0])
		if math.IsNaN(w) {
			return Config{}, fmt.Errorf("neuron parameter \"w\" [1] is NaN: the decay logit diverged; lower the learning rate")
		}
		c.Decay = sigmoid(w)
		c.DecayGrad = true
	}
	return c, nil
}

// Forward writes the output sequence for call into out ([T, N]).
func (n *Neuron) Forward(call framework.NeuronCall, out []float32) error {
	c, err := n.config(call)
	if err != nil {
		return err
	}
	return Forward(c, call.T, call.Input, out)
}

// Backward overwrites gradIn with ∂L/∂I and, for a learned decay,
// gradParams[0][0] with ∂L/∂w = ∂L/∂β·β·(1 − β).
func (n *Neuron) Backward(call framework.NeuronCall, gradOut, gradIn []float32, gradParams [][]float32) error {
	c, err := n.config(call)
	if err != nil {
		return err
	}
	specs := n.Params()
	if len(gradParams) != len(specs) {
		return fmt.Errorf("neuron parameter gradients: got %d tensors, want %d", len(gradParams), len(specs))
	}
	for i, s := range specs {
		if len(gradParams[i]) != s.Size {
			return fmt.Errorf("neuron parameter gradient %q has %d elements, want %d", s.Name, len(gradParams[i]), s.Size)
		}
	}

	gDecay, err := Backward(c, call.T, call.Input, gradOut, gradIn)
	if err != nil {
		return err
	}
	if n.LearnDecay {
		gradParams[0][0] = float32(gDecay * c.Decay * (1 - c.Decay))
	}
	return nil
}

// Trace runs call forward and returns its output, H and V, plus a and
// Vth_eff for an adaptive threshold.
func (n *Neuron) Trace(call framework.NeuronCall) (framework.Trace, error) {
	c, err := n.config(call)
	if err != nil {
		return framework.Trace{}, err
	}
	size := len(call.Input)
	tr := Trace[float32]{Out: make([]float32, size), H: make([]float32, size), V: make([]float32, size)}
	if c.Adaptive {
		tr.A, tr.VthEff = make([]float32, size), make([]float32, size)
	}
	if err := Run(c, call.T, call.Input, tr); err != nil {
		return framework.Trace{}, err
	}
	return framework.Trace{Out: tr.Out, H: tr.H, V: tr.V, A: tr.A, VthEff: tr.VthEff}, nil
}

// sigmoid is the logistic function, written so that neither branch overflows.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
