// Command badversion is a neuron plugin that declares a protocol version
// no snnlab speaks.
package main

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/pluginhost/wire"
	"github.com/snnlab/snnlab/plugins/neurons/lif"
	"github.com/snnlab/snnlab/sdk/neuronplugin"
)

func main() {
	h, err := neuronplugin.NewHandler(neuronplugin.Plugin{Name: "future", Version: "9.0.0", Neurons: []neuronplugin.Neuron{{
		Spec: framework.Spec{Name: "future-lif"},
		New:  func(o framework.Options) (framework.Neuron, error) { return framework.NewNeuron(lif.Name, nil) },
	}}})
	if err != nil {
		panic(err)
	}
	wire.Serve(h, wire.ProtocolVersion+98)
}
