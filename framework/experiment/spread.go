package experiment

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/data/loader"
	"github.com/snnlab/snnlab/framework/train"
)

// Spread is how much a trained network's behaviour varies when the same
// images are augmented differently, the two measures of the method's
// reset-mechanism comparison.
type Spread struct {
	// SpikeCountVar is the variance across augmentation draws of one
	// image's total spike count (every neuron layer, every time step, view
	// A's augmentation, spiking path with batch-norm in evaluation mode),
	// averaged over the images. Unit: spikes².
	SpikeCountVar float64
	// LossVar is the variance across augmentation draws of the SSL loss of
	// one batch (both views, the run's own loss and paths), averaged over
	// the batches.
	LossVar float64

	Draws   int // augmentation draws per image
	Images  int // images measured, a multiple of the run's batch
	Batches int // batches per draw
}

// AugmentationSpread measures Spread on the first images training samples
// (class-balanced, rounded down to whole batches) over draws augmentation
// draws, using the run's two-view augmentation. The weights are left as
// they were: the loss passes run batch-norm in training mode, which moves
// its running statistics, so they are restored afterwards.
func (tr *Trainer) AugmentationSpread(ctx context.Context, draws, images int) (Spread, error) {
	cfg := tr.Config
	if draws < 2 {
		return Spread{}, fmt.Errorf("augmentation spread: draws = %d; want at least 2 to measure a variance", draws)
	}
	images = images / cfg.Batch * cfg.Batch
	if images < cfg.Batch {
		return Spread{}, fmt.Errorf("augmentation spread: %d images is less than one batch of %d; pass at least %d", images, cfg.Batch, cfg.Batch)
	}
	ds, err := limit(tr.Data.Train, images)
	if err != nil {
		return Spread{}, fmt.Errorf("augmentation spread: %w", err)
	}
	images = ds.Len() / cfg.Batch * cfg.Batch

	// Each epoch of an unshuffled loader visits the same images in the same
	// order with fresh augmentation keys, so epoch k is draw k.
	pipeline := pairPipeline(cfg, tr.Data)
	ld, err := loader.NewPairs(ds, &pipeline, loader.Config{BatchSize: cfg.Batch, Seed: cfg.Seed, DropLast: true})
	if err != nil {
		return Spread{}, fmt.Errorf("augmentation spread: %w", err)
	}

	counter, err := newSpikeCounter(tr)
	if err != nil {
		return Spread{}, err
	}
	defer counter.close()

	loss, err := framework.NewLoss(cfg.Loss, cfg.LossOptions)
	if err != nil {
		return Spread{}, err
	}
	step, err := train.NewDualPath(tr.Model, loss, train.StepConfig{T: cfg.T, Batch: cfg.Batch, Input: tr.Input, PathB: cfg.pathB()})
	if err != nil {
		return Spread{}, fmt.Errorf("augmentation spread: %w", err)
	}
	defer step.Close()
	saved := ParamValues(tr.Model.Params())
	defer func() { _ = SetParamValues(tr.Model.Params(), saved) }()

	batches := images / cfg.Batch
	counts := make([][]float64, draws) // [draw][image]
	losses := make([][]float64, draws) // [draw][batch]
	for k := 0; k < draws; k++ {
		counts[k] = make([]float64, 0, images)
		losses[k] = make([]float64, 0, batches)
		it, err := ld.Epoch(ctx, loader.Position{Epoch: k})
		if err != nil {
			return Spread{}, err
		}
		for b := 0; b < batches; b++ {
			batch, err := it.Next()
			if err != nil {
				it.Close()
				return Spread{}, fmt.Errorf("augmentation spread: draw %d, batch %d: %w", k, b, err)
			}
			perSample, err := counter.count(batch.A)
			if err != nil {
				it.Close()
				return Spread{}, err
			}
			counts[k] = append(counts[k], perSample...)
			l, err := step.Forward(batch.A, batch.B)
			if err != nil {
				it.Close()
				return Spread{}, fmt.Errorf("augmentation spread: draw %d, batch %d: %w", k, b, err)
			}
			losses[k] = append(losses[k], l)
		}
		it.Close()
		if ctx.Err() != nil {
			return Spread{}, ErrInterrupted
		}
	}
	return Spread{
		SpikeCountVar: meanVarianceAcross(counts),
		LossVar:       meanVarianceAcross(losses),
		Draws:         draws,
		Images:        images,
		Batches:       batches,
	}, nil
}

