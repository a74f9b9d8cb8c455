package eval

import (
	"context"
	"errors"
	"fmt"
	"io"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/data/loader"
)

// ExtractOptions sets how Extract runs.
type ExtractOptions struct {
	// Transform maps each sample before the backbone, for example an
	// augment.Eval that resizes and normalises; nil passes samples unchanged.
	Transform loader.Transform

	// T is the number of time steps. A static sample (data T = 1) is
	// repeated over the T steps (direct encoding); an event sample must have
	// exactly T frames, and frame t feeds step t.
	T int

	// Batch is the batch size the graph is compiled for. The last partial
	// batch is padded with zeros and the padded rows are discarded. In
	// evaluation mode every sample's features are independent of the
	// others in its batch, so the result does not depend on Batch.
	Batch int

	// PerStep also records the features of every time step in
	// Features.PerStep, [T, N, F].
	PerStep bool

	// Spikes, when set, records the spike rate of every neuron layer the
	// recorder wraps, per time step, over the real (unpadded) samples. It
	// is reset at the start of the call.
	Spikes *SpikeRecorder

	// Workers is the number of goroutines preparing batches; 0 means
	// GOMAXPROCS.
	Workers int

	// Progress, when set, is called after each batch with the number of
	// samples done and the total.
	Progress func(done, total int)
}

// ExtractFeatures runs the spiking path of model in evaluation mode
// (batch-norm running statistics) over ds in index order and returns the
// representation: the backbone's pooled output averaged over the T steps,
// [N, F] float32, with the labels. It is Extract without per-step features
// or spike rates.
func ExtractFeatures(ctx context.Context, model framework.Backbone, ds data.Dataset, transform loader.Transform, T, batch int, progress func(done, total int)) (Features, error) {
	return Extract(ctx, model, ds, ExtractOptions{Transform: transform, T: T, Batch: batch, Progress: progress})
}

// Extract runs the spiking path of model in evaluation mode over ds in
// index order, with one gorgonia graph compiled for opts.Batch samples, and
// returns the features described by ExtractOptions. It does not change the
// model's parameters or batch-norm statistics.
func Extract(ctx context.Context, model framework.Backbone, ds data.Dataset, opts ExtractOptions) (Features, error) {
	if model == nil {
		return Features{}, errors.New("extract features: nil backbone")
	}
	if ds == nil || ds.Len() == 0 {
		return Features{}, errors.New("extract features: the dataset is empty: pass a dataset with at least one sample")
	}
	if opts.T < 1 {
		return Features{}, fmt.Errorf("extract features: T = %d, want at least 1 time step", opts.T)
	}
	if opts.Batch < 1 {
		return Features{}, fmt.Errorf("extract features: batch size %d, want at least 1", opts.Batch)
	}
	ld, err := loader.New(ds, opts.Transform, loader.Config{BatchSize: opts.Batch, Workers: opts.Workers})
	if err != nil {
		return Features{}, fmt.Errorf("extract features: %w", err)
	}
	shape := ld.OutShape()
	if err := checkFrames(shape, opts.T); err != nil {
		return Features{}, fmt.Errorf("extract features: %w", err)
	}

	run, err := newForward(model, shape, opts.T, opts.Batch)
	if err != nil {
		return Features{}, fmt.Errorf("extract features: %w", err)
	}
	defer run.close()

	N, F := ds.Len(), model.FeatureDim()
	out := Features{N: N, F: F, T: opts.T, Data: make([]float32, N*F), Labels: make([]int, N)}
	if opts.PerStep {
		out.PerStep = make([]float32, opts.T*N*F)
	}
	if opts.Spikes != nil {
		opts.Spikes.Reset()
		opts.Spikes.start(opts.Batch)
		defer opts.Spikes.stop()
	}

	it, err := ld.Epoch(ctx, loader.Position{})
	if err != nil {
		return Features{}, fmt.Errorf("extract features: %w", err)
	}
	defer it.Close()
	done := 0
	for {
		b, err := it.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Features{}, fmt.Errorf("extract features at sample %d of %d: %w", done, N, err)
		}
		if opts.Spikes != nil {
			opts.Spikes.setValid(b.Size)
		}
		steps, err := run.features(b)
		if err != nil {
			return Features{}, fmt.Errorf("extract features at sample %d of %d: %w", done, N, err)
		}
		out.Store(steps, b, opts.Batch)
		done += b.Size
		if opts.Progress != nil {
			opts.Progress(done, N)
		}
	}
	if done != N {
		return Features{}, fmt.Errorf("extract features: the loader delivered %d of %d samples", done, N)
	}
	return out, nil
}

