// Package loader turns a dataset and an augmentation into batches, built by
// a pool of goroutines ahead of the training loop.
//
// Batches are reproducible: the epoch's sample order comes from (seed,
// epoch) and each sample's augmentation key from (seed, epoch, sample
// index), so a batch is the same whatever the number of workers and
// whichever worker built it. An epoch can start at any batch, which is how
// a run resumes mid-epoch from a checkpoint's Position.
package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"

	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/data/augment"
)

// PairTransform writes two views of one sample; *augment.Pipeline
// implements it. Pair must be safe for concurrent use and depend only on
// key and src.
type PairTransform interface {
	OutShape(in data.Shape) data.Shape
	Pair(key uint64, src data.Image, dstA, dstB []float32) error
}

// Transform writes one view of one sample; augment.Eval and
// *augment.Pipeline implement it. Apply must be safe for concurrent use and
// depend only on key and src.
type Transform interface {
	OutShape(in data.Shape) data.Shape
	Apply(key uint64, src data.Image, dst []float32) error
}

// Config sets how batches are built.
type Config struct {
	BatchSize int   // samples per batch, > 0
	Workers   int   // goroutines building batches; 0 means GOMAXPROCS
	Prefetch  int   // batches built ahead of the consumer; 0 means 2 × Workers
	Seed      int64 // seeds the sample order and every augmentation
	Shuffle   bool  // permute the samples each epoch; false keeps index order
	DropLast  bool  // skip the final batch when it would be smaller than BatchSize
}

// Position is a point in training: the next batch to deliver is batch
// Batch of epoch Epoch. Store it in a checkpoint to resume mid-epoch.
type Position struct {
	Epoch, Batch int
}

// Batch is one batch. A (and B for two-view loaders) hold Size samples of
// shape Shape one after another: layout [B, T, C, H, W], or [B, C, H, W]
// for images (T = 1). Labels and Indices (positions in the dataset) have
// length Size.
type Batch struct {
	Position
	Shape   data.Shape
	Size    int
	A, B    []float32
	Labels  []int
	Indices []int
}

// Next returns the position that follows this batch; save it to resume
// after it.
func (b *Batch) Next(numBatches int) Position {
	if b.Batch+1 >= numBatches {
		return Position{Epoch: b.Epoch + 1}
	}
	return Position{Epoch: b.Epoch, Batch: b.Batch + 1}
}

// Loader builds batches of a dataset.
type Loader struct {
	ds     data.Dataset
	pair   PairTransform
	single Transform
	cfg    Config
	out    data.Shape
}

// validator is implemented by transforms that can check themselves against
// an input shape, such as *augment.Pipeline.
type validator interface{ Validate(in data.Shape) error }

// NewPairs returns a loader of two-view batches for self-supervised
// training.
func NewPairs(ds data.Dataset, t PairTransform, cfg Config) (*Loader, error) {
	if t == nil {
		return nil, errors.New("loader: nil pair transform: pass an *augment.Pipeline")
	}
	return newLoader(ds, t, nil, cfg)
}

// New returns a loader of single-view batches. A nil transform delivers the
// samples unchanged.
func New(ds data.Dataset, t Transform, cfg Config) (*Loader, error) {
	return newLoader(ds, nil, t, cfg)
}

func newLoader(ds data.Dataset, pair PairTransform, single Transform, cfg Config) (*Loader, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, errors.New("loader: the dataset is empty")
	}
	if cfg.BatchSize <= 0 {
		return nil, fmt.Errorf("loader: BatchSize %d must be positive", cfg.BatchSize)
	}
	if cfg.Workers < 0 || cfg.Prefetch < 0 {
		return nil, fmt.Errorf("loader: Workers %d and Prefetch %d must not be negative (0 picks a default)", cfg.Workers, cfg.Prefetch)
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Prefetch == 0 {
		cfg.Prefetch = 2 * cfg.Workers
	}
	if cfg.DropLast && ds.Len() < cfg.BatchSize {
		return nil, fmt.Errorf("loader: DropLast with BatchSize %d leaves no batch of a %d-sample dataset: lower the batch size", cfg.BatchSize, ds.Len())
	}

	l := &Loader{ds: ds, pair: pair, single: single, cfg: cfg, out: ds.Shape()}
	var t any
	switch {
	case pair != nil:
		l.out, t = pair.OutShape(ds.Shape()), pair
	case single != nil:
		l.out, t = single.OutShape(ds.Shape()), single
	}
	if v, ok := t.(validator); ok {
		if err := v.Validate(ds.Shape()); err != nil {
			return nil, fmt.Errorf("loader: %w", err)
		}
	}
	return l, nil
}

// OutShape returns the shape of one sample of a batch.
func (l *Loader) OutShape() data.Shape { return l.out }

// NumBatches returns the number of batches per epoch.
func (l *Loader) NumBatches() int {
	n := l.ds.Len()
	if l.cfg.DropLast {
		return n / l.cfg.BatchSize
	}
	return (n + l.cfg.BatchSize - 1) / l.cfg.BatchSize
}

