package resnet

import (
	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/backbones/internal/blocks"
)

var _ framework.Describer = (*Net)(nil)

// Describe lists the network's spiking path as plain layers (see
// framework.Describer). Each residual block becomes its units, an "add"
// layer summing the last batch-norm's output with the block input or the
// shortcut's batch-norm, and the neuron after the addition.
func (n *Net) Describe() (framework.Network, error) {
	h, w, err := n.outSize(n.input.H, n.input.W)
	if err != nil {
		return framework.Network{}, err
	}
	net := framework.Network{Input: n.input}
	add := func(ls ...framework.Layer) string {
		net.Layers = append(net.Layers, ls...)
		return ls[len(ls)-1].Name
	}

	x := add(n.stem.Describe("")...)
	x = add(n.stemSN.Describe(x))
	if !n.cfg.CIFAR {
		x = add(blocks.Pool("maxpool", "maxpool", x, 3, 2, 1))
	}
	for _, b := range n.blocks {
		x = b.describe(x, add)
	}
	add(blocks.GlobalPool(x, h, w))
	return net, nil
}

// describe appends the block's layers reading x and returns the name of
// its output neuron.
func (b *block) describe(x string, add func(...framework.Layer) string) string {
	y := x
	last := len(b.units) - 1
	for i, u := range b.units {
		y = add(u.Describe(y)...)
		if i < last {
			y = add(b.spikes[i].Describe(y))
		}
	}

	identity := x
	if b.shortcut != nil {
		identity = add(b.shortcut.Describe(x)...)
	}
	out := b.spikes[last]
	sum := add(framework.Layer{Name: out.Label + ".add", Kind: "add", Inputs: []string{y, identity}})
	return add(out.Describe(sum))
}
