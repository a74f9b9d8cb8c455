package spikformer

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/backbones/internal/backbonetest"
)

// small is a laptop-sized Spikformer-2-16: 8×8 images give 16 tokens. Its
// attention scale 0.25 is the published 0.125 with threshold 0.5 carried
// over to threshold 1; with 0.125 the few tokens rarely drive the neuron
// after attention into its surrogate window.
var (
	small   = map[string]any{"patch": 2, "dim": 16, "heads": 1, "depth": 1, "mlp_ratio": 2.0, "attn_scale": 0.25}
	smallIn = framework.InputShape{C: 3, H: 8, W: 8}
)

// Spikformer-4-384 with depth 4 on CIFAR. Counted: convolution and linear
// weights (no biases) and batch-norm γ, β; LIF has no parameters.
//
//	stem convolutions 9·(3·48 + 48·96 + 96·192 + 192·384 + 384·384)
//	  = 1,296 + 41,472 + 165,888 + 663,552 + 1,327,104 = 2,199,312
//	stem batch-norm 2·(48 + 96 + 192 + 384 + 384)       =     2,208
//	per block: q, k, v, proj 4·384² = 589,824, their batch-norm 4·768 =
//	  3,072, MLP 2·384·1,536 = 1,179,648, its batch-norm 2·1,536 + 2·384
//	  = 3,840; together 1,776,384, times 4 blocks        = 7,105,536
//	total                                               = 9,307,056
//
// The published 9.32M adds 13,824 linear biases (3,456 per block) and a
// 10-class classifier (3,850): 9,324,730.
func TestParamCountSpikformer4x384(t *testing.T) {
	bb := backbonetest.Build(t, Name, map[string]any{"patch": 4, "dim": 384, "depth": 4, "heads": 12}, framework.InputShape{C: 3, H: 32, W: 32}, "lif")
	n := 0
	for _, p := range bb.Params() {
		if p.Learnable {
			n += p.Value.Shape().TotalSize()
		}
	}
	if n != 9_307_056 {
		t.Errorf("%d learnable parameters, want 9,307,056", n)
	}
	if bb.FeatureDim() != 384 {
		t.Errorf("feature width %d, want 384", bb.FeatureDim())
	}
}

func TestNeuronPlaces(t *testing.T) {
	bb := backbonetest.Build(t, Name, small, smallIn, "plif")
	// 4 stem layers + position embedding, then q, k, v, attention, proj,
	// fc1 and fc2 per block.
	var places int
	for _, p := range bb.Params() {
		if strings.HasSuffix(p.Name, "_sn.w") {
			places++
		}
	}
	if places != 5+7 {
		t.Errorf("%d neuron places, want 12", places)
	}
}

func TestDualPathEveryNeuron(t *testing.T) {
	for _, neuron := range backbonetest.Neurons {
		t.Run(neuron, func(t *testing.T) {
			bb := backbonetest.Build(t, Name, small, smallIn, neuron)
			backbonetest.DualPath(t, bb, smallIn, 4, 2)
		})
	}
}

// Patch 16 pools in every stem layer. With only 4 tokens of 16 channels,
// the published scale 0.125 keeps the neuron after attention below its
// surrogate window, so no gradient would reach q, k and v. A scale of 1
// lets it fire.
func TestDualPathImageNetStem(t *testing.T) {
	in := framework.InputShape{C: 3, H: 32, W: 32}
	bb := backbonetest.Build(t, Name, map[string]any{"patch": 16, "dim": 16, "heads": 1, "depth": 2, "attn_scale": 1.0}, in, "mixedlif")
	backbonetest.DualPath(t, bb, in, 4, 2)
}

func TestBatchSplitInvariance(t *testing.T) {
	bb := backbonetest.Build(t, Name, small, smallIn, "lif")
	// Residual sums of spikes are not rates.
	backbonetest.SplitInvariance(t, bb, smallIn, 4, false)
}

func TestBadConfigurations(t *testing.T) {
	cases := []struct {
		opts map[string]any
		in   framework.InputShape
		want string
	}{
		{map[string]any{"patch": 4}, framework.InputShape{C: 3, H: 30, W: 30}, "option patch: value 4 does not divide the 30×30 input"},
		{map[string]any{"patch": 6}, framework.InputShape{C: 3, H: 12, W: 12}, "option patch: value 6 is not a power of two"},
		{map[string]any{"dim": 16, "heads": 3}, smallIn, "option heads: value 3 does not divide the embedding width 16"},
		{map[string]any{"dim": 16, "heads": 2, "width": 0.25}, smallIn, "option dim: value 16 with width 0.25"},
		{map[string]any{"dim": 8, "heads": 1, "width": 0.01}, smallIn, "option width: value 0.01"},
	}
	for _, c := range cases {
		_, err := framework.NewBackbone(Name, c.opts, framework.BackboneConfig{
			Input:     c.in,
			NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron("lif", nil) },
			RNG:       rand.New(rand.NewSource(1)),
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("options %v, input %v: error %v, want one containing %q", c.opts, c.in, err, c.want)
		}
	}
}
