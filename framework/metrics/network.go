package metrics

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/snnlab/snnlab/framework"
)

// Conv is one convolution of a network, with the geometry of a single
// sample: an In×InH×InW input map gives an Out×OutH×OutW output map.
type Conv struct {
	Name                 string
	In, Out              int // channels
	Kernel, Stride, Pad  int // square kernel, stride and zero padding, in pixels
	InH, InW, OutH, OutW int
	Source               int // index into Network.Neurons of the layer whose output this convolution reads; -1 for the input image
}

// MACs returns the dense multiply-accumulate count of one pass over one
// sample: Kernel²·In·Out·OutH·OutW, padded taps included, as the usual
// FLOP counters report it.
func (c Conv) MACs() int64 {
	return int64(c.Kernel) * int64(c.Kernel) * int64(c.In) * int64(c.Out) * int64(c.OutH) * int64(c.OutW)
}

// NeuronLayer is one neuron layer with its output map per sample, C×H×W.
type NeuronLayer struct {
	Name    string
	C, H, W int
}

// Size returns the layer's neuron count per sample.
func (l NeuronLayer) Size() int { return l.C * l.H * l.W }

// Network is the layer structure that operation counts need: every
// convolution with the neuron layer feeding it, and every neuron layer in
// the order the backbone constructs them.
//
// Batch-norm is left out because it folds into the preceding convolution at
// inference. Residual additions and the global average pool are not
// counted: they are additions of the same order as one per neuron, small
// next to the convolutions.
type Network struct {
	Name    string
	Input   framework.InputShape
	Convs   []Conv
	Neurons []NeuronLayer
}

// MACs returns the dense multiply-accumulate count of one pass over one
// sample at one time step: the sum over every convolution.
func (n Network) MACs() int64 {
	var s int64
	for _, c := range n.Convs {
		s += c.MACs()
	}
	return s
}

// InputMACs returns the MACs of the convolutions that read the input image
// rather than spikes. A spiking network runs them as multiply-accumulates
// at every time step.
func (n Network) InputMACs() int64 {
	var s int64
	for _, c := range n.Convs {
		if c.Source < 0 {
			s += c.MACs()
		}
	}
	return s
}

// resnetName matches the registered spiking ResNet names.
var resnetName = regexp.MustCompile(`^spiking-resnet(18|34|50)(-cifar)?$`)

// DescribeResNet returns the layer structure of a registered spiking ResNet
// ("spiking-resnet18", "-34", "-50", each with or without "-cifar") built
// with the given backbone options for the input shape. It mirrors the
// construction in plugins/backbones/resnet: stem, then per block the units'
// convolutions, each unit but the last followed by a neuron, the optional
// 1×1 projection shortcut, and one neuron after the residual addition.
//
// NOTE: the description is derived from the backbone's options, not read
// from the built network, so a change to the ResNet's construction must be
// repeated here; SynOpCounter checks every neuron layer's size against the
// running backbone and reports a mismatch.
func DescribeResNet(name string, options map[string]any, in framework.InputShape) (Network, error) {
	m := resnetName.FindStringSubmatch(name)
	if m == nil {
		return Network{}, fmt.Errorf("operation counts: backbone %q has no layer description; only spiking-resnet18, -34 and -50 (with or without -cifar) are described", name)
	}
	if in.C < 1 || in.H < 1 || in.W < 1 {
		return Network{}, fmt.Errorf("operation counts: input shape [C=%d, H=%d, W=%d] has an empty axis", in.C, in.H, in.W)
	}
	spec, err := framework.Lookup(framework.BackboneKind, name)
	if err != nil {
		return Network{}, fmt.Errorf("operation counts: %w", err)
	}
	opts, err := framework.ResolveOptions(fmt.Sprintf("backbone %q", name), spec.Options, options)
	if err != nil {
		return Network{}, fmt.Errorf("operation counts: %w", err)
	}

	depth, _ := strconv.Atoi(m[1])
	cifar := m[2] != ""
	bottleneck := depth == 50
	counts := []int{2, 2, 2, 2}
	if depth != 18 {
		counts = []int{3, 4, 6, 3}
	}
	stages := opts.Int("stages")
	if stages < 1 || stages > len(counts) {
		return Network{}, fmt.Errorf("operation counts: option stages = %d is out of range; want 1 to %d", stages, len(counts))
	}
	counts = counts[:stages]
	if k := opts.Int("blocks_per_stage"); k > 0 {
		for i := range counts {
			counts[i] = k
		}
	}
	b := builder{net: Network{Name: name, Input: in}, width: opts.Float("width")}
	return b.resnet(opts.Int("base_width"), counts, bottleneck, cifar)
}

