package lab

import (
	"context"
	"fmt"
	"math/rand"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/bench"
	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/experiment"
	"github.com/snnlab/snnlab/framework/infer"
	"github.com/snnlab/snnlab/framework/metrics"
	"github.com/snnlab/snnlab/framework/optim"
	"github.com/snnlab/snnlab/framework/train"

	// The non-spiking baseline of the cost tables builds a backbone with
	// the "relu" neuron.
	_ "github.com/snnlab/snnlab/plugins/neurons/relu"
)

// Cost and analysis types, as package metrics and bench define them.
type (
	// BenchConfig is one benchmarked training step; see bench.Config.
	BenchConfig = bench.Config
	// BenchResult is a training-step benchmark: median step time, its
	// forward, loss and backward split, and peak memory.
	BenchResult = bench.Result
	// StepCost is a repeated step's wall-clock and CPU time (medians over
	// the timed repetitions) and memory high-water marks.
	StepCost = metrics.Measurement
	// InputShape is one sample's [C, H, W].
	InputShape = framework.InputShape
	// Features is a representation of a dataset split, [N, F], with the
	// per-step features [T, N, F] when requested.
	Features = eval.Features
	// Network is a backbone's convolutions and neuron layers, for
	// operation counts.
	Network = metrics.Network
	// SynOps is the synaptic-operation count of the spiking path.
	SynOps = metrics.SynOps
	// LayerOps is one neuron layer's spike rates and synaptic operations.
	LayerOps = metrics.LayerOps
	// EnergyConstants are the picojoules per MAC and per AC.
	EnergyConstants = metrics.EnergyConstants
	// Energy is an inference energy estimate per sample.
	Energy = metrics.Energy
	// KLOptions sets the histogram KL divergence's bins and ε.
	KLOptions = metrics.KLOptions
	// StepKL is the KL divergence at one time step over the samples.
	StepKL = metrics.StepKL
	// TSNEOptions sets up t-SNE.
	TSNEOptions = metrics.TSNEOptions
)

// DefaultEnergy returns 3.1 pJ per MAC and 0.1 pJ per AC (45 nm figures of
// Horowitz, ISSCC 2014).
func DefaultEnergy() EnergyConstants { return metrics.DefaultEnergy() }

// DefaultKL returns 50 bins and ε = 1e-8.
func DefaultKL() KLOptions { return metrics.DefaultKL() }

// DefaultTSNE returns perplexity 30, 1000 iterations, learning rate 200
// and early exaggeration 12 for 250 iterations, seed 1.
func DefaultTSNE() TSNEOptions { return metrics.DefaultTSNE() }

// Machine describes the machine the script runs on, for the captions of
// timing and memory tables.
func Machine() string { return metrics.MachineInfo() }

// CIFARInput is the shape of a CIFAR-10 image, 3×32×32.
func CIFARInput() InputShape { return InputShape{C: 3, H: 32, W: 32} }

// BenchConfigFor returns the training-step benchmark of a pretraining
// configuration: its backbone, neuron, loss, head, T and batch on
// CIFAR-sized input, with warmup untimed and steps timed repetitions. Only
// cifar10 configurations are supported; set Input on the result for
// another shape.
func BenchConfigFor(cfg Config, warmup, steps int) (BenchConfig, error) {
	r, err := cfg.Resolve()
	if err != nil {
		return BenchConfig{}, err
	}
	if r.Dataset != "cifar10" {
		return BenchConfig{}, fmt.Errorf("benchmark of run %q: dataset %q; benchmarks are built for cifar10 inputs, so set Input on the returned config for other data", r.Name, r.Dataset)
	}
	return BenchConfig{
		Backbone: r.Backbone, BackboneOptions: r.BackboneOptions, Neuron: r.Neuron, Loss: r.Loss,
		HeadWidths: r.HeadWidths, Input: CIFARInput(), T: r.T, Batch: r.Batch,
		Warmup: warmup, Steps: steps, Seed: r.Seed,
	}, nil
}

// Benchmark measures one training step configuration with bench.Run.
// PeakHeapMB of the result is the benchmark's own peak: the Go heap live
// before it started is subtracted, so that memory earlier work left
// behind does not count. PeakRSSMB is the process's peak resident set
// since a reset just before the benchmark; unlike the heap figure it
// includes what earlier work left resident.
func Benchmark(cfg BenchConfig) (BenchResult, error) {
	if err := metrics.ResetPeakRSS(); err != nil {
		settings.Log.Debug().Err(err).Msg("peak resident set not reset; PeakRSSMB is the process peak")
	}
	start := metrics.LiveHeapMiB()
	res, err := bench.Run(cfg)
	if err != nil {
		return BenchResult{}, fmt.Errorf("benchmark %s + %s + %s: %w", cfg.Backbone, cfg.Neuron, cfg.Loss, err)
	}
	res.PeakHeapMB -= start
	return res, nil
}

