package plif_test

import (
	"math"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/neurons/internal/reference"
	_ "github.com/snnlab/snnlab/plugins/neurons/plif"
)

func TestPLIFMatchesVectors(t *testing.T) {
	vec := reference.LoadNeuronVectors(t)
	matched := 0
	for _, c := range vec.Cases {
		if c.Name != "plif" {
			continue
		}
		matched++
		if c.W == nil || c.GradW == nil {
			t.Fatal("plif case has no w or grad_w")
		}
		n, err := framework.NewNeuron("plif", map[string]any{
			"threshold": vec.Params.Vth, "reset": vec.Params.Vreset,
			"alpha": vec.Params.Alpha, "detach_reset": c.DetachReset,
		})
		if err != nil {
			t.Fatal(err)
		}
		params := [][]float32{{float32(*c.W)}}
		for _, path := range []framework.Path{framework.Spiking, framework.Continuous} {
			reference.CheckCase(t, n, path, params, vec.I, vec.G, c)
		}
	}
	if matched != 1 {
		t.Errorf("found %d PLIF cases, want 1", matched)
	}
}

func TestPLIFParamInit(t *testing.T) {
	for _, beta := range []float64{0.5, 0.25, 0.9} {
		n, err := framework.NewNeuron("plif", map[string]any{"init_decay": beta})
		if err != nil {
			t.Fatal(err)
		}
		specs := n.Params()
		if len(specs) != 1 || specs[0].Name != "w" || specs[0].Size != 1 {
			t.Fatalf("Params() = %+v, want one scalar \"w\"", specs)
		}
		got := 1 / (1 + math.Exp(-float64(specs[0].Init)))
		if math.Abs(got-beta) > 1e-6 {
			t.Errorf("init_decay %v: sigmoid(w0) = %v", beta, got)
		}
	}
}

func TestPLIFThroughNeuronNode(t *testing.T) {
	n, err := framework.NewNeuron("plif", nil)
	if err != nil {
		t.Fatal(err)
	}
	reference.CheckNeuronNode(t, n, framework.Spiking, 4, 3, 5, [][]float32{{0.3}})
	reference.CheckNeuronNode(t, n, framework.Continuous, 1, 2, 3, [][]float32{{-1.2}})
}

func TestPLIFBadInput(t *testing.T) {
	n, err := framework.NewNeuron("plif", nil)
	if err != nil {
		t.Fatal(err)
	}
	reference.CheckBadInput(t, n)
	call := framework.NeuronCall{T: 1, Input: []float32{1}, Params: [][]float32{{float32(math.NaN())}}}
	if err := n.Forward(call, make([]float32, 1)); err == nil {
		t.Error("NaN decay logit: no error")
	}
}
