package lab

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/snnlab/snnlab/framework/experiment"
	"github.com/snnlab/snnlab/framework/paper"
	"github.com/snnlab/snnlab/framework/table"
)

// Scale is a size preset of the paper-reproduction scripts: which network,
// how many images and epochs, how many seeds. Every run a preset builds is
// named by RunName, so two scripts asking for the same cell share one
// trained model.
type Scale struct {
	Name        string // "smoke", "laptop" or "paper"
	Description string // one sentence for table captions: data, network, schedule

	// PretrainImages is the class-balanced prefix of the CIFAR-10 training
	// set that pretraining uses (0 = all 50 000). EvalTrainImages and
	// EvalTestImages are the splits linear evaluation and fine-tuning use
	// (0 = all 50 000 and 10 000).
	PretrainImages  int
	EvalTrainImages int
	EvalTestImages  int

	T            int
	Batch        int
	Epochs       int     // pretraining epochs
	WarmupEpochs int     // linear learning-rate warm-up before the cosine decay
	LR           float64 // SGD learning rate of pretraining
	WeightDecay  float64
	HeadWidths   []int
	Seeds        int // runs per table cell, seeds 1..Seeds

	Linear     LinearOptions   // linear evaluation
	FineTune   FineTuneOptions // semi-supervised fine-tuning (1 % and 10 % of the labels)
	Supervised FineTuneOptions // the supervised baseline, trained from random weights on every label

	// SpreadDraws augmentation draws of SpreadImages training images
	// measure the reset table's spike-count and loss variances.
	SpreadDraws  int
	SpreadImages int

	archs map[string]Arch
	index []RunRecord
}

// Arch is one backbone as a preset builds it.
type Arch struct {
	Key             string // "resnet", "spikformer" or "vgg"
	Paper           string // the paper's backbone, e.g. "Spiking-ResNet34"
	Label           string // name of the network this preset runs, e.g. "Spiking-ResNet18 (16-32-64 channels)"
	Backbone        string
	BackboneOptions map[string]any
}

// RunRecord is one run behind a table number, for the run index a script
// writes beside its table.
type RunRecord struct {
	Cell   string  // table row the run belongs to
	Seed   int     // 1-based seed
	Run    string  // run folder
	Reused bool    // true when an earlier finished run was loaded
	Value  float64 // the number it gave, NaN when it failed
	Error  string  // why it failed, empty when it did not
}

// ScaleNames lists the presets ScaleByName accepts.
var ScaleNames = []string{"smoke", "laptop", "paper"}

// ScaleByName returns a fresh copy of the named preset.
//
//   - smoke: the 1 000/200-image CIFAR-10 subset (pass its folder as
//     --data), tiny networks, T = 2, one epoch, one seed; minutes on
//     2 cores, for CI. With T = 2, BTL and CTL use the same pairs.
//   - laptop: full CIFAR-10 (pass its folder as --data): pretraining on a
//     class-balanced 20 000-image subset for one epoch, linear evaluation
//     on all 50 000 training and 10 000 test images, the reference network
//     (16-32-64 channels), T = 4, three seeds. One seed of the Table 5
//     ResNet rows took 26 minutes on 2 cores, so three seeds take about
//     80 minutes.
//   - paper: the published settings (1 000 epochs, full width, T = 4).
func ScaleByName(name string) (*Scale, error) {
	switch name {
	case "smoke":
		return smokeScale(), nil
	case "laptop":
		return laptopScale(), nil
	case "paper":
		return paperScale(), nil
	}
	return nil, fmt.Errorf("scale %q is unknown; use one of %s", name, strings.Join(ScaleNames, ", "))
}