// TrainingStepCost times cfg.Warmup untimed and cfg.Steps timed dual-path
// training steps (forward, loss, backward and SGD update on synthetic
// standard-normal views) and returns their wall-clock and process CPU
// time with the peak Go heap and resident set. PeakHeapMiB is counted
// from the heap live before the model was built, as in Benchmark. CPU
// seconds per step are the energy proxy of the cost tables where no power
// meter is readable.
func TrainingStepCost(cfg BenchConfig) (StepCost, error) {
	start := metrics.LiveHeapMiB()
	rng := rand.New(rand.NewSource(cfg.Seed))
	model, err := benchModel(cfg, rng)
	if err != nil {
		return StepCost{}, err
	}
	loss, err := framework.NewLoss(cfg.Loss, nil)
	if err != nil {
		return StepCost{}, err
	}

	pathB := bench.PathB(cfg.Neuron)
	step, err := train.NewDualPath(model, loss, train.StepConfig{T: cfg.T, Batch: cfg.Batch, Input: cfg.Input, PathB: pathB})
	if err != nil {
		return StepCost{}, err
	}
	defer step.Close()
	opt, err := optim.NewSGD(0.9, 1e-6)
	if err != nil {
		return StepCost{}, err
	}

	viewA, viewB := normalViews(rng, cfg.Batch*cfg.Input.C*cfg.Input.H*cfg.Input.W)
	m, err := metrics.Measure(cfg.Warmup, cfg.Steps, func() error {
		_, err := step.Step(viewA, viewB, opt, 1e-3)
		return err
	})
	if err != nil {
		return StepCost{}, fmt.Errorf("training step %s + %s + %s: %w", cfg.Backbone, cfg.Neuron, cfg.Loss, err)
	}
	m.PeakHeapMiB -= start
	return m, nil
}

