//go:build snnlab

// Hard against soft reset (Table 15 of Zhou and Datta): MixedLIF + BTL
// pretrained with each reset, with the variance across augmentations of
// each image's spike count and of each batch's SSL loss, both as ratios to
// the soft-reset run of the same seed, and linear-evaluation accuracy on
// CIFAR-10, next to the paper's values.
//
//	snnlab run scripts/reset.go -data CIFAR10_DIR -- -scale laptop
//	snnlab run scripts/reset.go -data CIFAR10_MINI_DIR -- -scale smoke
//	snnlab run scripts/reset.go -data CIFAR10_DIR -- -scale laptop -spikformer
//
// The paper's backbones are Spiking-VGG16 and Spikformer-4-384; the
// Spikformer rows run with -spikformer. Writes runs/reset/table15.{md,csv},
// table15.{png,svg} and table15-runs.csv.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("reset", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	spikformer := flags.Bool("spikformer", false, "also run the Spikformer rows")
	seeds := flags.Int("seeds", 0, "seeds per cell; 0 keeps the preset's")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	if *seeds > 0 {
		scale.Seeds = *seeds
	}
	archs := []string{"vgg"}
	if *spikformer {
		archs = append(archs, "spikformer")
	}

	t := lab.NewTable("Table 15: Impact of the reset mechanism on temporal consistency and SSL performance",
		"Model", "Reset type", "Spike count var. (× soft)", "SSL loss var. (× soft)", "Acc. (%)",
		"Paper spike count var.", "Paper loss var.", "Paper acc. (%)")
	t.Caption = scale.Caption(fmt.Sprintf("MixedLIF + BTL with soft and hard reset. The variances are taken across %d augmentation draws of the same %d training images "+
		"(spike count: all neuron layers and time steps of view A on the spiking path, per image; loss: per batch) and divided by the soft-reset run of the same seed. "+
		"Accuracy is linear-evaluation top-1.", scale.SpreadDraws, scale.SpreadImages))
	t.Scale = scale.Name

	var categories []string
	var spikeBars, lossBars, paperSpike, paperLoss []lab.Cell
	for _, arch := range archs {
		a, err := scale.Arch(arch)
		lab.Check(err)
		soft, hard := scale.ResetRows(arch)
		for _, row := range []struct {
			mode string
			name string
			r    lab.ResetRow
		}{{"soft", "Soft reset", soft}, {"hard", "Hard reset", hard}} {
			key := "table15/" + arch + "/" + row.mode + "/"
			lab.Check(t.AddRow(lab.Text(a.Label), lab.Text(row.name), row.r.SpikeVar, row.r.LossVar, row.r.Accuracy,
				lab.PaperRatio(key+"spike_var"), lab.PaperRatio(key+"loss_var"), lab.PaperCell(key+"acc")))
		}
		categories = append(categories, a.Label)
		spikeBars = append(spikeBars, hard.SpikeVar)
		lossBars = append(lossBars, hard.LossVar)
		paperSpike = append(paperSpike, lab.PaperRatio("table15/"+arch+"/hard/spike_var"))
		paperLoss = append(paperLoss, lab.PaperRatio("table15/"+arch+"/hard/loss_var"))
	}

	ax := lab.Axes{Title: "Table 15: hard-reset variance relative to soft reset (1 = soft), scale " + scale.Name, XLabel: "backbone", YLabel: "variance ratio"}
	lab.Check(lab.SaveCellBars("table15", ax, categories,
		[]string{"spike count (ours)", "SSL loss (ours)", "spike count (paper)", "SSL loss (paper)"},
		[][]lab.Cell{spikeBars, lossBars, paperSpike, paperLoss}))
	_, err = lab.SaveTable(t, "table15")
	lab.Check(err)
	_, err = scale.SaveRunIndex("table15")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))
}
