package vgg

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/backbones/internal/backbonetest"
)

func learnableCount(bb framework.Backbone) int {
	n := 0
	for _, p := range bb.Params() {
		if p.Learnable {
			n += p.Value.Shape().TotalSize()
		}
	}
	return n
}

// Counted are the 3×3 convolution weights (9·a·b from a to b channels, no
// bias) and batch-norm γ and β (2 per channel). Not counted: a classifier,
// the running statistics, and neuron parameters (LIF has none).
//
// VGG-16: convolution weights 1,728 + 36,864 + 73,728 + 147,456 + 294,912 +
// 2 × 589,824 + 1,179,648 + 5 × 2,359,296 = 14,710,464; batch-norm
// 2 × (2·64 + 2·128 + 3·256 + 6·512) = 2 × 4,224 = 8,448; total 14,718,912.
// torchvision's vgg16_bn features hold 14,723,136: the same plus 4,224
// convolution biases, which batch-norm makes redundant and which we omit.
//
// VGG-11: convolution weights 1,728 + 73,728 + 294,912 + 589,824 +
// 1,179,648 + 3 × 2,359,296 = 9,217,728; batch-norm 2 × 2,752 = 5,504;
// total 9,223,232.
func TestParamCountsStandard(t *testing.T) {
	in := framework.InputShape{C: 3, H: 32, W: 32}
	cases := []struct {
		name string
		want int
	}{
		{"spiking-vgg11", 9_223_232},
		{"spiking-vgg11-cifar", 9_223_232},
		{"spiking-vgg16", 14_718_912},
		{"spiking-vgg16-cifar", 14_718_912},
	}
	for _, c := range cases {
		bb := backbonetest.Build(t, c.name, nil, in, "lif")
		if got := learnableCount(bb); got != c.want {
			t.Errorf("%s: %d learnable parameters, want %d", c.name, got, c.want)
		}
		if bb.FeatureDim() != 512 {
			t.Errorf("%s: feature width %d, want 512", c.name, bb.FeatureDim())
		}
	}
}

func TestDualPathEveryNeuron(t *testing.T) {
	small := map[string]any{"base_width": 4, "stages": 3}
	in := framework.InputShape{C: 3, H: 8, W: 8}
	for _, name := range []string{"spiking-vgg11-cifar", "spiking-vgg16"} {
		for _, neuron := range backbonetest.Neurons {
			t.Run(name+"/"+neuron, func(t *testing.T) {
				bb := backbonetest.Build(t, name, small, in, neuron)
				if bb.FeatureDim() != 16 {
					t.Fatalf("feature width %d, want 16", bb.FeatureDim())
				}
				backbonetest.DualPath(t, bb, in, 4, 2)
			})
		}
	}
}

func TestBatchSplitInvariance(t *testing.T) {
	in := framework.InputShape{C: 3, H: 8, W: 8}
	bb := backbonetest.Build(t, "spiking-vgg11", map[string]any{"base_width": 4, "stages": 3}, in, "lif")
	backbonetest.SplitInvariance(t, bb, in, 4, true)
}

func TestImageTooSmall(t *testing.T) {
	_, err := framework.NewBackbone("spiking-vgg16", nil, framework.BackboneConfig{
		Input:     framework.InputShape{C: 3, H: 16, W: 16},
		NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron("lif", nil) },
		RNG:       rand.New(rand.NewSource(1)),
	})
	if err == nil || !strings.Contains(err.Error(), "16×16") || !strings.Contains(err.Error(), "stages") {
		t.Fatalf("error %v, want one naming the 16×16 input and option stages", err)
	}
}

func TestWidthRoundingToZero(t *testing.T) {
	_, err := framework.NewBackbone("spiking-vgg11-cifar", map[string]any{"base_width": 2, "width": 0.2}, framework.BackboneConfig{
		Input:     framework.InputShape{C: 3, H: 32, W: 32},
		NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron("lif", nil) },
		RNG:       rand.New(rand.NewSource(1)),
	})
	if err == nil || !strings.Contains(err.Error(), "option width: value 0.2") {
		t.Fatalf("error %v, want one naming option width and its value 0.2", err)
	}
}
