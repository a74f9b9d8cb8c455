// Command adex-neuron is a snnlab neuron plugin that adds "adex", an
// adaptive exponential integrate-and-fire neuron. Build it, put the binary
// on snnlab's plugin path, and scripts can train with Neuron: "adex"; see
// README.md.
package main

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/sdk/neuronplugin"
)

// version is the plugin's version, recorded with every run that uses it.
const version = "0.1.0"

func main() {
	neuronplugin.Serve(neuronplugin.Plugin{
		Name:    "adex-neuron",
		Version: version,
		Neurons: []neuronplugin.Neuron{{
			Spec: framework.Spec{
				Name:    "adex",
				Doc:     "adaptive exponential integrate-and-fire neuron with a learnable membrane rate and adaptation jump",
				Options: options(),
			},
			New: newAdEx,
		}},
	})
}

func options() []framework.OptionSpec {
	positive := func(s framework.OptionSpec) framework.OptionSpec {
		s.MinOpen = true
		return s
	}
	return []framework.OptionSpec{
		positive(framework.FloatOption("dt", 1, 0, framework.Unbounded, "ms", "time step")),
		positive(framework.FloatOption("tau_m", 2, 0, framework.Unbounded, "ms", "initial membrane time constant τm (> dt); learned through k = dt/τm")),
		positive(framework.FloatOption("tau_w", 20, 0, framework.Unbounded, "ms", "adaptation time constant τw")),
		positive(framework.FloatOption("delta_t", 0.1, 0, framework.Unbounded, "", "sharpness Δ of the exponential spike initiation, in units of the input current")),
		framework.FloatOption("theta", 0.8, framework.Unbounded, framework.Unbounded, "", "rheobase potential θ where the exponential term takes over"),
		positive(framework.FloatOption("threshold", 1, 0, framework.Unbounded, "", "potential Vth at which a spike is cut")),
		framework.FloatOption("reset", 0, framework.Unbounded, framework.Unbounded, "", "potential Vreset after a spike"),
		framework.FloatOption("a", 0.1, framework.Unbounded, framework.Unbounded, "", "subthreshold adaptation coupling a"),
		framework.FloatOption("b", 0.1, framework.Unbounded, framework.Unbounded, "", "initial spike-triggered adaptation jump b, learned"),
		positive(framework.FloatOption("alpha", 1, 0, framework.Unbounded, "", "surrogate width α: the surrogate gradient peaks at 1/α")),
	}
}

func newAdEx(o framework.Options) (framework.Neuron, error) {
	dt, tauM := o.Float("dt"), o.Float("tau_m")
	if !(tauM > dt) {
		return nil, fmt.Errorf("option tau_m = %v ms must exceed dt = %v ms, because k = dt/τm must lie below 1", tauM, dt)
	}
	if d, gap := o.Float("delta_t"), o.Float("threshold")-o.Float("theta"); gap/d > 30 {
		return nil, fmt.Errorf("options threshold − theta = %v is %v times delta_t = %v; above 30 the exponential overflows, so raise delta_t or theta", gap, gap/d, d)
	}
	return &AdEx{
		Delta:     o.Float("delta_t"),
		Theta:     o.Float("theta"),
		Threshold: o.Float("threshold"),
		Reset:     o.Float("reset"),
		Rho:       math.Exp(-dt / o.Float("tau_w")),
		A:         o.Float("a"),
		Alpha:     o.Float("alpha"),
		InitK:     dt / tauM,
		InitB:     o.Float("b"),
	}, nil
}