// builder appends layers while tracking the current map.
type builder struct {
	net     Network
	width   float64
	c, h, w int
	source  int // neuron layer that produced the current map; -1 for the input
}

// channels applies the width multiplier as the backbone does.
func (b *builder) channels(base int) (int, error) {
	c := int(math.Round(float64(base) * b.width))
	if c < 1 {
		return 0, fmt.Errorf("operation counts: width %g gives %d × %g channels, which rounds to 0", b.width, base, b.width)
	}
	return c, nil
}

// conv adds a convolution reading the map of layer source, of size c×h×w.
func (b *builder) conv(name string, source, in, h, w, out, k, stride, pad int) (Conv, error) {
	if h+2*pad < k || w+2*pad < k {
		return Conv{}, fmt.Errorf("operation counts: convolution %s: input %d×%d is smaller than its %d×%d kernel with padding %d", name, h, w, k, k, pad)
	}
	c := Conv{Name: name, In: in, Out: out, Kernel: k, Stride: stride, Pad: pad, InH: h, InW: w,
		OutH: (h+2*pad-k)/stride + 1, OutW: (w+2*pad-k)/stride + 1, Source: source}
	b.net.Convs = append(b.net.Convs, c)
	return c, nil
}

// neuron adds a neuron layer over a c×h×w map and returns its index.
func (b *builder) neuron(name string, c, h, w int) int {
	b.net.Neurons = append(b.net.Neurons, NeuronLayer{Name: name, C: c, H: h, W: w})
	return len(b.net.Neurons) - 1
}

func (b *builder) resnet(base int, counts []int, bottleneck, cifar bool) (Network, error) {
	in := b.net.Input
	stemC, err := b.channels(base)
	if err != nil {
		return Network{}, err
	}
	k, s, p := 7, 2, 3
	if cifar {
		k, s, p = 3, 1, 1
	}
	stem, err := b.conv("conv1", -1, in.C, in.H, in.W, stemC, k, s, p)
	if err != nil {
		return Network{}, err
	}

	b.c, b.h, b.w = stemC, stem.OutH, stem.OutW
	b.source = b.neuron("sn1", b.c, b.h, b.w)
	if !cifar {
		// 3×3 stride-2 max-pool with padding 1; it moves spikes, it does
		// not compute on them.
		b.h, b.w = (b.h+2-3)/2+1, (b.w+2-3)/2+1
	}
	for st, n := range counts {
		planes, err := b.channels(base << st)
		if err != nil {
			return Network{}, err
		}
		for i := 0; i < n; i++ {
			stride := 1
			if st > 0 && i == 0 {
				stride = 2
			}
			if err := b.block(fmt.Sprintf("layer%d.%d", st+1, i), bottleneck, planes, stride); err != nil {
				return Network{}, err
			}
		}
	}
	return b.net, nil
}

// block adds a BasicBlock or Bottleneck reading the current map.
func (b *builder) block(name string, bottleneck bool, planes, stride int) error {
	type unit struct{ out, k, stride, pad int }
	out := planes
	units := []unit{{planes, 3, stride, 1}, {planes, 3, 1, 1}}
	if bottleneck {
		out = 4 * planes
		units = []unit{{planes, 1, 1, 0}, {planes, 3, stride, 1}, {out, 1, 1, 0}}
	}
	inC, inH, inW, inSource := b.c, b.h, b.w, b.source
	c, h, w, source := inC, inH, inW, inSource
	for i, u := range units {
		conv, err := b.conv(fmt.Sprintf("%s.conv%d", name, i+1), source, c, h, w, u.out, u.k, u.stride, u.pad)
		if err != nil {
			return err
		}
		c, h, w = u.out, conv.OutH, conv.OutW
		if i < len(units)-1 {
			source = b.neuron(fmt.Sprintf("%s.sn%d", name, i+1), c, h, w)
		}
	}
	if stride != 1 || inC != out {
		if _, err := b.conv(name+".downsample.0", inSource, inC, inH, inW, out, 1, stride, 0); err != nil {
			return err
		}
	}
	b.c, b.h, b.w = c, h, w
	b.source = b.neuron(fmt.Sprintf("%s.sn%d", name, len(units)), c, h, w)
	return nil
}
