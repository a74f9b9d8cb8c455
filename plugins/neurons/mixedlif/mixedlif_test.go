package mixedlif_test

import (
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/internal/reference"
	_ "github.com/snnlab/snnlab/plugins/neurons/mixedlif"
)

func TestMixedLIFMatchesVectors(t *testing.T) {
	vec := reference.LoadNeuronVectors(t)
	paths := map[string]framework.Path{"mixedlif_pathA": framework.Spiking, "mixedlif_pathB": framework.Continuous}
	for _, b := range vec.Blocks() {
		matched := 0
		for _, c := range b.Cases {
			path, ok := paths[c.Name]
			if !ok {
				continue
			}
			matched++
			t.Run(b.Name+"/"+c.Name, func(t *testing.T) {
				n, err := framework.NewNeuron("mixedlif", map[string]any{
					"decay": c.Tau, "threshold": vec.Params.Vth, "reset": vec.Params.Vreset,
					"alpha": vec.Params.Alpha, "detach_reset": c.DetachReset,
				})
				if err != nil {
					t.Fatal(err)
				}
				reference.CheckCase(t, n, path, nil, b.I, b.G, c)
			})
		}
		if matched != 2 {
			t.Errorf("%s block: found %d MixedLIF cases, want 2", b.Name, matched)
		}
	}
}

func TestMixedLIFThroughNeuronNode(t *testing.T) {
	for _, s := range []string{"rectangular", "sigmoid", "arctan"} {
		n, err := framework.NewNeuron("mixedlif", map[string]any{"surrogate": s})
		if err != nil {
			t.Fatal(err)
		}
		reference.CheckNeuronNode(t, n, framework.Spiking, 4, 2, 6, nil)
		reference.CheckNeuronNode(t, n, framework.Continuous, 4, 2, 6, nil)
	}
}

func TestMixedLIFBadInput(t *testing.T) {
	n, err := framework.NewNeuron("mixedlif", nil)
	if err != nil {
		t.Fatal(err)
	}
	reference.CheckBadInput(t, n)
}
