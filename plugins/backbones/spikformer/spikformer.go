// Package spikformer provides Spikformer-N-D, the spiking vision
// transformer, registered as "spikformer" with the patch size N and the
// embedding width D as options. It follows the published design with the
// neuron of the caller's choice in place of every LIF:
//
//   - spiking patch splitting: four 3×3 convolutions widen the channels to
//     D/8, D/4, D/2 and D, each with batch-norm and a neuron. The last
//     log2(N) of them end in a 3×3 stride-2 max-pool. A relative position
//     embedding (3×3 convolution, batch-norm, neuron) is added to the
//     result;
//   - depth encoder blocks x ← x + SSA(x), x ← x + MLP(x), where SSA is
//     spiking self-attention without softmax (scale·Q·Kᵀ·V on spike
//     tensors) and every linear layer is followed by batch-norm (in place
//     of layer-norm) and a neuron (in place of GELU);
//   - the features are the average over the tokens, F = D.
//
// Linear layers carry no bias because batch-norm follows each of them.
package spikformer

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/plugins/backbones/internal/blocks"
)

// Name is the registered name of the backbone.
const Name = "spikformer"

// Option names.
const (
	OptPatch     = "patch"
	OptDim       = "dim"
	OptDepth     = "depth"
	OptHeads     = "heads"
	OptMLPRatio  = "mlp_ratio"
	OptAttnScale = "attn_scale"
)

// maxPatch is the largest patch size the four-convolution stem can reach.
const maxPatch = 16

func init() {
	framework.RegisterBackbone(framework.Spec{
		Name: Name,
		Doc:  "Spikformer-N-D: spiking patch splitting (patch size N), depth blocks of softmax-free spiking self-attention and MLP with batch-norm, token average (F = D)",
		Options: []framework.OptionSpec{
			framework.IntOption(OptPatch, 4, 1, maxPatch, "pixels", "patch size N, a power of two that divides the image height and width; 4 for 32×32 CIFAR images, 16 for 224×224 ImageNet"),
			framework.IntOption(OptDim, 384, 1, 65536, "channels", "embedding width D before the width multiplier"),
			framework.IntOption(OptDepth, 4, 1, 64, "blocks", "number of encoder blocks"),
			framework.IntOption(OptHeads, 12, 1, 1024, "", "attention heads; must divide the embedding width"),
			{Name: OptMLPRatio, Kind: framework.Float, Default: 4.0, Min: 0, Max: 64, MinOpen: true, Doc: "hidden width of each MLP block as a multiple of D"},
			{Name: OptAttnScale, Kind: framework.Float, Default: 0.125, Min: 0, Max: 1e3, MinOpen: true, Doc: "factor s in s·Q·Kᵀ·V; 0.125 is the published value, used there with a threshold of 0.5 for the neuron after attention, which s = 0.25 matches for a neuron with threshold 1 and reset to 0"},
			blocks.WidthOption(),
		},
	}, func(cfg framework.BackboneConfig) (framework.Backbone, error) {
		o := cfg.Options
		return New(Config{
			Patch:     o.Int(OptPatch),
			Dim:       o.Int(OptDim),
			Depth:     o.Int(OptDepth),
			Heads:     o.Int(OptHeads),
			MLPRatio:  o.Float(OptMLPRatio),
			AttnScale: o.Float(OptAttnScale),
			Width:     o.Float(blocks.OptWidth),
		}, cfg)
	})
}

// Config is the architecture of one Spikformer.
type Config struct {
	Patch, Dim, Depth, Heads int
	MLPRatio, AttnScale      float64
	Width                    float64 // multiplies Dim
}

// spiking is a layer followed by batch-norm and a neuron.
type spiking struct {
	lin   *nn.Linear // nil in the stem
	conv  *nn.Conv2d // nil in the encoder
	bn    *nn.BatchNorm
	spike *blocks.Spike
}

func (l *spiking) forward(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	var err error
	if l.conv != nil {
		x, err = l.conv.Forward(x)
	} else {
		x, err = l.lin.Forward(x)
	}
	if err != nil {
		return nil, err
	}
	if x, err = l.bn.Forward(x, pass.Train); err != nil {
		return nil, err
	}
	return l.spike.Forward(x, pass)
}

type encoderBlock struct {
	q, k, v, proj *spiking
	attnSpike     *blocks.Spike
	fc1, fc2      *spiking
}

