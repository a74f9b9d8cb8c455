package framework

import (
	"math/rand"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Param is one named tensor of a model: a learnable weight, or a buffer such
// as a batch-norm running statistic. Value is a float32 tensor owned by the
// model; optimisers update it in place, and every graph built from the model
// binds its nodes to this same tensor, so path A and path B share it.
type Param struct {
	Name        string
	Value       *tensor.Dense
	Learnable   bool // false for buffers, which receive no gradient
	WeightDecay bool // false for biases and batch-norm affine parameters
}

// Data returns the parameter's values as a flat float32 slice that aliases
// the tensor.
func (p *Param) Data() []float32 { return p.Value.Data().([]float32) }

// Pass describes one forward pass through a backbone.
type Pass struct {
	Path  Path
	T     int  // time steps folded into the leading axis of the input
	Train bool // batch-norm uses batch statistics and updates running ones
}

// Backbone is a spiking feature extractor built on gorgonia.
//
// Forward adds one pass to the graph that holds x and returns its node.
// x is time-folded, [T·B, C, H, W] with time as the outer factor
// (row t·B+b is sample b at step t); static images are repeated over the T
// steps before the call. The result is the pooled feature, [T·B, F] with
// F = FeatureDim(). Stateless layers run once on the folded batch; only
// neurons iterate over time.
//
// Parameters are created once, by the factory. Every Forward call on the
// same graph reuses the same parameter nodes, so calling Forward for path A
// and path B gives one set of weights whose gradients the autodiff sums.
// A Backbone is not safe for concurrent use.
type Backbone interface {
	Forward(x *gorgonia.Node, pass Pass) (*gorgonia.Node, error)

	// Params lists every parameter and buffer in a fixed order with unique
	// names, for optimisers and checkpoints.
	Params() []*Param

	// FeatureDim is F, the width of the pooled feature.
	FeatureDim() int
}

// InputShape is the shape of one input sample, [C, H, W].
type InputShape struct {
	C, H, W int
}

// BackboneConfig is what a backbone factory receives.
type BackboneConfig struct {
	Options Options
	Input   InputShape

	// NewNeuron builds a fresh neuron for each place a ReLU or GELU would
	// sit, so that neurons with per-layer parameters get their own.
	NewNeuron func() (Neuron, error)

	// RNG seeds the weight initialisation, so the same seed gives the same
	// network.
	RNG *rand.Rand
}
