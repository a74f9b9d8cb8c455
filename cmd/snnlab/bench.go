package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"time"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework/bench"
	"github.com/snnlab/snnlab/framework/experiment"
	"github.com/snnlab/snnlab/lab"
)

const benchUsage = `Usage: snnlab bench [flags]

Measures the dual-path training step of the reference configuration: CIFAR
input 32×32, stem conv 3→16, three BasicBlock stages of 16, 32 and 64
channels with one block each, global average pool, head
Linear(64, 256)–BN–ReLU–Linear(256, 256), MixedLIF, BTL, T = 4, batch 64,
SGD with momentum. Input is synthetic standard normal data. It prints the
matrix library of the build, images per second (median step after
warm-up), CPU time per step, peak memory and the share of a step spent in
forward, loss and backward.

With -inference it times the backbone's spiking path in evaluation mode
instead (batch-norm with running statistics, no gradients): the pass a
trained network is evaluated on. -engine event (the default) runs the
event-driven engine and prints each layer's spike rate and share of the
time. Its convolutions that read spikes, directly or through a max pool,
add one weight row per input spike; a convolution that reads analog values
(the image, or rates after an average pool, as in a VGG trained with
pool=avg) runs dense. -engine graph runs the gorgonia graph with dense
kernels. By default the model is untrained and fed standard normal noise,
so its spike rates differ from a trained network's; -checkpoint RUN_DIR
times a finished run's trained backbone instead (with its backbone, neuron
and T, so -T, -neuron and -loss are rejected with it), and -data DIR feeds
it the first test images of the run's dataset (class-balanced). The
output's input line says which input was timed.

The default build is pure Go (with vector kernels on CPUs that have AVX2
and FMA); CGO_LDFLAGS=-lopenblas go build -tags openblas ./cmd/snnlab
builds the OpenBLAS one. On a shared machine wall time varies with the load;
CPU time per step varies much less.

Flags:
`

func benchCommand(args []string, stdout, stderr io.Writer) error {
	cfg := bench.Reference()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Steps, "steps", cfg.Steps, "timed steps")
	fs.IntVar(&cfg.Warmup, "warmup", cfg.Warmup, "untimed warm-up steps")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "images per view")
	fs.IntVar(&cfg.T, "T", cfg.T, "time steps")
	fs.StringVar(&cfg.Neuron, "neuron", cfg.Neuron, "neuron name")
	fs.StringVar(&cfg.Loss, "loss", cfg.Loss, "loss name")
	inference := fs.Bool("inference", false, "time spiking-path inference instead of the training step")
	engine := fs.String("engine", bench.EngineEvent, "inference engine with -inference: event (event-driven, spike-sparse) or graph (gorgonia, dense)")
	checkpoint := fs.String("checkpoint", "", "with -inference: a finished run folder whose trained backbone to time")
	dataDir := fs.String("data", "", "with -checkpoint: data folder; time the run's first test images instead of noise")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := checkBenchFlags(fs.Args(), set, cfg, *inference, *checkpoint, *dataDir); err != nil {
		return err
	}

	opts := bench.InferenceOptions{Engine: *engine}
	input := "standard normal noise"
	if *checkpoint != "" {
		m, err := trainedBackbone(*checkpoint, *dataDir, &cfg, &opts, stderr)
		if err != nil {
			return err
		}
		defer m.Close()
		if opts.Images != nil {
			input = fmt.Sprintf("first %d test images of %s (class-balanced)", cfg.Batch, m.Config.Dataset)
		}
	}

	fmt.Fprintf(stdout, "snnlab bench: %s + %s, %s %v, T=%d, batch %d, %d warm-up + %d timed steps, GOMAXPROCS %d\n",
		cfg.Neuron, cfg.Loss, cfg.Backbone, cfg.BackboneOptions, cfg.T, cfg.Batch, cfg.Warmup, cfg.Steps, runtime.GOMAXPROCS(0))
	if *inference {
		return benchInference(cfg, opts, input, stdout)
	}
	res, err := bench.Run(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "build:          %s\n", res.Build)
	fmt.Fprintf(stdout, "step:           %.3f s median of %d timed steps (each: ", res.MedianStep, len(res.StepSeconds))
	for i, s := range res.StepSeconds {
		if i > 0 {
			fmt.Fprint(stdout, ", ")
		}
		fmt.Fprintf(stdout, "%.3f", s)
	}
	fmt.Fprintln(stdout, ")")
	fmt.Fprintf(stdout, "throughput:     %.1f images/s (each image as two views)\n", res.ImagesPerSec)
	fmt.Fprintf(stdout, "CPU time:       %.3f s per step (%.1f images per CPU-second)\n", res.CPUPerStep, float64(cfg.Batch)/res.CPUPerStep)
	share := func(x float64) float64 { return 100 * x / res.MedianStep }
	fmt.Fprintf(stdout, "time split:     forward %.0f %%, loss %.0f %%, backward and update %.0f %%\n",
		share(res.Forward), share(res.Loss), share(res.Backward))
	fmt.Fprintf(stdout, "peak memory:    Go heap %.0f MiB, process RSS %.0f MiB\n", res.PeakHeapMB, res.PeakRSSMB)
	return nil
}