// Net is a Spikformer backbone.
type Net struct {
	cfg    Config
	D      int
	input  framework.InputShape
	stem   []*spiking // four patch-splitting layers
	pools  int        // how many of the last stem layers end in a max-pool
	rpe    *spiking
	blocks []*encoderBlock
	params []*framework.Param
}

var _ framework.Backbone = (*Net)(nil)

// New builds a Spikformer with Kaiming-normal weights drawn from bc.RNG
// (fan-out for convolutions, fan-in for linear layers) and one neuron per
// place from bc.NewNeuron.
func New(c Config, bc framework.BackboneConfig) (*Net, error) {
	if err := blocks.CheckShape(bc.Input); err != nil {
		return nil, err
	}
	pools, err := log2(c.Patch)
	if err != nil {
		return nil, err
	}
	D, err := blocks.Channels("the embedding ("+OptDim+")", c.Dim, c.Width)
	if err != nil {
		return nil, err
	}
	if D < 8 {
		return nil, fmt.Errorf("option %s: value %d with width %g gives an embedding width of %d; the patch-splitting stem needs at least 8 (D/8 channels in its first layer)", OptDim, c.Dim, c.Width, D)
	}
	if c.Heads < 1 || D%c.Heads != 0 {
		return nil, fmt.Errorf("option %s: value %d does not divide the embedding width %d (dim %d × width %g); choose heads that divide it", OptHeads, c.Heads, D, c.Dim, c.Width)
	}
	hidden := int(math.Round(float64(D) * c.MLPRatio))
	if hidden < 1 {
		return nil, fmt.Errorf("option %s: value %g gives an MLP hidden width of %d × %g, which rounds to 0", OptMLPRatio, c.MLPRatio, D, c.MLPRatio)
	}
	if c.Depth < 1 {
		return nil, fmt.Errorf("option %s: value %d, want at least 1 encoder block", OptDepth, c.Depth)
	}
	net := &Net{cfg: c, D: D, input: bc.Input, pools: pools}
	if err := net.checkSize(bc.Input.H, bc.Input.W); err != nil {
		return nil, err
	}
	var params blocks.Params

	in := bc.Input.C
	for i, out := range []int{D / 8, D / 4, D / 2, D} {
		l, err := newConvLayer(fmt.Sprintf("patch_embed.proj%d", i), in, out, bc, &params)
		if err != nil {
			return nil, err
		}
		net.stem = append(net.stem, l)
		in = out
	}
	if net.rpe, err = newConvLayer("patch_embed.rpe", D, D, bc, &params); err != nil {
		return nil, err
	}

	for i := 0; i < c.Depth; i++ {
		b, err := newEncoderBlock(fmt.Sprintf("block%d", i), D, hidden, bc, &params)
		if err != nil {
			return nil, err
		}
		net.blocks = append(net.blocks, b)
	}
	if net.params, err = params.List(); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return net, nil
}

// log2 returns k with patch = 2^k, or an error naming the patch option.
func log2(patch int) (int, error) {
	k := 0
	for p := patch; p > 1; p >>= 1 {
		if p%2 != 0 {
			return 0, fmt.Errorf("option %s: value %d is not a power of two; use 1, 2, 4, 8 or 16", OptPatch, patch)
		}
		k++
	}
	if patch < 1 || patch > maxPatch {
		return 0, fmt.Errorf("option %s: value %d is out of range; use 1, 2, 4, 8 or 16", OptPatch, patch)
	}
	return k, nil
}

// checkSize reports an error unless the patch size divides h and w.
func (n *Net) checkSize(h, w int) error {
	if h%n.cfg.Patch != 0 || w%n.cfg.Patch != 0 {
		return fmt.Errorf("option %s: value %d does not divide the %d×%d input; choose a patch size that divides both sides or resize the images", OptPatch, n.cfg.Patch, h, w)
	}
	return nil
}

func newConvLayer(name string, in, out int, bc framework.BackboneConfig, params *blocks.Params) (*spiking, error) {
	u, err := blocks.NewConvBN(name+"_conv", name+"_bn", in, out, 3, 1, 1, bc, params)
	if err != nil {
		return nil, err
	}
	sn, err := blocks.NewSpike(name+"_sn", bc, params)
	if err != nil {
		return nil, err
	}
	return &spiking{conv: u.Conv, bn: u.BN, spike: sn}, nil
}

