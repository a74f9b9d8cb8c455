// Package bench measures the dual-path training step (images per second,
// CPU time, peak memory and the split of a step's time into forward, loss
// and backward) and the spiking-path inference of the backbone. `snnlab
// bench` and the cost scripts report its numbers.
package bench

import (
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/blas"
	"github.com/snnlab/snnlab/framework/metrics"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/framework/optim"
	"github.com/snnlab/snnlab/framework/train"
)

// Config is one benchmarked training step.
type Config struct {
	Backbone        string
	BackboneOptions map[string]any
	Neuron          string
	Loss            string
	HeadWidths      []int
	Input           framework.InputShape
	T, Batch        int
	Warmup, Steps   int // untimed steps, then timed steps
	Seed            int64
}

// Reference is the configuration the project compares against PyTorch:
// CIFAR-sized input, a stem conv 3→16 and three BasicBlock stages of 16,
// 32 and 64 channels with one block each, global average pool, head
// Linear(64, 256)–BN–ReLU–Linear(256, 256), MixedLIF, BTL, T = 4, batch 64,
// SGD with momentum.
func Reference() Config {
	return Config{
		Backbone:        "spiking-resnet18-cifar",
		BackboneOptions: map[string]any{"base_width": 16, "stages": 3, "blocks_per_stage": 1},
		Neuron:          "mixedlif",
		Loss:            "btl",
		HeadWidths:      []int{256, 256},
		Input:           framework.InputShape{C: 3, H: 32, W: 32},
		T:               4,
		Batch:           64,
		Warmup:          2,
		Steps:           5,
		Seed:            1,
	}
}

// Result is what one benchmark measured.
type Result struct {
	Config       Config
	StepSeconds  []float64 // every timed step
	MedianStep   float64   // seconds
	ImagesPerSec float64   // batch / median step: each image is seen as two views
	Forward      float64   // median seconds of the forward pass of both paths, loss excluded
	Loss         float64   // median seconds of the loss value and gradient
	Backward     float64   // the rest of the step: backward pass and optimiser update
	CPUPerStep   float64   // median process CPU seconds (user + system) per step
	PeakHeapMB   float64   // highest Go heap in use seen while stepping
	PeakRSSMB    float64   // process peak resident set (VmHWM), Linux only
	Build        string    // "pure-go" or "openblas"
	GOMAXPROCS   int
}

