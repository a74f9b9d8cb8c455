package lif_test

import (
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/internal/reference"
	_ "github.com/snnlab/snnlab/plugins/neurons/lif"
)

func TestLIFMatchesVectors(t *testing.T) {
	vec := reference.LoadNeuronVectors(t)
	for _, b := range vec.Blocks() {
		matched := 0
		for _, c := range b.Cases {
			if c.Name != "lif" && c.Name != "lif_detach_reset" {
				continue
			}
			matched++
			t.Run(b.Name+"/"+c.Name, func(t *testing.T) {
				n, err := framework.NewNeuron("lif", map[string]any{
					"decay": c.Tau, "threshold": vec.Params.Vth, "reset": vec.Params.Vreset,
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
		if matched != 2 {
			t.Errorf("%s block: found %d LIF cases, want 2", b.Name, matched)
		}
	}
}

func TestLIFThroughNeuronNode(t *testing.T) {
	for _, opts := range []map[string]any{nil, {"reset_mode": "soft", "surrogate": "arctan", "detach_reset": true}} {
		n, err := framework.NewNeuron("lif", opts)
		if err != nil {
			t.Fatal(err)
		}
		reference.CheckNeuronNode(t, n, framework.Spiking, 4, 3, 5, nil)
		reference.CheckNeuronNode(t, n, framework.Continuous, 2, 2, 7, nil)
	}
}

func TestLIFBadInput(t *testing.T) {
	n, err := framework.NewNeuron("lif", nil)
	if err != nil {
		t.Fatal(err)
	}
	reference.CheckBadInput(t, n)
}

func TestLIFOptions(t *testing.T) {
	for _, bad := range []map[string]any{{"decay": 0.0}, {"decay": 1.5}, {"threshold": 0.0}, {"alpha": -1.0}, {"reset_mode": "partial"}, {"surrogate": "gauss"}, {"rho": 0.9}} {
		if _, err := framework.NewNeuron("lif", bad); err == nil {
			t.Errorf("options %v: no error", bad)
		}
	}
}
