// Package vgg provides the spiking VGG-11 and VGG-16 with batch-norm: every
// 3×3 convolution is followed by batch-norm and a neuron, and each stage by
// a 2×2 stride-2 max-pool. It registers spiking-vgg11 and spiking-vgg16,
// and -cifar forms that leave out the last max-pool so that 32×32 images
// keep a 2×2 map. Option pool=avg replaces max-pooling by average pooling,
// which Loihi 2 export can fold into the following layer. The classifier is not part of the backbone: the features
// end in a global average pool, so F is the last stage's channel count.
package vgg

import (
	"fmt"

	"gorgonia.org/gorgonia"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/plugins/backbones/internal/blocks"
)

// Config is the architecture of one spiking VGG.
type Config struct {
	Name      string
	Convs     []int // convolutions per stage
	BaseWidth int   // channels of the first stage; stage s has min(2^s, 8)·BaseWidth
	Width     float64
	PoolLast  bool   // pool after the last stage too
	Pool      string // "max" (the standard network) or "avg", which a hardware target can fold into the next layer
}

// Option names of the VGG backbones beyond the shared ones.
const OptPool = "pool"

// Convolutions per stage of the standard networks.
var (
	convs11 = []int{1, 1, 2, 2, 2}
	convs16 = []int{2, 2, 3, 3, 3}
)

func init() {
	for _, n := range []struct {
		depth string
		convs []int
	}{{"11", convs11}, {"16", convs16}} {
		for _, cifar := range []bool{false, true} {
			name, form := "spiking-vgg"+n.depth, "max-pool after every stage"
			if cifar {
				name, form = name+"-cifar", "no max-pool after the last stage, for 32×32 images"
			}
			convs, poolLast := n.convs, !cifar
			framework.RegisterBackbone(framework.Spec{
				Name:    name,
				Doc:     fmt.Sprintf("Spiking VGG-%s with batch-norm (%s); a neuron after every batch-norm; features are globally average-pooled", n.depth, form),
				Options: options(convs),
			}, func(cfg framework.BackboneConfig) (framework.Backbone, error) {
				o := cfg.Options
				stages := o.Int(blocks.OptStages)
				if stages < 1 || stages > len(convs) {
					return nil, fmt.Errorf("option %s: value %d is out of range; want 1 to %d", blocks.OptStages, stages, len(convs))
				}
				counts := append([]int(nil), convs[:stages]...)
				if k := o.Int(blocks.OptBlocks); k > 0 {
					for i := range counts {
						counts[i] = k
					}
				}
				return New(Config{Name: name, Convs: counts, BaseWidth: o.Int(blocks.OptBaseWidth), Width: o.Float(blocks.OptWidth), PoolLast: poolLast, Pool: o.String(OptPool)}, cfg)
			})
		}
	}
}

func options(def []int) []framework.OptionSpec {
	return []framework.OptionSpec{
		blocks.WidthOption(),
		framework.IntOption(blocks.OptBaseWidth, 64, 1, 4096, "channels", "channels of the first stage; stage s has min(2^s, 8)·base_width, before the width multiplier"),
		framework.IntOption(blocks.OptStages, len(def), 1, len(def), "", "number of stages kept, from the first; each halves the image size"),
		framework.IntOption(blocks.OptBlocks, 0, 0, 64, "convolutions", fmt.Sprintf("convolutions in every stage; 0 keeps the architecture's counts %v", def)),
		framework.ChoiceOption(OptPool, "max", []string{"max", "avg"}, "2×2 pooling after each stage: max (a logical OR on spikes, the standard network) or avg (linear, so Loihi 2 export can fold it into the next layer; needs even map sizes)"),
	}
}

type layer struct {
	unit  *blocks.ConvBN
	spike *blocks.Spike
}

// Net is a spiking VGG backbone.
type Net struct {
	cfg    Config
	input  framework.InputShape
	stages [][]layer
	params []*framework.Param
	outC   int
}

var _ framework.Backbone = (*Net)(nil)

