package framework

import "fmt"

// Describer is implemented by backbones that can list their spiking path
// as a Network of plain layers, for hardware targets and for the
// event-driven inference engine.
//
// Describe returns the layers in evaluation form and topological order.
// The kinds are conv2d without bias, batchnorm with its running statistics
// (not folded), neuron, add (a residual sum of two Inputs), and maxpool or
// avgpool between stages. A final avgpool over the whole last map yields the [F] feature. Every layer names
// the layers it reads in Inputs; the first reads the network input (empty
// Inputs). Neuron layers carry the neuron's learned parameters in Weights
// under their spec names (PLIF's "w"); Neuron, NeuronOptions and
// Network.T are left empty, because a backbone does not know under which
// name its neurons were registered: DescribeBackbone fills them. The
// weights are copies; later training does not change a returned Network.
type Describer interface {
	Describe() (Network, error)
}

// DescribeBackbone describes b's spiking path for T time steps with every
// neuron layer set to the registered neuron name and its options, as the
// run's configuration gives them. It fails, naming the backbone's type, for
// backbones that do not implement Describer.
func DescribeBackbone(b Backbone, neuron string, options map[string]any, T int) (Network, error) {
	d, ok := b.(Describer)
	if !ok {
		return Network{}, fmt.Errorf("backbone %T cannot describe its layers for export or event-driven inference; the spiking ResNets and VGGs can", b)
	}
	if T < 1 {
		return Network{}, fmt.Errorf("describe backbone: %d time steps, want at least 1", T)
	}
	net, err := d.Describe()
	if err != nil {
		return Network{}, err
	}
	net.T = T
	for i := range net.Layers {
		l := &net.Layers[i]
		if l.Kind != "neuron" {
			continue
		}
		l.Neuron = neuron
		l.NeuronOptions = make(map[string]any, len(options))
		for k, v := range options {
			l.NeuronOptions[k] = v
		}
	}
	return net, nil
}
