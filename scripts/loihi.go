//go:build snnlab

// Float model against Loihi 2 deployment (Table 7 of Zhou and Datta) at
// this machine's scale: pretrain a spiking VGG-11 with average pooling
// (MixedLIF + BTL), train the linear probe, export the network with the
// probe as read-out to lava-dl netx and NIR, and classify the test images
// with the float model and with the bit-accurate Loihi 2 emulator.
//
//	snnlab run scripts/loihi.go -data CIFAR10_MINI_DIR -- -scale smoke
//	snnlab run scripts/loihi.go -data CIFAR10_DIR -- -scale laptop -images 2000
//
// The network uses average pooling because Loihi cannot run max-pooling:
// the Loihi 2 target folds average pooling and batch-norm into the next
// weight layer. Writes runs/loihi/table7.{md,csv} and the exported files
// under runs/loihi/loihi2-<run>/.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("loihi", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	images := flags.Int("images", 0, "test images to classify with both models; 0 uses the scale's test split")
	energy := flags.String("energy", "sanafe-loihi1", "energy constant set of the loihi2 target: sanafe-loihi1 or davies2018")
	workers := flags.Int("workers", 0, "goroutines emulating images; 0 uses every core")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	a, err := scale.Arch("vgg")
	lab.Check(err)
	cfg, err := scale.Config("vgg", "mixedlif", "btl", nil, 1)
	lab.Check(err)
	cfg.Name += "-avgpool"
	cfg.BackboneOptions["pool"] = "avg"

	m, err := lab.Pretrain(cfg)
	lab.Check(err)
	if m.Reused {
		lab.Printf("%s: reusing finished run %s", cfg.Name, m.Dir)
	}
	linear := scale.Linear
	linear.Seed = 1
	clf, probe, err := m.Classifier(scale.EvalTrainImages, scale.EvalTestImages, linear)
	lab.Check(err)
	lab.Printf("linear probe: %.1f %% on %d test images", 100*probe.Top1, probe.NTest)

	dep, err := m.DeployLoihi2(clf, lab.DeployOptions{
		TargetOptions: map[string]any{"energy": *energy},
		Timings:       []string{"aligned", "lava"},
		TestImages:    *images,
		Workers:       *workers,
	})
	lab.Check(err)

	t := lab.NewTable("Table 7: accuracy of the float spiking model and of its Loihi 2 deployment on CIFAR-10",
		"Model", "T", "Test images", "Float SNN (%)", "Folded float reference (%)",
		"Loihi 2 emulated, aligned (%)", "Loihi 2 emulated, lava timing (%)", "Cores", "Chips",
		"Synaptic ops per inference", "Neuron updates per inference", "Energy per inference (µJ)",
		"Paper PyTorch sim. (%)", "Paper Lava-DL on Loihi (%)")
	t.Caption = fmt.Sprintf("Scale %s: %s. Network: %s with 2×2 average pooling, MixedLIF + BTL, linear probe as read-out. "+
		"Float SNN: the linear probe on snnlab's float32 spiking features (the paper's PyTorch simulation). "+
		"Folded float reference: the exported network in float64 with batch-norm, pooling and the probe's standardisation folded into the weights. "+
		"Loihi 2 emulated: the same network quantised per layer (8-bit weights, first layer on the host as bias input) and run bit-accurately in Loihi's fixed-point CUBA arithmetic; "+
		"no Loihi chip or lava process was run. Aligned timing delivers spikes in the step they are sent, as the float model does; lava timing adds netx's one step of delay per weight layer and runs %d steps. "+
		"Cores and chips are estimates fitted to the Loihi 2 compiler log of lava-dl PilotNet; activity and energy are per inference under aligned timing with the %s constants (Loihi 1 per-operation figures, an upper bound; sources printed by the script). "+
		"Paper rows: Table 7 of Zhou and Datta, CIFAR-10, lava-dl on Loihi. Their networks are not deployable to netx here: "+
		"Spiking-ResNet34's residual additions cannot be held by a netx file (snnlab exports residual networks to NIR only), and Spikformer's spiking self-attention has no Loihi 2 mapping in snnlab.",
		scale.Name, scale.Description, a.Label, dep.Emulated[len(dep.Emulated)-1].Steps, *energy)
	t.Scale = scale.Name

	lab.Check(t.AddRow(lab.Text(a.Label+", average pooling"), lab.Num(float64(cfg.T), 0), lab.Num(float64(dep.Samples), 0),
		lab.Num(100*dep.FloatTop1, 1), lab.Num(100*dep.ReferenceTop1, 1),
		lab.Num(100*dep.Emulated[0].Top1, 1), lab.Num(100*dep.Emulated[1].Top1, 1),
		lab.Num(float64(dep.Cores), 0), lab.Num(float64(dep.Chips), 0),
		lab.Num(float64(dep.SynOps), 0), lab.Num(float64(dep.NeuronUpdates), 0), lab.Num(dep.EnergyJ*1e6, 2),
		lab.Empty(), lab.Empty()))
	paper := []struct {
		model          string
		pytorch, loihi float64
	}{{"Spiking-ResNet34 (paper)", 85.6, 84.9}, {"Spikformer-4-384 (paper)", 84.9, 84.2}}
	for _, p := range paper {
		lab.Check(t.AddRow(lab.Text(p.model), lab.Num(4, 0), lab.Num(10000, 0), lab.Empty(), lab.Empty(), lab.Empty(), lab.Empty(),
			lab.Empty(), lab.Empty(), lab.Empty(), lab.Empty(), lab.Empty(), lab.Num(p.pytorch, 1), lab.Num(p.loihi, 1)))
	}
	_, err = lab.SaveTable(t, "table7")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))

	lab.Printf("exported files:")
	for _, f := range dep.Files {
		lab.Printf("  %s", f)
	}
	for _, e := range dep.Emulated {
		lab.Printf("emulated, %s timing: %.1f %%, agrees with the folded float reference on %.1f %% of the images, %d steps", e.Timing, 100*e.Top1, 100*e.Agreement, e.Steps)
	}
	for _, n := range dep.Notes {
		lab.Printf("%s", n)
	}
	// The constants and their sources are among dep.Notes already.
	if len(dep.EnergyNotes) > 0 {
		lab.Printf("%s", dep.EnergyNotes[0])
	}
}
