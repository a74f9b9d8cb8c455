// Command builtin serves built-in neurons through the plugin SDK, each
// under its own name with a "plugin-" prefix, so that tests can compare a
// neuron run in a plugin process with the same neuron run in process.
package main

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/lif"
	"github.com/snnlab/snnlab/plugins/neurons/mixedlif"
	"github.com/snnlab/snnlab/plugins/neurons/plif"
	"github.com/snnlab/snnlab/sdk/neuronplugin"
)

func main() {
	var neurons []neuronplugin.Neuron
	for _, name := range []string{lif.Name, mixedlif.Name, plif.Name} {
		spec, err := framework.Lookup(framework.NeuronKind, name)
		if err != nil {
			panic(err)
		}
		neurons = append(neurons, neuronplugin.Neuron{
			Spec: framework.Spec{Name: "plugin-" + name, Doc: spec.Doc, Options: spec.Options},
			New: func(o framework.Options) (framework.Neuron, error) {
				return framework.NewNeuron(name, o.Map())
			},
		})
	}
	neuronplugin.Serve(neuronplugin.Plugin{Name: "builtin-neurons", Version: "1.0.0", Neurons: neurons})
}
