// Package neuronplugin turns a program into a snnlab neuron plugin. snnlab
// finds the plugin binary on its plugin path, starts it as a child process
// and calls it over gRPC, so a neuron written in its own Go module trains
// like a built-in one without rebuilding snnlab.
//
// A plugin implements framework.Neuron, the contract the built-in neurons
// implement: whole [T, N] sequences forward and backward on a named path,
// learnable parameters with their gradients, and options declared with
// defaults and ranges. Its main function declares the neurons and calls
// Serve:
//
//	func main() {
//		neuronplugin.Serve(neuronplugin.Plugin{
//			Name:    "adex-neuron",
//			Version: "0.1.0",
//			Neurons: []neuronplugin.Neuron{{
//				Spec: framework.Spec{Name: "adex", Doc: "...", Options: options},
//				New:  newAdEx,
//			}},
//		})
//	}
//
// Tensors reach the neuron through shared memory set up by the host. The
// package maps it and passes the neuron ordinary []float32 slices, so a
// neuron does not depend on the transport. A panic inside the neuron becomes an
// error of that call rather than a crash.
package neuronplugin

import (
	"fmt"
	"os"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/pluginhost/wire"
)

// Plugin declares a plugin binary.
type Plugin struct {
	// Name and Version identify the plugin in listings and in the records
	// of runs that use it, for example "adex-neuron" and "0.1.0".
	Name    string
	Version string

	// Neurons are the neurons the plugin provides, at least one.
	Neurons []Neuron
}

// Neuron declares one neuron: Spec.Name is the name scripts use,
// Spec.Doc a one-line description and Spec.Options its options. Spec.Kind
// and Spec.Source are filled in by the host. New builds the neuron from
// resolved option values; the host calls it once per neuron layer.
type Neuron struct {
	Spec framework.Spec
	New  framework.NeuronFactory
}

// Serve runs the plugin until snnlab stops it, and exits the process when
// snnlab itself has exited. It never returns. A plugin with an invalid
// declaration prints the problem and exits with status 1; so does a binary
// started by hand instead of by snnlab.
func Serve(p Plugin) {
	h, err := NewHandler(p)
	if err != nil {
		fmt.Fprintf(os.Stderr, "neuron plugin: %v\n", err)
		os.Exit(1)
	}
	wire.Serve(h, wire.ProtocolVersion)
	os.Exit(0)
}

// validate checks the declaration: names present and unique, factories
// set, and every option default valid.
func (p Plugin) validate() error {
	if p.Name == "" {
		return fmt.Errorf("the plugin has no Name; set Plugin.Name, for example \"adex-neuron\"")
	}
	if p.Version == "" {
		return fmt.Errorf("plugin %q has no Version; set Plugin.Version, for example \"0.1.0\"", p.Name)
	}
	if len(p.Neurons) == 0 {
		return fmt.Errorf("plugin %q declares no neurons; add at least one to Plugin.Neurons", p.Name)
	}
	seen := map[string]bool{}
	for i, n := range p.Neurons {
		if n.Spec.Name == "" {
			return fmt.Errorf("plugin %q: neuron %d has no Spec.Name", p.Name, i)
		}
		if seen[n.Spec.Name] {
			return fmt.Errorf("plugin %q declares neuron %q twice", p.Name, n.Spec.Name)
		}
		seen[n.Spec.Name] = true
		if n.New == nil {
			return fmt.Errorf("plugin %q: neuron %q has no New function", p.Name, n.Spec.Name)
		}
		// Passing every default as a given value checks it against its range.
		defaults := map[string]any{}
		for _, o := range n.Spec.Options {
			defaults[o.Name] = o.Default
		}
		if _, err := framework.ResolveOptions(fmt.Sprintf("neuron %q", n.Spec.Name), n.Spec.Options, defaults); err != nil {
			return fmt.Errorf("plugin %q: default of %w", p.Name, err)
		}
	}
	return nil
}
