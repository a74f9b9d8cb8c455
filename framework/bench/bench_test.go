package bench

import (
	"math/rand"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/optim"
	"github.com/snnlab/snnlab/framework/train"
	_ "github.com/snnlab/snnlab/plugins/all"
)

// BenchmarkReferenceStep times one dual-path training step of the reference
// configuration; run it with -cpuprofile or -memprofile to see where a step
// goes.
func BenchmarkReferenceStep(b *testing.B) {
	cfg := Reference()
	rng := rand.New(rand.NewSource(cfg.Seed))
	model, err := NewModel(cfg, rng)
	if err != nil {
		b.Fatal(err)
	}
	loss, err := framework.NewLoss(cfg.Loss, nil)
	if err != nil {
		b.Fatal(err)
	}
	step, err := train.NewDualPath(model, loss, train.StepConfig{T: cfg.T, Batch: cfg.Batch, Input: cfg.Input, PathB: PathB(cfg.Neuron)})
	if err != nil {
		b.Fatal(err)
	}
	defer step.Close()
	opt, _ := optim.NewSGD(0.9, 1e-6)
	n := cfg.Batch * cfg.Input.C * cfg.Input.H * cfg.Input.W
	viewA, viewB := make([]float32, n), make([]float32, n)
	for i := range viewA {
		viewA[i] = float32(rng.NormFloat64())
		viewB[i] = float32(rng.NormFloat64())
	}
	if _, err := step.Step(viewA, viewB, opt, 1e-3); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		if _, err := step.Step(viewA, viewB, opt, 1e-3); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cfg.Batch)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/step")
}

// BenchmarkInference times the backbone's spiking path in evaluation mode
// on one batch of the reference configuration.
func BenchmarkInference(b *testing.B) {
	cfg := Reference()
	cfg.Warmup, cfg.Steps = 1, b.N
	res, err := RunInference(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.ImagesPerSec, "images/s")
	b.ReportMetric(res.CPUPerBatch, "cpu-s/batch")
}

func TestRunInferenceRejectsNoSteps(t *testing.T) {
	cfg := Reference()
	cfg.Steps = 0
	if _, err := RunInference(cfg); err == nil {
		t.Fatal("0 timed batches: no error")
	}
}
