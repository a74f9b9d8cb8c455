// Package options declares the options the built-in neurons share and
// turns resolved option values into a kernel config, so that every neuron
// spells and checks them the same way.
package options

import (
	"fmt"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
	"github.com/snnlab/snnlab/plugins/neurons/surrogate"
)

// Option names shared by the built-in neurons.
const (
	Decay       = "decay"
	Threshold   = "threshold"
	Reset       = "reset"
	ResetMode   = "reset_mode"
	DetachReset = "detach_reset"
	Surrogate   = "surrogate"
	Alpha       = "alpha"
)

// DecaySpec is the fixed leak factor β of LIF-type neurons.
func DecaySpec() framework.OptionSpec {
	s := framework.FloatOption(Decay, 0.5, 0, 1, "",
		"leak factor β in (0, 1] multiplying the membrane potential each step (the paper's τ); 1 means no leak")
	s.MinOpen = true
	return s
}

// Common returns the options every built-in neuron takes: threshold,
// reset potential and mode, DetachReset, surrogate shape and width.
func Common() []framework.OptionSpec {
	threshold := framework.FloatOption(Threshold, 1.0, 0, framework.Unbounded, "",
		"firing threshold Vth (> 0), in the units of the input current")
	threshold.MinOpen = true
	alpha := framework.FloatOption(Alpha, 1.0, 0, framework.Unbounded, "",
		"surrogate width α (> 0), in the units of H: the rectangle is 1/α on |H − Vth| ≤ α/2, and every shape peaks at 1/α")
	alpha.MinOpen = true
	return []framework.OptionSpec{
		threshold,
		framework.FloatOption(Reset, 0, framework.Unbounded, framework.Unbounded, "",
			"reset potential Vreset that a hard reset sets after a spike"),
		framework.ChoiceOption(ResetMode, "hard", []string{"hard", "soft"},
			"hard sets V to Vreset after a spike; soft subtracts the threshold from H"),
		framework.BoolOption(DetachReset, false,
			"stop the gradient through the spike in the reset term"),
		framework.ChoiceOption(Surrogate, "rectangular", surrogate.Names,
			"surrogate gradient of the spike step: rectangular, sigmoid (slope 4/α) or arctan (slope π/α)"),
		alpha,
	}
}

// Config builds the kernel config from resolved options. Options a neuron
// does not declare keep the kernel defaults: decay 1 (no leak) and no
// adaptation.
func Config(o framework.Options) (lifkernel.Config, error) {
	shape, err := surrogate.Parse(o.String(Surrogate))
	if err != nil {
		return lifkernel.Config{}, fmt.Errorf("option %s: %w", Surrogate, err)
	}
	c := lifkernel.Config{
		Decay:       1,
		Threshold:   o.Float(Threshold),
		Reset:       o.Float(Reset),
		SoftReset:   o.String(ResetMode) == "soft",
		DetachReset: o.Bool(DetachReset),
		Surrogate:   shape,
		Alpha:       o.Float(Alpha),
	}
	if has(o, Decay) {
		c.Decay = o.Float(Decay)
	}
	return c, nil
}

func has(o framework.Options, name string) bool {
	for _, s := range o.Specs() {
		if s.Name == name {
			return true
		}
	}
	return false
}
