//go:build snnlab

// MixedLIF against other neuron models under the boundary temporal loss
// (Table 14 of Zhou and Datta): LIF, PLIF (learned leak), ALIF (adaptive
// threshold) and IF (no leak), each in both paths, judged by linear
// evaluation on CIFAR-10 next to the paper's values and the
// random-initialised floor.
//
//	snnlab run scripts/neurons.go -data CIFAR10_DIR -- -scale laptop
//	snnlab run scripts/neurons.go -data CIFAR10_MINI_DIR -- -scale smoke
//
// The MixedLIF and LIF rows are the Table 5 runs with BTL: when
// scripts/ablation.go ran first with the same scale and data, they are
// reused, not trained again. Writes runs/neurons/table14.{md,csv},
// table14.{png,svg} and table14-runs.csv.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("neurons", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	seeds := flags.Int("seeds", 0, "seeds per cell; 0 keeps the preset's")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	if *seeds > 0 {
		scale.Seeds = *seeds
	}
	a, err := scale.Arch("resnet")
	lab.Check(err)

	neurons := []string{"mixedlif", "lif", "plif", "alif", "if"}
	names := map[string]string{"mixedlif": "MixedLIF", "lif": "LIF", "plif": "PLIF", "alif": "ALIF", "if": "IF"}

	t := lab.NewTable("Table 14: MixedLIF against other neuron models on CIFAR-10 under BTL",
		"Neuron model", "Linear eval top-1 (%)", "Paper top-1 (%)")
	t.Caption = scale.Caption(fmt.Sprintf("Linear-evaluation top-1 of %s pretrained with the boundary temporal loss; every neuron but MixedLIF spikes in both paths. The paper's backbone is Spiking-ResNet34.", a.Label))
	t.Scale = scale.Name

	var categories []string
	var ours, published []lab.Cell
	for _, neuron := range neurons {
		cell := scale.Cell(names[neuron], "resnet", neuron, "btl", nil, scale.LinearTop1)
		paperCell := lab.PaperCell("table14/" + neuron)
		lab.Check(t.AddRow(lab.Text(names[neuron]), cell, paperCell))
		categories = append(categories, names[neuron])
		ours = append(ours, cell)
		published = append(published, paperCell)
	}
	floor := scale.Cell("random initialisation", "resnet", "mixedlif", "random", nil, scale.LinearTop1)
	lab.Check(t.AddRow(lab.Text("Random initialisation, no pretraining (floor)"), floor, lab.Empty()))

	ax := lab.Axes{
		Title:  fmt.Sprintf("Table 14, %s, scale %s (floor %.1f %%)", a.Label, scale.Name, floor.Mean()),
		XLabel: "neuron", YLabel: "linear top-1 (%)", YMin: 0, YMax: 110,
	}
	lab.Check(lab.SaveCellBars("table14", ax, categories, []string{"ours", "paper"}, [][]lab.Cell{ours, published}))
	_, err = lab.SaveTable(t, "table14")
	lab.Check(err)
	_, err = scale.SaveRunIndex("table14")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))
}