func smokeScale() *Scale {
	linear := DefaultLinear()
	linear.Epochs, linear.LR = 30, 1e-2
	tune := DefaultFineTune()
	tune.Epochs, tune.Batch = 2, 32
	sup := DefaultFineTune()
	sup.Epochs, sup.Batch = 2, 32
	return &Scale{
		Name:           "smoke",
		Description:    "CIFAR-10 subset: 200 training images for pretraining and evaluation, 200 test images; T = 2, batch 32, 1 pretraining epoch (SGD, lr 0.01), linear classifier 30 epochs; 1 seed per cell. A pipeline check, not a measurement: at T = 2, BTL and CTL use the same pairs",
		PretrainImages: 200, EvalTrainImages: 200, EvalTestImages: 200,
		T: 2, Batch: 32, Epochs: 1, LR: 0.01, WeightDecay: 1e-6,
		HeadWidths: []int{64, 64}, Seeds: 1,
		Linear: linear, FineTune: tune, Supervised: sup,
		SpreadDraws: 3, SpreadImages: 64,
		archs: map[string]Arch{
			"resnet": {Key: "resnet", Label: "Spiking-ResNet18 (4-8-16 channels, 1 block per stage)", Backbone: "spiking-resnet18-cifar",
				BackboneOptions: map[string]any{"base_width": 4, "stages": 3, "blocks_per_stage": 1}},
			"spikformer": {Key: "spikformer", Label: "Spikformer-4-16 (1 block, 2 heads)", Backbone: "spikformer",
				BackboneOptions: map[string]any{"patch": 4, "dim": 16, "depth": 1, "heads": 2, "mlp_ratio": 2.0}},
			"vgg": {Key: "vgg", Label: "Spiking-VGG11 (4-8-16 channels, 1 conv per stage)", Backbone: "spiking-vgg11-cifar",
				BackboneOptions: map[string]any{"base_width": 4, "stages": 3, "blocks_per_stage": 1}},
		},
	}
}

// laptopScale is sized from the speed snnlab measures on 2 cores: `snnlab
// bench` gives about 17 images/s for the 16-32-64 reference network at
// T = 4 on an idle machine, and the 8-16-32 network here pretrains at
// about 25 images/s and extracts features at about 150 images/s. Per run
// that is about 200 s of pretraining, 40 s of k-NN monitor and 130 s of
// feature extraction, so 21 runs take about 2 hours.
// NOTE: the image counts are estimates from that speed; when training gets
// faster, raise PretrainImages and EvalTrainImages (0 = all 50 000).
func laptopScale() *Scale {
	linear := DefaultLinear()
	linear.Epochs, linear.LR = 30, 1e-3
	tune := DefaultFineTune()
	tune.Epochs, tune.Batch = 5, 64
	sup := DefaultFineTune()
	sup.Epochs, sup.Batch = 1, 64
	return &Scale{
		Name:           "laptop",
		Description:    "CIFAR-10: pretraining on a class-balanced 20 000-image subset of the training set for 1 epoch (312 SGD steps, lr 0.01, batch 64), T = 4; linear evaluation on all 50 000 training and 10 000 test images, classifier 30 epochs (AdamW, lr 1e-3); 3 seeds per cell",
		PretrainImages: 20000, EvalTrainImages: 0, EvalTestImages: 0,
		T: 4, Batch: 64, Epochs: 1, LR: 0.01, WeightDecay: 1e-6,
		HeadWidths: []int{256, 256}, Seeds: 3,
		Linear: linear, FineTune: tune, Supervised: sup,
		SpreadDraws: 8, SpreadImages: 512,
		archs: map[string]Arch{
			"resnet": {Key: "resnet", Label: "Spiking-ResNet18 (16-32-64 channels, 1 block per stage)", Backbone: "spiking-resnet18-cifar",
				BackboneOptions: map[string]any{"base_width": 16, "stages": 3, "blocks_per_stage": 1}},
			"spikformer": {Key: "spikformer", Label: "Spikformer-4-64 (1 block, 4 heads)", Backbone: "spikformer",
				BackboneOptions: map[string]any{"patch": 4, "dim": 64, "depth": 1, "heads": 4, "mlp_ratio": 2.0}},
			"vgg": {Key: "vgg", Label: "Spiking-VGG11 (8-16-32 channels, 1 conv per stage)", Backbone: "spiking-vgg11-cifar",
				BackboneOptions: map[string]any{"base_width": 8, "stages": 3, "blocks_per_stage": 1}},
		},
	}
}

