// Trains a tiny model, then fails: the finished run must stay on disk.
package main

import "github.com/snnlab/snnlab/lab"

func main() {
	cfg := lab.Config{
		Name: "kept", Dataset: "cifar10", TrainLimit: 64, TestLimit: 20,
		Backbone: "spiking-resnet18-cifar", BackboneOptions: map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1},
		HeadWidths: []int{16, 16}, T: 2, Batch: 16, Epochs: 1, LR: 0.02,
	}
	_, err := lab.Pretrain(cfg)
	lab.Check(err)
	panic("deliberate failure after the run finished")
}
