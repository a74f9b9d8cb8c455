package lab

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"context"
	"github.com/snnlab/snnlab/framework/train"

	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/experiment"
	"github.com/snnlab/snnlab/framework/records"
)

// Config describes one pretraining run; see experiment.Config for every
// field and its default.
type Config = experiment.Config

// History is the per-epoch record of a pretraining run.
type History = experiment.History

// Result is an accuracy measurement: Top1 and Top5 in [0, 1], with the
// epochs and sample counts behind it.
type Result = eval.Result

// LinearOptions sets up linear evaluation; start from DefaultLinear.
type LinearOptions = eval.LinearOptions

// FineTuneOptions sets up fine-tuning and supervised training; start from
// DefaultFineTune.
type FineTuneOptions = eval.FineTuneOptions

// DefaultLinear returns the method's linear-evaluation settings: AdamW,
// lr 1e-4, cosine, weight decay 1e-6, batch 256, 100 epochs.
func DefaultLinear() LinearOptions { return eval.DefaultLinearOptions() }

// DefaultFineTune returns the method's fine-tuning settings: SGD with
// momentum 0.9, lr 1e-3 for the backbone and 5e-2 for the classifier,
// cosine, 20 epochs, batch 256.
func DefaultFineTune() FineTuneOptions { return eval.DefaultFineTuneOptions() }

// Model is a backbone pretrained by Pretrain (or left untrained when its
// config has zero epochs), with the run folder that records it.
type Model struct {
	Config  Config  // the resolved configuration
	History History // loss, k-NN accuracy and collapse monitor per epoch
	Reused  bool    // true when an earlier finished run was loaded instead of training
	Dir     string  // the run folder

	trainer    *experiment.Trainer
	run        *records.Run
	provenance map[string]string // checkpoint metadata naming a plugin neuron's binary
}

// neuronProvenance returns the checkpoint metadata for a neuron served by a
// plugin binary, or nil for a built-in neuron.
func neuronProvenance(neuron string) map[string]string {
	if settings.NeuronProvenance == nil {
		return nil
	}
	p, ok := settings.NeuronProvenance(neuron)
	if !ok {
		return nil
	}
	settings.Log.Info().Str("neuron", neuron).RawJSON("plugin", []byte(p)).Msg("neuron served by a plugin")
	return map[string]string{"neuron_plugin": p}
}

// checkpointFile names the pretraining checkpoints inside a run folder:
// "last" while training, "final" once the run has finished.
const (
	lastCheckpoint  = "last"
	finalCheckpoint = "final"
)

