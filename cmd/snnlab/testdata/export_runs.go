// Pretrains tiny networks on the embedded MNIST for the export command's
// tests and prints one line "run NAME DIR" per finished run. None trains a
// linear classifier, so export has to train it.
package main

import (
	"github.com/snnlab/snnlab/lab"
)

func main() {
	vgg := map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1, "pool": "avg"}
	runs := []struct {
		name, backbone string
		options        map[string]any
		neuron         map[string]any
	}{
		{"vgg-avg", "spiking-vgg11-cifar", vgg, nil},
		{"vgg-max", "spiking-vgg11-cifar", map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1}, nil},
		{"vgg-soft", "spiking-vgg11-cifar", vgg, map[string]any{"reset_mode": "soft"}},
		{"resnet", "spiking-resnet18-cifar", map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1}, nil},
	}
	for _, r := range runs {
		cfg := lab.Config{
			Name:            r.name,
			Dataset:         "mnist",
			TrainLimit:      64,
			TestLimit:       40,
			Backbone:        r.backbone,
			BackboneOptions: r.options,
			Neuron:          "mixedlif",
			NeuronOptions:   r.neuron,
			Loss:            "btl",
			HeadWidths:      []int{16},
			T:               2,
			Batch:           16,
			Epochs:          1,
			LR:              0.01,
		}
		m, err := lab.Pretrain(cfg)
		lab.Check(err)
		lab.Printf("run %s %s", r.name, m.Dir)
	}
}
