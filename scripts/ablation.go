//go:build snnlab

// Ablation of neuron × loss (Table 5 of Zhou and Datta): MixedLIF and LIF,
// each with the boundary (BTL), cross (CTL) and non-cross (NCL) temporal
// losses, judged by linear evaluation on CIFAR-10, with the paper's value
// beside each cell and a random-initialised backbone as the floor.
//
//	snnlab run scripts/ablation.go -data CIFAR10_DIR -- -scale laptop
//	snnlab run scripts/ablation.go -data CIFAR10_MINI_DIR -- -scale smoke
//	snnlab run scripts/ablation.go -data CIFAR10_DIR -- -scale laptop -spikformer
//	snnlab run scripts/ablation.go -data SHARED_CIFAR10_DIR -- -scale laptop -executor slurm -slurm-cpus 2
//
// Writes runs/ablation/table5.{md,csv}, table5.{png,svg} and
// table5-runs.csv (the run folder behind every number). Runs that another
// script already trained with the same configuration are reused; an
// interrupted script continues with `snnlab run --resume`.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("ablation", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	spikformer := flags.Bool("spikformer", false, "also run the Spikformer rows")
	seeds := flags.Int("seeds", 0, "seeds per cell; 0 keeps the preset's")
	neuronList := flags.String("neurons", "mixedlif,lif", "comma-separated neurons to run, for a reduced grid")
	lossList := flags.String("losses", "btl,ctl,ncl", "comma-separated losses to run, for a reduced grid")
	exec := lab.SweepFlags(flags)
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	if *seeds > 0 {
		scale.Seeds = *seeds
	}
	archs := []string{"resnet"}
	if *spikformer {
		archs = append(archs, "spikformer")
	}
	neurons := strings.Split(*neuronList, ",")
	neuronNames := map[string]string{"mixedlif": "MixedLIF", "lif": "LIF"}
	losses := strings.Split(*lossList, ",")
	lossNames := map[string]string{"btl": "Boundary Temp Loss", "ctl": "Cross Temp Loss", "ncl": "Non-Cross Temp Loss"}
	for _, n := range neurons {
		if neuronNames[n] == "" {
			lab.Check(fmt.Errorf("-neurons: %q is not part of Table 5; use mixedlif and lif", n))
		}
	}
	for _, l := range losses {
		if lossNames[l] == "" {
			lab.Check(fmt.Errorf("-losses: %q is not part of Table 5; use btl, ctl and ncl", l))
		}
	}

	// Pretrain every cell's runs first, through the executor the command
	// line chose (in this process, or as a Slurm job array); the table
	// below then reuses the finished runs.
	sweep := lab.Sweep{Name: "table5-" + scale.Name, Exec: *exec}
	for _, arch := range archs {
		for seed := 1; seed <= scale.Seeds; seed++ {
			for _, neuron := range neurons {
				for _, loss := range losses {
					cfg, err := scale.Config(arch, neuron, loss, nil, seed)
					lab.Check(err)
					sweep.Add(cfg)
				}
			}
			floorCfg, err := scale.Config(arch, "mixedlif", "random", nil, seed)
			lab.Check(err)
			sweep.Add(floorCfg)
		}
	}
	swept, err := sweep.Run()
	lab.Check(err)
	for _, r := range swept.Failed() {
		lab.Printf("%s: %s %s", r.Name, r.Reason, r.Detail)
	}

	t := lab.NewTable("Table 5: Ablation of loss and LIF-based activation by linear evaluation on CIFAR-10",
		"Backbone", "Method description", "Acc. (%)", "Paper acc. (%)")
	t.Caption = scale.Caption("Linear-evaluation top-1 of the frozen spiking-path features. The paper trains Spiking-ResNet34 and Spikformer-4-384; this preset trains the backbone named in the first column.")
	t.Scale = scale.Name

	for _, arch := range archs {
		a, err := scale.Arch(arch)
		lab.Check(err)
		backbone := a.Label
		var figure [][]lab.Cell
		var paperBars [][]lab.Cell
		for _, neuron := range neurons {
			var ours, published []lab.Cell
			for _, loss := range losses {
				label := fmt.Sprintf("%s + %s", neuronNames[neuron], lossNames[loss])
				cell := scale.Cell(arch+" "+label, arch, neuron, loss, nil, scale.LinearTop1)
				paperCell := lab.PaperCell(fmt.Sprintf("table5/%s/%s/%s", arch, neuron, loss))
				lab.Check(t.AddRow(lab.Text(backbone), lab.Text(label), cell, paperCell))
				ours = append(ours, cell)
				published = append(published, paperCell)
			}
			figure = append(figure, ours)
			paperBars = append(paperBars, published)
		}
		floor := scale.Cell(arch+" random initialisation", arch, "mixedlif", "random", nil, scale.LinearTop1)
		lab.Check(t.AddRow(lab.Text(backbone), lab.Text("Random initialisation, no pretraining (floor)"), floor, lab.Empty()))

		var series []string
		for _, neuron := range neurons {
			series = append(series, neuronNames[neuron]+" (ours)")
		}
		for _, neuron := range neurons {
			series = append(series, neuronNames[neuron]+" (paper)")
		}
		var categories []string
		for _, loss := range losses {
			categories = append(categories, strings.ToUpper(loss))
		}
		cells := append(figure, paperBars...)
		ax := lab.Axes{
			Title:  fmt.Sprintf("Table 5, %s, scale %s (floor %.1f %%)", a.Label, scale.Name, floor.Mean()),
			XLabel: "loss", YLabel: "linear top-1 (%)", YMin: 0, YMax: 110,
		}
		lab.Check(lab.SaveCellBars("table5-"+arch, ax, categories, series, cells))
	}

	_, err = lab.SaveTable(t, "table5")
	lab.Check(err)
	_, err = scale.SaveRunIndex("table5")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))
}
