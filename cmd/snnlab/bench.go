package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/snnlab/snnlab/framework/bench"
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
trained network is evaluated on.

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
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}

	fmt.Fprintf(stdout, "snnlab bench: %s + %s, %s %v, T=%d, batch %d, %d warm-up + %d timed steps, GOMAXPROCS %d\n",
		cfg.Neuron, cfg.Loss, cfg.Backbone, cfg.BackboneOptions, cfg.T, cfg.Batch, cfg.Warmup, cfg.Steps, runtime.GOMAXPROCS(0))
	if *inference {
		return benchInference(cfg, stdout)
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

func benchInference(cfg bench.Config, stdout io.Writer) error {
	res, err := bench.RunInference(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "mode:           inference, spiking path, evaluation mode, backbone only\n")
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
	return nil
}
