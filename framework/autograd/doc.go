// Package autograd adapts snnlab's compute contracts to gorgonia: it turns
// any framework.Neuron into a multi-step gorgonia operation with a symbolic
// gradient, and any framework.Loss into a scalar operation over the two
// paths' embeddings. Built-in neurons and neurons served by plugin binaries
// plug into a graph the same way, through NeuronNode.
//
// Each operation keeps its forward and backward side by side. Backward
// operations call the part's own Backward, which runs backpropagation
// through time inside the neuron, so gorgonia sees one node per neuron layer
// rather than one per time step.
package autograd
