package ifneuron_test

import (
	"testing"

	"github.com/snnlab/snnlab/framework"
	_ "github.com/snnlab/snnlab/plugins/neurons/if"
	"github.com/snnlab/snnlab/plugins/neurons/internal/reference"
)

func TestIFMatchesVectors(t *testing.T) {
	vec := reference.LoadNeuronVectors(t)
	for _, b := range vec.Blocks() {
		matched := 0
		for _, c := range b.Cases {
			if c.Name != "if" {
				continue
			}
			matched++
			t.Run(b.Name, func(t *testing.T) {
				n, err := framework.NewNeuron("if", map[string]any{
					"threshold": vec.Params.Vth, "reset": vec.Params.Vreset,
					"alpha": vec.Params.Alpha, "detach_reset": c.DetachReset,
				})
				if err != nil {
					t.Fatal(err)
				}
				for _, path := range []framework.Path{framework.Spiking, framework.Continuous} {
					reference.CheckCase(t, n, path, nil, b.I, b.G, c)
				}
			})
		}
		if matched != 1 {
			t.Errorf("%s block: found %d IF cases, want 1", b.Name, matched)
		}
	}
}

func TestIFThroughNeuronNode(t *testing.T) {
	n, err := framework.NewNeuron("if", map[string]any{"surrogate": "sigmoid"})
	if err != nil {
		t.Fatal(err)
	}
	reference.CheckNeuronNode(t, n, framework.Spiking, 3, 4, 5, nil)
}

func TestIFBadInput(t *testing.T) {
	n, err := framework.NewNeuron("if", nil)
	if err != nil {
		t.Fatal(err)
	}
	reference.CheckBadInput(t, n)
}

func TestIFHasNoDecayOption(t *testing.T) {
	if _, err := framework.NewNeuron("if", map[string]any{"decay": 0.5}); err == nil {
		t.Error("IF accepted a decay option; it has no leak")
	}
}
