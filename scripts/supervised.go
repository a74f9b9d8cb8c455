//go:build snnlab

// Supervised training against self-supervised pretraining on the same
// architecture (the CIFAR-10 rows of Table 6 of Zhou and Datta): the
// backbone trained from random weights with every label, next to the
// linear-evaluation accuracy of MixedLIF + BTL pretraining and the
// random-initialised floor, with the paper's values.
//
//	snnlab run scripts/supervised.go -data CIFAR10_DIR -- -scale laptop
//	snnlab run scripts/supervised.go -data CIFAR10_MINI_DIR -- -scale smoke
//	snnlab run scripts/supervised.go -data CIFAR10_DIR -- -scale laptop -spikformer
//
// The SSL and floor rows are the Table 5 runs, reused when
// scripts/ablation.go ran first. Writes runs/supervised/table6.{md,csv},
// table6.{png,svg} and table6-runs.csv.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("supervised", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	spikformer := flags.Bool("spikformer", false, "also run the Spikformer rows")
	seeds := flags.Int("seeds", 0, "seeds per cell; 0 keeps the preset's")
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

	t := lab.NewTable("Table 6: Supervised and SSL-trained SNNs on CIFAR-10 under iso-architecture settings",
		"Architecture", "Training type", "Top-1 (%)", "Paper top-1 (%)")
	t.Caption = scale.Caption(fmt.Sprintf("Supervised: the backbone and a linear classifier trained from random weights on every label of the evaluation training split for %d epoch(s) "+
		"(SGD, backbone lr %g, classifier lr %g, no augmentation). SSL: linear evaluation after MixedLIF + BTL pretraining. The paper trains Spiking-ResNet34 and Spikformer-4-384 at T = 4.",
		scale.Supervised.Epochs, scale.Supervised.BackboneLR, scale.Supervised.HeadLR))
	t.Scale = scale.Name

	var categories []string
	var supBars, sslBars, paperSup, paperSSL []lab.Cell
	for _, arch := range archs {
		a, err := scale.Arch(arch)
		lab.Check(err)
		sup := scale.Cell(arch+" supervised", arch, "mixedlif", "random", nil, scale.SupervisedTop1)
		ssl := scale.Cell(arch+" MixedLIF + Boundary Temp Loss", arch, "mixedlif", "btl", nil, scale.LinearTop1)
		floor := scale.Cell(arch+" random initialisation", arch, "mixedlif", "random", nil, scale.LinearTop1)
		lab.Check(t.AddRow(lab.Text(a.Label), lab.Text("Supervised"), sup, lab.PaperCell("table6/"+arch+"/supervised")))
		lab.Check(t.AddRow(lab.Text(a.Label), lab.Text("SSL (MixedLIF + BTL, linear evaluation)"), ssl, lab.PaperCell("table6/"+arch+"/ssl")))
		lab.Check(t.AddRow(lab.Text(a.Label), lab.Text("Random initialisation, linear evaluation (floor)"), floor, lab.Empty()))

		categories = append(categories, a.Label)
		supBars = append(supBars, sup)
		sslBars = append(sslBars, ssl)
		paperSup = append(paperSup, lab.PaperCell("table6/"+arch+"/supervised"))
		paperSSL = append(paperSSL, lab.PaperCell("table6/"+arch+"/ssl"))
	}

	ax := lab.Axes{Title: "Table 6: supervised against SSL, scale " + scale.Name, XLabel: "backbone", YLabel: "top-1 (%)", YMin: 0, YMax: 110}
	lab.Check(lab.SaveCellBars("table6", ax, categories,
		[]string{"supervised (ours)", "SSL (ours)", "supervised (paper)", "SSL (paper)"},
		[][]lab.Cell{supBars, sslBars, paperSup, paperSSL}))
	_, err = lab.SaveTable(t, "table6")
	lab.Check(err)
	_, err = scale.SaveRunIndex("table6")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))
}
