package experiment_test

import (
	"context"
	"math"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/experiment"
	"github.com/snnlab/snnlab/framework/infer"

	_ "github.com/snnlab/snnlab/plugins/backbones/resnet"
)

// Features runs the event-driven engine unless spike rates are recorded,
// which takes the graph; both must give the same features.
func TestFeaturesEventMatchesGraph(t *testing.T) {
	for _, tc := range []struct {
		backbone string
		options  map[string]any
	}{
		{"spiking-vgg11-cifar", map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1, "pool": "avg"}},
		{"spiking-resnet18-cifar", map[string]any{"base_width": 8, "stages": 2, "blocks_per_stage": 1}},
	} {
		t.Run(tc.backbone, func(t *testing.T) {
			cfg, err := experiment.Config{
				Name: "features-test", Dataset: "mnist", TrainLimit: 32, TestLimit: 24,
				Backbone: tc.backbone, BackboneOptions: tc.options,
				Neuron: "mixedlif", HeadWidths: []int{8}, T: 3, Batch: 16, Epochs: 0, Seed: 4,
			}.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			ds, err := experiment.LoadDatasets(cfg, "")
			if err != nil {
				t.Fatal(err)
			}
			tr, err := experiment.NewTrainer(cfg, ds)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := tr.CalibrateBatchNorm(ctx); err != nil {
				t.Fatal(err)
			}
			// The engine must accept this backbone, or Features would
			// silently take the graph both times.
			net, err := framework.DescribeBackbone(tr.Model.Backbone, cfg.Neuron, cfg.NeuronOptions, cfg.T)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := infer.Compile(net); err != nil {
				t.Fatal(err)
			}
			event, err := tr.Features(ctx, false, experiment.FeatureOptions{PerStep: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			graph, err := tr.Features(ctx, false, experiment.FeatureOptions{PerStep: true, Spikes: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if event.N != graph.N || event.F != graph.F || len(event.PerStep) != len(graph.PerStep) {
				t.Fatalf("event features [N=%d, F=%d], graph [N=%d, F=%d]", event.N, event.F, graph.N, graph.F)
			}
			maxDiff, nonzero := 0.0, 0
			for i := range graph.Data {
				maxDiff = math.Max(maxDiff, math.Abs(float64(event.Data[i]-graph.Data[i])))
				if graph.Data[i] != 0 {
					nonzero++
				}
				if event.Labels[i/event.F] != graph.Labels[i/graph.F] {
					t.Fatalf("sample %d: label %d, graph %d", i/event.F, event.Labels[i/event.F], graph.Labels[i/graph.F])
				}
			}
			for i := range graph.PerStep {
				maxDiff = math.Max(maxDiff, math.Abs(float64(event.PerStep[i]-graph.PerStep[i])))
			}
			if nonzero == 0 {
				t.Fatal("every graph feature is 0: the test network does not spike")
			}
			if maxDiff > 0.02 {
				t.Errorf("features differ by up to %v, want at most 0.02", maxDiff)
			}
		})
	}
}