func paperScale() *Scale {
	tune := DefaultFineTune()
	sup := DefaultFineTune()
	sup.Epochs = 200
	return &Scale{
		Name:        "paper",
		Description: "CIFAR-10, all 50 000 training and 10 000 test images; 1 000 pretraining epochs (SGD, lr 1e-3, weight decay 1e-6, 20 warm-up epochs, cosine), batch 256, T = 4, head 2048-1024; linear classifier 100 epochs (AdamW, lr 1e-4); 3 seeds per cell",
		T:           4, Batch: 256, Epochs: 1000, WarmupEpochs: 20, LR: 1e-3, WeightDecay: 1e-6,
		HeadWidths: []int{2048, 1024}, Seeds: 3,
		Linear: DefaultLinear(), FineTune: tune, Supervised: sup,
		SpreadDraws: 16, SpreadImages: 2048,
		archs: map[string]Arch{
			"resnet":     {Key: "resnet", Label: "Spiking-ResNet34", Backbone: "spiking-resnet34-cifar", BackboneOptions: map[string]any{}},
			"spikformer": {Key: "spikformer", Label: "Spikformer-4-384", Backbone: "spikformer", BackboneOptions: map[string]any{"patch": 4, "dim": 384, "depth": 4, "heads": 12}},
			"vgg":        {Key: "vgg", Label: "Spiking-VGG16", Backbone: "spiking-vgg16-cifar", BackboneOptions: map[string]any{}},
		},
	}
}

// Arch returns the preset's backbone for key ("resnet", "spikformer" or
// "vgg").
func (s *Scale) Arch(key string) (Arch, error) {
	a, ok := s.archs[key]
	if !ok {
		return Arch{}, fmt.Errorf("scale %s: architecture %q is unknown; use resnet, spikformer or vgg", s.Name, key)
	}
	a.Paper = paper.Backbones[key]
	return a, nil
}

// Caption returns the table caption: what the table shows, then the
// preset's description and the number of seeds.
func (s *Scale) Caption(what string) string {
	return fmt.Sprintf("%s Scale %s: %s. Each cell is the mean ± standard deviation of top-1 accuracy over its seeds (n in brackets); the paper column is the published value.", what, s.Name, s.Description)
}

// RunName names the run of one cell and seed. The name is part of the
// configuration hash, so every script builds it with this function:
// "laptop-resnet-mixedlif-btl-s1", with the neuron options appended
// ("-reset_mode=soft") when there are any.
func RunName(scale, arch, neuron, loss string, neuronOptions map[string]any, seed int) string {
	name := fmt.Sprintf("%s-%s-%s-%s", scale, arch, neuron, loss)
	keys := make([]string, 0, len(neuronOptions))
	for k := range neuronOptions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name += fmt.Sprintf("-%s=%v", k, neuronOptions[k])
	}
	return fmt.Sprintf("%s-s%d", name, seed)
}

// Config returns the pretraining configuration of one cell and seed (seed
// from 1). Pass loss "random" for the random-initialised floor: the
// backbone with MixedLIF neurons, zero epochs and batch-norm statistics
// calibrated on training images.
func (s *Scale) Config(arch, neuron, loss string, neuronOptions map[string]any, seed int) (Config, error) {
	a, err := s.Arch(arch)
	if err != nil {
		return Config{}, err
	}
	if seed < 1 {
		return Config{}, fmt.Errorf("seed %d; seeds count from 1", seed)
	}
	cfg := Config{
		Name:            RunName(s.Name, arch, neuron, loss, neuronOptions, seed),
		Dataset:         "cifar10",
		TrainLimit:      s.PretrainImages,
		TestLimit:       s.EvalTestImages,
		Backbone:        a.Backbone,
		BackboneOptions: copyOptions(a.BackboneOptions),
		Neuron:          neuron,
		NeuronOptions:   copyOptions(neuronOptions),
		Loss:            loss,
		HeadWidths:      append([]int(nil), s.HeadWidths...),
		T:               s.T,
		Epochs:          s.Epochs,
		Batch:           s.Batch,
		LR:              s.LR,
		WeightDecay:     s.WeightDecay,
		WarmupEpochs:    s.WarmupEpochs,
		Seed:            int64(seed),
	}
	if loss == "random" {
		cfg.Loss, cfg.Epochs, cfg.WarmupEpochs = "btl", 0, 0
	}
	return cfg, nil
}

