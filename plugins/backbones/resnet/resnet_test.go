package resnet

import (
	"math/rand"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/backbones/internal/backbonetest"
)

var (
	cifarInput    = framework.InputShape{C: 3, H: 32, W: 32}
	imagenetInput = framework.InputShape{C: 3, H: 224, W: 224}
)

// learnableCount counts convolution weights and batch-norm γ and β: every
// learnable parameter when the neuron has none (LIF). Batch-norm running
// statistics are buffers and are not counted; there is no classifier.
func learnableCount(bb framework.Backbone) int {
	n := 0
	for _, p := range bb.Params() {
		if p.Learnable {
			n += p.Value.Shape().TotalSize()
		}
	}
	return n
}

// The expected counts follow from the layer lists. Notation: a k×k
// convolution from a to b channels has k²·a·b weights (no bias), a
// batch-norm over c channels has 2c affine parameters.
//
// BasicBlock(a→b) = 9ab + 9b² + 4b, plus ab + 2b for the 1×1 projection
// shortcut when the stride is 2 or a ≠ b.
// Bottleneck(a, p) = ap + 9p² + 4p² + 2(p + p + 4p), plus 4ap + 8p for the
// projection shortcut.
//
// ResNet-18, ImageNet stem (7×7, 3→64): 9408 + 128 = 9,536.
//
//	layer1: 2 × (2·36,864 + 256)                         =   147,968
//	layer2: 73,728 + 147,456 + 512 + 8,192 + 256 = 230,144
//	        + 295,424                                    =   525,568
//	layer3: 294,912 + 589,824 + 1,024 + 32,768 + 512 = 919,040
//	        + 1,180,672                                  = 2,099,712
//	layer4: 1,179,648 + 2,359,296 + 2,048 + 131,072 + 1,024 = 3,673,088
//	        + 4,720,640                                  = 8,393,728
//	total                                                = 11,176,512
//
// which is torchvision's resnet18 (11,689,512) less its fc layer
// (512·1000 + 1000 = 513,000). The CIFAR stem (3×3, 3→64) has 1,728
// weights instead of 9,408, so ResNet-18-CIFAR has 11,176,512 − 7,680 =
// 11,168,832.
//
// ResNet-34: stem 9,536; layer1 3 × 73,984 = 221,952; layer2 230,144 +
// 3 × 295,424 = 1,116,416; layer3 919,040 + 5 × 1,180,672 = 6,822,400;
// layer4 3,673,088 + 2 × 4,720,640 = 13,114,368; total 21,284,672
// (torchvision 21,797,672 less 513,000); CIFAR form 21,276,992.
//
// ResNet-50: stem 9,536; layer1 75,008 + 2 × 70,400 = 215,808; layer2
// 379,392 + 3 × 280,064 = 1,219,584; layer3 1,512,448 + 5 × 1,117,184 =
// 7,098,368; layer4 6,039,552 + 2 × 4,462,592 = 14,964,736; total
// 23,508,032 (torchvision 25,557,032 less 2048·1000 + 1000 = 2,049,000);
// CIFAR form 23,500,352.
func TestParamCountsStandard(t *testing.T) {
	cases := []struct {
		name string
		in   framework.InputShape
		want int
		F    int
	}{
		{"spiking-resnet18", imagenetInput, 11_176_512, 512},
		{"spiking-resnet18-cifar", cifarInput, 11_168_832, 512},
		{"spiking-resnet34", imagenetInput, 21_284_672, 512},
		{"spiking-resnet34-cifar", cifarInput, 21_276_992, 512},
		{"spiking-resnet50", imagenetInput, 23_508_032, 2048},
		{"spiking-resnet50-cifar", cifarInput, 23_500_352, 2048},
	}
	for _, c := range cases {
		bb := backbonetest.Build(t, c.name, nil, c.in, "lif")
		if got := learnableCount(bb); got != c.want {
			t.Errorf("%s: %d learnable parameters, want %d", c.name, got, c.want)
		}
		if bb.FeatureDim() != c.F {
			t.Errorf("%s: feature width %d, want %d", c.name, bb.FeatureDim(), c.F)
		}
	}
}

// referenceOptions build the small reference network: stem 3→16, three
// BasicBlock stages of 16, 32 and 64 channels with one block each.
var referenceOptions = map[string]any{"base_width": 16, "stages": 3, "blocks_per_stage": 1}

// The reference network's count, from its layer list:
//
//	stem 3×3, 3→16: 432 + 32                                   =    464
//	layer1 16→16, stride 1: 2 × 2,304 + 64                     =  4,672
//	layer2 16→32, stride 2: 4,608 + 9,216 + 128 + 512 + 64     = 14,528
//	layer3 32→64, stride 2: 18,432 + 36,864 + 256 + 2,048 + 128 = 57,728
//	total                                                      = 77,392
func TestParamCountReference(t *testing.T) {
	bb := backbonetest.Build(t, "spiking-resnet18-cifar", referenceOptions, cifarInput, "lif")
	if got := learnableCount(bb); got != 77_392 {
		t.Errorf("%d learnable parameters, want 77,392", got)
	}
	if bb.FeatureDim() != 64 {
		t.Errorf("feature width %d, want 64", bb.FeatureDim())
	}
}

