package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/data/loader"
	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/optim"
	"github.com/snnlab/snnlab/framework/train"
)

// ErrInterrupted is returned when the context is cancelled during training.
// The last checkpoint is intact and the run resumes from it.
var ErrInterrupted = errors.New("interrupted; the last checkpoint is intact, rerun with --resume to continue")

// State is the content of a pretraining checkpoint: everything needed to
// continue and end with the same weights as an uninterrupted run.
type State struct {
	Params    map[string][]float32 // every parameter and buffer by name
	Optimizer map[string][]float32
	Next      loader.Position // next batch to train on
	Step      int             // optimiser steps taken
	History   History

	// Running sums of the epoch in progress, so that a resumed epoch
	// reports the same mean loss as an uninterrupted one.
	EpochLossSum float64
	EpochBatches int
	EpochMinStd  float64
	EpochSeconds float64
}

// History is the per-epoch record of a pretraining run.
type History struct {
	Loss      []float64 `json:"loss"`       // mean training loss per epoch
	KNN       []float64 `json:"knn"`        // k-NN top-1 per monitored epoch, NaN when not run
	MinStd    []float64 `json:"min_std"`    // smallest per-dimension std of Z_A over the epoch's last batch
	EpochTime []float64 `json:"epoch_time"` // seconds per epoch
}

// Checkpointer stores and restores pretraining state; the run record
// implements it.
type Checkpointer interface {
	SaveState(State) error
	LoadState() (State, bool, error)
}

// Monitor is called at the end of each epoch with the trained model; it
// returns the k-NN accuracy, or NaN when it skips the epoch.
type Monitor func(ctx context.Context, epoch int, model *train.Model) (float64, error)

// Hooks are the optional observers of a pretraining run.
type Hooks struct {
	Checkpoint      Checkpointer
	CheckpointEvery time.Duration // also checkpoint mid-epoch this often; 0 = epoch ends only
	Monitor         Monitor
	Progress        func(epoch, batch, batches int, loss float64)
	// Log receives what the run reports; it should carry the fields that
	// identify the run, which the trainer does not add again.
	Log zerolog.Logger
}

// Trainer holds what a pretraining run builds from its config.
type Trainer struct {
	Config Config
	Data   *Datasets
	Model  *train.Model
	Input  framework.InputShape
	Spikes *eval.SpikeRecorder // spike rates of every neuron layer, filled by evaluation passes
	loader *loader.Loader
}

// NewTrainer resolves nothing itself: cfg must come from Config.Resolve.
func NewTrainer(cfg Config, ds *Datasets) (*Trainer, error) {
	pipeline := pairPipeline(cfg, ds)
	ld, err := loader.NewPairs(ds.Train, &pipeline, loader.Config{
		BatchSize: cfg.Batch, Seed: cfg.Seed, Shuffle: true, DropLast: true,
	})
	if err != nil {
		return nil, fmt.Errorf("run %q: %w", cfg.Name, err)
	}
	out := ld.OutShape()
	input := framework.InputShape{C: out.C, H: out.H, W: out.W}
	spikes := eval.NewSpikeRecorder()
	model, err := NewModel(cfg, input, spikes)
	if err != nil {
		return nil, fmt.Errorf("run %q: %w", cfg.Name, err)
	}
	return &Trainer{Config: cfg, Data: ds, Model: model, Input: input, Spikes: spikes, loader: ld}, nil
}