// InferenceCost times the spiking path alone in evaluation mode, one
// forward pass of cfg.Batch samples over cfg.T steps on synthetic input,
// as deployment runs it: cfg.Warmup untimed and cfg.Steps timed passes.
// The loss and head are not used. PeakHeapMiB is counted from the heap
// live before the model was built, as in Benchmark.
func InferenceCost(cfg BenchConfig) (StepCost, error) {
	start := metrics.LiveHeapMiB()
	rng := rand.New(rand.NewSource(cfg.Seed))
	model, err := benchModel(cfg, rng)
	if err != nil {
		return StepCost{}, err
	}
	g := gorgonia.NewGraph()
	shape := []int{cfg.T * cfg.Batch, cfg.Input.C, cfg.Input.H, cfg.Input.W}
	view, _ := normalViews(rng, cfg.Batch*cfg.Input.C*cfg.Input.H*cfg.Input.W)
	data := make([]float32, 0, cfg.T*len(view))
	for t := 0; t < cfg.T; t++ {
		data = append(data, view...)
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("input"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
	if _, err := model.Backbone.Forward(x, framework.Pass{Path: framework.Spiking, T: cfg.T, Train: false}); err != nil {
		return StepCost{}, fmt.Errorf("inference pass of %s: %w", cfg.Backbone, err)
	}
	vm := autograd.NewMachine(g)
	defer vm.Close()
	m, err := metrics.Measure(cfg.Warmup, cfg.Steps, func() error {
		vm.Reset()
		return vm.RunAll()
	})
	if err != nil {
		return StepCost{}, fmt.Errorf("inference pass of %s: %w", cfg.Backbone, err)
	}
	m.PeakHeapMiB -= start
	return m, nil
}

func benchModel(cfg BenchConfig, rng *rand.Rand) (*train.Model, error) {
	if cfg.T < 1 || cfg.Batch < 2 || cfg.Warmup < 0 || cfg.Steps < 1 {
		return nil, fmt.Errorf("benchmark %s: T = %d, batch %d, %d warm-up and %d timed steps; want T ≥ 1, batch ≥ 2, warm-up ≥ 0 and at least 1 timed step",
			cfg.Backbone, cfg.T, cfg.Batch, cfg.Warmup, cfg.Steps)
	}
	return bench.NewModel(cfg, rng)
}

// normalViews returns two slices of n standard normal values, the scale of
// normalised images.
func normalViews(rng *rand.Rand, n int) ([]float32, []float32) {
	a, b := make([]float32, n), make([]float32, n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
		b[i] = float32(rng.NormFloat64())
	}
	return a, b
}

// DescribeNetwork returns the convolutions and neuron layers of a spiking
// ResNet backbone for input shape in, for dense MAC counts. Other
// backbones return an error: their operation counts are not implemented.
func DescribeNetwork(backbone string, options map[string]any, in InputShape) (Network, error) {
	return metrics.DescribeResNet(backbone, options, in)
}

// Network returns the layer structure of the model's backbone.
func (m *Model) Network() (Network, error) {
	return metrics.DescribeResNet(m.Config.Backbone, m.Config.BackboneOptions, m.trainer.Input)
}

// SynOps runs the spiking path over at most limit test samples (0 for all)
// and counts every neuron layer's spikes per time step. Each spike is
// weighted by its fan-out into the convolutions that read it, which gives
// the standard synaptic-operation count, exact at image borders and
// strides. Where the event-driven engine runs the backbone (spiking ResNets
// and VGGs with IF, LIF, MixedLIF or PLIF neurons), the counts are the
// accumulates it measured. Otherwise the spikes are recorded from the
// graph. That works for the spiking ResNets, whose layer structure
// DescribeNetwork returns.
func (m *Model) SynOps(limit int) (SynOps, error) {
	var counts infer.Counts
	if _, err := m.trainer.Features(settings.Context, false, experiment.FeatureOptions{Limit: limit, Counts: &counts}, nil); err != nil {
		return SynOps{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	if counts.Images > 0 {
		return metrics.MeasuredSynOps(counts)
	}
	net, err := m.Network()
	if err != nil {
		return SynOps{}, err
	}
	counter, err := metrics.NewSynOpCounter(net)
	if err != nil {
		return SynOps{}, err
	}
	cfg := m.Config
	counting, err := framework.NewBackbone(cfg.Backbone, cfg.BackboneOptions, framework.BackboneConfig{
		Input: m.trainer.Input, RNG: rand.New(rand.NewSource(cfg.Seed)),
		NewNeuron: counter.Wrap(func() (framework.Neuron, error) { return framework.NewNeuron(cfg.Neuron, cfg.NeuronOptions) }),
	})
	if err != nil {
		return SynOps{}, err
	}
	if err := experiment.SetParamValues(counting.Params(), experiment.ParamValues(m.trainer.Model.Backbone.Params())); err != nil {
		return SynOps{}, fmt.Errorf("run %s: copying weights into the counting backbone: %w", m.run.ID(), err)
	}

	// Extract reports each finished batch; its samples beyond the new
	// total are padding and are not committed.
	var commitErr error
	done := 0
	progress := func(n, total int) {
		if err := counter.Commit(n - done); err != nil && commitErr == nil {
			commitErr = err
		}
		done = n
	}
	saved := m.trainer.Model.Backbone
	m.trainer.Model.Backbone = counting
	defer func() { m.trainer.Model.Backbone = saved }()
	if _, err := m.trainer.Features(settings.Context, false, experiment.FeatureOptions{Limit: limit}, progress); err != nil {
		return SynOps{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	if commitErr != nil {
		return SynOps{}, commitErr
	}
	return counter.Result()
}

// FeatureKL compares two models' per-step features of the same test
// samples (Features with perStep set): at every step, the histogram KL
// divergence between the two feature vectors of each sample, as mean and
// standard deviation over the samples.
func FeatureKL(a, b Features, opts KLOptions) ([]StepKL, error) {
	return metrics.FeatureKL(a, b, opts)
}

// TSNE embeds features in two dimensions and returns them as points
// coloured by label, ready for SaveScatter: step 0 embeds the features
// averaged over the time steps, step t ≥ 1 those of time step t (which
// need per-step features). classNames label the legend; nil numbers the
// classes.
func TSNE(f Features, step int, opts TSNEOptions, classNames []string) (Points, error) {
	x := f.Data
	if step > 0 {
		if x = f.Step(step - 1); x == nil {
			return Points{}, fmt.Errorf("t-SNE of step %d: no per-step features for it (features have T = %d, per-step recorded: %v); extract them with perStep true", step, f.T, f.PerStep != nil)
		}
	}
	ctx := settings.Context
	if ctx == nil {
		ctx = context.Background()
	}
	y, err := metrics.TSNE(ctx, x, f.N, f.F, opts)
	if err != nil {
		return Points{}, err
	}
	pts := Points{X: make([]float64, f.N), Y: make([]float64, f.N), Class: append([]int(nil), f.Labels...), ClassNames: classNames}
	for i := 0; i < f.N; i++ {
		pts.X[i], pts.Y[i] = y[2*i], y[2*i+1]
	}
	return pts, nil
}
