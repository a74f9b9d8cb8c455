// A tiny end-to-end run on the CIFAR-10 subset for the command's tests:
// pretrain, linear evaluation, a table and a figure.
package main

import (
	"flag"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("tiny", flag.ContinueOnError)
	epochs := flags.Int("epochs", 1, "pretraining epochs")
	neuron := flags.String("neuron", "mixedlif", "neuron")
	lab.Check(flags.Parse(lab.Args()))

	cfg := lab.Config{
		Name:            "tiny",
		Dataset:         "cifar10",
		TrainLimit:      96,
		TestLimit:       40,
		Backbone:        "spiking-resnet18-cifar",
		BackboneOptions: map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1},
		Neuron:          *neuron,
		Loss:            "btl",
		HeadWidths:      []int{32, 32},
		T:               2,
		Batch:           16,
		Epochs:          *epochs,
		LR:              0.02,
	}
	m, err := lab.Pretrain(cfg)
	lab.Check(err)

	linear := lab.DefaultLinear()
	linear.Epochs = 3
	linear.LR = 1e-2
	res, err := m.LinearEval(linear)
	lab.Check(err)

	t := lab.NewTable("Tiny run", "neuron", "linear top-1 (%)")
	t.Scale = "test"
	lab.Check(t.AddRow(lab.Text(cfg.Neuron), lab.Percent(res.Top1)))
	_, err = lab.SaveTable(t, "tiny")
	lab.Check(err)

	var xs, ys []float64
	for i, l := range m.History.Loss {
		xs = append(xs, float64(i+1))
		ys = append(ys, l)
	}
	lab.Check(lab.SaveLines("tiny-loss", lab.Axes{Title: "loss", XLabel: "epoch", YLabel: "loss"}, lab.Series{Name: "btl", X: xs, Y: ys, Markers: true}))
	lab.Printf("top1=%.4f reused=%v", res.Top1, m.Reused)
}
