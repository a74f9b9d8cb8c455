//go:build snnlab

// Accuracy and latency against the number of time steps (Figure 3 of Zhou
// and Datta): linear-evaluation top-1 of MixedLIF + BTL pretrained at
// T = 1, 2, 4 and 6, and the inference latency of the spiking path at each
// T, normalised to T = 4 on the ResNet.
//
//	snnlab run scripts/timesteps.go -data CIFAR10_MINI_DIR -- -scale smoke
//	snnlab run scripts/timesteps.go -data CIFAR10_DIR -- -scale laptop -spikformer
//
// BTL pairs the first and the last step, so it needs T ≥ 2; the T = 1 runs
// use NCL, which at one step is the plain Barlow Twins loss. The run at the
// scale's own T is the ablation script's MixedLIF + BTL run and is reused
// when that script trained it. Latency is one evaluation-mode forward pass
// of a batch through the backbone on synthetic input: warm-up passes, then
// timed passes, median. Writes runs/timesteps/figure3.{md,csv} and
// figure3-accuracy.{png,svg}, figure3-latency.{png,svg}.
package main

import (
	"flag"
	"fmt"
	"math"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

// paperAccuracy and paperLatency are the numbers section 4.4 prints for
// Figure 3 (Spiking-ResNet34 and Spikformer-4-384 on CIFAR-10); latency is
// relative to T = 4 on Spiking-ResNet34.
var paperAccuracy = map[string]float64{
	"resnet/2": 28.5, "resnet/4": 85.6,
	"spikformer/2": 84.1, "spikformer/4": 84.9,
}

var paperLatency = map[string]float64{
	"resnet/1": 0.28, "resnet/2": 0.62, "resnet/4": 1, "resnet/6": 1.57,
	"spikformer/1": 0.36, "spikformer/2": 0.81, "spikformer/6": 1.92,
}

func paperCell(m map[string]float64, key string, digits int) lab.Cell {
	if v, ok := m[key]; ok {
		return lab.Num(v, digits)
	}
	return lab.Empty()
}

func main() {
	flags := flag.NewFlagSet("timesteps", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	spikformer := flags.Bool("spikformer", false, "also run the Spikformer")
	warmup := flags.Int("warmup", 1, "untimed inference passes before timing")
	reps := flags.Int("reps", 5, "timed inference passes; the table shows medians")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	archs := []string{"resnet"}
	if *spikformer {
		archs = append(archs, "spikformer")
	}
	steps := []int{1, 2, 4, 6}

	t := lab.NewTable("Figure 3: linear accuracy and inference latency against time steps T",
		"Backbone", "T", "Loss", "Linear top-1 (%)", "Latency (ms/batch)", "Latency / ResNet T=4", "Paper top-1 (%)", "Paper latency")
	t.Caption = scale.Caption(fmt.Sprintf("MixedLIF pretrained at each T (NCL at T = 1, BTL otherwise); latency is the median of %d evaluation-mode forward passes of a batch of %d after %d warm-up passes, measured on %s.",
		*reps, scale.Batch, *warmup, lab.Machine()))
	t.Scale = scale.Name

	accuracy := map[string][]float64{}
	latency := map[string][]float64{}
	var base float64
	costs := map[string]float64{}
	// Latency first, so the normalisation to the ResNet at T = 4 is known
	// for every row.
	for _, arch := range archs {
		for _, T := range steps {
			cfg, err := scale.Config(arch, "mixedlif", "btl", nil, 1)
			lab.Check(err)
			cfg.T = T
			bc, err := lab.BenchConfigFor(cfg, *warmup, *reps)
			lab.Check(err)
			cost, err := lab.InferenceCost(bc)
			lab.Check(err)
			costs[fmt.Sprintf("%s/%d", arch, T)] = cost.MedianWall
			if arch == "resnet" && T == 4 {
				base = cost.MedianWall
			}
		}
	}
	if base == 0 {
		base = costs[fmt.Sprintf("%s/4", archs[0])]
	}

	for _, arch := range archs {
		a, err := scale.Arch(arch)
		lab.Check(err)
		for _, T := range steps {
			loss := "btl"
			if T == 1 {
				loss = "ncl"
			}
			cfg, err := scale.Config(arch, "mixedlif", loss, nil, 1)
			lab.Check(err)
			if T != scale.T {
				cfg.Name = fmt.Sprintf("%s-T%d", cfg.Name, T)
			}
			cfg.T = T
			m, err := lab.Pretrain(cfg)
			lab.Check(err)
			top1, err := scale.LinearTop1(m, 1)
			lab.Check(err)
			key := fmt.Sprintf("%s/%d", arch, T)
			ms := 1000 * costs[key]
			rel := costs[key] / base
			lab.Printf("%s T=%d: linear top-1 %.1f %%, latency %.1f ms (%.2f×)", a.Label, T, top1, ms, rel)
			acc := lab.Percent(top1 / 100)
			if math.IsNaN(top1) {
				acc = lab.Fail("no result")
			}
			lab.Check(t.AddRow(lab.Text(a.Label), lab.Num(float64(T), 0), lab.Text(strings.ToUpper(loss)), acc,
				lab.Num(ms, 1), lab.Num(rel, 2), paperCell(paperAccuracy, key, 1), paperCell(paperLatency, key, 2)))
			accuracy[arch] = append(accuracy[arch], top1)
			latency[arch] = append(latency[arch], rel)
		}
	}
	_, err = lab.SaveTable(t, "figure3")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))

	xs := []float64{1, 2, 4, 6}
	var accSeries, latSeries []lab.Series
	for _, arch := range archs {
		accSeries = append(accSeries, lab.Series{Name: arch + " (ours)", X: xs, Y: accuracy[arch], Markers: true})
		latSeries = append(latSeries, lab.Series{Name: arch + " (ours)", X: xs, Y: latency[arch], Markers: true})
		var px, py, lx, ly []float64
		for _, T := range steps {
			key := fmt.Sprintf("%s/%d", arch, T)
			if v, ok := paperAccuracy[key]; ok {
				px, py = append(px, float64(T)), append(py, v)
			}
			if v, ok := paperLatency[key]; ok {
				lx, ly = append(lx, float64(T)), append(ly, v)
			}
		}
		accSeries = append(accSeries, lab.Series{Name: arch + " (paper)", X: px, Y: py, Markers: true})
		latSeries = append(latSeries, lab.Series{Name: arch + " (paper)", X: lx, Y: ly, Markers: true})
	}
	lab.Check(lab.SaveLines("figure3-accuracy", lab.Axes{Title: "Figure 3: linear top-1 against T, scale " + scale.Name,
		XLabel: "time steps T", YLabel: "linear top-1 (%)", YMin: 0, YMax: 100, Legend: "bottom-right"}, accSeries...))
	lab.Check(lab.SaveLines("figure3-latency", lab.Axes{Title: "Figure 3: inference latency against T, scale " + scale.Name,
		XLabel: "time steps T", YLabel: "latency relative to ResNet at T = 4", Legend: "top-left"}, latSeries...))
}