func copyOptions(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Measurement is what a seed loop measures on one pretrained model.
type Measurement func(m *Model, seed int) (float64, error)

// LinearTop1 is the Measurement of linear-evaluation top-1 in percent, on
// the preset's evaluation splits.
func (s *Scale) LinearTop1(m *Model, seed int) (float64, error) {
	opts := s.Linear
	opts.Seed = int64(seed)
	res, err := m.LinearEvalOn(s.EvalTrainImages, s.EvalTestImages, opts)
	return 100 * res.Top1, err
}

// Cell pretrains the cell's run for every seed, measures each with
// measure, and returns the per-seed values as a mean ± standard deviation
// cell. A seed whose run or measurement fails (a diverged loss, an
// interrupted run left without --resume) turns the cell into a failure
// that names the seed and the reason, and the remaining seeds are
// skipped. An interruption of the script itself (Ctrl-C) stops the script
// instead, so that `snnlab run --resume` continues where it stopped.
func (s *Scale) Cell(label, arch, neuron, loss string, neuronOptions map[string]any, measure Measurement) Cell {
	values, failure := s.seedValues(label, arch, neuron, loss, neuronOptions, measure)
	if failure != "" {
		return Fail(failure)
	}
	return Seeds(values, 1)
}

func (s *Scale) seedValues(label, arch, neuron, loss string, neuronOptions map[string]any, measure Measurement) ([]float64, string) {
	var values []float64
	for seed := 1; seed <= s.Seeds; seed++ {
		v, dir, reused, err := s.measureSeed(arch, neuron, loss, neuronOptions, seed, measure)
		rec := RunRecord{Cell: label, Seed: seed, Run: dir, Reused: reused, Value: v}
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			err = fmt.Errorf("result is %v", v)
		}
		if err != nil {
			stopIfInterrupted(err)
			rec.Value, rec.Error = math.NaN(), err.Error()
			s.index = append(s.index, rec)
			settings.Log.Error().Err(err).Str("cell", label).Int("seed", seed).Msg("cell failed; the table shows the failure")
			return nil, fmt.Sprintf("seed %d of %d: %s", seed, s.Seeds, FailureReason(err))
		}
		s.index = append(s.index, rec)
		values = append(values, v)
	}
	return values, ""
}

func (s *Scale) measureSeed(arch, neuron, loss string, neuronOptions map[string]any, seed int, measure Measurement) (float64, string, bool, error) {
	cfg, err := s.Config(arch, neuron, loss, neuronOptions, seed)
	if err != nil {
		return math.NaN(), "", false, err
	}
	m, err := Pretrain(cfg)
	if err != nil {
		return math.NaN(), "", false, err
	}
	if m.Reused {
		Printf("%s: reusing finished run %s", cfg.Name, m.Dir)
	}
	v, err := measure(m, seed)
	return v, m.Dir, m.Reused, err
}

// stopIfInterrupted fails the script when the snnlab command was
// interrupted, rather than recording the cell as failed.
func stopIfInterrupted(err error) {
	if settings.Context.Err() != nil || errors.Is(err, experiment.ErrInterrupted) {
		Check(fmt.Errorf("interrupted: %w", err))
	}
}