// Pretrain trains the backbone cfg describes with dual-path
// self-supervision, or loads it when a finished run with the same resolved
// configuration exists in the runs folder. The --seed of snnlab run is
// added to cfg.Seed. An interrupted run continues from its checkpoint when
// snnlab run has --resume; without it, finding one is an error.
func Pretrain(cfg Config) (*Model, error) {
	cfg.Seed += settings.Seed
	resolved, err := cfg.Resolve()
	if err != nil {
		return nil, err
	}
	log := settings.Log

	run, found, err := records.Find(settings.RunsDir, resolved)
	if err != nil {
		return nil, err
	}
	switch {
	case found && run.Finished():
		return loadFinished(run, resolved)
	case found && !settings.Resume:
		run.Close()
		return nil, fmt.Errorf("run %s was interrupted before it finished; rerun with --resume to continue it, or delete %s to start over", run.ID(), run.Dir())
	case !found:
		if run, err = records.Create(settings.RunsDir, resolved.Name, resolved); err != nil {
			return nil, err
		}
	}

	ds, err := experiment.LoadDatasets(resolved, settings.DataDir)
	if err != nil {
		run.Close()
		return nil, err
	}
	tr, err := experiment.NewTrainer(resolved, ds)
	if err != nil {
		run.Close()
		return nil, err
	}
	m := &Model{Config: resolved, Dir: run.Dir(), trainer: tr, run: run, provenance: neuronProvenance(resolved.Neuron)}
	// From here on, what the run reports goes to the console and, as JSON
	// lines, to run.log in its folder.
	runLog, err := run.Logger(settings.LogTo)
	if err != nil {
		run.Close()
		return nil, err
	}
	runLog = runLog.Level(settings.LogLevel)
	log = runLog
	log.Info().Str("dir", run.Dir()).Str("backbone", resolved.Backbone).Str("neuron", resolved.Neuron).
		Str("loss", resolved.Loss).Int("epochs", resolved.Epochs).Int("train", ds.Train.Len()).Msg("pretraining")
	log.Debug().Interface("config", resolved).Msg("resolved configuration")

	progress := records.NewProgress("pretrain "+resolved.Name, int64(resolved.Epochs*(ds.Train.Len()/resolved.Batch)),
		records.ProgressOptions{Unit: "batch", Logger: &log, LogEvery: 30 * time.Second, Terminal: settings.Progress})
	hooks := experiment.Hooks{
		Checkpoint:      &runCheckpoints{run: run, model: m},
		CheckpointEvery: 2 * time.Minute,
		Log:             log,
		Progress: func(epoch, batch, batches int, loss float64) {
			step := int64(epoch*batches + batch + 1)
			progress.Set(step)
			run.SetStep(step)
			if err := run.Log("train", map[string]any{"epoch": epoch, "batch": batch, "loss": loss}); err != nil {
				log.Warn().Err(err).Msg("writing metrics")
			}
		},
		Monitor: func(ctx context.Context, epoch int, _ *train.Model) (float64, error) {
			res, err := tr.KNN(ctx, knnTrainLimit, knnTestLimit, eval.KNNOptions{K: resolved.KNNK, Temperature: 0.1})
			if err != nil {
				return math.NaN(), err
			}
			if err := run.Log("knn", map[string]any{"epoch": epoch, "top1": res.Top1}); err != nil {
				log.Warn().Err(err).Msg("writing metrics")
			}
			return res.Top1, nil
		},
	}

	history, err := tr.Pretrain(settings.Context, hooks)
	progress.Finish()
	if err != nil {
		// A diverged run is finished as failed, so that scripts run again
		// report the same failure instead of training again; an interrupted
		// one stays open for --resume.
		if !errors.Is(err, experiment.ErrInterrupted) {
			if markErr := run.MarkFinished(map[string]any{"failed": err.Error()}); markErr != nil {
				log.Error().Err(markErr).Msg("recording the failed run")
			}
		}
		run.Close()
		return nil, fmt.Errorf("run %s: %w", run.ID(), err)
	}
	m.History = history
	if err := m.finish(); err != nil {
		run.Close()
		return nil, err
	}
	return m, nil
}

// The k-NN monitor uses at most this many samples, so it stays cheap next
// to an epoch.
const (
	knnTrainLimit = 5000
	knnTestLimit  = 1000
)

// finish saves the final weights and history, draws the curves and marks
// the run finished.
func (m *Model) finish() error {
	ck := &records.Checkpoint{Params: records.ParamsFrom(m.trainer.Model.Params()), Metadata: m.provenance}
	blob, err := encodeHistory(m.History)
	if err != nil {
		return err
	}
	ck.Blobs = map[string][]byte{"history": blob}
	if err := m.run.SaveCheckpoint(finalCheckpoint, ck); err != nil {
		return err
	}
	if err := m.drawCurves(); err != nil {
		settings.Log.Warn().Err(err).Str("run", m.run.ID()).Msg("drawing the training curves failed")
	}
	result := map[string]any{"epochs": len(m.History.Loss)}
	if n := len(m.History.Loss); n > 0 {
		result["final_loss"] = jsonNumber(m.History.Loss[n-1])
		result["final_knn_top1"] = jsonNumber(m.History.KNN[n-1])
	}
	return m.run.MarkFinished(result)
}

// loadFinished rebuilds the model of a finished run from its final
// checkpoint instead of training it again.
func loadFinished(run *records.Run, cfg Config) (*Model, error) {
	if result, err := run.Result(); err == nil {
		if reason, failed := result["failed"].(string); failed {
			run.Close()
			return nil, fmt.Errorf("run %s failed earlier: %s (delete %s to train it again)", run.ID(), reason, run.Dir())
		}
	}
	ck, err := run.LoadCheckpoint(finalCheckpoint)
	if err != nil {
		run.Close()
		return nil, fmt.Errorf("finished run %s: %w", run.ID(), err)
	}
	ds, err := experiment.LoadDatasets(cfg, settings.DataDir)
	if err != nil {
		run.Close()
		return nil, err
	}
	tr, err := experiment.NewTrainer(cfg, ds)
	if err != nil {
		run.Close()
		return nil, err
	}
	if err := records.RestoreParams(tr.Model.Params(), ck.Params); err != nil {
		run.Close()
		return nil, fmt.Errorf("finished run %s: %w", run.ID(), err)
	}
	history, err := decodeHistory(ck.Blobs["history"])
	if err != nil {
		run.Close()
		return nil, fmt.Errorf("finished run %s: %w", run.ID(), err)
	}
	settings.Log.Info().Str("run", run.ID()).Msg("reusing finished run with the same configuration")
	return &Model{Config: cfg, History: history, Reused: true, Dir: run.Dir(), trainer: tr, run: run}, nil
}