// checkBenchFlags rejects flags that bench would otherwise ignore or
// override, and settings out of range. set contains the names of the flags
// given on the command line.
func checkBenchFlags(rest []string, set map[string]bool, cfg bench.Config, inference bool, checkpoint, dataDir string) error {
	if len(rest) > 0 {
		return fmt.Errorf("bench: unexpected argument %q: bench takes flags only (snnlab bench -h lists them)", rest[0])
	}
	if set["engine"] && !inference {
		return fmt.Errorf("bench: -engine selects the inference engine; add -inference, or drop -engine to time the training step")
	}
	if (checkpoint != "" || dataDir != "") && !inference {
		return fmt.Errorf("bench: -checkpoint and -data time a trained network's inference; add -inference")
	}
	if dataDir != "" && checkpoint == "" {
		return fmt.Errorf("bench: -data needs -checkpoint: the images are those of the run's dataset")
	}
	if checkpoint != "" {
		for _, name := range []string{"T", "neuron", "loss"} {
			if set[name] {
				return fmt.Errorf("bench: -%s cannot be combined with -checkpoint, which times the run's own backbone, neuron, loss and T; drop -%s", name, name)
			}
		}
	}
	switch {
	case cfg.T < 1:
		return fmt.Errorf("bench: -T %d: want at least 1 time step", cfg.T)
	case cfg.Batch < 1:
		return fmt.Errorf("bench: -batch %d: want at least 1 image", cfg.Batch)
	case cfg.Steps < 1:
		return fmt.Errorf("bench: -steps %d: want at least 1 timed step", cfg.Steps)
	case cfg.Warmup < 0:
		return fmt.Errorf("bench: -warmup %d: want 0 or more steps", cfg.Warmup)
	}
	return nil
}

// trainedBackbone opens the finished run in dir and points cfg and opts at
// its trained backbone, neuron and T, and at its first test images when
// dataDir is set. The caller closes the returned model.
func trainedBackbone(dir, dataDir string, cfg *bench.Config, opts *bench.InferenceOptions, stderr io.Writer) (*lab.Model, error) {
	console := zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly, NoColor: true}
	lab.Configure(lab.Settings{
		RunsDir: filepath.Dir(filepath.Clean(dir)), DataDir: dataDir, Context: context.Background(),
		Log: zerolog.New(console).Level(zerolog.WarnLevel), LogLevel: zerolog.WarnLevel, LogTo: stderr, Console: stderr,
	})
	m, err := lab.OpenRun(dir)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	input, err := experiment.InputShape(m.Config)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("bench: run %s: %w", dir, err)
	}
	cfg.Backbone, cfg.BackboneOptions = m.Config.Backbone, m.Config.BackboneOptions
	cfg.Neuron, cfg.Loss, cfg.T, cfg.Input = m.Config.Neuron, m.Config.Loss, m.Config.T, input
	opts.Backbone, opts.NeuronOptions = m.Backbone(), m.Config.NeuronOptions
	if dataDir != "" {
		if opts.Images, err = m.TestImages(cfg.Batch); err != nil {
			m.Close()
			return nil, fmt.Errorf("bench: %w", err)
		}
	}
	return m, nil
}

// benchInference times inference and prints the result. The text input
// describes the images timed.
func benchInference(cfg bench.Config, opts bench.InferenceOptions, input string, stdout io.Writer) error {
	res, err := bench.RunInferenceWith(cfg, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "mode:           inference, spiking path, evaluation mode, backbone only\n")
	fmt.Fprintf(stdout, "engine:         %s\n", res.Engine)
	fmt.Fprintf(stdout, "input:          %s\n", input)
	fmt.Fprintf(stdout, "build:          %s\n", res.Build)
	fmt.Fprintf(stdout, "batch:          %.3f s median (", res.MedianBatch)
	for i, s := range res.BatchSeconds {
		if i > 0 {
			fmt.Fprint(stdout, ", ")
		}
		fmt.Fprintf(stdout, "%.3f", s)
	}
	fmt.Fprintln(stdout, ")")
	fmt.Fprintf(stdout, "throughput:     %.1f images/s (T = %d steps each)\n", res.ImagesPerSec, cfg.T)
	fmt.Fprintf(stdout, "CPU time:       %.3f s per batch (%.1f images per CPU-second)\n", res.CPUPerBatch, float64(cfg.Batch)/res.CPUPerBatch)
	fmt.Fprintf(stdout, "peak memory:    Go heap %.0f MiB\n", res.PeakHeapMB)
	printLayers(res, stdout)
	return nil
}

// printLayers prints the event-driven engine's spike rate per neuron layer
// and each layer's share of the single-goroutine time.
func printLayers(res bench.InferenceResult, stdout io.Writer) {
	if len(res.LayerSeconds) == 0 {
		return
	}
	total := 0.0
	for _, l := range res.LayerSeconds {
		total += l.Seconds
	}
	rates := map[string]float64{}
	ops := map[string]float64{}
	for i, l := range res.Counts.Layers {
		if l.Kind == "neuron" {
			rates[l.Name] = res.Counts.SpikeRate(i)
		} else {
			ops[l.Name] = res.Counts.PerImage(i)
		}
	}
	fmt.Fprintf(stdout, "layers:         time share on one goroutine, spike rate (neurons) or operations per image (convolutions)\n")
	for _, l := range res.LayerSeconds {
		line := fmt.Sprintf("  %-24s %-9s %5.1f %%", l.Name, l.Kind, 100*l.Seconds/total)
		if r, ok := rates[l.Name]; ok {
			line += fmt.Sprintf("   rate %.3f", r)
		}
		if n, ok := ops[l.Name]; ok {
			line += fmt.Sprintf("   %.3g ops", n)
		}
		fmt.Fprintln(stdout, line)
	}
}
