package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/experiment"
	"github.com/snnlab/snnlab/framework/records"
	"github.com/snnlab/snnlab/plugins/targets/loihi2"
)

// Deployment types, as packages framework and eval define them.
type (
	// LinearClassifier is a trained linear probe: scores =
	// standardise(x)·Wᵀ + B on the time-mean spiking-path features.
	LinearClassifier = eval.LinearClassifier
	// TargetNetwork is a trained network as hardware targets read it.
	TargetNetwork = framework.Network
	// TargetReport lists what a target's export wrote and estimated.
	TargetReport = framework.TargetReport
)

// classifierDir is the run subfolder that keeps trained classifiers.
const classifierDir = "deploy"

// classifierKey identifies a trained classifier in the run folder.
type classifierKey struct {
	Linear      linearKey
	Train, Test int
}

// Classifier returns a linear classifier on the run's spiking-path
// features, trained on the first train training images and scored on the
// first test test images (class-balanced; 0 for all, or the run's own
// limits when both equal them). It is stored in the run folder under
// deploy/ (see ClassifierFile) and loaded from there by later calls with
// the same arguments and by `snnlab export`. Loading a stored classifier
// does not need the dataset, but training one does.
func (m *Model) Classifier(train, test int, opts LinearOptions) (*LinearClassifier, Result, error) {
	path, err := m.ClassifierFile(train, test, opts)
	if err != nil {
		return nil, Result{}, err
	}
	if clf, res, err := readClassifier(path); err == nil {
		settings.Log.Info().Str("run", m.run.ID()).Str("file", path).Float64("top1", res.Top1).Msg("reusing trained linear classifier")
		return clf, res, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, Result{}, err
	}
	if err := m.needData("training a linear classifier"); err != nil {
		return nil, Result{}, err
	}
	if _, err := m.run.Subdir(classifierDir); err != nil {
		return nil, Result{}, err
	}

	tr, err := m.trainerFor(train, test)
	if err != nil {
		return nil, Result{}, err
	}
	settings.Log.Info().Str("run", m.run.ID()).Int("train", tr.Data.Train.Len()).Int("test", tr.Data.Test.Len()).Int("epochs", opts.Epochs).Msg("training the linear classifier")
	opts.Log = settings.Log
	clf, res, err := tr.TrainClassifier(settings.Context, opts, m.progress("features"))
	if err != nil {
		return nil, Result{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	res.Curve = nil
	blob, err := json.Marshal(res)
	if err != nil {
		return nil, Result{}, err
	}
	ck := &records.Checkpoint{
		Params:   experiment.ClassifierParams(clf),
		Blobs:    map[string][]byte{"result": blob},
		Metadata: map[string]string{"linear_epochs": strconv.Itoa(opts.Epochs), "linear_lr": strconv.FormatFloat(opts.LR, 'g', -1, 64), "train_images": strconv.Itoa(res.NTrain), "test_images": strconv.Itoa(res.NTest)},
	}
	if err := records.WriteCheckpoint(path, ck); err != nil {
		return nil, Result{}, fmt.Errorf("run %s: storing the linear classifier: %w", m.run.ID(), err)
	}
	settings.Log.Info().Str("run", m.run.ID()).Float64("top1", res.Top1).Str("file", path).Msg("linear classifier trained")
	return clf, res, nil
}

// ClassifierFile returns the file in the run folder that Classifier reads
// and writes for these arguments. The file exists only once a classifier
// with exactly these settings and limits has been trained.
func (m *Model) ClassifierFile(train, test int, opts LinearOptions) (string, error) {
	key := classifierKey{linearKey{opts.Epochs, opts.Batch, opts.LR, opts.WeightDecay, opts.Standardize, opts.Seed}, train, test}
	hash, err := records.ConfigHash(key)
	if err != nil {
		return "", fmt.Errorf("run %s: classifier file name: %w", m.run.ID(), err)
	}
	return filepath.Join(m.Dir, classifierDir, fmt.Sprintf("classifier-%s.ckpt", hash[:records.ShortHashLen])), nil
}

// StoredClassifier returns the most recently trained classifier kept in
// the run folder (see Classifier), its test result and its file. It fails
// with os.ErrNotExist inside when there is none.
func (m *Model) StoredClassifier() (*LinearClassifier, Result, string, error) {
	paths, err := filepath.Glob(filepath.Join(m.Dir, classifierDir, "classifier-*.ckpt"))
	if err != nil {
		return nil, Result{}, "", err
	}
	if len(paths) == 0 {
		return nil, Result{}, "", fmt.Errorf("run %s has no trained linear classifier in %s: %w", m.run.ID(), filepath.Join(m.Dir, classifierDir), os.ErrNotExist)
	}
	modTime := func(p string) int64 {
		info, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return info.ModTime().UnixNano()
	}
	sort.Slice(paths, func(i, j int) bool { return modTime(paths[i]) > modTime(paths[j]) })
	clf, res, err := readClassifier(paths[0])
	return clf, res, paths[0], err
}

func readClassifier(path string) (*LinearClassifier, Result, error) {
	ck, err := records.ReadCheckpoint(path)
	if err != nil {
		return nil, Result{}, err
	}
	clf, err := experiment.ClassifierFromParams(ck.Params)
	if err != nil {
		return nil, Result{}, fmt.Errorf("%s: %w", path, err)
	}
	var res Result
	if blob := ck.Blobs["result"]; blob != nil {
		if err := json.Unmarshal(blob, &res); err != nil {
			return nil, Result{}, fmt.Errorf("%s: result record: %w", path, err)
		}
	}
	return clf, res, nil
}

// trainerFor returns the model's trainer, or a copy on other dataset
// limits.
func (m *Model) trainerFor(train, test int) (*experiment.Trainer, error) {
	if train == m.Config.TrainLimit && test == m.Config.TestLimit {
		return m.trainer, nil
	}
	return m.splitTrainer(train, test)
}

// TargetNetwork returns the trained backbone's spiking path for the run's
// neuron, neuron options and T, followed by a flatten and a linear
// read-out layer built from clf, with clf's feature standardisation folded
// into its weights and bias.
func (m *Model) TargetNetwork(clf *LinearClassifier) (TargetNetwork, error) {
	return experiment.DeployNetwork(m.trainer.Model.Backbone, m.Config, clf)
}

// CheckExport checks that the run can be exported to target, without a
// trained classifier and without writing files. It resolves the target and
// its options. For loihi2 it also runs the export's layer checks on the
// backbone's spiking path followed by a read-out of zero weights (Prepare
// for a chain network, the NIR conversion for a residual one).
// Call it before training a classifier for an export, so that a network
// the target rejects fails in seconds.
//
// NOTE: other targets are only resolved here; their layer checks run in
// Export.
func (m *Model) CheckExport(target string, options map[string]any) error {
	t, err := framework.NewTarget(target, options)
	if err != nil {
		return err
	}
	lt, ok := t.(*loihi2.Target)
	if !ok {
		return nil
	}
	features := m.Backbone().FeatureDim()
	placeholder := &LinearClassifier{F: features, C: 1, W: make([]float32, features), B: make([]float32, 1)}
	net, err := m.TargetNetwork(placeholder)
	if err != nil {
		return err
	}
	if loihi2.IsResidual(net) {
		if _, err := loihi2.ExportNIRNetwork(net, lt.NIR); err != nil {
			return fmt.Errorf("run %s: loihi2: NIR export: %w", m.run.ID(), err)
		}
		return nil
	}
	if _, err := loihi2.Prepare(net); err != nil {
		return fmt.Errorf("run %s: loihi2: %w", m.run.ID(), err)
	}
	return nil
}

// ExportNetwork writes net for the registered target (see `snnlab list
// target`) with its options into dir. For the loihi2 target, a residual
// network, which netx cannot hold, is written to NIR only (network.nir);
// the first note gives the reason.
func ExportNetwork(net TargetNetwork, target string, options map[string]any, dir string) (TargetReport, error) {
	t, err := framework.NewTarget(target, options)
	if err != nil {
		return TargetReport{}, err
	}
	if lt, ok := t.(*loihi2.Target); ok && loihi2.IsResidual(net) {
		return lt.ExportNIROnly(net, dir, "the network has residual additions, which lava-dl netx cannot load and the emulator does not run")
	}
	return t.Export(net, dir)
}

// DeployOptions sets up DeployLoihi2.
type DeployOptions struct {
	// TargetOptions are the loihi2 target's options (snnlab list target);
	// its timing option is replaced by each entry of Timings.
	TargetOptions map[string]any
	// Timings lists the emulator timings to measure: "aligned" delivers
	// spikes in the same step as the float model, "lava" adds netx's step
	// of delay per layer. nil measures both.
	Timings []string
	// TestImages is the number of test images (class-balanced) both
	// models classify; 0 uses the model's test split.
	TestImages int
	// Workers is the number of goroutines emulating images; 0 means
	// GOMAXPROCS.
	Workers int
	// Out is the folder for the exported files; "" is
	// loihi2-<run id> in the script's output folder.
	Out string
}

// EmulatedAccuracy is the emulated model's accuracy under one timing.
type EmulatedAccuracy struct {
	Timing    string
	Top1      float64 // in [0, 1]
	Agreement float64 // fraction of images where it predicts as the float reference does
	Steps     int     // emulator steps per inference
}

// Deployment is the result of DeployLoihi2: exported files, accuracies,
// resources, activity and energy. Activity and energy are per inference,
// under the first timing in DeployOptions.
type Deployment struct {
	Dir   string
	Files []string
	Notes []string // quantisation per layer, mapping and energy constants with their sources

	Samples int
	// FloatTop1 is the linear probe on snnlab's float32 features of the
	// same images; ReferenceTop1 is the exported network in the target's
	// float64 reference (batch-norm and pooling folded, V ≥ θ firing).
	FloatTop1, ReferenceTop1 float64
	Emulated                 []EmulatedAccuracy

	Cores, Chips                  int
	SynOps, NeuronUpdates, Spikes int64
	EnergyJ, DynamicJ, StaticJ    float64
	EnergyNotes                   []string
}

// DeployLoihi2 exports the model with the classifier clf to Loihi 2
// (network.net and network.nir). It then classifies test images with the
// float probe, the target's float reference and the bit-accurate emulator
// under each timing. It returns the accuracies, the estimated cores and
// chips, and activity and energy per inference.
func (m *Model) DeployLoihi2(clf *LinearClassifier, opts DeployOptions) (Deployment, error) {
	if err := m.needData("measuring the deployed accuracy"); err != nil {
		return Deployment{}, err
	}
	net, err := m.TargetNetwork(clf)
	if err != nil {
		return Deployment{}, err
	}
	dep := Deployment{Dir: opts.Out}
	if dep.Dir == "" {
		out, err := OutputDir()
		if err != nil {
			return Deployment{}, err
		}
		dep.Dir = filepath.Join(out, loihi2.Name+"-"+m.run.ID())
	}
	rep, err := ExportNetwork(net, loihi2.Name, opts.TargetOptions, dep.Dir)
	if err != nil {
		return Deployment{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	dep.Files, dep.Notes = rep.Files, rep.Notes
	fn, err := loihi2.Prepare(net)
	if err != nil {
		return Deployment{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}

	tr := m.trainer
	xs, labels, err := tr.EvalImages(false, opts.TestImages)
	if err != nil {
		return Deployment{}, fmt.Errorf("run %s: test images: %w", m.run.ID(), err)
	}
	feats, err := tr.Features(settings.Context, false, experiment.FeatureOptions{Limit: opts.TestImages}, m.progress("features"))
	if err != nil {
		return Deployment{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	if dep.FloatTop1, _, err = clf.Evaluate(feats); err != nil {
		return Deployment{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	dep.Samples = len(xs)

	timings := opts.Timings
	if timings == nil {
		timings = []string{"aligned", "lava"}
	}
	for i, timing := range timings {
		options := map[string]any{}
		for k, v := range opts.TargetOptions {
			options[k] = v
		}
		options[loihi2.OptTiming] = timing
		t, err := framework.NewTarget(loihi2.Name, options)
		if err != nil {
			return Deployment{}, err
		}
		target := t.(*loihi2.Target)
		target.Options.FloatGreaterEqual = true // snnlab neurons fire on V ≥ θ
		settings.Log.Info().Str("run", m.run.ID()).Str("timing", timing).Int("images", len(xs)).Msg("emulating on Loihi 2 arithmetic")
		ev, err := target.EvaluateParallel(fn, xs, labels, opts.Workers)
		if err != nil {
			return Deployment{}, fmt.Errorf("run %s: emulation (%s timing): %w", m.run.ID(), timing, err)
		}
		dep.Emulated = append(dep.Emulated, EmulatedAccuracy{Timing: timing, Top1: ev.EmulatedAccuracy, Agreement: ev.Agreement, Steps: ev.Steps})
		if i > 0 {
			continue
		}
		dep.ReferenceTop1 = ev.FloatAccuracy
		dep.Cores, dep.Chips = ev.Resources.Cores, ev.Resources.Chips
		e := ev.Energy
		dep.SynOps, dep.NeuronUpdates, dep.Spikes = e.SynOps, e.NeuronUpdates, e.Spikes
		dep.EnergyJ, dep.DynamicJ, dep.StaticJ = e.TotalJ, e.DynamicJ, e.StaticJ
		dep.EnergyNotes = e.Notes()
	}
	return dep, nil
}

// OpenRun opens the finished run in folder dir, as Pretrain would reuse
// it, for export and evaluation. The dataset is loaded from the snnlab
// command's data folder when possible. Without the dataset the model can
// still describe and export its network, but it cannot extract features
// or train a classifier.
func OpenRun(dir string) (*Model, error) {
	run, err := records.Open(dir)
	if err != nil {
		return nil, err
	}
	m, err := openRun(run)
	if err != nil {
		run.Close()
		return nil, err
	}
	return m, nil
}

func openRun(run *records.Run) (*Model, error) {
	raw, err := run.Config()
	if err != nil {
		return nil, err
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("run %s: %s: %w", run.ID(), records.ConfigFile, err)
	}
	resolved, err := cfg.Resolve()
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", run.ID(), err)
	}
	if !run.Finished() {
		return nil, fmt.Errorf("run %s has not finished pretraining; finish it with 'snnlab run --resume' on the script that started it", run.ID())
	}
	if result, err := run.Result(); err == nil {
		if reason, failed := result["failed"].(string); failed {
			return nil, fmt.Errorf("run %s failed: %s; it has no trained weights to export", run.ID(), reason)
		}
	}
	ck, err := run.LoadCheckpoint(finalCheckpoint)
	if err != nil {
		return nil, fmt.Errorf("finished run %s: %w", run.ID(), err)
	}

	ds, dataErr := experiment.LoadDatasets(resolved, settings.DataDir)
	var tr *experiment.Trainer
	if dataErr == nil {
		if tr, err = experiment.NewTrainer(resolved, ds); err != nil {
			return nil, err
		}
	} else {
		input, err := experiment.InputShape(resolved)
		if err != nil {
			return nil, fmt.Errorf("run %s: %w (%v)", run.ID(), err, dataErr)
		}
		model, err := experiment.NewModel(resolved, input, nil)
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", run.ID(), err)
		}
		empty := emptyDataset{shape: data.Shape{T: 1, C: input.C, H: input.H, W: input.W}, reason: dataErr}
		tr = &experiment.Trainer{Config: resolved, Model: model, Input: input, Spikes: eval.NewSpikeRecorder(),
			Data: &experiment.Datasets{Train: empty, Test: empty}}
	}
	if err := records.RestoreParams(tr.Model.Params(), ck.Params); err != nil {
		return nil, fmt.Errorf("finished run %s: %w", run.ID(), err)
	}
	history, err := decodeHistory(ck.Blobs["history"])
	if err != nil {
		return nil, fmt.Errorf("finished run %s: %w", run.ID(), err)
	}
	return &Model{Config: resolved, History: history, Reused: true, Dir: run.Dir(), trainer: tr, run: run}, nil
}

// emptyDataset replaces a dataset OpenRun could not load; reading a
// sample returns the load error.
type emptyDataset struct {
	shape  data.Shape
	reason error
}

func (e emptyDataset) Len() int          { return 0 }
func (e emptyDataset) Shape() data.Shape { return e.shape }
func (e emptyDataset) Label(int) int     { return 0 }
func (e emptyDataset) Sample(int, []float32) error {
	return fmt.Errorf("no data loaded: %w", e.reason)
}

// needData reports an error naming what needs the dataset when OpenRun
// could not load it.
func (m *Model) needData(what string) error {
	if e, ok := m.trainer.Data.Train.(emptyDataset); ok {
		return fmt.Errorf("run %s: %s needs the %s dataset, which could not be loaded: %v", m.run.ID(), what, m.Config.Dataset, e.reason)
	}
	return nil
}

// Close releases the run folder's files. Models from Pretrain stay open
// for the script's lifetime; close those from OpenRun when done.
func (m *Model) Close() error { return m.run.Close() }