// runCheckpoints stores pretraining state in the run folder.
type runCheckpoints struct {
	run   *records.Run
	model *Model
}

// progressState is the part of experiment.State without the weights, kept
// as a gob blob because it holds NaN and infinite values JSON cannot.
type progressState struct {
	History      History
	EpochLossSum float64
	EpochBatches int
	EpochMinStd  float64
	EpochSeconds float64
}

func (c *runCheckpoints) SaveState(s experiment.State) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(progressState{s.History, s.EpochLossSum, s.EpochBatches, s.EpochMinStd, s.EpochSeconds}); err != nil {
		return err
	}
	ck := &records.Checkpoint{
		Params:    records.ParamsFrom(c.model.trainer.Model.Params()),
		Optimizer: s.Optimizer,
		Epoch:     int64(s.Next.Epoch),
		Batch:     int64(s.Next.Batch),
		Step:      int64(s.Step),
		Blobs:     map[string][]byte{"progress": buf.Bytes()},
		Metadata:  c.model.provenance,
	}
	return c.run.SaveCheckpoint(lastCheckpoint, ck)
}

func (c *runCheckpoints) LoadState() (experiment.State, bool, error) {
	if !c.run.HasCheckpoint(lastCheckpoint) {
		return experiment.State{}, false, nil
	}
	ck, err := c.run.RecoverCheckpoint(lastCheckpoint)
	if err != nil {
		return experiment.State{}, false, err
	}
	if err := c.run.Rewind(ck); err != nil {
		return experiment.State{}, false, err
	}
	var p progressState
	if err := gob.NewDecoder(bytes.NewReader(ck.Blobs["progress"])).Decode(&p); err != nil {
		return experiment.State{}, false, fmt.Errorf("checkpoint %s: progress record: %w", c.run.Path(lastCheckpoint+".ckpt"), err)
	}
	s := experiment.State{
		Params:       map[string][]float32{},
		Optimizer:    ck.Optimizer,
		Step:         int(ck.Step),
		History:      p.History,
		EpochLossSum: p.EpochLossSum,
		EpochBatches: p.EpochBatches,
		EpochMinStd:  p.EpochMinStd,
		EpochSeconds: p.EpochSeconds,
	}
	s.Next.Epoch, s.Next.Batch = int(ck.Epoch), int(ck.Batch)
	for name, t := range ck.Params {
		s.Params[name] = t.Data
	}
	return s, true, nil
}

func encodeHistory(h History) ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(h)
	return buf.Bytes(), err
}

func decodeHistory(b []byte) (History, error) {
	var h History
	if len(b) == 0 {
		return h, nil
	}
	err := gob.NewDecoder(bytes.NewReader(b)).Decode(&h)
	return h, err
}

// jsonNumber maps NaN and infinities, which JSON cannot hold, to nil.
func jsonNumber(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

// cached runs compute once per run folder and options: the result is kept
// as JSON under the run's eval folder and read back on later calls.
func (m *Model) cached(kind string, options any, compute func() (Result, error)) (Result, error) {
	hash, err := records.ConfigHash(options)
	if err != nil {
		return Result{}, err
	}
	dir, err := m.run.Subdir("eval")
	if err != nil {
		return Result{}, err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.json", kind, hash[:records.ShortHashLen]))
	if b, err := os.ReadFile(path); err == nil {
		var res Result
		if err := json.Unmarshal(b, &res); err == nil {
			settings.Log.Info().Str("run", m.run.ID()).Str("eval", kind).Float64("top1", res.Top1).Msg("reusing evaluation result")
			return res, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return Result{}, err
	}

	res, err := compute()
	if err != nil {
		return Result{}, err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return Result{}, err
	}
	if err := writeFileAtomic(path, b); err != nil {
		return Result{}, err
	}
	if err := m.run.Log(kind, map[string]any{"top1": res.Top1, "top5": res.Top5, "options": hash[:records.ShortHashLen]}); err != nil {
		settings.Log.Warn().Err(err).Msg("writing metrics")
	}
	return res, nil
}
