package main

import "github.com/snnlab/snnlab/lab"

func main() {
	cfg := lab.Config{Name: "unknown", Neuron: "quantum-lif", Epochs: 1}
	_, err := lab.Pretrain(cfg)
	lab.Check(err)
}
