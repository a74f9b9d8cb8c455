package resnet

import (
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/backbones/internal/backbonetest"
)

func TestDescribeMatchesForward(t *testing.T) {
	small := map[string]any{"base_width": 4, "blocks_per_stage": 1}
	cases := []struct {
		name   string
		in     framework.InputShape
		neuron string
	}{
		{"spiking-resnet18-cifar", framework.InputShape{C: 3, H: 8, W: 8}, "lif"},
		{"spiking-resnet18-cifar", framework.InputShape{C: 3, H: 8, W: 8}, "plif"},
		{"spiking-resnet34", framework.InputShape{C: 3, H: 16, W: 16}, "mixedlif"},
		{"spiking-resnet50-cifar", framework.InputShape{C: 3, H: 8, W: 8}, "if"},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.neuron, func(t *testing.T) {
			bb := backbonetest.Build(t, c.name, small, c.in, c.neuron)
			backbonetest.Describe(t, bb, c.in, 4, c.neuron)
		})
	}
}

func TestDescribeLayout(t *testing.T) {
	in := framework.InputShape{C: 3, H: 8, W: 8}
	bb := backbonetest.Build(t, "spiking-resnet18-cifar", map[string]any{"base_width": 4, "blocks_per_stage": 1, "stages": 2}, in, "lif")
	net, err := framework.DescribeBackbone(bb, "lif", map[string]any{"decay": 0.25}, 3)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, l := range net.Layers {
		kinds[l.Kind]++
		if l.Kind == "neuron" && (l.Neuron != "lif" || l.NeuronOptions["decay"] != 0.25) {
			t.Errorf("neuron layer %s: %q %v, want lif with decay 0.25", l.Name, l.Neuron, l.NeuronOptions)
		}
	}
	// Stem, two BasicBlocks of two convolutions each, one shortcut.
	want := map[string]int{"conv2d": 6, "batchnorm": 6, "neuron": 5, "add": 2, "avgpool": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s layers, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}
	if last := net.Layers[len(net.Layers)-1]; last.Kind != "avgpool" || last.Attrs["kernel_h"] != 4 {
		t.Errorf("last layer %s %v, want the global average pool over the 4×4 map", last.Kind, last.Attrs)
	}

	// The weights are copies: changing the model leaves the description.
	before := net.Layers[0].Weights["weight"][0]
	bb.Params()[0].Data()[0] += 1
	if net.Layers[0].Weights["weight"][0] != before {
		t.Errorf("described weights alias the model's parameters")
	}
}