// FailureReason returns the short text a failed table cell shows for err:
// "diverged (loss is NaN)", "interrupted run: rerun with --resume", or the
// error's last line.
func FailureReason(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "NaN") || strings.Contains(msg, "+Inf") || strings.Contains(msg, "-Inf") || strings.Contains(msg, "diverged"):
		return "diverged (loss or result is NaN or infinite)"
	case strings.Contains(msg, "was interrupted before it finished"):
		return "interrupted run; rerun with --resume"
	case errors.Is(err, experiment.ErrInterrupted):
		return "interrupted"
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg) > 120 {
		msg = msg[i+2:]
	}
	return msg
}

// PaperValue returns the number the paper prints under key (see package
// framework/paper), or NaN when it reports none.
func PaperValue(key string) float64 {
	if v, ok := paper.Lookup(key); ok {
		return v
	}
	return math.NaN()
}

// PaperCell returns the paper's number under key as a cell with one
// decimal, or an empty cell when the paper reports none.
func PaperCell(key string) Cell {
	if v, ok := paper.Lookup(key); ok {
		return Num(v, 1)
	}
	return Empty()
}

// PaperRatio returns the paper's ratio under key as a cell with two
// decimals, or an empty cell.
func PaperRatio(key string) Cell {
	if v, ok := paper.Lookup(key); ok {
		return Num(v, 2)
	}
	return Empty()
}

// FineTuneTop1 returns the Measurement of fine-tuning top-1 in percent on
// a class-balanced fraction of the preset's evaluation training split.
func (s *Scale) FineTuneTop1(fraction float64) Measurement {
	return func(m *Model, seed int) (float64, error) {
		opts := s.FineTune
		opts.Seed = int64(seed)
		res, err := m.FineTuneOn(s.EvalTrainImages, s.EvalTestImages, fraction, false, opts)
		return 100 * res.Top1, err
	}
}

// SupervisedTop1 is the Measurement of the supervised baseline in percent:
// every label of the evaluation training split, each image with a random
// resized crop and a flip, with the preset's
// Supervised options. Use it on the random-initialised floor run (loss
// "random"), so that training starts from random weights.
func (s *Scale) SupervisedTop1(m *Model, seed int) (float64, error) {
	opts := s.Supervised
	opts.Seed = int64(seed)
	res, err := m.FineTuneOn(s.EvalTrainImages, s.EvalTestImages, 1, true, opts)
	return 100 * res.Top1, err
}

// linearSplitKey identifies a linear evaluation on other splits than the
// run's own, for the result cache.
type linearSplitKey struct {
	Linear      linearKey
	Train, Test int
}

// fineTuneSplitKey identifies a fine-tuning on other splits than the
// run's own, for the result cache.
type fineTuneSplitKey struct {
	FineTune    fineTuneKey
	Train, Test int
}

