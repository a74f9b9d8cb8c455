//go:build snnlab

// Semi-supervised fine-tuning on CIFAR-10 (the CIFAR-10 rows of Table 2 of
// Zhou and Datta): the MixedLIF + BTL pretrained network, fine-tuned as a
// whole with a linear classifier on a class-balanced 1 % and 10 % of the
// training labels, next to the same fine-tuning from random weights (the
// floor) and the paper's values.
//
//	snnlab run scripts/semisupervised.go -data CIFAR10_DIR -- -scale laptop
//	snnlab run scripts/semisupervised.go -data CIFAR10_MINI_DIR -- -scale smoke
//	snnlab run scripts/semisupervised.go -data CIFAR10_DIR -- -scale laptop -vgg -spikformer
//
// The pretrained and floor runs are the Table 5 runs, reused when
// scripts/ablation.go ran first. Writes runs/semisupervised/table2.{md,csv},
// table2.{png,svg} and table2-runs.csv.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("semisupervised", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	vgg := flags.Bool("vgg", false, "also run the Spiking-VGG rows")
	spikformer := flags.Bool("spikformer", false, "also run the Spikformer rows")
	seeds := flags.Int("seeds", 0, "seeds per cell; 0 keeps the preset's")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	if *seeds > 0 {
		scale.Seeds = *seeds
	}
	archs := []string{"resnet"}
	if *vgg {
		archs = append(archs, "vgg")
	}
	if *spikformer {
		archs = append(archs, "spikformer")
	}

	t := lab.NewTable("Table 2: Semi-supervised learning on CIFAR-10 with 1 % and 10 % of the labels",
		"Method", "Backbone", "Time steps", "1 % top-1 (%)", "10 % top-1 (%)", "Paper 1 % top-1 (%)", "Paper 10 % top-1 (%)")
	t.Caption = scale.Caption(fmt.Sprintf("The whole network and a linear classifier fine-tuned on a class-balanced sample of the evaluation training split "+
		"for %d epochs (SGD, backbone lr %g, classifier lr %g, cosine), top-1 on the test split. The Barlow Twins row is the paper's non-spiking baseline and is not run here.",
		scale.FineTune.Epochs, scale.FineTune.BackboneLR, scale.FineTune.HeadLR))
	t.Scale = scale.Name

	lab.Check(t.AddRow(lab.Text("Barlow-Twins (ANN)"), lab.Text("ResNet34"), lab.Text("-"), lab.Empty(), lab.Empty(),
		lab.PaperCell("table2/barlow-resnet34/1"), lab.PaperCell("table2/barlow-resnet34/10")))

	var categories []string
	var oursBars, floorBars, paperBars []lab.Cell
	for _, arch := range archs {
		a, err := scale.Arch(arch)
		lab.Check(err)
		one := scale.Cell(arch+" MixedLIF + BTL, 1 %", arch, "mixedlif", "btl", nil, scale.FineTuneTop1(0.01))
		ten := scale.Cell(arch+" MixedLIF + BTL, 10 %", arch, "mixedlif", "btl", nil, scale.FineTuneTop1(0.1))
		floorOne := scale.Cell(arch+" random initialisation, 1 %", arch, "mixedlif", "random", nil, scale.FineTuneTop1(0.01))
		floorTen := scale.Cell(arch+" random initialisation, 10 %", arch, "mixedlif", "random", nil, scale.FineTuneTop1(0.1))
		steps := lab.Num(float64(scale.T), 0)
		lab.Check(t.AddRow(lab.Text("Ours (MixedLIF + BTL)"), lab.Text(a.Label), steps, one, ten,
			lab.PaperCell("table2/"+arch+"/1"), lab.PaperCell("table2/"+arch+"/10")))
		lab.Check(t.AddRow(lab.Text("Random initialisation (floor)"), lab.Text(a.Label), steps, floorOne, floorTen, lab.Empty(), lab.Empty()))

		categories = append(categories, a.Label+" 1 %", a.Label+" 10 %")
		oursBars = append(oursBars, one, ten)
		floorBars = append(floorBars, floorOne, floorTen)
		paperBars = append(paperBars, lab.PaperCell("table2/"+arch+"/1"), lab.PaperCell("table2/"+arch+"/10"))
	}

	ax := lab.Axes{Title: "Table 2: fine-tuning on 1 % and 10 % of the labels, scale " + scale.Name, XLabel: "backbone and label fraction", YLabel: "top-1 (%)", YMin: 0, YMax: 110}
	lab.Check(lab.SaveCellBars("table2", ax, categories,
		[]string{"pretrained (ours)", "random initialisation (ours)", "paper"},
		[][]lab.Cell{oursBars, floorBars, paperBars}))
	_, err = lab.SaveTable(t, "table2")
	lab.Check(err)
	_, err = scale.SaveRunIndex("table2")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))
}
