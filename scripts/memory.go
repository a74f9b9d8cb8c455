//go:build snnlab

// Peak memory and per-batch training cost (Tables 10 and 8 of Zhou and
// Datta).
//
// Table 10: peak memory of a dual-path training step for MixedLIF with the
// non-cross (NCL), boundary (BTL) and cross (CTL) temporal losses and LIF
// with NCL, on the ResNet and the Spikformer backbone of the chosen scale.
//
// Table 8: per-batch training time, CPU time and peak memory of the
// non-spiking ResNet (ReLU, the ANN baseline) against its LIF and MixedLIF
// spiking versions at T = 1, all trained with the Barlow Twins loss.
//
//	snnlab run scripts/memory.go -- -scale smoke
//	snnlab run scripts/memory.go -- -scale laptop -reps 5
//
// Memory is measured twice: the Go heap high-water mark (runtime HeapInuse
// sampled every few milliseconds while stepping, a lower bound, less the
// heap that was live before the configuration was built) and the process's
// peak resident set (Linux VmHWM, reset before each configuration; it also
// counts memory that earlier configurations left resident, so it grows
// down the table). The paper reports torch.cuda.max_memory_allocated on a GPU, which
// counts tensors only. No power meter is read: CPU seconds per batch stand
// in for the paper's energy in joules. Steps run on synthetic views, so no
// data folder is needed. Writes runs/memory/table10.{md,csv},
// table8.{md,csv}, table10.{png,svg} and table8.{png,svg}.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

// paperTable10 is peak memory in MB (CIFAR-10, batch 256).
var paperTable10 = map[string]float64{
	"resnet/mixedlif/ncl": 22582.19, "resnet/mixedlif/btl": 23044.84, "resnet/mixedlif/ctl": 25039.39, "resnet/lif/ncl": 22854.77,
	"spikformer/mixedlif/ncl": 30309.64, "spikformer/mixedlif/btl": 32310.34, "spikformer/mixedlif/ctl": 36403.98, "spikformer/lif/ncl": 30738.41,
}

// paperTable8 is time (s), energy (J) and peak memory (MB) per batch
// (Tiny-ImageNet at 224×224, batch 128, ResNet34).
var paperTable8 = map[string][]float64{
	"relu":     {0.878, 145.699, 6219.26},
	"lif":      {1.528, 297.695, 13702.16},
	"mixedlif": {1.465, 281.468, 10750.12},
}

func paperCell(m map[string]float64, key string) lab.Cell {
	if v, ok := m[key]; ok {
		return lab.Num(v, 0)
	}
	return lab.Empty()
}

