package vgg

import (
	"fmt"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/backbones/internal/blocks"
)

var _ framework.Describer = (*Net)(nil)

// Describe lists the network's spiking path as plain layers (see
// framework.Describer): per stage its convolutions, batch-norms and
// neurons, then the stage's pooling.
func (n *Net) Describe() (framework.Network, error) {
	if err := n.checkSize(n.input.H, n.input.W); err != nil {
		return framework.Network{}, err
	}
	net := framework.Network{Input: n.input}
	add := func(ls ...framework.Layer) string {
		net.Layers = append(net.Layers, ls...)
		return ls[len(ls)-1].Name
	}

	x := ""
	h, w := n.input.H, n.input.W
	for s, stage := range n.stages {
		for _, l := range stage {
			x = add(l.unit.Describe(x)...)
			x = add(l.spike.Describe(x))
		}
		if n.pools(s) {
			x = add(blocks.Pool(fmt.Sprintf("stage%d.pool", s+1), n.cfg.Pool+"pool", x, 2, 2, 0))
			h, w = h/2, w/2
		}
	}
	add(blocks.GlobalPool(x, h, w))
	return net, nil
}