// LinearEvalOn is LinearEval with the features of the first train
// training and test test images (class-balanced, 0 for all) instead of
// the run's own limits, so that a model pretrained on a subset is judged on
// the full splits. The result is cached in the run folder like
// LinearEval's.
func (m *Model) LinearEvalOn(train, test int, opts LinearOptions) (Result, error) {
	if train == m.Config.TrainLimit && test == m.Config.TestLimit {
		return m.LinearEval(opts)
	}
	key := linearSplitKey{linearKey{opts.Epochs, opts.Batch, opts.LR, opts.WeightDecay, opts.Standardize, opts.Seed}, train, test}
	return m.cached("linear-split", key, func() (Result, error) {
		tr, err := m.splitTrainer(train, test)
		if err != nil {
			return Result{}, err
		}
		settings.Log.Info().Str("run", m.run.ID()).Int("train", tr.Data.Train.Len()).Int("test", tr.Data.Test.Len()).Int("epochs", opts.Epochs).Msg("linear evaluation")
		opts.Log = settings.Log
		res, err := tr.LinearEval(settings.Context, opts, m.progress("features"))
		if err != nil {
			return Result{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
		}
		settings.Log.Info().Str("run", m.run.ID()).Float64("top1", res.Top1).Msg("linear evaluation done")
		return res, nil
	})
}

// FineTuneOn is FineTune on the first train training and test test images
// (class-balanced, 0 for all) instead of the run's own limits, with the
// crop-and-flip augmentation when augment is set. The pretrained weights are
// not changed: fine-tuning works on a copy.
func (m *Model) FineTuneOn(train, test int, fraction float64, augment bool, opts FineTuneOptions) (Result, error) {
	if train == m.Config.TrainLimit && test == m.Config.TestLimit {
		return m.fineTune(fraction, augment, opts)
	}
	key := fineTuneSplitKey{fineTuneKey{augment, fraction, opts.Epochs, opts.Batch, opts.BackboneLR, opts.HeadLR, opts.Momentum, opts.WeightDecay, opts.Seed}, train, test}
	return m.cached("finetune-split", key, func() (Result, error) {
		tr, err := m.splitTrainer(train, test)
		if err != nil {
			return Result{}, err
		}
		settings.Log.Info().Str("run", m.run.ID()).Float64("fraction", fraction).Int("train", tr.Data.Train.Len()).Int("epochs", opts.Epochs).Msg("fine-tuning")
		opts.Log = settings.Log
		res, err := tr.FineTune(settings.Context, fraction, augment, opts)
		if err != nil {
			return Result{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
		}
		return res, nil
	})
}

// splitTrainer returns a copy of the model's trainer, weights and
// batch-norm statistics included, on other dataset limits.
func (m *Model) splitTrainer(train, test int) (*experiment.Trainer, error) {
	cfg := m.Config
	cfg.TrainLimit, cfg.TestLimit = train, test
	ds, err := experiment.LoadDatasets(cfg, settings.DataDir)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	tr, err := experiment.NewTrainer(cfg, ds)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	if err := experiment.SetParamValues(tr.Model.Params(), experiment.ParamValues(m.trainer.Model.Params())); err != nil {
		return nil, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	return tr, nil
}

// Spread is the augmentation spread of a trained network: the variance
// across augmentation draws of each image's spike count and of each
// batch's SSL loss.
type Spread = experiment.Spread

// AugmentationSpread measures Spread over draws augmentation draws of the
// first images training images of the run. The result is stored in the
// run folder and reused by later calls with the same arguments.
func (m *Model) AugmentationSpread(draws, images int) (Spread, error) {
	dir, err := m.run.Subdir("eval")
	if err != nil {
		return Spread{}, err
	}
	path := filepath.Join(dir, fmt.Sprintf("spread-d%d-n%d.json", draws, images))
	if b, err := os.ReadFile(path); err == nil {
		var sp Spread
		if err := json.Unmarshal(b, &sp); err == nil {
			return sp, nil
		}
	}
	settings.Log.Info().Str("run", m.run.ID()).Int("draws", draws).Int("images", images).Msg("measuring the augmentation spread")
	sp, err := m.trainer.AugmentationSpread(settings.Context, draws, images)
	if err != nil {
		return Spread{}, fmt.Errorf("run %s: %w", m.run.ID(), err)
	}
	b, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return Spread{}, err
	}
	return sp, writeFileAtomic(path, b)
}

// ResetRow is one row of the reset table: the spike-count and loss
// variances as ratios to the soft-reset run of the same seed, and the
// linear-evaluation accuracy in percent.
type ResetRow struct {
	SpikeVar, LossVar, Accuracy Cell
}

// ResetRows pretrains arch with MixedLIF and BTL twice per seed, once with
// soft and once with hard reset, and returns both rows. The hard-reset run
// is the Table 5 MixedLIF + BTL run of the same arch and seed, so it is
// reused when that table was measured first.
func (s *Scale) ResetRows(arch string) (soft, hard ResetRow) {
	spreads := map[string]map[int]Spread{"soft": {}, "hard": {}}
	measure := func(mode string) Measurement {
		return func(m *Model, seed int) (float64, error) {
			sp, err := m.AugmentationSpread(s.SpreadDraws, s.SpreadImages)
			if err != nil {
				return math.NaN(), err
			}
			spreads[mode][seed] = sp
			return s.LinearTop1(m, seed)
		}
	}
	softAcc, softFail := s.seedValues(arch+" soft reset", arch, "mixedlif", "btl", map[string]any{"reset_mode": "soft"}, measure("soft"))
	hardAcc, hardFail := s.seedValues(arch+" hard reset", arch, "mixedlif", "btl", nil, measure("hard"))

	soft.Accuracy, hard.Accuracy = accuracyCell(softAcc, softFail), accuracyCell(hardAcc, hardFail)
	if softFail != "" || hardFail != "" {
		reason := "the soft-reset baseline failed"
		if softFail == "" {
			reason = "the hard-reset run failed"
		}
		soft.SpikeVar, soft.LossVar = Fail(reason), Fail(reason)
		hard.SpikeVar, hard.LossVar = Fail(reason), Fail(reason)
		return soft, hard
	}
	var ones, spike, loss []float64
	for seed := 1; seed <= s.Seeds; seed++ {
		sv, hv := spreads["soft"][seed], spreads["hard"][seed]
		ones = append(ones, 1)
		spike = append(spike, ratio(hv.SpikeCountVar, sv.SpikeCountVar))
		loss = append(loss, ratio(hv.LossVar, sv.LossVar))
	}
	soft.SpikeVar, soft.LossVar = Seeds(ones, 2), Seeds(ones, 2)
	hard.SpikeVar, hard.LossVar = Seeds(spike, 2), Seeds(loss, 2)
	return soft, hard
}

func accuracyCell(values []float64, failure string) Cell {
	if failure != "" {
		return Fail(failure)
	}
	return Seeds(values, 1)
}

// ratio returns a/b, NaN when b is zero (the table then shows a failure).
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// SaveRunIndex writes NAME-runs.csv into the output folder: one line per
// run behind the tables this preset filled, with its folder, whether it was
// reused, its value and its error. It returns the file's path.
func (s *Scale) SaveRunIndex(name string) (string, error) {
	dir, err := OutputDir()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"cell", "seed", "run", "reused", "value", "error"})
	for _, r := range s.index {
		value := ""
		if !math.IsNaN(r.Value) {
			value = table.FormatFull(r.Value)
		}
		_ = w.Write([]string{r.Cell, strconv.Itoa(r.Seed), r.Run, strconv.FormatBool(r.Reused), value, r.Error})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+"-runs.csv")
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return "", fmt.Errorf("writing the run index: %w", err)
	}
	return path, nil
}

// Runs returns the runs measured so far by this preset, in order.
func (s *Scale) Runs() []RunRecord { return append([]RunRecord(nil), s.index...) }

// SaveCellBars draws grouped bars from table cells, one group per
// category and one bar per series: cells[i][j] is series i in category j.
// A bar shows the cell's mean with its standard deviation as the error
// bar; an empty or failed cell is drawn as 0, so read the table for those.
func SaveCellBars(name string, ax Axes, categories []string, series []string, cells [][]Cell) error {
	if len(series) != len(cells) {
		return fmt.Errorf("figure %s: %d series names for %d rows of cells; give one name per row", name, len(series), len(cells))
	}
	bars := make([]BarSeries, len(series))
	for i, row := range cells {
		bars[i] = BarSeries{Name: series[i], Values: make([]float64, len(row)), Errors: make([]float64, len(row))}
		for j, c := range row {
			if mean := c.Mean(); !math.IsNaN(mean) {
				bars[i].Values[j] = mean
			}
			if std := c.Std(); !math.IsNaN(std) {
				bars[i].Errors[j] = std
			}
		}
	}
	return SaveBars(name, ax, categories, bars...)
}