func TestParamNamesAndNeuronParams(t *testing.T) {
	bb := backbonetest.Build(t, "spiking-resnet18-cifar", referenceOptions, cifarInput, "plif")
	names := map[string]*framework.Param{}
	for _, p := range bb.Params() {
		names[p.Name] = p
	}
	for _, want := range []string{"conv1.weight", "bn1.weight", "bn1.running_var", "layer2.0.downsample.0.weight", "layer3.0.bn2.bias", "layer3.0.sn2.w"} {
		if names[want] == nil {
			t.Errorf("no parameter named %q", want)
		}
	}
	// 1 stem neuron and 2 per BasicBlock, each with PLIF's decay logit.
	var neuronParams int
	for _, p := range bb.Params() {
		if strings.Contains(p.Name, ".sn") || strings.HasPrefix(p.Name, "sn") {
			neuronParams++
			if !p.Learnable || p.WeightDecay {
				t.Errorf("%s: learnable %v, weight decay %v; want a learnable parameter without weight decay", p.Name, p.Learnable, p.WeightDecay)
			}
		}
	}
	if neuronParams != 7 {
		t.Errorf("%d neuron parameters, want 7", neuronParams)
	}
}

func TestDualPathEveryNeuron(t *testing.T) {
	small := map[string]any{"base_width": 4, "blocks_per_stage": 1}
	cases := []struct {
		name string
		in   framework.InputShape
	}{
		{"spiking-resnet18-cifar", framework.InputShape{C: 3, H: 8, W: 8}},
		{"spiking-resnet34", framework.InputShape{C: 3, H: 16, W: 16}},
		{"spiking-resnet50-cifar", framework.InputShape{C: 3, H: 8, W: 8}},
	}
	for _, c := range cases {
		for _, neuron := range backbonetest.Neurons {
			t.Run(c.name+"/"+neuron, func(t *testing.T) {
				bb := backbonetest.Build(t, c.name, small, c.in, neuron)
				backbonetest.DualPath(t, bb, c.in, 4, 2)
			})
		}
	}
}

func TestDualPathReference(t *testing.T) {
	in := framework.InputShape{C: 3, H: 16, W: 16}
	bb := backbonetest.Build(t, "spiking-resnet18-cifar", referenceOptions, in, "mixedlif")
	backbonetest.DualPath(t, bb, in, 4, 2)
}

func TestBatchSplitInvariance(t *testing.T) {
	in := framework.InputShape{C: 3, H: 8, W: 8}
	for _, name := range []string{"spiking-resnet18-cifar", "spiking-resnet50"} {
		bb := backbonetest.Build(t, name, map[string]any{"base_width": 4, "blocks_per_stage": 1, "stages": 3}, in, "lif")
		backbonetest.SplitInvariance(t, bb, in, 4, true)
	}
}

func TestWidthRoundingToZero(t *testing.T) {
	_, err := framework.NewBackbone("spiking-resnet18", map[string]any{"width": 0.001}, framework.BackboneConfig{
		Input:     imagenetInput,
		NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron("lif", nil) },
		RNG:       rand.New(rand.NewSource(1)),
	})
	if err == nil || !strings.Contains(err.Error(), "width") || !strings.Contains(err.Error(), "0.001") {
		t.Fatalf("error %v, want one naming option width and its value 0.001", err)
	}
}

func TestBadOptions(t *testing.T) {
	for _, opts := range []map[string]any{{"stages": 5}, {"width": 0.0}, {"width": 65.0}, {"blocks_per_stage": -1}, {"depth": 3}} {
		_, err := framework.NewBackbone("spiking-resnet18-cifar", opts, framework.BackboneConfig{
			Input:     cifarInput,
			NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron("lif", nil) },
			RNG:       rand.New(rand.NewSource(1)),
		})
		if err == nil {
			t.Errorf("options %v: no error", opts)
			continue
		}
		for name := range opts {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("options %v: error %q does not name the option", opts, err)
			}
		}
	}
}

func TestChannelMismatch(t *testing.T) {
	in := framework.InputShape{C: 3, H: 8, W: 8}
	bb := backbonetest.Build(t, "spiking-resnet18-cifar", referenceOptions, in, "lif")
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(8, 1, 8, 8), gorgonia.WithName("x"))
	_, err := bb.Forward(x, framework.Pass{Path: framework.Spiking, T: 4})
	if err == nil || !strings.Contains(err.Error(), "1 channels") {
		t.Fatalf("error %v, want a channel mismatch naming 1 channel", err)
	}
	x3 := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(6, 3, 8, 8), gorgonia.WithName("x3"))
	if _, err := bb.Forward(x3, framework.Pass{Path: framework.Spiking, T: 4}); err == nil {
		t.Fatalf("6 rows folded as T = 4: no error")
	}
}

// BenchmarkReferenceDualPathStep times one training step of the reference
// network on 32×32 images, T = 4, B = 8: both paths forward, BTL, backward.
func BenchmarkReferenceDualPathStep(b *testing.B) {
	bb := backbonetest.Build(b, "spiking-resnet18-cifar", referenceOptions, cifarInput, "mixedlif")
	g, _, _ := backbonetest.DualPathGraph(b, bb, cifarInput, 4, 8)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
	}
}