// Store averages the per-step output [T·B, F] of one batch over T and
// writes its first b.Size rows at the samples' positions, keeping the
// per-step rows too when f.PerStep is set. B is the batch size steps was
// computed for, at least b.Size.
func (f *Features) Store(steps []float32, b *loader.Batch, B int) {
	T, F := f.T, f.F
	inv := 1 / float32(T)
	for k, idx := range b.Indices[:b.Size] {
		row := f.Data[idx*F : (idx+1)*F]
		for t := 0; t < T; t++ {
			src := steps[(t*B+k)*F : (t*B+k+1)*F]
			for j, v := range src {
				row[j] += v
			}
			if f.PerStep != nil {
				copy(f.PerStep[(t*f.N+idx)*F:(t*f.N+idx+1)*F], src)
			}
		}
		for j := range row {
			row[j] *= inv
		}
		f.Labels[idx] = b.Labels[k]
	}
}

// checkFrames accepts a static sample shape (T = 1) or an event sample
// with exactly T frames.
func checkFrames(s data.Shape, T int) error {
	if s.T != 1 && s.T != T {
		return fmt.Errorf("samples of shape %v have %d frames but the network runs T = %d steps: use T = %d, or frames from a static image (1 frame)", s, s.T, T, s.T)
	}
	return nil
}

// fillInput writes size samples of shape s (layout [B, T_s, C, H, W]) into
// the time-folded input x [T·B, C, H, W]: row t·B+b gets frame t of sample b,
// or its only frame when T_s is 1. Rows of samples b ≥ size are zeroed.
func fillInput(x, samples []float32, s data.Shape, size, T, B int) {
	frame := s.C * s.H * s.W
	for t := 0; t < T; t++ {
		for b := 0; b < B; b++ {
			dst := x[(t*B+b)*frame : (t*B+b+1)*frame]
			if b >= size {
				clear(dst)
				continue
			}
			src := t
			if s.T == 1 {
				src = 0
			}
			off := (b*s.T + src) * frame
			copy(dst, samples[off:off+frame])
		}
	}
}

// forwardRun is a compiled evaluation-mode pass of the spiking path for a
// fixed batch size.
type forwardRun struct {
	shape   data.Shape
	T, B, F int
	machine gorgonia.VM
	x       *gorgonia.Node
	read    gorgonia.Value
}

func newForward(model framework.Backbone, s data.Shape, T, B int) (*forwardRun, error) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(T*B, s.C, s.H, s.W), gorgonia.WithName("input"), gorgonia.WithInit(gorgonia.Zeroes()))
	y, err := model.Forward(x, framework.Pass{Path: framework.Spiking, T: T, Train: false})
	if err != nil {
		return nil, fmt.Errorf("backbone, spiking path: %w", err)
	}
	F := model.FeatureDim()
	if want := (tensor.Shape{T * B, F}); !y.Shape().Eq(want) {
		return nil, fmt.Errorf("backbone output has shape %v, want [T·B, F] = %v", y.Shape(), want)
	}
	r := &forwardRun{shape: s, T: T, B: B, F: F, x: x}
	gorgonia.Read(y, &r.read)
	r.machine = autograd.NewMachine(g)
	return r, nil
}

// features runs one batch and returns the backbone output [T·B, F]; the
// slice is valid until the next call.
func (r *forwardRun) features(b *loader.Batch) ([]float32, error) {
	if b.Size > r.B {
		return nil, fmt.Errorf("batch of %d samples does not fit the graph's %d", b.Size, r.B)
	}
	fillInput(r.x.Value().Data().([]float32), b.A, r.shape, b.Size, r.T, r.B)
	r.machine.Reset()
	if err := r.machine.RunAll(); err != nil {
		return nil, err
	}
	return r.read.Data().([]float32), nil
}

func (r *forwardRun) close() { r.machine.Close() }