// Pretrain runs the configured number of epochs of dual-path training,
// continuing from the checkpoint when one exists. It returns the history of
// all epochs, including those before a resume.
func (tr *Trainer) Pretrain(ctx context.Context, hooks Hooks) (History, error) {
	cfg := tr.Config
	log := hooks.Log
	if cfg.Epochs == 0 {
		log.Info().Msg("epochs is 0: the backbone keeps its random weights; calibrating batch-norm statistics only")
		return History{}, tr.CalibrateBatchNorm(ctx)
	}

	loss, err := framework.NewLoss(cfg.Loss, cfg.LossOptions)
	if err != nil {
		return History{}, err
	}
	step, err := train.NewDualPath(tr.Model, loss, train.StepConfig{T: cfg.T, Batch: cfg.Batch, Input: tr.Input, PathB: cfg.pathB()})
	if err != nil {
		return History{}, err
	}
	defer step.Close()

	opt, err := newOptimizer(cfg)
	if err != nil {
		return History{}, err
	}
	batches := tr.loader.NumBatches()
	total := cfg.Epochs * batches
	schedule, err := optim.NewWarmupCosine(cfg.LR, cfg.FinalLR, cfg.WarmupEpochs*batches, total)
	if err != nil {
		return History{}, err
	}

	state := State{History: History{}}
	if hooks.Checkpoint != nil {
		saved, ok, err := hooks.Checkpoint.LoadState()
		if err != nil {
			return History{}, err
		}
		if ok {
			if err := tr.restore(saved, opt); err != nil {
				return History{}, err
			}
			state = saved
			log.Info().Int("epoch", saved.Next.Epoch).Int("batch", saved.Next.Batch).Msg("resuming from checkpoint")
		}
	}

	lastSave := time.Now()
	for state.Next.Epoch < cfg.Epochs {
		epoch := state.Next.Epoch
		start := time.Now()
		it, err := tr.loader.Epoch(ctx, state.Next)
		if err != nil {
			return state.History, err
		}
		if state.Next.Batch == 0 {
			state.EpochLossSum, state.EpochBatches, state.EpochMinStd, state.EpochSeconds = 0, 0, math.Inf(1), 0
		}
		elapsed := state.EpochSeconds
		for {
			b, err := it.Next()
			if err != nil {
				it.Close()
				if errors.Is(err, context.Canceled) || ctx.Err() != nil {
					return state.History, ErrInterrupted
				}
				if isEnd(err) {
					break
				}
				return state.History, err
			}
			l, err := step.Step(b.A, b.B, opt, schedule.LR(state.Step))
			if err != nil {
				it.Close()
				return state.History, fmt.Errorf("epoch %d, batch %d: %w", epoch, b.Batch, err)
			}
			state.Step++
			state.Next = b.Next(batches)
			state.EpochLossSum += l
			state.EpochBatches++
			state.EpochSeconds = elapsed + time.Since(start).Seconds()
			if hooks.Progress != nil {
				hooks.Progress(epoch, b.Batch, batches, l)
			}
			// The collapse monitor reads the embeddings of the epoch's last
			// batch, the state the next epoch starts from.
			if state.Next.Epoch != epoch {
				zA, _ := step.Embeddings()
				state.EpochMinStd = math.Min(state.EpochMinStd, minDimStd(zA))
			}
			if ctx.Err() != nil {
				it.Close()
				if err := tr.save(hooks, &state, opt); err != nil {
					return state.History, err
				}
				return state.History, ErrInterrupted
			}
			if hooks.CheckpointEvery > 0 && time.Since(lastSave) > hooks.CheckpointEvery && state.Next.Epoch == epoch {
				if err := tr.save(hooks, &state, opt); err != nil {
					return state.History, err
				}
				lastSave = time.Now()
			}
			if state.Next.Epoch != epoch {
				break
			}
		}
		it.Close()

		meanLoss := math.NaN()
		if state.EpochBatches > 0 {
			meanLoss = state.EpochLossSum / float64(state.EpochBatches)
		}
		minStd, seconds := state.EpochMinStd, state.EpochSeconds
		knn := math.NaN()
		if hooks.Monitor != nil && (epoch+1 == cfg.Epochs || (cfg.KNNEvery > 0 && (epoch+1)%cfg.KNNEvery == 0)) {
			if knn, err = hooks.Monitor(ctx, epoch, tr.Model); err != nil {
				return state.History, fmt.Errorf("k-NN monitor after epoch %d: %w", epoch, err)
			}
		}
		h := &state.History
		h.Loss = append(h.Loss, meanLoss)
		h.KNN = append(h.KNN, knn)
		h.MinStd = append(h.MinStd, minStd)
		h.EpochTime = append(h.EpochTime, seconds)

		ev := log.Info().Int("epoch", epoch+1).Int("of", cfg.Epochs).
			Float64("loss", meanLoss).Float64("min_std", minStd).Float64("seconds", seconds).
			Float64("lr", schedule.LR(state.Step))
		if !math.IsNaN(knn) {
			ev = ev.Float64("knn_top1", knn)
		}
		ev.Msg("epoch done")
		if minStd < 1e-4 {
			log.Warn().Float64("min_std", minStd).Msg("embeddings collapsed: a dimension is constant over the batch; lower the learning rate or check the loss options")
		}
		if err := tr.save(hooks, &state, opt); err != nil {
			return state.History, err
		}
		lastSave = time.Now()
	}
	return state.History, nil
}

func isEnd(err error) bool { return errors.Is(err, io.EOF) }

// minDimStd returns the smallest standard deviation over the batch of any
// embedding dimension at the first time step: zero means collapse.
func minDimStd(z framework.Embeddings) float64 {
	min := math.Inf(1)
	step := z.Step(0)
	for d := 0; d < z.D; d++ {
		var sum, sq float64
		for b := 0; b < z.B; b++ {
			v := float64(step[b*z.D+d])
			sum += v
			sq += v * v
		}
		mean := sum / float64(z.B)
		std := math.Sqrt(math.Max(sq/float64(z.B)-mean*mean, 0))
		min = math.Min(min, std)
	}
	return min
}

func newOptimizer(cfg Config) (optim.Optimizer, error) {
	if cfg.Optimizer == "adamw" {
		return optim.NewAdamW(cfg.WeightDecay)
	}
	return optim.NewSGD(cfg.Momentum, cfg.WeightDecay)
}

func (tr *Trainer) save(hooks Hooks, state *State, opt optim.Optimizer) error {
	if hooks.Checkpoint == nil {
		return nil
	}
	state.Params = ParamValues(tr.Model.Params())
	state.Optimizer = opt.State()
	if err := hooks.Checkpoint.SaveState(*state); err != nil {
		return fmt.Errorf("saving checkpoint of run %q: %w", tr.Config.Name, err)
	}
	return nil
}

func (tr *Trainer) restore(s State, opt optim.Optimizer) error {
	if err := SetParamValues(tr.Model.Params(), s.Params); err != nil {
		return fmt.Errorf("checkpoint of run %q: %w", tr.Config.Name, err)
	}
	return opt.LoadState(s.Optimizer)
}

// ParamValues copies every parameter's values by name.
func ParamValues(params []*framework.Param) map[string][]float32 {
	out := make(map[string][]float32, len(params))
	for _, p := range params {
		out[p.Name] = append([]float32(nil), p.Data()...)
	}
	return out
}

// SetParamValues loads values by name into params; every parameter must be
// present with its exact size.
func SetParamValues(params []*framework.Param, values map[string][]float32) error {
	for _, p := range params {
		v, ok := values[p.Name]
		if !ok {
			return fmt.Errorf("parameter %s is missing; the checkpoint belongs to another architecture", p.Name)
		}
		if len(v) != len(p.Data()) {
			return fmt.Errorf("parameter %s has %d values in the checkpoint, the model has %d", p.Name, len(v), len(p.Data()))
		}
		copy(p.Data(), v)
	}
	return nil
}
