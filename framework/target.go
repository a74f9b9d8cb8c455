package framework

// Layer is one layer of a trained network in a form hardware targets and
// the event-driven engine read: plain weights, no graph. Kinds are
// "conv2d", "linear", "batchnorm", "neuron", "maxpool", "avgpool",
// "flatten" and "add". A target folds batch-norm into the preceding conv
// or linear layer itself, or refuses the network.
//
// Attrs by kind: conv2d has "kernel", "stride" and "padding". batchnorm
// has "eps", with Weights "weight" = γ, "bias" = β, "running_mean" and
// "running_var". maxpool and avgpool have "kernel", "stride" and "padding",
// or per axis "kernel_h", "kernel_w" and so on. add sums its Inputs
// elementwise.
type Layer struct {
	Name   string
	Kind   string
	Inputs []string // names of the layers feeding this one; empty for the network input

	// Weights by role: "weight" ([out, in, kh, kw] or [out, in]) and "bias".
	Weights map[string][]float32
	Shapes  map[string][]int

	// Attrs holds integer attributes such as "stride", "padding" and
	// "kernel", and a neuron's scalar settings such as "decay" and "vth".
	Attrs map[string]float64

	// Neuron is the registered neuron name for Kind "neuron", with the
	// options it was trained with.
	Neuron        string
	NeuronOptions map[string]any
}

// Network is a trained network's spiking path as a list of layers in
// topological order, with the input shape [C, H, W] and time steps T.
type Network struct {
	Input  InputShape
	T      int
	Layers []Layer
}

// TargetReport is what deploying a network produced.
type TargetReport struct {
	Files     []string           // files written
	Accuracy  map[string]float64 // accuracy under the target's arithmetic, by split
	Resources map[string]float64 // for example cores and chips
	EnergyJ   float64            // energy per inference in joules
	Notes     []string           // constants used and their sources
}

// Target turns a trained network into what a piece of neuromorphic hardware
// loads, and estimates how it will run there.
//
// Export writes the artifacts into dir and reports the files, resources and
// energy. A target rejects, with an error naming the layer and the reason,
// any network it cannot represent exactly (for example a soft reset or a
// continuous-path neuron); it never converts lossily without saying so.
type Target interface {
	Export(net Network, dir string) (TargetReport, error)
}
