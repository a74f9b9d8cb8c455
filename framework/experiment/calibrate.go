package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/data/loader"
)

// calibrationBatches is how many batches CalibrateBatchNorm runs: with the
// running statistics' momentum of 0.1, the initial values keep a weight of
// 0.9^30 ≈ 4 %.
const calibrationBatches = 30

// CalibrateBatchNorm sets the batch-norm running statistics of an untrained
// model from training images, without changing any weight: it runs the
// spiking path in training mode over a few batches of the evaluation
// transform. Without it, an untrained network evaluates with running means
// of 0 and variances of 1, which leaves deep layers silent and makes the
// random-initialisation baseline weaker than random features are.
func (tr *Trainer) CalibrateBatchNorm(ctx context.Context) error {
	cfg := tr.Config
	ld, err := loader.New(tr.Data.Train, evalTransform(tr.Data), loader.Config{BatchSize: cfg.Batch, Seed: cfg.Seed, Shuffle: true, DropLast: true})
	if err != nil {
		return fmt.Errorf("batch-norm calibration: %w", err)
	}
	g := gorgonia.NewGraph()
	shape := []int{cfg.T * cfg.Batch, tr.Input.C, tr.Input.H, tr.Input.W}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("calibration"), gorgonia.WithInit(gorgonia.Zeroes()))
	if _, err := tr.Model.Backbone.Forward(x, framework.Pass{Path: framework.Spiking, T: cfg.T, Train: true}); err != nil {
		return fmt.Errorf("batch-norm calibration: %w", err)
	}
	m := autograd.NewMachine(g)
	defer m.Close()

	it, err := ld.Epoch(ctx, loader.Position{})
	if err != nil {
		return err
	}
	defer it.Close()
	input := x.Value().Data().([]float32)
	n := cfg.Batch * tr.Input.C * tr.Input.H * tr.Input.W
	for i := 0; i < calibrationBatches; i++ {
		b, err := it.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("batch-norm calibration: %w", err)
		}
		for t := 0; t < cfg.T; t++ {
			copy(input[t*n:(t+1)*n], b.A)
		}
		m.Reset()
		if err := m.RunAll(); err != nil {
			return fmt.Errorf("batch-norm calibration: %w", err)
		}
	}
	return nil
}
