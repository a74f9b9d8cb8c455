//go:build snnlab

// Layer-wise spike rates (Figure 5 of Zhou and Datta): the mean spike rate
// of every neuron layer at each time step on the test images, for the
// MixedLIF + BTL model, with the network average as a dashed line.
//
//	snnlab run scripts/spikerates.go -data CIFAR10_MINI_DIR -- -scale smoke
//	snnlab run scripts/spikerates.go -data CIFAR10_DIR -- -scale laptop -spikformer
//
// The pretraining run is the ablation script's MixedLIF + BTL run and is
// reused when that script trained it. Writes runs/spikerates/figure5.{md,csv}
// and figure5-<arch>.{png,svg}.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("spikerates", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	spikformer := flags.Bool("spikformer", false, "also measure the Spikformer")
	limit := flags.Int("limit", 0, "test images to run; 0 uses the scale's test split")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	archs := []string{"resnet"}
	if *spikformer {
		archs = append(archs, "spikformer")
	}

	t := lab.NewTable("Figure 5: layer-wise spike rate per time step", "Backbone", "Layer", "Step", "Spike rate (%)")
	t.Caption = fmt.Sprintf("Scale %s: %s. ", scale.Name, scale.Description) + "Mean spikes per neuron on the test images, spiking path in evaluation mode, MixedLIF + BTL. Layers are numbered in the order the backbone builds its neurons; 'average' is the mean over layers at that step, the dashed line of the figure. The paper reports about 23 % on average (Spiking-ResNet34 and Spikformer-4-384)."
	t.Scale = scale.Name
	for _, arch := range archs {
		a, err := scale.Arch(arch)
		lab.Check(err)
		cfg, err := scale.Config(arch, "mixedlif", "btl", nil, 1)
		lab.Check(err)
		m, err := lab.Pretrain(cfg)
		lab.Check(err)
		rates, err := m.SpikeRates(*limit)
		lab.Check(err)

		var layers []lab.Rates
		var sum []float64
		for _, r := range rates {
			layers = append(layers, lab.Rates{Name: fmt.Sprintf("layer %d", r.Layer+1), Rates: r.Rates})
			if sum == nil {
				sum = make([]float64, len(r.Rates))
			}
			for s, v := range r.Rates {
				lab.Check(t.AddRow(lab.Text(a.Label), lab.Text(r.Name), lab.Num(float64(s+1), 0), lab.Num(100*v, 2)))
				sum[s] += v
			}
		}
		var overall float64
		for s, v := range sum {
			avg := v / float64(len(rates))
			overall += avg / float64(len(sum))
			lab.Check(t.AddRow(lab.Text(a.Label), lab.Text("average"), lab.Num(float64(s+1), 0), lab.Num(100*avg, 2)))
		}
		lab.Printf("%s: %d neuron layers, average spike rate %.1f %% (paper: about 23 %%)", a.Label, len(rates), 100*overall)
		ax := lab.Axes{Title: fmt.Sprintf("Figure 5: spike rates, %s, scale %s", arch, scale.Name), XLabel: "time step", YLabel: "spike rate (spikes per neuron and step)"}
		lab.Check(lab.SaveSpikeRates("figure5-"+arch, ax, layers))
	}
	_, err = lab.SaveTable(t, "figure5")
	lab.Check(err)
}
