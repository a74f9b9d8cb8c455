package bench

import (
	"fmt"
	"math/rand"
	"runtime"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/blas"
	"github.com/snnlab/snnlab/framework/infer"
	"github.com/snnlab/snnlab/framework/metrics"
)

// Inference engines RunInferenceWith can time.
const (
	EngineEvent = "event" // the event-driven engine of package infer
	EngineGraph = "graph" // the backbone's gorgonia graph with dense kernels
)

// InferenceOptions selects what RunInferenceWith times.
type InferenceOptions struct {
	// Engine is EngineEvent (the default when empty) or EngineGraph.
	Engine string

	// Backbone, when set, is timed instead of a freshly initialised model
	// of the configured backbone, for example one with trained weights.
	Backbone framework.Backbone

	// NeuronOptions are the neuron's options, as the run was trained with;
	// nil means the registry's defaults.
	NeuronOptions map[string]any

	// Images, when set, is the batch to time, [Batch, C, H, W] (for
	// example real test images), instead of standard normal noise.
	Images []float32
}

// InferenceResult holds the measurements of one inference benchmark. It
// times the backbone's spiking path in evaluation mode (running batch-norm
// statistics, no gradients), which is how a trained network is evaluated
// and deployed.
type InferenceResult struct {
	Config       Config
	Engine       string    // EngineEvent or EngineGraph
	BatchSeconds []float64 // every timed batch
	MedianBatch  float64   // seconds
	ImagesPerSec float64   // batch / median batch time; each image runs T steps
	CPUPerBatch  float64   // median process CPU seconds per batch
	PeakHeapMB   float64
	Build        string
	GOMAXPROCS   int

	// Counts is the event-driven engine's activity over the timed batches:
	// spikes per neuron layer and operations per convolution. It is empty
	// for the graph engine.
	Counts infer.Counts
	// LayerSeconds is the event-driven engine's time per layer for one
	// batch, measured in a separate pass after the timed batches.
	LayerSeconds []infer.LayerTime
}

// RunInference times the event-driven engine on a freshly initialised
// model; see RunInferenceWith.
func RunInference(cfg Config) (InferenceResult, error) {
	return RunInferenceWith(cfg, InferenceOptions{})
}

// RunInferenceWith times the spiking-path forward pass of one batch in
// evaluation mode on opts.Images, or on synthetic standard normal images
// when that is nil, repeated over the T steps as the direct encoding does.
// An untrained model's spike rates, and so the work of the event-driven
// engine, differ from a trained network's. Pass a trained Backbone and
// real Images to time realistic activity.
func RunInferenceWith(cfg Config, opts InferenceOptions) (InferenceResult, error) {
	if cfg.Steps < 1 {
		return InferenceResult{}, fmt.Errorf("bench: %d timed batches, want at least 1", cfg.Steps)
	}
	if cfg.T < 1 {
		return InferenceResult{}, fmt.Errorf("bench inference: T = %d time steps, want at least 1", cfg.T)
	}
	if cfg.Batch < 1 {
		return InferenceResult{}, fmt.Errorf("bench inference: batch %d, want at least 1 image", cfg.Batch)
	}
	if opts.Engine == "" {
		opts.Engine = EngineEvent
	}
	if opts.Engine != EngineEvent && opts.Engine != EngineGraph {
		return InferenceResult{}, fmt.Errorf("bench: inference engine %q is not known; use %q or %q", opts.Engine, EngineEvent, EngineGraph)
	}
	rng := rand.New(rand.NewSource(cfg.Seed))
	backbone := opts.Backbone
	if backbone == nil {
		model, err := NewModel(cfg, rng)
		if err != nil {
			return InferenceResult{}, err
		}
		backbone = model.Backbone
	}
	frame := cfg.Batch * cfg.Input.C * cfg.Input.H * cfg.Input.W
	images := opts.Images
	if images == nil {
		images = make([]float32, frame)
		for i := range images {
			images[i] = float32(rng.NormFloat64())
		}
	}
	if len(images) != frame {
		return InferenceResult{}, fmt.Errorf("bench inference: %d image values, want batch %d × %d×%d×%d = %d", len(images), cfg.Batch, cfg.Input.C, cfg.Input.H, cfg.Input.W, frame)
	}

	var batch func() error
	var engine *infer.Engine
	switch opts.Engine {
	case EngineEvent:
		net, err := framework.DescribeBackbone(backbone, cfg.Neuron, opts.NeuronOptions, cfg.T)
		if err != nil {
			return InferenceResult{}, fmt.Errorf("bench inference: %w; time the graph engine instead", err)
		}
		engine, err = infer.Compile(net)
		if err != nil {
			return InferenceResult{}, fmt.Errorf("bench inference: %w", err)
		}
		out := make([]float32, cfg.T*cfg.Batch*engine.FeatureDim())
		batch = func() error { return engine.Run(images, cfg.Batch, out) }
	case EngineGraph:
		run, err := newGraphInference(backbone, cfg, images)
		if err != nil {
			return InferenceResult{}, err
		}
		defer run.Close()
		batch = func() error {
			run.Reset()
			return run.RunAll()
		}
	}

	res := InferenceResult{Config: cfg, Engine: opts.Engine, Build: blas.Name, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	peak := metrics.WatchHeap()
	var cpu []float64
	for i := 0; i < cfg.Warmup+cfg.Steps; i++ {
		if i == cfg.Warmup && engine != nil {
			engine.ResetCounts()
		}
		start, cpu0 := time.Now(), cpuSeconds()
		if err := batch(); err != nil {
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
	if engine != nil {
		res.Counts = engine.Counts()
		times, err := engine.ProfileLayers(images, cfg.Batch)
		if err != nil {
			return InferenceResult{}, fmt.Errorf("bench inference: layer times: %w", err)
		}
		res.LayerSeconds = times
	}
	return res, nil
}

// newGraphInference compiles the backbone's evaluation-mode spiking path
// for one batch of images repeated over the T steps.
func newGraphInference(backbone framework.Backbone, cfg Config, images []float32) (gorgonia.VM, error) {
	g := gorgonia.NewGraph()
	shape := []int{cfg.T * cfg.Batch, cfg.Input.C, cfg.Input.H, cfg.Input.W}
	data := make([]float32, cfg.T*len(images))
	for t := 0; t < cfg.T; t++ {
		copy(data[t*len(images):], images)
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("images"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
	if _, err := backbone.Forward(x, framework.Pass{Path: framework.Spiking, T: cfg.T, Train: false}); err != nil {
		return nil, fmt.Errorf("bench inference graph: %w", err)
	}
	return autograd.NewMachine(g), nil
}
