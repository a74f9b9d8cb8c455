// Package infer runs a trained network's spiking path event-driven on the
// CPU. Compile turns a framework.Network (a backbone's Describe output)
// into an Engine. After the first layer, whose input is the analog image,
// every convolution reads spikes, and its cost follows the number of
// spikes: each active input channel adds one contiguous row of weights to
// the output pixels its kernel taps reach, with no multiplications.
// Batch-norm is folded into the convolution before it, and the first
// convolution of a static image runs once per image, not once per step.
// The engine counts spikes per neuron layer and the accumulates each
// convolution did, for energy estimates from measured activity.
package infer

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Engine is a compiled spiking path. Its methods are not safe for
// concurrent use; one Run uses GOMAXPROCS goroutines.
type Engine struct {
	T       int
	values  []value
	ops     []op
	feature int // value id of the features
	counts  Counts

	workers []*worker
}

// LayerCounts is the measured activity of one neuron or convolution layer,
// summed over every image run since the last ResetCounts.
type LayerCounts struct {
	Name string
	Kind string // "neuron" or "conv2d"

	// Neuron layers: neurons per image and step, and spikes summed over
	// images and steps.
	Neurons int
	Spikes  int64

	// StepSpikes (neuron layers) and StepOps (convolutions) split Spikes
	// and Ops by time step, [T]. A convolution of a static image that ran
	// once per image books its operations at step 0.
	StepSpikes []int64
	StepOps    []int64

	// Convolutions: the layer read ("input" for the network input) and
	// whether it read analog values or spikes. Analog inputs take
	// multiply-accumulates (once per image for a static input), spikes
	// take accumulates only. Ops counts the operations done, DenseMACs the
	// multiply-accumulates of the dense equivalent per image and step,
	// padded taps included.
	Input     string
	Source    string // the neuron layer whose spikes the convolution reads, through pooling; "" for none
	Dense     bool
	Ops       int64
	DenseMACs int64
}

// Counts is the activity of every layer over Images images of T steps.
type Counts struct {
	Images int64
	T      int
	Layers []LayerCounts
}

// SpikeRate returns layer i's mean spikes per neuron per step, or 0 for a
// convolution or before any image ran.
func (c Counts) SpikeRate(i int) float64 {
	l := c.Layers[i]
	if l.Kind != "neuron" || c.Images == 0 || l.Neurons == 0 {
		return 0
	}
	return float64(l.Spikes) / (float64(c.Images) * float64(c.T) * float64(l.Neurons))
}

// PerImage returns layer i's operations per image (all T steps).
func (c Counts) PerImage(i int) float64 {
	if c.Images == 0 {
		return 0
	}
	return float64(c.Layers[i].Ops) / float64(c.Images)
}

func newEngine(c *compiler) *Engine {
	e := &Engine{T: c.net.T, values: c.values, ops: c.ops, counts: Counts{T: c.net.T, Layers: c.counts}}
	for i := range e.counts.Layers {
		e.counts.Layers[i].StepSpikes = make([]int64, e.T)
		e.counts.Layers[i].StepOps = make([]int64, e.T)
	}
	e.feature = c.ops[len(c.ops)-1].out
	for i := range e.ops {
		o := &e.ops[i]
		switch o.kind {
		case opConvSpikes:
			// The spike lists of the input cover the map padded by P ≥ p on
			// each side, so the convolution's padded origin is at
			// (P−p, P−p). One tap per kernel row ky reads the K pixels from
			// the output pixel's first column: an entry e = column·Cin + c
			// there has weight row (ky·K + column − first column)·Cin + c.
			in := e.values[o.in]
			origin := in.csrPad - o.pad
			for ky := 0; ky < o.k; ky++ {
				o.taps = append(o.taps, tap{delta: ky * (in.w + 2*in.csrPad), weight: (ky*o.k - origin) * o.cin * o.cout})
			}
		case opConvDense:
			in := e.values[o.in]
			wp := in.w + 2*o.pad
			for ky := 0; ky < o.k; ky++ {
				for kx := 0; kx < o.k; kx++ {
					for ci := 0; ci < o.cin; ci++ {
						o.taps = append(o.taps, tap{delta: (ky*wp+kx)*o.cin + ci, weight: ((ky*o.k+kx)*o.cin + ci) * o.cout})
					}
				}
			}
		}
	}
	return e
}

// FeatureDim returns F, the width of the feature.
func (e *Engine) FeatureDim() int { return e.values[e.feature].c }

// Input returns the input shape [C, H, W] the engine was compiled for.
func (e *Engine) Input() (c, h, w int) {
	v := e.values[0]
	return v.c, v.h, v.w
}

