// Package backbones registers every built-in spiking backbone: importing it
// for its side effect makes spiking-resnet18/34/50 (and their -cifar
// forms), spiking-vgg11/16 (and -cifar) and spikformer available by name.
// The architectures live in the resnet, vgg and spikformer packages.
//
// Projection heads are not backbones: framework/nn.ProjectionHead builds
// them, and CIFARHead and ImageNetHead hold the method's layer widths.
package backbones

import (
	_ "github.com/snnlab/snnlab/plugins/backbones/resnet"
	_ "github.com/snnlab/snnlab/plugins/backbones/spikformer"
	_ "github.com/snnlab/snnlab/plugins/backbones/vgg"
)

// Widths of the method's non-spiking projection heads, for
// nn.NewProjectionHead: Linear(F, 2048)–BN–ReLU–Linear(2048, 1024) for
// CIFAR-sized runs, and three layers to 8192 for ImageNet runs.
var (
	CIFARHead    = []int{2048, 1024}
	ImageNetHead = []int{8192, 8192, 8192}
)
