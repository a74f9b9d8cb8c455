//go:build snnlab

// Quick-start: pretrain a small spiking ResNet with MixedLIF + BTL on the
// embedded MNIST, then compare its linear-evaluation accuracy with the same
// backbone left at its random initialisation.
//
//	snnlab run scripts/quickstart.go
//	snnlab run scripts/quickstart.go -- -epochs 2 -train 20000
package main

import (
	"flag"
	"fmt"

	"github.com/snnlab/snnlab/lab"
)

func main() {
	flags := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	epochs := flags.Int("epochs", 1, "pretraining epochs")
	trainN := flags.Int("train", 10000, "training images used for pretraining and linear evaluation")
	testN := flags.Int("test", 2000, "test images used for linear evaluation")
	linearEpochs := flags.Int("linear-epochs", 30, "epochs of the linear classifier")
	lab.Check(flags.Parse(lab.Args()))

	cfg := lab.Config{
		Name:            "quickstart",
		Dataset:         "mnist",
		TrainLimit:      *trainN,
		TestLimit:       *testN,
		Backbone:        "spiking-resnet18-cifar",
		BackboneOptions: map[string]any{"base_width": 16, "stages": 3, "blocks_per_stage": 1},
		Neuron:          "mixedlif",
		Loss:            "btl",
		HeadWidths:      []int{256, 256},
		T:               4,
		Batch:           64,
		Epochs:          *epochs,
		LR:              0.01,
		Augment:         "barlow",
		CropScaleMin:    0.5,
	}

	// The linear classifier is trained the same way for both backbones, on
	// features extracted once from the spiking path.
	linear := lab.DefaultLinear()
	linear.Epochs = *linearEpochs
	linear.LR = 1e-2

	pretrained, err := lab.Pretrain(cfg)
	lab.Check(err)
	trained, err := pretrained.LinearEval(linear)
	lab.Check(err)

	untrainedCfg := cfg
	untrainedCfg.Name = "quickstart-untrained"
	untrainedCfg.Epochs = 0
	untrained, err := lab.Pretrain(untrainedCfg)
	lab.Check(err)
	baseline, err := untrained.LinearEval(linear)
	lab.Check(err)

	t := lab.NewTable("Quick-start: linear evaluation on MNIST",
		"backbone", "pretraining", "linear top-1 (%)", "linear top-5 (%)")
	t.Caption = fmt.Sprintf("Small spiking ResNet (16-32-64 channels, one block per stage), MixedLIF + BTL, T = %d; "+
		"%d training and %d test images; linear classifier trained for %d epochs on frozen spiking-path features.",
		cfg.T, *trainN, *testN, *linearEpochs)
	t.Scale = "quickstart"
	lab.Check(t.AddRow(lab.Text("random initialisation"), lab.Text("none"), lab.Percent(baseline.Top1), lab.Percent(baseline.Top5)))
	lab.Check(t.AddRow(lab.Text("MixedLIF + BTL"), lab.Text(fmt.Sprintf("%d epoch(s)", cfg.Epochs)), lab.Percent(trained.Top1), lab.Percent(trained.Top5)))
	_, err = lab.SaveTable(t, "quickstart")
	lab.Check(err)
	lab.Check(lab.PrintTable(t))

	lab.Printf("pretrained linear top-1: %.1f %%, untrained: %.1f %% (runs in %s and %s)",
		100*trained.Top1, 100*baseline.Top1, pretrained.Dir, untrained.Dir)
}
