// Package resnet provides the spiking ResNets: ResNet-18, -34 and -50 with a
// neuron in every place the non-spiking network has a ReLU, including after
// each residual addition, in the ImageNet form and the CIFAR form. It
// registers them as spiking-resnet18, -34, -50 and the same names with
// -cifar. The classifier is not part of the backbone: the features end in a
// global average pool.
package resnet

import (
	"fmt"

	"gorgonia.org/gorgonia"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/plugins/backbones/internal/blocks"
)

// Config is the architecture of one spiking ResNet.
type Config struct {
	Name       string
	Bottleneck bool  // Bottleneck blocks (ResNet-50) instead of BasicBlocks
	Blocks     []int // blocks per stage, for as many stages as the network has
	CIFAR      bool  // 3×3 stride-1 stem without max-pool instead of 7×7 stride-2 with max-pool
	BaseWidth  int   // channels of the stem and of the first stage's blocks (64 in the standard nets)
	Width      float64
}

// Standard block counts.
var (
	blocks18 = []int{2, 2, 2, 2}
	blocks34 = []int{3, 4, 6, 3}
)

func init() {
	nets := []struct {
		name       string
		depth      string
		blocks     []int
		bottleneck bool
	}{
		{"spiking-resnet18", "18", blocks18, false},
		{"spiking-resnet34", "34", blocks34, false},
		{"spiking-resnet50", "50", blocks34, true},
	}
	for _, n := range nets {
		for _, cifar := range []bool{false, true} {
			name, form := n.name, "ImageNet form: 7×7 stride-2 stem convolution and a 3×3 stride-2 max-pool"
			if cifar {
				name, form = n.name+"-cifar", "CIFAR form: 3×3 stride-1 stem convolution, no max-pool"
			}
			n, cifar := n, cifar
			framework.RegisterBackbone(framework.Spec{
				Name:    name,
				Doc:     fmt.Sprintf("Spiking ResNet-%s (%s); a neuron after every batch-norm a ReLU would follow, including after each residual addition; features are globally average-pooled", n.depth, form),
				Options: options(n.blocks),
			}, func(cfg framework.BackboneConfig) (framework.Backbone, error) {
				c, err := configFromOptions(name, cfg.Options, n.blocks, n.bottleneck, cifar)
				if err != nil {
					return nil, err
				}
				return New(c, cfg)
			})
		}
	}
}

func options(def []int) []framework.OptionSpec {
	return []framework.OptionSpec{
		blocks.WidthOption(),
		framework.IntOption(blocks.OptBaseWidth, 64, 1, 4096, "channels", "channels of the stem and the first stage; stage s has base_width·2^s (×4 after a Bottleneck), before the width multiplier"),
		framework.IntOption(blocks.OptStages, len(def), 1, len(def), "", "number of stages kept, from the first; 3 with base_width 16 gives the CIFAR-style 16–32–64 network"),
		framework.IntOption(blocks.OptBlocks, 0, 0, 64, "blocks", fmt.Sprintf("blocks in every stage; 0 keeps the architecture's counts %v", def)),
	}
}

func configFromOptions(name string, o framework.Options, def []int, bottleneck, cifar bool) (Config, error) {
	stages := o.Int(blocks.OptStages)
	if stages < 1 || stages > len(def) {
		return Config{}, fmt.Errorf("option %s: value %d is out of range; want 1 to %d", blocks.OptStages, stages, len(def))
	}
	counts := append([]int(nil), def[:stages]...)
	if k := o.Int(blocks.OptBlocks); k > 0 {
		for i := range counts {
			counts[i] = k
		}
	}
	return Config{
		Name:       name,
		Bottleneck: bottleneck,
		Blocks:     counts,
		CIFAR:      cifar,
		BaseWidth:  o.Int(blocks.OptBaseWidth),
		Width:      o.Float(blocks.OptWidth),
	}, nil
}

// block is a residual block: BasicBlock (two 3×3 convolutions) or
// Bottleneck (1×1, 3×3 with the stride, 1×1 with 4× the channels).
type block struct {
	units    []*blocks.ConvBN
	spikes   []*blocks.Spike // one after each unit but the last, then one after the addition
	shortcut *blocks.ConvBN  // 1×1 convolution and batch-norm when the shape changes, else nil
}

// Net is a spiking ResNet backbone.
type Net struct {
	cfg    Config
	input  framework.InputShape
	stem   *blocks.ConvBN
	stemSN *blocks.Spike
	blocks []*block
	params []*framework.Param
	outC   int
}

var _ framework.Backbone = (*Net)(nil)