// Order returns the sample order of an epoch: a permutation drawn from
// (Seed, epoch) when Shuffle is set, else 0 … Len-1.
func (l *Loader) Order(epoch int) []int {
	n := l.ds.Len()
	if !l.cfg.Shuffle {
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		return order
	}
	rng := rand.New(rand.NewPCG(uint64(l.cfg.Seed), uint64(epoch)^0x0de7))
	return rng.Perm(n)
}

// Iterator delivers the batches of one epoch in order. Close it when done
// early; it is not safe for concurrent use.
type Iterator struct {
	ctx    context.Context
	order  chan chan result
	cancel context.CancelFunc
	done   bool
}

type result struct {
	batch *Batch
	err   error
}

// Epoch starts building the batches of pos.Epoch from batch pos.Batch on.
// Cancelling ctx stops the workers.
func (l *Loader) Epoch(ctx context.Context, pos Position) (*Iterator, error) {
	nb := l.NumBatches()
	if pos.Epoch < 0 || pos.Batch < 0 || pos.Batch > nb {
		return nil, fmt.Errorf("loader: position epoch %d batch %d is outside 0…%d batches per epoch: resume from a position this loader produced", pos.Epoch, pos.Batch, nb)
	}
	ctx, cancel := context.WithCancel(ctx)
	it := &Iterator{ctx: ctx, order: make(chan chan result, l.cfg.Prefetch), cancel: cancel}
	perm := l.Order(pos.Epoch)

	type job struct {
		batch int
		out   chan result
	}
	jobs := make(chan job)
	for range l.cfg.Workers {
		go func() {
			for j := range jobs {
				b, err := l.build(perm, pos.Epoch, j.batch)
				j.out <- result{b, err}
			}
		}()
	}
	// The feeder hands out batches in order; the bounded order channel
	// keeps at most Prefetch batches in flight or waiting.
	go func() {
		defer close(it.order)
		defer close(jobs)
		for b := pos.Batch; b < nb; b++ {
			out := make(chan result, 1)
			select {
			case it.order <- out:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{b, out}:
			case <-ctx.Done():
				out <- result{err: ctx.Err()}
				return
			}
		}
	}()
	return it, nil
}

// Next returns the next batch, or io.EOF after the last batch of the
// epoch. After an error other than io.EOF the iterator is finished.
func (it *Iterator) Next() (*Batch, error) {
	if it.done {
		return nil, io.EOF
	}
	out, ok := <-it.order
	if !ok {
		// The feeder also stops early when the caller's context ends;
		// report that rather than a normal end of epoch.
		err := it.ctx.Err()
		it.Close()
		if err != nil {
			return nil, fmt.Errorf("loader: epoch stopped early: %w", err)
		}
		return nil, io.EOF
	}
	r := <-out
	if r.err != nil {
		it.Close()
		if errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("loader: epoch stopped early: %w", r.err)
		}
		return nil, r.err
	}
	return r.batch, nil
}

// Close stops building batches.
func (it *Iterator) Close() {
	it.done = true
	it.cancel()
}

// build assembles batch b of an epoch from the samples perm[b·BatchSize:].
func (l *Loader) build(perm []int, epoch, b int) (*Batch, error) {
	start := b * l.cfg.BatchSize
	end := min(start+l.cfg.BatchSize, len(perm))
	size := end - start
	sampleSize := l.out.Size()

	batch := &Batch{
		Position: Position{Epoch: epoch, Batch: b},
		Shape:    l.out,
		Size:     size,
		A:        make([]float32, size*sampleSize),
		Labels:   make([]int, size),
		Indices:  append([]int(nil), perm[start:end]...),
	}
	if l.pair != nil {
		batch.B = make([]float32, size*sampleSize)
	}

	in := l.ds.Shape()
	src := data.NewImage(in)
	for k, idx := range batch.Indices {
		batch.Labels[k] = l.ds.Label(idx)
		dstA := batch.A[k*sampleSize : (k+1)*sampleSize]
		if l.pair == nil && l.single == nil {
			if err := l.ds.Sample(idx, dstA); err != nil {
				return nil, fmt.Errorf("loader: sample %d: %w", idx, err)
			}
			continue
		}
		if err := l.ds.Sample(idx, src.Pix); err != nil {
			return nil, fmt.Errorf("loader: sample %d: %w", idx, err)
		}
		key := augment.SampleKey(l.cfg.Seed, epoch, idx)
		var err error
		if l.pair != nil {
			err = l.pair.Pair(key, src, dstA, batch.B[k*sampleSize:(k+1)*sampleSize])
		} else {
			err = l.single.Apply(key, src, dstA)
		}
		if err != nil {
			return nil, fmt.Errorf("loader: sample %d: %w", idx, err)
		}
	}
	return batch, nil
}