func main() {
	flags := flag.NewFlagSet("memory", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	warmup := flags.Int("warmup", 1, "untimed training steps before measuring")
	reps := flags.Int("reps", 3, "timed training steps; the tables show medians")
	archList := flags.String("archs", "resnet,spikformer", "Table 10 backbones, comma-separated: resnet, spikformer, vgg")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	machine := lab.Machine()

	t10 := lab.NewTable("Table 10: peak memory of a training step",
		"Backbone", "Method", "Peak Go heap (MiB)", "Peak RSS (MiB)", "Heap / MixedLIF + NCL", "Paper peak (MB)", "Paper / MixedLIF + NCL")
	t10.Caption = fmt.Sprintf("One dual-path training step, batch %d, T = %d, head %v, on synthetic views: %d warm-up and %d timed steps. "+
		"Peak Go heap is the highest runtime HeapInuse sampled while stepping, less the heap live before the row's model was built; peak RSS is the process's VmHWM, reset before each row but including what earlier rows left resident. "+
		"The paper measures torch.cuda.max_memory_allocated at batch 256 (Spiking-ResNet34, Spikformer-4-384). Measured on %s.",
		scale.Batch, scale.T, scale.HeadWidths, *warmup, *reps, machine)
	t10.Scale = scale.Name
	methods := [][]string{{"mixedlif", "ncl", "MixedLIF + NCL"}, {"mixedlif", "btl", "MixedLIF + BTL"}, {"mixedlif", "ctl", "MixedLIF + CTL"}, {"lif", "ncl", "LIF + NCL"}}
	archs := strings.Split(*archList, ",")
	var bars []lab.BarSeries
	for _, arch := range archs {
		a, err := scale.Arch(arch)
		lab.Check(err)
		var heap []float64
		var base float64
		paperBase := paperTable10[arch+"/mixedlif/ncl"]
		for _, m := range methods {
			cfg, err := scale.Config(arch, m[0], m[1], nil, 1)
			lab.Check(err)
			bc, err := lab.BenchConfigFor(cfg, *warmup, *reps)
			lab.Check(err)
			res, err := lab.Benchmark(bc)
			lab.Check(err)
			if base == 0 {
				base = res.PeakHeapMB
			}
			key := arch + "/" + m[0] + "/" + m[1]
			rel := lab.Empty()
			if v, ok := paperTable10[key]; ok && paperBase > 0 {
				rel = lab.Num(v/paperBase, 2)
			}
			lab.Check(t10.AddRow(lab.Text(a.Label), lab.Text(m[2]), lab.Num(res.PeakHeapMB, 1), lab.Num(res.PeakRSSMB, 1),
				lab.Num(res.PeakHeapMB/base, 2), paperCell(paperTable10, key), rel))
			heap = append(heap, res.PeakHeapMB/base)
			lab.Printf("%s %s: peak heap %.1f MiB, peak RSS %.1f MiB", a.Label, m[2], res.PeakHeapMB, res.PeakRSSMB)
		}
		bars = append(bars, lab.BarSeries{Name: arch + " (ours)", Values: heap})
		var published []float64
		for _, m := range methods {
			published = append(published, paperTable10[arch+"/"+m[0]+"/"+m[1]]/paperBase)
		}
		bars = append(bars, lab.BarSeries{Name: arch + " (paper)", Values: published})
	}
	_, err = lab.SaveTable(t10, "table10")
	lab.Check(err)
	lab.Check(lab.PrintTable(t10))
	lab.Check(lab.SaveBars("table10", lab.Axes{Title: "Table 10: peak memory relative to MixedLIF + NCL, scale " + scale.Name, YLabel: "peak memory / MixedLIF + NCL"},
		[]string{"MixedLIF+NCL", "MixedLIF+BTL", "MixedLIF+CTL", "LIF+NCL"}, bars...))

	// Table 8: the ANN baseline against its spiking versions at T = 1.
	t8 := lab.NewTable("Table 8: per-batch training cost of the non-spiking and spiking ResNet at T = 1",
		"Method", "Time (s)", "CPU time (s)", "Peak Go heap (MiB)", "Peak RSS (MiB)", "Time / ANN", "Paper time (s)", "Paper energy (J)", "Paper memory (MB)")
	a, err := scale.Arch("resnet")
	lab.Check(err)
	t8.Caption = fmt.Sprintf("%s trained with the Barlow Twins loss at T = 1, batch %d, on synthetic views; median of %d steps after %d warm-up steps. "+
		"CPU time is the process's user and system time per step, the energy proxy here, since no power meter is read. Peak Go heap is counted as in Table 10. "+
		"ReLU is the non-spiking network; LIF runs spikes on both paths, MixedLIF its continuous relaxation on path B. "+
		"The paper measures ResNet34 on Tiny-ImageNet at 224×224, batch 128, with GPU energy. Measured on %s.",
		a.Label, scale.Batch, *reps, *warmup, machine)
	t8.Scale = scale.Name
	rows := [][]string{{"relu", "ResNet (ReLU, non-spiking)"}, {"lif", "Spiking ResNet, LIF (T = 1)"}, {"mixedlif", "Spiking ResNet, MixedLIF (T = 1)"}}
	var ann float64
	var times, cpu []float64
	for _, r := range rows {
		cfg, err := scale.Config("resnet", r[0], "bt", nil, 1)
		lab.Check(err)
		cfg.T = 1
		cfg.NeuronOptions = nil
		bc, err := lab.BenchConfigFor(cfg, *warmup, *reps)
		lab.Check(err)
		cost, err := lab.TrainingStepCost(bc)
		lab.Check(err)
		if ann == 0 {
			ann = cost.MedianWall
		}
		p := paperTable8[r[0]]
		lab.Check(t8.AddRow(lab.Text(r[1]), lab.Num(cost.MedianWall, 4), lab.Num(cost.MedianCPU, 4), lab.Num(cost.PeakHeapMiB, 1), lab.Num(cost.PeakRSSMiB, 1),
			lab.Num(cost.MedianWall/ann, 2), lab.Num(p[0], 3), lab.Num(p[1], 1), lab.Num(p[2], 0)))
		times = append(times, cost.MedianWall/ann)
		cpu = append(cpu, cost.MedianCPU)
		lab.Printf("%s: %.4f s, %.4f CPU s, peak heap %.1f MiB", r[1], cost.MedianWall, cost.MedianCPU, cost.PeakHeapMiB)
	}
	_, err = lab.SaveTable(t8, "table8")
	lab.Check(err)
	lab.Check(lab.PrintTable(t8))
	var paperTimes []float64
	for _, r := range rows {
		paperTimes = append(paperTimes, paperTable8[r[0]][0]/paperTable8["relu"][0])
	}
	lab.Check(lab.SaveBars("table8", lab.Axes{Title: "Table 8: training time per batch relative to the ANN, scale " + scale.Name, YLabel: "time / ANN"},
		[]string{"ANN (ReLU)", "LIF, T = 1", "MixedLIF, T = 1"},
		lab.BarSeries{Name: "ours", Values: times}, lab.BarSeries{Name: "paper", Values: paperTimes}))
}
