//go:build snnlab

// Training cost by loss (Table 13 and Figure 4 of Zhou and Datta): the
// per-batch time of a dual-path training step, split into forward, loss and
// backward, for MixedLIF with the non-cross (NCL), boundary (BTL) and cross
// (CTL) temporal losses and for LIF with NCL, on the ResNet and the
// Spikformer backbone of the chosen scale. Times are normalised to MixedLIF
// + NCL on the ResNet, as the paper's Figure 4 is.
//
//	snnlab run scripts/loss_cost.go -- -scale smoke
//	snnlab run scripts/loss_cost.go -- -scale laptop -warmup 2 -reps 5
//
// The step runs on synthetic standard-normal views (no data folder is
// needed), with the bench package's measurement: warm-up steps, then timed
// steps, medians. Writes runs/loss_cost/table13.{md,csv} and
// figure4.{png,svg}, figure4-split.{png,svg}.
package main

import (
	"flag"
	"fmt"
	"math"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

// method is one row: neuron, loss and the paper's label.
type method struct {
	neuron, loss, label string
}

// paperSplit is Table 13 (ImageNet, batch 128): forward, backward, loss
// and total seconds per batch.
var paperSplit = map[string][]float64{
	"lif/ncl":      {0.382, 1.024, 0.003, 1.409},
	"mixedlif/ncl": {0.381, 1.024, 0.003, 1.408},
	"mixedlif/btl": {0.378, 1.089, 0.165, 1.632},
	"mixedlif/ctl": {0.376, 1.349, 0.814, 2.539},
}

// paperRelative is Figure 4 (CIFAR-10): training time relative to NCL on
// Spiking-ResNet34, as the text of section 4.5 reports it.
var paperRelative = map[string]float64{
	"resnet/mixedlif/ncl":     1,
	"resnet/mixedlif/btl":     1.15,
	"resnet/mixedlif/ctl":     1.78,
	"spikformer/mixedlif/ncl": 1.41,
	"spikformer/mixedlif/btl": 1.63,
	"spikformer/mixedlif/ctl": 2.54,
}

func num(v float64, digits int) lab.Cell {
	if math.IsNaN(v) {
		return lab.Empty()
	}
	return lab.Num(v, digits)
}

func paperValue(m map[string]float64, key string) float64 {
	if v, ok := m[key]; ok {
		return v
	}
	return math.NaN()
}

func main() {
	flags := flag.NewFlagSet("loss_cost", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	warmup := flags.Int("warmup", 1, "untimed training steps before timing")
	reps := flags.Int("reps", 3, "timed training steps; the table shows medians")
	archList := flags.String("archs", "resnet,spikformer", "backbones, comma-separated: resnet, spikformer, vgg")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	methods := []method{
		{"mixedlif", "ncl", "MixedLIF + NCL"},
		{"mixedlif", "btl", "MixedLIF + BTL"},
		{"mixedlif", "ctl", "MixedLIF + CTL"},
		{"lif", "ncl", "LIF + NCL"},
	}
	archs := strings.Split(*archList, ",")

	t := lab.NewTable("Table 13 and Figure 4: per-batch training time by loss",
		"Backbone", "Method", "Forward (s)", "Loss (s)", "Backward (s)", "Total (s)", "Relative to NCL",
		"Paper forward (s)", "Paper loss (s)", "Paper backward (s)", "Paper total (s)", "Paper relative")
	t.Caption = fmt.Sprintf("One dual-path training step (both paths, loss, backward pass, SGD update) on synthetic views, batch %d, T = %d; "+
		"median of %d timed steps after %d warm-up steps. The loss time is the loss's value and gradient called alone; forward is the gradient-free pass of both paths less half the loss time; backward is the rest. "+
		"Relative is the total over MixedLIF + NCL on the first backbone. The paper's split (Table 13) is Spiking-ResNet34 on ImageNet at batch 128; its relative times (Figure 4) are CIFAR-10. Measured on %s.",
		scale.Batch, scale.T, *reps, *warmup, lab.Machine())
	t.Scale = scale.Name

	var base float64
	var categories []string
	var fwd, lossPart, bwd []float64
	relative := map[string][]float64{}
	for _, arch := range archs {
		a, err := scale.Arch(arch)
		lab.Check(err)
		for _, m := range methods {
			cfg, err := scale.Config(arch, m.neuron, m.loss, nil, 1)
			lab.Check(err)
			bc, err := lab.BenchConfigFor(cfg, *warmup, *reps)
			lab.Check(err)
			res, err := lab.Benchmark(bc)
			lab.Check(err)
			lab.Printf("%s %s: step %.3f s (forward %.3f, loss %.4f, backward %.3f)", a.Label, m.label, res.MedianStep, res.Forward, res.Loss, res.Backward)
			if base == 0 {
				base = res.MedianStep
			}
			split := paperSplit[m.neuron+"/"+m.loss]
			if arch != "resnet" {
				split = nil
			}
			cells := []lab.Cell{lab.Text(a.Label), lab.Text(m.label),
				lab.Num(res.Forward, 4), lab.Num(res.Loss, 4), lab.Num(res.Backward, 4), lab.Num(res.MedianStep, 4), lab.Num(res.MedianStep/base, 2)}
			if split != nil {
				cells = append(cells, lab.Num(split[0], 3), lab.Num(split[2], 3), lab.Num(split[1], 3), lab.Num(split[3], 3))
			} else {
				cells = append(cells, lab.Empty(), lab.Empty(), lab.Empty(), lab.Empty())
			}
			cells = append(cells, num(paperValue(paperRelative, arch+"/"+m.neuron+"/"+m.loss), 2))
			lab.Check(t.AddRow(cells...))

			categories = append(categories, arch+" "+strings.ToUpper(m.loss)+" "+m.neuron)
			fwd = append(fwd, res.Forward/base)
			lossPart = append(lossPart, res.Loss/base)
			bwd = append(bwd, res.Backward/base)
			if m.neuron == "mixedlif" {
				relative[arch] = append(relative[arch], res.MedianStep/base)
			}
		}
	}
	_, err = lab.SaveTable(t, "table13")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))

	ax := lab.Axes{Title: fmt.Sprintf("Training step split, scale %s (relative to MixedLIF + NCL on %s)", scale.Name, archs[0]), YLabel: "time relative to NCL"}
	lab.Check(lab.SaveStackedBars("figure4-split", ax, categories,
		lab.BarSeries{Name: "forward", Values: fwd}, lab.BarSeries{Name: "loss", Values: lossPart}, lab.BarSeries{Name: "backward", Values: bwd}))

	var series []lab.BarSeries
	for _, arch := range archs {
		series = append(series, lab.BarSeries{Name: arch + " (ours)", Values: relative[arch]})
	}
	for _, arch := range archs {
		var values []float64
		for _, l := range []string{"ncl", "btl", "ctl"} {
			v := paperValue(paperRelative, arch+"/mixedlif/"+l)
			if math.IsNaN(v) {
				v = 0
			}
			values = append(values, v)
		}
		series = append(series, lab.BarSeries{Name: arch + " (paper)", Values: values})
	}
	ax = lab.Axes{Title: fmt.Sprintf("Figure 4: MixedLIF training time by loss, scale %s", scale.Name), XLabel: "loss", YLabel: "time relative to NCL on " + archs[0], Legend: "top-left"}
	lab.Check(lab.SaveBars("figure4", ax, []string{"NCL", "BTL", "CTL"}, series...))
}
