// A smoke ablation for the sweep tests: neuron × loss on the CIFAR-10
// subset with two seeds and a linear evaluation, written as one table. The
// executor comes from the command line (-executor local or slurm).
package main

import (
	"flag"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("sweep_ablation", flag.ContinueOnError)
	exec := lab.SweepFlags(flags)
	name := flags.String("name", "ablation", "sweep name")
	neurons := flags.String("neurons", "lif,mixedlif", "comma-separated neurons")
	losses := flags.String("losses", "btl,ncl", "comma-separated losses")
	seeds := flags.Int("seeds", 2, "seeds per configuration")
	withFailures := flags.Bool("with-failures", false, "add a configuration that fails and one that never ends")
	lab.Check(flags.Parse(lab.Args()))

	base := lab.Config{
		Name:            "abl",
		Dataset:         "cifar10",
		TrainLimit:      96,
		TestLimit:       40,
		Backbone:        "spiking-resnet18-cifar",
		BackboneOptions: map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1},
		HeadWidths:      []int{32, 32},
		T:               2,
		Batch:           16,
		Epochs:          1,
		LR:              0.02,
	}
	s := &lab.Sweep{Name: *name, Exec: *exec}
	for i := 0; i < *seeds; i++ {
		s.Seeds = append(s.Seeds, int64(i))
	}
	lab.Check(s.Grid(base,
		lab.Axis{Field: "neuron", Values: words(*neurons)},
		lab.Axis{Field: "loss", Values: words(*losses)}))
	if *withFailures {
		// The data folder holds CIFAR-10 files, not train/ and test/ class
		// folders, so this run fails when it loads its data.
		broken := base
		broken.Name = "broken"
		broken.Dataset = "imagefolder"
		// This one trains far longer than any time limit the test sets.
		endless := base
		endless.Name = "endless"
		endless.Epochs = 1000000
		s.Add(broken, endless)
	}
	linear := lab.DefaultLinear()
	linear.Epochs = 3
	linear.LR = 1e-2
	s.Linear = &linear

	res, err := s.Run()
	lab.Check(err)

	t := lab.NewTable("Smoke ablation", "run", "neuron", "loss", "linear top-1 (%)", "final loss")
	t.Scale = "test"
	for _, cfg := range s.Configs {
		lab.Check(t.AddRow(lab.Text(cfg.Name), lab.Text(cfg.Neuron), lab.Text(cfg.Loss),
			res.PercentCell(cfg.Name, "linear_top1"), res.Cell(cfg.Name, "final_loss", 1, 6)))
	}
	_, err = lab.SaveTable(t, *name)
	lab.Check(err)
	lab.Check(lab.PrintTable(t))
	lab.Printf("failed runs: %d", len(res.Failed()))
}

func words(list string) []any {
	var out []any
	for _, w := range strings.Split(list, ",") {
		out = append(out, w)
	}
	return out
}
