package pluginhost_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/snnlab/snnlab/cmd/snnlab/symbols"
	"github.com/snnlab/snnlab/framework/pluginhost"
	"github.com/snnlab/snnlab/lab"
)

// trainScript is an experiment script that pretrains a small network with
// the plugin's "adex" neuron by name, as a researcher would write it.
const trainScript = `package main

import "github.com/snnlab/snnlab/lab"

func main() {
	m, err := lab.Pretrain(lab.Config{
		Name:            "adex-plugin",
		Dataset:         "mnist",
		TrainLimit:      32,
		TestLimit:       16,
		Backbone:        "spiking-resnet18-cifar",
		BackboneOptions: map[string]any{"base_width": 4, "stages": 1, "blocks_per_stage": 1},
		Neuron:          "adex",
		NeuronOptions:   map[string]any{"tau_w": 30},
		HeadWidths:      []int{16, 16},
		T:               2,
		Batch:           8,
		Epochs:          1,
		Augment:         "none",
	})
	lab.Check(err)
	lab.Printf("neuron %s loss %.4f", m.Config.Neuron, m.History.Loss[len(m.History.Loss)-1])
}
`

// TestScriptTrainsWithPluginNeuron runs an experiment script in the
// interpreter, as snnlab run does, with the example plugin loaded.
func TestScriptTrainsWithPluginNeuron(t *testing.T) {
	if testing.Short() {
		t.Skip("pretrains a small network from a script; skipped with -short")
	}
	startManager(t, pluginDir(t, adexBinary), pluginhost.Options{})

	var console bytes.Buffer
	lab.Configure(lab.Settings{RunsDir: t.TempDir(), Context: context.Background(), Console: &console})
	defer lab.Configure(lab.Settings{})

	i := interp.New(interp.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	if err := i.Use(symbols.Symbols); err != nil {
		t.Fatal(err)
	}
	// Evaluating a main package runs its main function.
	if _, err := i.Eval(trainScript); err != nil {
		t.Fatalf("script: %v", err)
	}
	t.Logf("script output: %s", console.String())
	if out := console.String(); !strings.Contains(out, "neuron adex loss") || strings.Contains(out, "NaN") {
		t.Errorf("script output %q, want a finite loss of the adex run", out)
	}
}