// Counts returns the activity measured since the last ResetCounts.
func (e *Engine) Counts() Counts {
	c := e.counts
	c.Layers = append([]LayerCounts(nil), c.Layers...)
	for i := range c.Layers {
		l := &c.Layers[i]
		l.StepSpikes = append([]int64(nil), l.StepSpikes...)
		l.StepOps = append([]int64(nil), l.StepOps...)
	}
	return c
}

// ResetCounts zeroes the measured activity.
func (e *Engine) ResetCounts() {
	e.counts.Images = 0
	for i := range e.counts.Layers {
		l := &e.counts.Layers[i]
		l.Spikes, l.Ops = 0, 0
		clear(l.StepSpikes)
		clear(l.StepOps)
	}
}

// Run computes the per-step features of B static images, images
// [B, C, H, W], each presented at every one of the T steps (direct
// encoding). It writes them into out [T, B, F], the backbone's time-folded
// output layout, where row t·B+b is image b at step t.
func (e *Engine) Run(images []float32, B int, out []float32) error {
	return e.run(images, B, 1, out)
}

// RunFrames is Run for inputs with one frame per step, frames
// [B, T, C, H, W].
func (e *Engine) RunFrames(frames []float32, B int, out []float32) error {
	return e.run(frames, B, e.T, out)
}

func (e *Engine) run(x []float32, B, frames int, out []float32) error {
	in := e.values[0]
	if B < 1 {
		return fmt.Errorf("event-driven inference: batch of %d images, want at least 1", B)
	}
	if want := B * frames * in.size(); len(x) != want {
		return fmt.Errorf("event-driven inference: input has %d values, want %d for [B=%d, T=%d, C=%d, H=%d, W=%d]", len(x), want, B, frames, in.c, in.h, in.w)
	}
	F := e.FeatureDim()
	if want := e.T * B * F; len(out) != want {
		return fmt.Errorf("event-driven inference: output has %d values, want %d for [T=%d, B=%d, F=%d]", len(out), want, e.T, B, F)
	}
	n := min(runtime.GOMAXPROCS(0), B)
	for len(e.workers) < n {
		e.workers = append(e.workers, newWorker(e))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go e.work(e.workers[i], &wg, &next, x, B, frames, out)
	}
	wg.Wait()
	e.counts.Images += int64(B)
	for _, w := range e.workers[:n] {
		for i := range e.counts.Layers {
			l := &e.counts.Layers[i]
			for t := 0; t < e.T; t++ {
				k := i*e.T + t
				l.Spikes += w.spikes[k]
				l.Ops += w.ops[k]
				l.StepSpikes[t] += w.spikes[k]
				l.StepOps[t] += w.ops[k]
				w.spikes[k], w.ops[k] = 0, 0
			}
		}
	}
	return nil
}

func (e *Engine) work(w *worker, wg *sync.WaitGroup, next *atomic.Int64, x []float32, B, frames int, out []float32) {
	defer wg.Done()
	size := frames * e.values[0].size()
	for {
		b := int(next.Add(1) - 1)
		if b >= B {
			return
		}
		w.image(x[b*size:(b+1)*size], frames, b, B, out)
	}
}

// LayerTime is the time one compiled layer took.
type LayerTime struct {
	Name    string
	Kind    string // "conv2d" (batch-norm folded in), "neuron", "add", "batchnorm", "maxpool", "avgpool"
	Seconds float64
}

// ProfileLayers runs B static images (as Run) one after another on one
// goroutine and returns the time each layer took over all of them, in
// layer order. The features are discarded and the counts left unchanged.
func (e *Engine) ProfileLayers(images []float32, B int) ([]LayerTime, error) {
	in := e.values[0]
	if B < 1 || len(images) != B*in.size() {
		return nil, fmt.Errorf("profile layers: input has %d values, want %d for [B=%d, C=%d, H=%d, W=%d] with B ≥ 1", len(images), B*in.size(), B, in.c, in.h, in.w)
	}
	w := newWorker(e)
	w.clock = make([]time.Duration, len(e.ops))
	out := make([]float32, e.T*B*e.FeatureDim())
	for b := 0; b < B; b++ {
		w.image(images[b*in.size():(b+1)*in.size()], 1, b, B, out)
	}
	kinds := map[opKind]string{opConvDense: "conv2d", opConvSpikes: "conv2d", opAffine: "batchnorm", opAdd: "add",
		opNeuron: "neuron", opMaxPool: "maxpool", opAvgPool: "avgpool", opGlobalPool: "avgpool"}
	times := make([]LayerTime, len(e.ops))
	for i, o := range e.ops {
		times[i] = LayerTime{Name: o.name, Kind: kinds[o.kind], Seconds: w.clock[i].Seconds()}
	}
	return times, nil
}
