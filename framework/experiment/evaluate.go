package experiment

import (
	"context"
	"fmt"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/infer"
)

// FeatureOptions selects what Features extracts.
type FeatureOptions struct {
	Limit   int  // at most this many samples, class-balanced; 0 = the whole split
	PerStep bool // also keep the features of every time step
	Spikes  bool // record spike rates per layer and time step into the trainer's recorder
	Batch   int  // batch size of the extraction graph; 0 = the run's batch

	// Counts, when set and the event-driven engine ran, receives its
	// measured spikes and operations over the extracted samples. It is
	// left unchanged when the graph ran.
	Counts *infer.Counts
}

// Features extracts the spiking-path representation (the backbone's pooled
// output averaged over the T steps, batch-norm in evaluation mode) of the
// training split (train true) or the test split. It runs the event-driven
// engine (package infer) when the backbone can describe its layers and the
// engine supports its neuron. It runs the gorgonia graph otherwise, and
// when opts.Spikes requests the recorder, which wraps the graph's neurons. The
// two agree up to float32 rounding, which can flip a spike whose membrane
// potential sits within rounding of the threshold.
func (tr *Trainer) Features(ctx context.Context, train bool, opts FeatureOptions, progress func(done, total int)) (eval.Features, error) {
	ds := tr.Data.Test
	if train {
		ds = tr.Data.Train
	}
	ds, err := limit(ds, opts.Limit)
	if err != nil {
		return eval.Features{}, err
	}
	batch := opts.Batch
	if batch == 0 {
		batch = tr.Config.Batch
	}
	if batch > ds.Len() {
		batch = ds.Len()
	}
	extract := eval.ExtractOptions{
		Transform: evalTransform(tr.Data),
		T:         tr.Config.T,
		Batch:     batch,
		PerStep:   opts.PerStep,
		Progress:  progress,
	}
	if engine := tr.eventEngine(); engine != nil && !opts.Spikes {
		f, err := infer.Extract(ctx, engine, ds, infer.ExtractOptions{
			Transform: extract.Transform, Batch: batch, PerStep: opts.PerStep, Progress: progress,
		})
		if err == nil && opts.Counts != nil {
			*opts.Counts = engine.Counts()
		}
		return f, err
	}
	if opts.Spikes {
		tr.Spikes.Reset()
		extract.Spikes = tr.Spikes
	}
	return eval.Extract(ctx, tr.Model.Backbone, ds, extract)
}

// eventEngine compiles the backbone's current weights for the event-driven
// engine, or returns nil when the backbone or its neuron is not supported.
//
// NOTE: any compile error, not only an unsupported backbone or neuron,
// returns nil, so the graph runs instead without a word. The features stay
// right, but a bug in the engine would only show as lost speed.
func (tr *Trainer) eventEngine() *infer.Engine {
	net, err := framework.DescribeBackbone(tr.Model.Backbone, tr.Config.Neuron, tr.Config.NeuronOptions, tr.Config.T)
	if err != nil {
		return nil
	}
	engine, err := infer.Compile(net)
	if err != nil {
		return nil
	}
	return engine
}

// LinearEval extracts features once and trains a linear classifier on the
// training features, returning its accuracy on the test features.
func (tr *Trainer) LinearEval(ctx context.Context, opts eval.LinearOptions, progress func(done, total int)) (eval.Result, error) {
	trainF, err := tr.Features(ctx, true, FeatureOptions{}, progress)
	if err != nil {
		return eval.Result{}, fmt.Errorf("linear evaluation: training features: %w", err)
	}
	testF, err := tr.Features(ctx, false, FeatureOptions{}, progress)
	if err != nil {
		return eval.Result{}, fmt.Errorf("linear evaluation: test features: %w", err)
	}
	return eval.LinearEval(ctx, trainF, testF, opts)
}

// KNN extracts features of at most trainLimit training and testLimit test
// samples and classifies the test ones by their nearest training ones.
func (tr *Trainer) KNN(ctx context.Context, trainLimit, testLimit int, opts eval.KNNOptions) (eval.Result, error) {
	trainF, err := tr.Features(ctx, true, FeatureOptions{Limit: trainLimit}, nil)
	if err != nil {
		return eval.Result{}, fmt.Errorf("k-NN: training features: %w", err)
	}
	testF, err := tr.Features(ctx, false, FeatureOptions{Limit: testLimit}, nil)
	if err != nil {
		return eval.Result{}, fmt.Errorf("k-NN: test features: %w", err)
	}
	if opts.K > trainF.N {
		opts.K = trainF.N
	}
	return eval.KNN(ctx, trainF, testF, opts)
}

// FineTune trains the whole network with a linear classifier on a
// class-balanced fraction of the training labels (fraction 1 uses them
// all) and returns the test accuracy. With augment set, training images
// get a random resized crop and a flip; otherwise they are only
// normalised. It changes the model's weights; callers that keep using the
// pretrained model save and restore them.
func (tr *Trainer) FineTune(ctx context.Context, fraction float64, augment bool, opts eval.FineTuneOptions) (eval.Result, error) {
	if fraction <= 0 || fraction > 1 {
		return eval.Result{}, fmt.Errorf("fine-tuning: label fraction %v is out of range; valid range is (0, 1]", fraction)
	}
	indices := make([]int, tr.Data.Train.Len())
	for i := range indices {
		indices[i] = i
	}
	if fraction < 1 {
		indices = data.BalancedSubset(data.Labels(tr.Data.Train), fraction, tr.Config.Seed)
	}
	opts.T = tr.Config.T
	opts.TestTransform = evalTransform(tr.Data)
	opts.Transform = evalTransform(tr.Data)
	if augment {
		opts.Transform = labelledTransform(tr.Data)
	}
	res, _, err := eval.FineTune(ctx, tr.Model.Backbone, tr.Data.Train, indices, tr.Data.Test, opts)
	return res, err
}
