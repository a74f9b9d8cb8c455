package infer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/data/loader"
	"github.com/snnlab/snnlab/framework/eval"
)

// ExtractOptions sets how Extract runs.
type ExtractOptions struct {
	// Transform maps each sample before the network, as in
	// eval.ExtractOptions; nil passes samples unchanged.
	Transform loader.Transform
	Batch     int  // images per engine run
	PerStep   bool // also keep the features of every step in Features.PerStep
	Workers   int  // goroutines preparing batches; 0 means GOMAXPROCS
	Progress  func(done, total int)
}

// Extract runs the engine over ds in index order and returns the features
// in the form eval.Extract gives them: the pooled output averaged over the
// T steps, [N, F], with the labels, and per step [T, N, F] on request.
// Static samples (one frame) are presented at every step; event samples
// must have T frames. The engine's counts keep accumulating.
func Extract(ctx context.Context, e *Engine, ds data.Dataset, opts ExtractOptions) (eval.Features, error) {
	if ds == nil || ds.Len() == 0 {
		return eval.Features{}, errors.New("event-driven features: the dataset is empty: pass a dataset with at least one sample")
	}
	if opts.Batch < 1 {
		return eval.Features{}, fmt.Errorf("event-driven features: batch size %d, want at least 1", opts.Batch)
	}
	ld, err := loader.New(ds, opts.Transform, loader.Config{BatchSize: opts.Batch, Workers: opts.Workers})
	if err != nil {
		return eval.Features{}, fmt.Errorf("event-driven features: %w", err)
	}
	s := ld.OutShape()
	c, h, w := e.Input()
	if s.C != c || s.H != h || s.W != w {
		return eval.Features{}, fmt.Errorf("event-driven features: samples are [C=%d, H=%d, W=%d] but the network was described for [C=%d, H=%d, W=%d]", s.C, s.H, s.W, c, h, w)
	}
	if s.T != 1 && s.T != e.T {
		return eval.Features{}, fmt.Errorf("event-driven features: samples of shape %v have %d frames but the network runs T = %d steps: use T = %d, or frames from a static image (1 frame)", s, s.T, e.T, s.T)
	}
	N, F, T := ds.Len(), e.FeatureDim(), e.T
	res := eval.Features{N: N, F: F, T: T, Data: make([]float32, N*F), Labels: make([]int, N)}
	if opts.PerStep {
		res.PerStep = make([]float32, T*N*F)
	}
	out := make([]float32, T*opts.Batch*F)
	it, err := ld.Epoch(ctx, loader.Position{})
	if err != nil {
		return eval.Features{}, fmt.Errorf("event-driven features: %w", err)
	}
	defer it.Close()
	done := 0
	for {
		b, err := it.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return eval.Features{}, fmt.Errorf("event-driven features at sample %d of %d: %w", done, N, err)
		}
		B := b.Size
		x := b.A[:B*s.T*c*h*w]
		steps := out[:T*B*F]
		if s.T == 1 {
			err = e.Run(x, B, steps)
		} else {
			err = e.RunFrames(x, B, steps)
		}
		if err != nil {
			return eval.Features{}, fmt.Errorf("event-driven features at sample %d of %d: %w", done, N, err)
		}
		res.Store(steps, b, b.Size)
		done += B
		if opts.Progress != nil {
			opts.Progress(done, N)
		}
	}
	if done != N {
		return eval.Features{}, fmt.Errorf("event-driven features: the loader delivered %d of %d samples", done, N)
	}
	return res, nil
}
