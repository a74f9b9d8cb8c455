// Trains with an absurd learning rate, so the run diverges.
package main

import "github.com/snnlab/snnlab/lab"

func main() {
	cfg := lab.Config{
		Name: "diverge", Dataset: "cifar10", TrainLimit: 64, TestLimit: 20,
		Backbone: "spiking-resnet18-cifar", BackboneOptions: map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1},
		HeadWidths: []int{16, 16}, T: 2, Batch: 16, Epochs: 3, LR: 1e30, Optimizer: "sgd",
	}
	_, err := lab.Pretrain(cfg)
	if err != nil {
		lab.Printf("failed: %v", err)
		return
	}
	lab.Printf("trained")
}