func newLinearLayer(name string, in, out int, bc framework.BackboneConfig, params *blocks.Params) (*spiking, error) {
	lin, err := nn.NewLinear(name+"_linear", in, out, false, bc.RNG)
	if err != nil {
		return nil, err
	}
	params.Add(lin.Params()...)
	bn, err := nn.NewBatchNorm(name+"_bn", out)
	if err != nil {
		return nil, err
	}
	params.Add(bn.Params()...)
	sn, err := blocks.NewSpike(name+"_sn", bc, params)
	if err != nil {
		return nil, err
	}
	return &spiking{lin: lin, bn: bn, spike: sn}, nil
}

func newEncoderBlock(name string, D, hidden int, bc framework.BackboneConfig, params *blocks.Params) (*encoderBlock, error) {
	b := &encoderBlock{}
	var err error
	for _, l := range []struct {
		dst     **spiking
		name    string
		in, out int
	}{
		{&b.q, ".attn.q", D, D},
		{&b.k, ".attn.k", D, D},
		{&b.v, ".attn.v", D, D},
	} {
		if *l.dst, err = newLinearLayer(name+l.name, l.in, l.out, bc, params); err != nil {
			return nil, err
		}
	}
	if b.attnSpike, err = blocks.NewSpike(name+".attn.attn_sn", bc, params); err != nil {
		return nil, err
	}
	if b.proj, err = newLinearLayer(name+".attn.proj", D, D, bc, params); err != nil {
		return nil, err
	}
	if b.fc1, err = newLinearLayer(name+".mlp.fc1", D, hidden, bc, params); err != nil {
		return nil, err
	}
	if b.fc2, err = newLinearLayer(name+".mlp.fc2", hidden, D, bc, params); err != nil {
		return nil, err
	}
	return b, nil
}

// Forward runs x [T·B, C, H, W] through the network and returns the
// token-averaged features [T·B, D].
func (n *Net) Forward(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	_, H, W, err := blocks.CheckInput(Name, x, pass, n.input)
	if err != nil {
		return nil, err
	}
	if err := n.checkSize(H, W); err != nil {
		return nil, err
	}

	// Spiking patch splitting: [T·B, C, H, W] → [T·B, D, H/N, W/N].
	for i, l := range n.stem {
		if x, err = l.forward(x, pass); err != nil {
			return nil, err
		}
		if i >= len(n.stem)-n.pools {
			if x, err = nn.MaxPool2d(x, 3, 2, 1); err != nil {
				return nil, fmt.Errorf("%s patch splitting layer %d: %w", Name, i, err)
			}
		}
	}
	pos, err := n.rpe.forward(x, pass)
	if err != nil {
		return nil, err
	}
	if x, err = gorgonia.Add(x, pos); err != nil {
		return nil, fmt.Errorf("%s position embedding: %w", Name, err)
	}
	L := x.Shape()[2] * x.Shape()[3]

	// Encoder on tokens [T·B·L, D].
	if x, err = nn.ToTokens(x); err != nil {
		return nil, err
	}
	for i, b := range n.blocks {
		if x, err = b.forward(x, L, n.cfg.Heads, n.cfg.AttnScale, pass); err != nil {
			return nil, fmt.Errorf("%s block %d: %w", Name, i, err)
		}
	}
	return nn.MeanTokens(x, L)
}

// forward computes x + SSA(x), then adds the MLP of that.
func (b *encoderBlock) forward(x *gorgonia.Node, L, heads int, scale float64, pass framework.Pass) (*gorgonia.Node, error) {
	var qkv [3]*gorgonia.Node
	for i, l := range []*spiking{b.q, b.k, b.v} {
		var err error
		if qkv[i], err = l.forward(x, pass); err != nil {
			return nil, err
		}
	}
	a, err := nn.SpikingSelfAttention(qkv[0], qkv[1], qkv[2], L, heads, scale)
	if err != nil {
		return nil, err
	}
	if a, err = b.attnSpike.Forward(a, pass); err != nil {
		return nil, err
	}
	if a, err = b.proj.forward(a, pass); err != nil {
		return nil, err
	}
	if x, err = gorgonia.Add(x, a); err != nil {
		return nil, err
	}

	h, err := b.fc1.forward(x, pass)
	if err != nil {
		return nil, err
	}
	if h, err = b.fc2.forward(h, pass); err != nil {
		return nil, err
	}
	return gorgonia.Add(x, h)
}

// Params lists every parameter and buffer in construction order.
func (n *Net) Params() []*framework.Param { return n.params }

// FeatureDim is the embedding width D.
func (n *Net) FeatureDim() int { return n.D }