// Run builds the configured model and measures it on synthetic standard
// normal input, which is the scale of normalised images. The forward time
// comes from a second graph without gradients; the loss time from calling
// the loss on the step's embeddings directly.
func Run(cfg Config) (Result, error) {
	if cfg.Steps < 1 {
		return Result{}, fmt.Errorf("bench: %d timed steps, want at least 1", cfg.Steps)
	}
	rng := rand.New(rand.NewSource(cfg.Seed))
	model, err := NewModel(cfg, rng)
	if err != nil {
		return Result{}, err
	}
	loss, err := framework.NewLoss(cfg.Loss, nil)
	if err != nil {
		return Result{}, err
	}
	pathB := PathB(cfg.Neuron)
	stepCfg := train.StepConfig{T: cfg.T, Batch: cfg.Batch, Input: cfg.Input, PathB: pathB}
	step, err := train.NewDualPath(model, loss, stepCfg)
	if err != nil {
		return Result{}, err
	}
	closed := false
	defer func() {
		if !closed {
			step.Close()
		}
	}()
	opt, err := optim.NewSGD(0.9, 1e-6)
	if err != nil {
		return Result{}, err
	}

	n := cfg.Batch * cfg.Input.C * cfg.Input.H * cfg.Input.W
	viewA, viewB := make([]float32, n), make([]float32, n)
	for i := range viewA {
		viewA[i] = float32(rng.NormFloat64())
		viewB[i] = float32(rng.NormFloat64())
	}

	peak := metrics.WatchHeap()
	res := Result{Config: cfg, Build: blas.Name, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	var lossTimes, cpu []float64
	for i := 0; i < cfg.Warmup+cfg.Steps; i++ {
		start, cpu0 := time.Now(), cpuSeconds()
		if _, err := step.Step(viewA, viewB, opt, 1e-3); err != nil {
			peak.Stop()
			return Result{}, fmt.Errorf("bench step %d: %w", i, err)
		}
		elapsed, used := time.Since(start).Seconds(), cpuSeconds()-cpu0
		if i < cfg.Warmup {
			continue
		}
		res.StepSeconds = append(res.StepSeconds, elapsed)
		cpu = append(cpu, used)

		zA, zB := step.Embeddings()
		gA, gB := make([]float32, len(zA.Data)), make([]float32, len(zB.Data))
		start = time.Now()
		if _, err := loss.Evaluate(zA, zB, gA, gB); err != nil {
			peak.Stop()
			return Result{}, err
		}
		lossTimes = append(lossTimes, time.Since(start).Seconds())
	}
	res.PeakHeapMB = peak.Stop()
	// The step's buffers go before the forward graph fills its own, so the
	// peak resident set is the training step's.
	closed = true
	if err := step.Close(); err != nil {
		return Result{}, fmt.Errorf("bench: closing the training step: %w", err)
	}

	forward, err := forwardTimes(model, loss, stepCfg, viewA, viewB, cfg.Steps)
	if err != nil {
		return Result{}, err
	}
	res.MedianStep = metrics.Median(res.StepSeconds)
	res.ImagesPerSec = float64(cfg.Batch) / res.MedianStep
	res.CPUPerStep = metrics.Median(cpu)
	res.Loss = metrics.Median(lossTimes)
	res.Forward = metrics.Median(forward) - res.Loss/2
	if res.Forward < 0 {
		res.Forward = 0
	}
	res.Backward = res.MedianStep - res.Forward - res.Loss
	res.PeakRSSMB, _ = metrics.PeakRSS()
	return res, nil
}

// PathB is the path view B runs on for a neuron: the continuous path for
// MixedLIF, whose relaxation it is, and the spiking path for every other
// neuron.
func PathB(neuron string) framework.Path {
	if strings.EqualFold(neuron, "mixedlif") {
		return framework.Continuous
	}
	return framework.Spiking
}

// NewModel builds the benchmarked backbone and projection head with
// weights drawn from rng.
func NewModel(cfg Config, rng *rand.Rand) (*train.Model, error) {
	backbone, err := framework.NewBackbone(cfg.Backbone, cfg.BackboneOptions, framework.BackboneConfig{
		Input: cfg.Input, RNG: rng,
		NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron(cfg.Neuron, nil) },
	})
	if err != nil {
		return nil, err
	}
	head, err := nn.NewProjectionHead(backbone.FeatureDim(), cfg.HeadWidths, rng)
	if err != nil {
		return nil, err
	}
	return &train.Model{Backbone: backbone, Head: head}, nil
}

// forwardTimes runs both paths and the loss value without any gradient
// node, the forward share of a training step. The loss value is about half
// of the loss's value-and-gradient time, which Run subtracts.
func forwardTimes(model *train.Model, loss framework.Loss, cfg train.StepConfig, viewA, viewB []float32, steps int) ([]float64, error) {
	g := gorgonia.NewGraph()
	shape := []int{cfg.T * cfg.Batch, cfg.Input.C, cfg.Input.H, cfg.Input.W}
	input := func(name string, view []float32) *gorgonia.Node {
		data := make([]float32, 0, cfg.T*len(view))
		for t := 0; t < cfg.T; t++ {
			data = append(data, view...)
		}
		return gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName(name),
			gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
	}
	zA, err := model.Embed(input("viewA", viewA), framework.Pass{Path: framework.Spiking, T: cfg.T, Train: true})
	if err != nil {
		return nil, err
	}
	zB, err := model.Embed(input("viewB", viewB), framework.Pass{Path: cfg.PathB, T: cfg.T, Train: true})
	if err != nil {
		return nil, err
	}
	if _, err := autograd.LossNode(loss, "loss", cfg.T, zA, zB); err != nil {
		return nil, err
	}
	arena, err := autograd.NewArena(g)
	if err != nil {
		return nil, err
	}
	defer arena.Close()
	m := autograd.NewMachine(g)
	defer m.Close()
	var times []float64
	for i := 0; i < steps+1; i++ {
		m.Reset()
		arena.Reset()
		start := time.Now()
		if err := m.RunAll(); err != nil {
			return nil, fmt.Errorf("bench forward pass: %w", err)
		}
		if i > 0 {
			times = append(times, time.Since(start).Seconds())
		}
	}
	return times, nil
}
