package lab

import (
	"fmt"

	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/experiment"
	"github.com/snnlab/snnlab/framework/records"
	"github.com/snnlab/snnlab/framework/records/atomicfile"
)

func writeFileAtomic(path string, data []byte) error { return atomicfile.WriteFile(path, data) }

// linearKey is what identifies a linear evaluation for the result cache.
type linearKey struct {
	Epochs      int
	Batch       int
	LR          float64
	WeightDecay float64
	Standardize bool
	Seed        int64
}

// LinearEval extracts the frozen spiking-path features of the training and
// test sets once and trains a linear classifier on them. The result is
// stored in the run folder and reused by later calls with the same options.
func (m *Model) LinearEval(opts LinearOptions) (Result, error) {
	key := linearKey{opts.Epochs, opts.Batch, opts.LR, opts.WeightDecay, opts.Standardize, opts.Seed}
	return m.cached("linear", key, func() (Result, error) {
		settings.Log.Info().Str("run", m.run.ID()).Int("epochs", opts.Epochs).Msg("linear evaluation")
		opts.Log = settings.Log
		p := m.progress("features")
		res, err := m.trainer.LinearEval(settings.Context, opts, p)
		if err != nil {
			return Result{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
		}
		settings.Log.Info().Str("run", m.run.ID()).Float64("top1", res.Top1).Msg("linear evaluation done")
		return res, nil
	})
}

// KNN classifies the test set by the k nearest training features under
// cosine similarity, with temperature-weighted votes.
func (m *Model) KNN(k int) (Result, error) {
	return m.cached("knn", map[string]int{"k": k}, func() (Result, error) {
		return m.trainer.KNN(settings.Context, 0, 0, eval.KNNOptions{K: k, Temperature: 0.1})
	})
}

// fineTuneKey identifies a fine-tuning run for the result cache.
type fineTuneKey struct {
	Augment                             bool
	Fraction                            float64
	Epochs, Batch                       int
	BackboneLR, HeadLR, Momentum, Decay float64
	Seed                                int64
}

// FineTune trains the whole pretrained network with a linear classifier on
// a class-balanced fraction of the training labels (0.01 and 0.1 in the
// method) and returns its test accuracy. The pretrained weights are
// restored afterwards, so the model stays usable for other evaluations.
// Training images are only normalised; FineTuneAugmented adds a random
// resized crop and a flip.
func (m *Model) FineTune(fraction float64, opts FineTuneOptions) (Result, error) {
	return m.fineTune(fraction, false, opts)
}

// FineTuneAugmented is FineTune with a random resized crop and a
// horizontal flip on every training image.
func (m *Model) FineTuneAugmented(fraction float64, opts FineTuneOptions) (Result, error) {
	return m.fineTune(fraction, true, opts)
}

func (m *Model) fineTune(fraction float64, augment bool, opts FineTuneOptions) (Result, error) {
	key := fineTuneKey{augment, fraction, opts.Epochs, opts.Batch, opts.BackboneLR, opts.HeadLR, opts.Momentum, opts.WeightDecay, opts.Seed}
	return m.cached("finetune", key, func() (Result, error) {
		saved := records.ParamsFrom(m.trainer.Model.Params())
		defer func() {
			if err := records.RestoreParams(m.trainer.Model.Params(), saved); err != nil {
				settings.Log.Error().Err(err).Msg("restoring pretrained weights after fine-tuning")
			}
		}()
		settings.Log.Info().Str("run", m.run.ID()).Float64("fraction", fraction).Int("epochs", opts.Epochs).Msg("fine-tuning")
		opts.Log = settings.Log
		return m.trainer.FineTune(settings.Context, fraction, augment, opts)
	})
}

// Supervised trains the architecture cfg describes from its random
// initialisation with every training label, each image with a random
// resized crop and a flip, and returns its test accuracy: the supervised
// baseline. cfg's pretraining fields (loss, epochs) are ignored apart from
// naming the run.
func Supervised(cfg Config, opts FineTuneOptions) (Result, error) {
	base := cfg
	base.Epochs = 0
	m, err := Pretrain(base)
	if err != nil {
		return Result{}, err
	}
	return m.FineTuneAugmented(1, opts)
}

// LayerRate is the spike rate of one neuron layer per time step.
type LayerRate = eval.LayerRates

// SpikeRates runs the spiking path over at most limit test samples (0 for
// all) and returns every neuron layer's mean spike rate per time step.
func (m *Model) SpikeRates(limit int) ([]LayerRate, error) {
	if _, err := m.trainer.Features(settings.Context, false, experiment.FeatureOptions{Limit: limit, Spikes: true}, nil); err != nil {
		return nil, err
	}
	return m.trainer.Spikes.Rates(), nil
}

// Features returns the spiking-path features of the test split (train
// false) or the training split, at most limit samples (0 for all), with
// the per-time-step features when perStep is set.
func (m *Model) Features(train bool, limit int, perStep bool) (eval.Features, error) {
	return m.trainer.Features(settings.Context, train, experiment.FeatureOptions{Limit: limit, PerStep: perStep}, m.progress("features"))
}

// progress returns a progress callback that draws on the terminal. A
// callback may serve several passes in turn (training then test features),
// so a new report starts whenever the total changes or the count restarts.
func (m *Model) progress(label string) func(done, total int) {
	var p *records.Progress
	lastTotal, lastDone := -1, 0
	return func(done, total int) {
		if p == nil || total != lastTotal || done < lastDone {
			lastTotal = total
			log := settings.Log
			p = records.NewProgress(label+" "+m.Config.Name, int64(total), records.ProgressOptions{Unit: "img", Logger: &log, Terminal: settings.Progress})
		}
		lastDone = done
		p.Set(int64(done))
		if done >= total {
			p.Finish()
		}
	}
}