// New builds a spiking ResNet with weights drawn from bc.RNG and one neuron
// per place from bc.NewNeuron. Kaiming-normal initialisation uses fan-out.
func New(c Config, bc framework.BackboneConfig) (*Net, error) {
	if err := blocks.CheckShape(bc.Input); err != nil {
		return nil, err
	}
	if len(c.Blocks) == 0 {
		return nil, fmt.Errorf("%s: no stages", c.Name)
	}
	for s, n := range c.Blocks {
		if n < 1 {
			return nil, fmt.Errorf("option %s: stage %d has %d blocks, want at least 1", blocks.OptBlocks, s+1, n)
		}
	}
	if c.BaseWidth < 1 {
		return nil, fmt.Errorf("option %s: value %d, want at least 1", blocks.OptBaseWidth, c.BaseWidth)
	}
	net := &Net{cfg: c, input: bc.Input}
	var params blocks.Params

	stemC, err := blocks.Channels("the stem's", c.BaseWidth, c.Width)
	if err != nil {
		return nil, err
	}
	if c.CIFAR {
		net.stem, err = blocks.NewConvBN("conv1", "bn1", bc.Input.C, stemC, 3, 1, 1, bc, &params)
	} else {
		net.stem, err = blocks.NewConvBN("conv1", "bn1", bc.Input.C, stemC, 7, 2, 3, bc, &params)
	}
	if err != nil {
		return nil, err
	}
	if net.stemSN, err = blocks.NewSpike("sn1", bc, &params); err != nil {
		return nil, err
	}

	in := stemC
	for s, n := range c.Blocks {
		planes, err := blocks.Channels(fmt.Sprintf("stage %d's", s+1), c.BaseWidth<<s, c.Width)
		if err != nil {
			return nil, err
		}
		for i := 0; i < n; i++ {
			stride := 1
			if s > 0 && i == 0 {
				stride = 2
			}
			name := fmt.Sprintf("layer%d.%d", s+1, i)
			b, out, err := newBlock(name, c.Bottleneck, in, planes, stride, bc, &params)
			if err != nil {
				return nil, err
			}
			net.blocks = append(net.blocks, b)
			in = out
		}
	}
	net.outC = in

	if net.params, err = params.List(); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	if _, _, err := net.outSize(bc.Input.H, bc.Input.W); err != nil {
		return nil, err
	}
	return net, nil
}

func newBlock(name string, bottleneck bool, in, planes, stride int, bc framework.BackboneConfig, params *blocks.Params) (*block, int, error) {
	type unit struct{ in, out, k, stride, pad int }
	var units []unit
	out := planes
	if bottleneck {
		out = 4 * planes
		units = []unit{{in, planes, 1, 1, 0}, {planes, planes, 3, stride, 1}, {planes, out, 1, 1, 0}}
	} else {
		units = []unit{{in, planes, 3, stride, 1}, {planes, planes, 3, 1, 1}}
	}

	b := &block{}
	for i, u := range units {
		cb, err := blocks.NewConvBN(fmt.Sprintf("%s.conv%d", name, i+1), fmt.Sprintf("%s.bn%d", name, i+1), u.in, u.out, u.k, u.stride, u.pad, bc, params)
		if err != nil {
			return nil, 0, err
		}
		b.units = append(b.units, cb)
		sn, err := blocks.NewSpike(fmt.Sprintf("%s.sn%d", name, i+1), bc, params)
		if err != nil {
			return nil, 0, err
		}
		b.spikes = append(b.spikes, sn)
	}
	if stride != 1 || in != out {
		sc, err := blocks.NewConvBN(name+".downsample.0", name+".downsample.1", in, out, 1, stride, 0, bc, params)
		if err != nil {
			return nil, 0, err
		}
		b.shortcut = sc
	}
	return b, out, nil
}

// outSize returns the spatial size of the last stage for an h×w input.
func (n *Net) outSize(h, w int) (int, int, error) {
	h, w, err := n.stem.OutSize(h, w)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", n.cfg.Name, err)
	}
	if !n.cfg.CIFAR {
		h, w = nn.MaxPoolOutSize(h, 3, 2, 1), nn.MaxPoolOutSize(w, 3, 2, 1)
	}
	for _, b := range n.blocks {
		for _, u := range b.units {
			if h, w, err = u.OutSize(h, w); err != nil {
				return 0, 0, fmt.Errorf("%s: %w", n.cfg.Name, err)
			}
		}
	}
	return h, w, nil
}

// Forward runs x [T·B, C, H, W] through the network and returns the pooled
// features [T·B, F].
func (n *Net) Forward(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	_, H, W, err := blocks.CheckInput(n.cfg.Name, x, pass, n.input)
	if err != nil {
		return nil, err
	}
	if _, _, err := n.outSize(H, W); err != nil {
		return nil, err
	}

	if x, err = n.stem.Forward(x, pass); err != nil {
		return nil, err
	}
	if x, err = n.stemSN.Forward(x, pass); err != nil {
		return nil, err
	}
	if !n.cfg.CIFAR {
		if x, err = nn.MaxPool2d(x, 3, 2, 1); err != nil {
			return nil, fmt.Errorf("%s stem: %w", n.cfg.Name, err)
		}
	}
	for _, b := range n.blocks {
		if x, err = b.forward(x, pass); err != nil {
			return nil, err
		}
	}
	return nn.GlobalAvgPool(x)
}

// forward computes sn_last(units(x) + shortcut(x)), with a neuron between
// consecutive units.
func (b *block) forward(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	y := x
	var err error
	last := len(b.units) - 1
	for i, u := range b.units {
		if y, err = u.Forward(y, pass); err != nil {
			return nil, err
		}
		if i == last {
			break
		}
		if y, err = b.spikes[i].Forward(y, pass); err != nil {
			return nil, err
		}
	}

	identity := x
	if b.shortcut != nil {
		if identity, err = b.shortcut.Forward(x, pass); err != nil {
			return nil, err
		}
	}
	if y, err = gorgonia.Add(y, identity); err != nil {
		return nil, fmt.Errorf("residual addition at %s: %w", b.spikes[last].Label, err)
	}
	return b.spikes[last].Forward(y, pass)
}

// Params lists every parameter and buffer in construction order.
func (n *Net) Params() []*framework.Param { return n.params }

// FeatureDim is the channel count of the last stage.
func (n *Net) FeatureDim() int { return n.outC }