// New builds a spiking VGG with Kaiming-normal (fan-out) weights drawn from
// bc.RNG and one neuron per place from bc.NewNeuron.
func New(c Config, bc framework.BackboneConfig) (*Net, error) {
	if err := blocks.CheckShape(bc.Input); err != nil {
		return nil, err
	}
	if len(c.Convs) == 0 {
		return nil, fmt.Errorf("%s: no stages", c.Name)
	}
	if c.BaseWidth < 1 {
		return nil, fmt.Errorf("option %s: value %d, want at least 1", blocks.OptBaseWidth, c.BaseWidth)
	}
	if c.Pool == "" {
		c.Pool = "max"
	}
	if c.Pool != "max" && c.Pool != "avg" {
		return nil, fmt.Errorf("option %s: value %q, want \"max\" or \"avg\"", OptPool, c.Pool)
	}
	net := &Net{cfg: c, input: bc.Input}
	var params blocks.Params

	in := bc.Input.C
	for s, n := range c.Convs {
		if n < 1 {
			return nil, fmt.Errorf("option %s: stage %d has %d convolutions, want at least 1", blocks.OptBlocks, s+1, n)
		}
		out, err := blocks.Channels(fmt.Sprintf("stage %d's", s+1), c.BaseWidth<<min(s, 3), c.Width)
		if err != nil {
			return nil, err
		}
		var stage []layer
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("stage%d.%d", s+1, i)
			u, err := blocks.NewConvBN(name+".conv", name+".bn", in, out, 3, 1, 1, bc, &params)
			if err != nil {
				return nil, err
			}
			sn, err := blocks.NewSpike(name+".sn", bc, &params)
			if err != nil {
				return nil, err
			}
			stage = append(stage, layer{u, sn})
			in = out
		}
		net.stages = append(net.stages, stage)
	}
	net.outC = in

	var err error
	if net.params, err = params.List(); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	if err := net.checkSize(bc.Input.H, bc.Input.W); err != nil {
		return nil, err
	}
	return net, nil
}

// pools reports whether stage s ends in a max-pool.
func (n *Net) pools(s int) bool { return s < len(n.stages)-1 || n.cfg.PoolLast }

// checkSize reports an error when an h×w input shrinks below one pixel.
func (n *Net) checkSize(h, w int) error {
	h0, w0 := h, w
	for s := range n.stages {
		if !n.pools(s) {
			continue
		}
		if h < 2 || w < 2 {
			return fmt.Errorf("%s: input %d×%d is too small: stage %d's 2×2 %s-pool gets a %d×%d map; use larger images or fewer stages (option %s)",
				n.cfg.Name, h0, w0, s+1, n.cfg.Pool, h, w, blocks.OptStages)
		}
		if n.cfg.Pool == "avg" && (h%2 != 0 || w%2 != 0) {
			return fmt.Errorf("%s: input %d×%d gives stage %d's 2×2 average pool an odd %d×%d map; use sizes divisible by 2^stages, or %s=max",
				n.cfg.Name, h0, w0, s+1, h, w, OptPool)
		}
		h, w = h/2, w/2
	}
	return nil
}

// Forward runs x [T·B, C, H, W] through the network and returns the pooled
// features [T·B, F].
func (n *Net) Forward(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	_, H, W, err := blocks.CheckInput(n.cfg.Name, x, pass, n.input)
	if err != nil {
		return nil, err
	}
	if err := n.checkSize(H, W); err != nil {
		return nil, err
	}
	for s, stage := range n.stages {
		for _, l := range stage {
			if x, err = l.unit.Forward(x, pass); err != nil {
				return nil, err
			}
			if x, err = l.spike.Forward(x, pass); err != nil {
				return nil, err
			}
		}
		if n.pools(s) {
			if n.cfg.Pool == "avg" {
				x, err = blocks.AvgPool2d(x, 2)
			} else {
				x, err = nn.MaxPool2d(x, 2, 2, 0)
			}
			if err != nil {
				return nil, fmt.Errorf("%s stage %d: %w", n.cfg.Name, s+1, err)
			}
		}
	}
	return nn.GlobalAvgPool(x)
}

// Params lists every parameter and buffer in construction order.
func (n *Net) Params() []*framework.Param { return n.params }

// FeatureDim is the channel count of the last stage.
func (n *Net) FeatureDim() int { return n.outC }
