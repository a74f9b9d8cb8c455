package bench

import (
	"fmt"
	"math/rand"
	"runtime"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/blas"
	"github.com/snnlab/snnlab/framework/metrics"
)

// InferenceResult holds the measurements of one inference benchmark. It
// times the backbone's spiking path in evaluation mode (running batch-norm
// statistics, no gradients), which is how a trained network is evaluated
// and deployed.
type InferenceResult struct {
	Config       Config
	BatchSeconds []float64 // every timed batch
	MedianBatch  float64   // seconds
	ImagesPerSec float64   // batch / median batch time; each image runs T steps
	CPUPerBatch  float64   // median process CPU seconds per batch
	PeakHeapMB   float64
	Build        string
	GOMAXPROCS   int
}

// RunInference builds the configured backbone and times its spiking-path
// forward pass in evaluation mode on synthetic standard normal images,
// repeated over the T steps as the direct encoding does. The model is
// untrained: its spike rates, and so the work of any spike-driven kernel,
// differ from a trained network's.
func RunInference(cfg Config) (InferenceResult, error) {
	if cfg.Steps < 1 {
		return InferenceResult{}, fmt.Errorf("bench: %d timed batches, want at least 1", cfg.Steps)
	}
	rng := rand.New(rand.NewSource(cfg.Seed))
	model, err := NewModel(cfg, rng)
	if err != nil {
		return InferenceResult{}, err
	}
	g := gorgonia.NewGraph()
	shape := []int{cfg.T * cfg.Batch, cfg.Input.C, cfg.Input.H, cfg.Input.W}
	frame := cfg.Batch * cfg.Input.C * cfg.Input.H * cfg.Input.W
	data := make([]float32, cfg.T*frame)
	for i := 0; i < frame; i++ {
		data[i] = float32(rng.NormFloat64())
	}
	for t := 1; t < cfg.T; t++ {
		copy(data[t*frame:(t+1)*frame], data[:frame])
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("images"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
	if _, err := model.Backbone.Forward(x, framework.Pass{Path: framework.Spiking, T: cfg.T, Train: false}); err != nil {
		return InferenceResult{}, fmt.Errorf("bench inference graph: %w", err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()

	res := InferenceResult{Config: cfg, Build: blas.Name, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	peak := metrics.WatchHeap()
	var cpu []float64
	for i := 0; i < cfg.Warmup+cfg.Steps; i++ {
		m.Reset()
		start, cpu0 := time.Now(), cpuSeconds()
		if err := m.RunAll(); err != nil {
			peak.Stop()
			return InferenceResult{}, fmt.Errorf("bench inference batch %d: %w", i, err)
		}
		if i >= cfg.Warmup {
			res.BatchSeconds = append(res.BatchSeconds, time.Since(start).Seconds())
			cpu = append(cpu, cpuSeconds()-cpu0)
		}
	}
	res.PeakHeapMB = peak.Stop()
	res.MedianBatch = metrics.Median(res.BatchSeconds)
	res.ImagesPerSec = float64(cfg.Batch) / res.MedianBatch
	res.CPUPerBatch = metrics.Median(cpu)
	return res, nil
}
