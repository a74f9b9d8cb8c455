package backbones

import (
	"math/rand"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/plugins/backbones/internal/backbonetest"
)

var names = []string{
	"spiking-resnet18", "spiking-resnet18-cifar", "spiking-resnet34", "spiking-resnet34-cifar",
	"spiking-resnet50", "spiking-resnet50-cifar", "spiking-vgg11", "spiking-vgg11-cifar",
	"spiking-vgg16", "spiking-vgg16-cifar", "spikformer",
}

func TestEveryBackboneRegistered(t *testing.T) {
	for _, name := range names {
		spec, err := framework.Lookup(framework.BackboneKind, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if spec.Doc == "" {
			t.Errorf("%s: no documentation", name)
		}
		var width bool
		for _, o := range spec.Options {
			if o.Doc == "" {
				t.Errorf("%s: option %s has no documentation", name, o.Name)
			}
			width = width || o.Name == "width"
		}
		if !width {
			t.Errorf("%s: no width option", name)
		}
	}
}

// The CIFAR head on the reference backbone's 64 features:
// 64·2048 + 2·2048 + 2048·1024 = 2,232,320 parameters, no biases.
func TestCIFARHeadOnReferenceBackbone(t *testing.T) {
	in := framework.InputShape{C: 3, H: 32, W: 32}
	bb := backbonetest.Build(t, "spiking-resnet18-cifar", map[string]any{"base_width": 16, "stages": 3, "blocks_per_stage": 1}, in, "mixedlif")
	head, err := nn.NewProjectionHead(bb.FeatureDim(), CIFARHead, rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range head.Params() {
		if p.Learnable {
			n += p.Value.Shape().TotalSize()
		}
	}
	if n != 2_232_320 {
		t.Errorf("head has %d learnable parameters, want 2,232,320", n)
	}
	if head.OutDim() != 1024 {
		t.Errorf("head output width %d, want 1024", head.OutDim())
	}
}