// meanVarianceAcross returns the sample variance (divisor n−1) across the
// rows of x [draw][item] for each item, averaged over the items.
func meanVarianceAcross(x [][]float64) float64 {
	n := len(x)
	items := len(x[0])
	total := 0.0
	for i := 0; i < items; i++ {
		mean := 0.0
		for k := 0; k < n; k++ {
			mean += x[k][i]
		}
		mean /= float64(n)
		ss := 0.0
		for k := 0; k < n; k++ {
			d := x[k][i] - mean
			ss += d * d
		}
		total += ss / float64(n-1)
	}
	return total / float64(items)
}

// spikeCounter is a copy of a trained backbone whose neurons add up the
// spikes of every sample, with a compiled evaluation-mode spiking pass.
type spikeCounter struct {
	T, batch int
	frame    int // values in one sample, C·H·W
	x        *gorgonia.Node
	machine  gorgonia.VM

	mu   sync.Mutex
	sums []float64 // [batch] spikes of each sample in the current pass
}

func newSpikeCounter(tr *Trainer) (*spikeCounter, error) {
	cfg := tr.Config
	c := &spikeCounter{T: cfg.T, batch: cfg.Batch, frame: tr.Input.C * tr.Input.H * tr.Input.W, sums: make([]float64, cfg.Batch)}
	newNeuron := func() (framework.Neuron, error) {
		n, err := framework.NewNeuron(cfg.Neuron, cfg.NeuronOptions)
		if err != nil {
			return nil, err
		}
		return &countingNeuron{Neuron: n, counter: c}, nil
	}
	backbone, err := framework.NewBackbone(cfg.Backbone, cfg.BackboneOptions, framework.BackboneConfig{
		Input: tr.Input, NewNeuron: newNeuron, RNG: rand.New(rand.NewSource(cfg.Seed)),
	})
	if err != nil {
		return nil, fmt.Errorf("spike counter for run %q: %w", cfg.Name, err)
	}
	if err := SetParamValues(backbone.Params(), ParamValues(tr.Model.Backbone.Params())); err != nil {
		return nil, fmt.Errorf("spike counter for run %q: %w", cfg.Name, err)
	}

	g := gorgonia.NewGraph()
	shape := []int{cfg.T * cfg.Batch, tr.Input.C, tr.Input.H, tr.Input.W}
	c.x = gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("spread"), gorgonia.WithInit(gorgonia.Zeroes()))
	if _, err := backbone.Forward(c.x, framework.Pass{Path: framework.Spiking, T: cfg.T}); err != nil {
		return nil, fmt.Errorf("spike counter for run %q: %w", cfg.Name, err)
	}
	c.machine = autograd.NewMachine(g)
	return c, nil
}

func (c *spikeCounter) close() { c.machine.Close() }

// count runs one static batch view [B, C, H, W], repeated over the T
// steps, and returns each sample's total spike count.
func (c *spikeCounter) count(view []float32) ([]float64, error) {
	n := c.batch * c.frame
	if len(view) != n {
		return nil, fmt.Errorf("spike counter: view has %d values, want %d (static images only)", len(view), n)
	}
	input := c.x.Value().Data().([]float32)
	for t := 0; t < c.T; t++ {
		copy(input[t*n:(t+1)*n], view)
	}
	for i := range c.sums {
		c.sums[i] = 0
	}
	c.machine.Reset()
	if err := c.machine.RunAll(); err != nil {
		return nil, fmt.Errorf("spike counter: %w", err)
	}
	return append([]float64(nil), c.sums...), nil
}

// add sums one neuron call's spikes [T, N] per sample. N has the batch as
// its outer factor (N = B·inner), as every backbone lays it out.
func (c *spikeCounter) add(call framework.NeuronCall, out []float32) error {
	N := call.N()
	if N%c.batch != 0 {
		return errors.New("spike counter: a neuron layer's size is not a multiple of the batch")
	}
	inner := N / c.batch
	c.mu.Lock()
	defer c.mu.Unlock()
	for t := 0; t < call.T; t++ {
		step := out[t*N : (t+1)*N]
		for b := 0; b < c.batch; b++ {
			s := 0.0
			for _, v := range step[b*inner : (b+1)*inner] {
				s += float64(v)
			}
			c.sums[b] += s
		}
	}
	return nil
}

// countingNeuron passes every call to the wrapped neuron and adds its
// spiking-path output to the counter.
type countingNeuron struct {
	framework.Neuron
	counter *spikeCounter
}

func (n *countingNeuron) Forward(call framework.NeuronCall, out []float32) error {
	if err := n.Neuron.Forward(call, out); err != nil {
		return err
	}
	if call.Path != framework.Spiking {
		return nil
	}
	return n.counter.add(call, out)
}
