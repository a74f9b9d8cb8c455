package framework

import "fmt"

// ParamSpec declares one learnable parameter of a neuron, such as PLIF's
// decay logit. Every element starts at Init.
type ParamSpec struct {
	Name string
	Size int // number of elements; 1 for a per-layer scalar
	Init float32
	Doc  string
}

// NeuronCall is the input of one multi-step neuron invocation.
//
// Input holds the input current I for every time step, laid out [T, N]
// row-major: element (t, n) is Input[t*N+n], where N = len(Input)/T
// covers every non-time axis of the layer (batch, channels, space).
// The membrane starts at rest (V[0] = 0) on every call: a call is one whole
// sequence, and no state survives between calls.
type NeuronCall struct {
	Path   Path
	T      int         // number of time steps, at least 1
	Input  []float32   // [T, N] input current
	Params [][]float32 // learnable parameters, in the order of Neuron.Params
}

// N returns the number of neurons per time step.
func (c NeuronCall) N() int {
	if c.T <= 0 {
		return 0
	}
	return len(c.Input) / c.T
}

// Validate checks the call's shapes against the neuron's parameter specs.
func (c NeuronCall) Validate(specs []ParamSpec) error {
	if c.T < 1 {
		return fmt.Errorf("neuron input: T = %d, want at least 1 time step", c.T)
	}
	if len(c.Input) == 0 {
		return fmt.Errorf("neuron input: empty tensor [T=%d, N=0]: the layer has no neurons or the batch is empty", c.T)
	}
	if len(c.Input)%c.T != 0 {
		return fmt.Errorf("neuron input: %d elements do not split into T = %d equal time steps", len(c.Input), c.T)
	}
	if len(c.Params) != len(specs) {
		return fmt.Errorf("neuron parameters: got %d tensors, want %d", len(c.Params), len(specs))
	}
	for i, s := range specs {
		if len(c.Params[i]) != s.Size {
			return fmt.Errorf("neuron parameter %q: got %d elements, want %d", s.Name, len(c.Params[i]), s.Size)
		}
	}
	return nil
}

// Neuron is a multi-step spiking neuron: one call runs a whole [T, N]
// sequence, forward or backward, for one path.
//
// Forward writes the output sequence O into out ([T, N], same length as
// Input): spikes in {0, 1} on the spiking path, the neuron's continuous
// output on the continuous path.
//
// Backward runs backpropagation through time inside the neuron. Given
// gradOut = ∂L/∂O ([T, N]), it overwrites gradIn with ∂L/∂I ([T, N]) and
// each gradParams[k] with ∂L/∂params[k] (summed over every neuron and
// step). Backward recomputes the forward trace from the call, so it needs
// no state from an earlier Forward; spike decisions must therefore be a
// deterministic function of the call.
//
// Implementations never retain the slices they are given. A Neuron value
// is safe for concurrent use when its methods keep no mutable state; all
// built-in neurons are. Errors name the tensor and its shape; a Neuron
// never panics on bad input.
type Neuron interface {
	// Params lists the learnable parameters, possibly none.
	Params() []ParamSpec

	Forward(call NeuronCall, out []float32) error
	Backward(call NeuronCall, gradOut, gradIn []float32, gradParams [][]float32) error
}

// Trace is the full state history of one forward call, each field [T, N].
// A and VthEff are set only by neurons with an adaptive threshold.
type Trace struct {
	Out    []float32 // output: spikes on path A, continuous output on path B
	H      []float32 // membrane potential before the reset
	V      []float32 // membrane potential after the reset
	A      []float32 // adaptation variable a[t]
	VthEff []float32 // effective threshold Vth + γ·a[t]
}

// Tracer is implemented by neurons that can report their membrane trace,
// for tests and for plots of neuron dynamics.
type Tracer interface {
	Trace(call NeuronCall) (Trace, error)
}
