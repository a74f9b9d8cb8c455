//go:build snnlab

// Inference operation counts and energy (Table 9 of Zhou and Datta): the
// non-spiking ResNet's multiply-accumulates (MACs) against the spiking
// ResNet's operations, trained with MixedLIF + BTL and with LIF + BTL.
//
//	snnlab run scripts/energy.go -data CIFAR10_MINI_DIR -- -scale smoke
//	snnlab run scripts/energy.go -data CIFAR10_DIR -- -scale laptop -mac-pj 3.1 -ac-pj 0.1
//
// Two spiking counts are reported side by side:
//   - the paper's formula: "active operations" = dense MACs × average spike
//     rate, each an accumulate (AC), with no factor for the T steps;
//   - the standard synaptic-operation count: over every neuron layer and
//     step, each spike times its fan-out into the convolutions that read
//     it, as ACs. Fan-out is exact at image borders and strides. The first
//     convolution reads the analog image and counts as MACs at each of the
//     T steps.
//
// Energy is MACs × the MAC energy + ACs × the AC energy (3.1 pJ and 0.1 pJ
// by default, 45 nm figures of Horowitz 2014). Batch-norm folds into the
// convolutions; residual additions and pooling are not counted. Operation
// counts cover the spiking ResNets only. The pretraining runs are the
// ablation script's and are reused when it trained them. Writes
// runs/energy/table9.{md,csv}, table9-layers.{md,csv} and table9.{png,svg}.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("energy", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	macPJ := flags.Float64("mac-pj", 3.1, "energy of one multiply-accumulate, in pJ")
	acPJ := flags.Float64("ac-pj", 0.1, "energy of one accumulate, in pJ")
	limit := flags.Int("limit", 0, "test images to run; 0 uses the scale's test split")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	energy := lab.EnergyConstants{MAC: *macPJ, AC: *acPJ}
	lab.Check(energy.Check())
	a, err := scale.Arch("resnet")
	lab.Check(err)
	net, err := lab.DescribeNetwork(a.Backbone, a.BackboneOptions, lab.CIFARInput())
	lab.Check(err)
	dense := net.MACs()

	t := lab.NewTable("Table 9: inference operations and energy per image on CIFAR-10",
		"Model", "Type", "T", "Spiking activity (%)", "Active ops, paper formula (M)", "Energy, paper formula (µJ)",
		"Synaptic ops (M)", "Input-layer MACs over T steps (M)", "Energy, synaptic ops (µJ)",
		"Paper activity (%)", "Paper ops (M)", "Paper energy (µJ)")
	t.Caption = fmt.Sprintf("Scale %s: %s. %s on 32×32 images, %.1f pJ per MAC and %.2f pJ per AC. Paper formula: dense MACs × spiking activity as ACs (no factor T). "+
		"Synaptic ops: Σ over neuron layers and steps of spikes × fan-out, plus the first convolution on the image as MACs at every step. "+
		"Spiking activity is spikes over neurons × steps on the test images. The paper's rows are ResNet34 (3.6 G MACs) and Spiking-ResNet34.", scale.Name, scale.Description, a.Label, *macPJ, *acPJ)
	t.Scale = scale.Name

	ann := energy.ANNEnergy(dense)
	lab.Check(t.AddRow(lab.Text("ResNet, same layers with ReLU"), lab.Text("ANN"), lab.Num(1, 0), lab.Num(100, 0),
		lab.Num(float64(dense)/1e6, 2), lab.Num(ann.Joule*1e6, 3), lab.Empty(), lab.Empty(), lab.Empty(),
		lab.Num(100, 0), lab.Num(3600, 0), lab.Num(11160, 0)))

	layers := lab.NewTable("Table 9, per layer: spike rate and synaptic operations per image",
		"Neuron", "Layer", "Neurons", "Spike rate (%)", "Synaptic ops (M)")
	layers.Caption = "Spike rate averaged and synaptic operations summed over the T steps, per test image; the last layer feeds only the global average pool, so its spikes reach no convolution."
	layers.Scale = scale.Name

	paperRows := map[string][]float64{"mixedlif": {23, 828, 0.082}, "lif": {29, 1044, 0.103}}
	names := map[string]string{"mixedlif": "MixedLIF", "lif": "LIF"}
	categories := []string{"ANN"}
	paperE := []float64{11.16}
	formulaE := []float64{ann.Joule * 1e3}
	synE := []float64{ann.Joule * 1e3}
	for _, neuron := range []string{"mixedlif", "lif"} {
		cfg, err := scale.Config("resnet", neuron, "btl", nil, 1)
		lab.Check(err)
		m, err := lab.Pretrain(cfg)
		lab.Check(err)
		ops, err := m.SynOps(*limit)
		lab.Check(err)
		rate := ops.MeanRate()
		paperFormula := energy.PaperSNNEnergy(ops.DenseMACs, rate)
		syn := energy.SynOpEnergy(ops)
		p := paperRows[neuron]
		lab.Check(t.AddRow(lab.Text(a.Label), lab.Text(names[neuron]+" + BTL SNN"), lab.Num(float64(ops.T), 0), lab.Num(100*rate, 1),
			lab.Num(paperFormula.ACs/1e6, 2), lab.Num(paperFormula.Joule*1e6, 3),
			lab.Num(syn.ACs/1e6, 2), lab.Num(syn.MACs/1e6, 2), lab.Num(syn.Joule*1e6, 3),
			lab.Num(p[0], 0), lab.Num(p[1], 0), lab.Num(1000*p[2], 0)))
		lab.Printf("%s: activity %.1f %%, paper formula %.2f M ACs, synaptic ops %.2f M ACs + %.2f M MACs over %d images",
			names[neuron], 100*rate, paperFormula.ACs/1e6, syn.ACs/1e6, syn.MACs/1e6, ops.Samples)
		for _, l := range ops.Layers {
			var r, s float64
			for k := range l.Rates {
				r += l.Rates[k] / float64(len(l.Rates))
				s += l.SynOps[k]
			}
			lab.Check(layers.AddRow(lab.Text(names[neuron]), lab.Text(l.Name), lab.Num(float64(l.Neurons), 0), lab.Num(100*r, 2), lab.Num(s/1e6, 4)))
		}
		categories = append(categories, names[neuron])
		paperE = append(paperE, p[2])
		formulaE = append(formulaE, paperFormula.Joule*1e3)
		synE = append(synE, syn.Joule*1e3)
	}
	_, err = lab.SaveTable(t, "table9")
	lab.Check(err)
	_, err = lab.SaveTable(layers, "table9-layers")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))

	// Energy relative to the ANN, so the paper's full-size network and
	// this scale's network share one axis.
	rel := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i := range v {
			out[i] = v[i] / v[0]
		}
		return out
	}
	lab.Check(lab.SaveBars("table9", lab.Axes{Title: "Table 9: inference energy relative to the ANN, scale " + scale.Name, YLabel: "energy / ANN"},
		categories, lab.BarSeries{Name: "paper formula (ours)", Values: rel(formulaE)}, lab.BarSeries{Name: "synaptic ops (ours)", Values: rel(synE)},
		lab.BarSeries{Name: "paper", Values: rel(paperE)}))
}
