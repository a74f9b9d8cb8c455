package lab

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/snnlab/snnlab/plugins/backbones"
	_ "github.com/snnlab/snnlab/plugins/losses/bt"
	_ "github.com/snnlab/snnlab/plugins/losses/btl"
	_ "github.com/snnlab/snnlab/plugins/losses/ctl"
	_ "github.com/snnlab/snnlab/plugins/neurons/lif"
	_ "github.com/snnlab/snnlab/plugins/neurons/mixedlif"
)

// analysisSetup points the lab settings at a temporary runs folder and the
// CIFAR-10 subset, skipping when the subset is absent.
func analysisSetup(t *testing.T) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "datasets", "cifar10-mini"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data_batch_1.bin")); err != nil {
		t.Skipf("CIFAR-10 subset not found at %s", dir)
	}
	old := settings
	t.Cleanup(func() { Configure(old) })
	Configure(Settings{RunsDir: t.TempDir(), DataDir: dir, Script: "analysis_test.go"})
}

func tinyConfig(name, neuron, loss string) Config {
	return Config{
		Name: name, Dataset: "cifar10", TrainLimit: 64, TestLimit: 40,
		Backbone: "spiking-resnet18-cifar", BackboneOptions: map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1},
		Neuron: neuron, Loss: loss, HeadWidths: []int{16, 16}, T: 2, Batch: 16, Epochs: 0,
		NeuronOptions: map[string]any{"threshold": 0.5},
	}
}

// The synaptic-operation counter and the spike recorder see the same 40
// test samples, the last batch padded; their rates must agree.
func TestSynOpsAgreeWithSpikeRates(t *testing.T) {
	analysisSetup(t)
	m, err := Pretrain(tinyConfig("synops", "lif", "btl"))
	if err != nil {
		t.Fatal(err)
	}
	ops, err := m.SynOps(0)
	if err != nil {
		t.Fatal(err)
	}

	rates, err := m.SpikeRates(0)
	if err != nil {
		t.Fatal(err)
	}
	if ops.Samples != 40 || ops.T != 2 || len(ops.Layers) != len(rates) {
		t.Fatalf("%d samples, T = %d, %d layers; want 40, 2 and the recorder's %d", ops.Samples, ops.T, len(ops.Layers), len(rates))
	}
	for k, l := range ops.Layers {
		for s := range l.Rates {
			if math.Abs(l.Rates[s]-rates[k].Rates[s]) > 1e-9 {
				t.Errorf("layer %s step %d: counter rate %v, recorder %v", l.Name, s+1, l.Rates[s], rates[k].Rates[s])
			}
		}
	}

	if ops.Total() <= 0 || ops.MeanRate() <= 0 {
		t.Errorf("total %v synaptic operations at mean rate %v; the tiny network should spike", ops.Total(), ops.MeanRate())
	}
	net, err := m.Network()
	if err != nil {
		t.Fatal(err)
	}
	if ops.DenseMACs != net.MACs() || ops.InputMACs != 9*3*4*32*32 {
		t.Errorf("dense MACs %d (network %d), input MACs %d (want %d)", ops.DenseMACs, net.MACs(), ops.InputMACs, 9*3*4*32*32)
	}
}

func TestFeatureKLAndTSNEOnModels(t *testing.T) {
	analysisSetup(t)
	a, err := Pretrain(tinyConfig("kl-a", "mixedlif", "btl"))
	if err != nil {
		t.Fatal(err)
	}
	fa, err := a.Features(false, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	same, err := FeatureKL(fa, fa, DefaultKL())
	if err != nil {
		t.Fatal(err)
	}
	if len(same) != 2 || same[0].Mean != 0 || same[1].Std != 0 {
		t.Errorf("features against themselves: %+v, want zero KL at both steps", same)
	}
	cfg := tinyConfig("kl-b", "mixedlif", "ctl")
	cfg.Seed = 5
	b, err := Pretrain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := b.Features(false, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := FeatureKL(fa, fb, DefaultKL())
	if err != nil {
		t.Fatal(err)
	}
	if diff[0].Mean <= 0 || diff[0].Samples != 40 {
		t.Errorf("different initialisations: %+v, want a positive mean over 40 samples", diff[0])
	}

	opts := DefaultTSNE()
	opts.Perplexity, opts.Iterations = 10, 300
	pts, err := TSNE(fa, 2, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts.X) != 40 || len(pts.Class) != 40 {
		t.Errorf("%d points, %d classes; want 40 each", len(pts.X), len(pts.Class))
	}
	if _, err := TSNE(fa, 3, opts, nil); err == nil || !strings.Contains(err.Error(), "step 3") {
		t.Errorf("step 3 of a T = 2 model: error %v", err)
	}
}

func TestCostMeasurements(t *testing.T) {
	ann := tinyConfig("cost", "relu", "bt")
	ann.NeuronOptions = nil
	cfg, err := BenchConfigFor(ann, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	cfg.T, cfg.Batch = 1, 4
	train, err := TrainingStepCost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(train.Wall) != 2 || train.MedianWall <= 0 || train.PeakHeapMiB <= 0 {
		t.Errorf("training cost %+v; want 2 timed steps, positive time and heap", train)
	}
	infer, err := InferenceCost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(infer.Wall) != 2 || infer.MedianWall <= 0 {
		t.Errorf("inference cost %+v; want 2 timed passes", infer)
	}
	res, err := Benchmark(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.MedianStep <= 0 || len(res.StepSeconds) != 2 {
		t.Errorf("benchmark %+v; want 2 timed steps", res)
	}

	bad := cfg
	bad.Batch = 1
	if _, err := TrainingStepCost(bad); err == nil || !strings.Contains(err.Error(), "batch ≥ 2") {
		t.Errorf("batch 1: error %v", err)
	}
	mnist := tinyConfig("mnist", "lif", "btl")
	mnist.Dataset = "mnist"
	if _, err := BenchConfigFor(mnist, 1, 1); err == nil || !strings.Contains(err.Error(), "cifar10") {
		t.Errorf("mnist: error %v", err)
	}
	if _, err := DescribeNetwork("spikformer", nil, CIFARInput()); err == nil {
		t.Error("spikformer description accepted")
	}
}
