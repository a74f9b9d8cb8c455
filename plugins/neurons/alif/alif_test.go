package alif_test

import (
	"testing"

	"github.com/snnlab/snnlab/framework"
	_ "github.com/snnlab/snnlab/plugins/neurons/alif"
	"github.com/snnlab/snnlab/plugins/neurons/internal/reference"
)

func TestALIFMatchesVectors(t *testing.T) {
	vec := reference.LoadNeuronVectors(t)
	matched := 0
	for _, c := range vec.Cases {
		if c.Name != "alif" {
			continue
		}
		matched++
		if c.Rho == nil || c.Beta == nil || c.A == nil || c.VthEff == nil {
			t.Fatal("alif case has no rho, beta, a or vth_eff")
		}
		n, err := framework.NewNeuron("alif", map[string]any{
			"decay": c.Tau, "threshold": vec.Params.Vth, "reset": vec.Params.Vreset,
			"alpha": vec.Params.Alpha, "detach_reset": c.DetachReset,
			"rho": *c.Rho, "gamma": *c.Beta,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []framework.Path{framework.Spiking, framework.Continuous} {
			reference.CheckCase(t, n, path, nil, vec.I, vec.G, c)
		}
	}
	if matched != 1 {
		t.Errorf("found %d ALIF cases, want 1", matched)
	}
}

func TestALIFThroughNeuronNode(t *testing.T) {
	n, err := framework.NewNeuron("alif", map[string]any{"gamma": 0.5, "reset_mode": "soft"})
	if err != nil {
		t.Fatal(err)
	}
	reference.CheckNeuronNode(t, n, framework.Spiking, 5, 3, 4, nil)
}

func TestALIFBadInput(t *testing.T) {
	n, err := framework.NewNeuron("alif", nil)
	if err != nil {
		t.Fatal(err)
	}
	reference.CheckBadInput(t, n)
}
