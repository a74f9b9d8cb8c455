package vgg

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/backbones/internal/backbonetest"
)

func TestDescribeMatchesForward(t *testing.T) {
	in := framework.InputShape{C: 3, H: 8, W: 8}
	for _, pool := range []string{"max", "avg"} {
		for _, neuron := range []string{"lif", "plif"} {
			t.Run(pool+"/"+neuron, func(t *testing.T) {
				bb := backbonetest.Build(t, "spiking-vgg11-cifar", map[string]any{"base_width": 4, "stages": 3, "pool": pool}, in, neuron)
				backbonetest.Describe(t, bb, in, 4, neuron)
			})
		}
	}
}

func TestAvgPoolDualPath(t *testing.T) {
	in := framework.InputShape{C: 3, H: 8, W: 8}
	bb := backbonetest.Build(t, "spiking-vgg11", map[string]any{"base_width": 4, "stages": 3, "pool": "avg"}, in, "mixedlif")
	backbonetest.DualPath(t, bb, in, 4, 2)

	net, err := framework.DescribeBackbone(bb, "mixedlif", nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	pools := 0
	for _, l := range net.Layers {
		if l.Kind == "maxpool" {
			t.Errorf("layer %s is a max-pool in a pool=avg network", l.Name)
		}
		if l.Kind == "avgpool" {
			pools++
		}
	}
	if pools != 4 { // three stage pools and the global one
		t.Errorf("%d average-pool layers, want 4", pools)
	}
}

func TestAvgPoolOddMap(t *testing.T) {
	_, err := framework.NewBackbone("spiking-vgg11", map[string]any{"base_width": 4, "stages": 3, "pool": "avg"}, framework.BackboneConfig{
		Input:     framework.InputShape{C: 3, H: 12, W: 12},
		NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron("lif", nil) },
		RNG:       rand.New(rand.NewSource(1)),
	})
	if err == nil || !strings.Contains(err.Error(), "3×3") || !strings.Contains(err.Error(), "pool=max") {
		t.Fatalf("error %v, want one naming the odd 3×3 map and the pool=max way out", err)
	}
}
