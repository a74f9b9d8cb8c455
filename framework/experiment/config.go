package experiment

import (
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/framework"
)

// Config is one pretraining run, as a script writes it. Zero fields take the
// defaults of Resolve; the resolved Config is what a run record stores, and
// its hash identifies the run, so two scripts asking for the same resolved
// configuration share one trained model.
type Config struct {
	Name string `json:"name"` // label for the run folder and tables

	Dataset    string `json:"dataset"`     // "mnist" (embedded), "cifar10", "imagefolder"
	TrainLimit int    `json:"train_limit"` // use the first N training samples, class-balanced; 0 = all
	TestLimit  int    `json:"test_limit"`  // use the first N test samples; 0 = all

	Backbone        string         `json:"backbone"`
	BackboneOptions map[string]any `json:"backbone_options"`
	Neuron          string         `json:"neuron"`
	NeuronOptions   map[string]any `json:"neuron_options"`
	Loss            string         `json:"loss"`
	LossOptions     map[string]any `json:"loss_options"`
	HeadWidths      []int          `json:"head_widths"` // projection head, e.g. [2048, 1024]

	T            int     `json:"T"`      // time steps
	Epochs       int     `json:"epochs"` // pretraining epochs; 0 gives an untrained backbone
	Batch        int     `json:"batch"`
	Optimizer    string  `json:"optimizer"` // "sgd" or "adamw"
	LR           float64 `json:"lr"`
	FinalLR      float64 `json:"final_lr"`
	Momentum     float64 `json:"momentum"`
	WeightDecay  float64 `json:"weight_decay"`
	WarmupEpochs int     `json:"warmup_epochs"`

	Augment      string  `json:"augment"`        // "barlow" or "none"
	CropScaleMin float64 `json:"crop_scale_min"` // lower bound of the random resized crop's area fraction

	// PathB is the path on view B: "continuous" for MixedLIF, "spiking" to
	// run the spiking form in both paths. Empty picks continuous for
	// mixedlif and spiking otherwise.
	PathB string `json:"path_b"`

	Seed int64 `json:"seed"`

	// KNNEvery runs the k-NN monitor every that many epochs (0 = only at
	// the end); KNNK is its k.
	KNNEvery int `json:"knn_every"`
	KNNK     int `json:"knn_k"`
}

// Resolve fills defaults and checks every field, returning the resolved
// copy. Errors name the field, the value and the valid choices.
func (c Config) Resolve() (Config, error) {
	r := c
	setString(&r.Dataset, "mnist")
	r.Dataset = strings.ToLower(r.Dataset)
	setString(&r.Backbone, "spiking-resnet18-cifar")
	setString(&r.Neuron, "mixedlif")
	setString(&r.Loss, "btl")
	setString(&r.Optimizer, "sgd")
	setString(&r.Augment, "barlow")
	if r.HeadWidths == nil {
		r.HeadWidths = []int{2048, 1024}
	}
	setInt(&r.T, 4)
	setInt(&r.Batch, 64)
	setInt(&r.KNNK, 20)
	if r.LR == 0 {
		r.LR = 1e-3
	}
	if r.Momentum == 0 && r.Optimizer == "sgd" {
		r.Momentum = 0.9
	}
	if r.CropScaleMin == 0 {
		r.CropScaleMin = 0.2
	}
	if r.PathB == "" {
		r.PathB = "spiking"
		if strings.EqualFold(r.Neuron, "mixedlif") {
			r.PathB = "continuous"
		}
	}
	if r.Name == "" {
		r.Name = fmt.Sprintf("%s-%s-%s", r.Neuron, r.Loss, r.Dataset)
	}
	r.BackboneOptions = orEmpty(r.BackboneOptions)
	r.NeuronOptions = orEmpty(r.NeuronOptions)
	r.LossOptions = orEmpty(r.LossOptions)

	if err := r.check(); err != nil {
		return Config{}, fmt.Errorf("run %q: %w", r.Name, err)
	}
	return r, nil
}

func (r Config) check() error {
	switch r.Dataset {
	case "mnist", "cifar10", "imagefolder":
	default:
		return fmt.Errorf("dataset %q is unknown; use mnist (embedded), cifar10 or imagefolder", r.Dataset)
	}
	for _, part := range []struct {
		kind framework.Kind
		name string
		opts map[string]any
	}{
		{framework.BackboneKind, r.Backbone, r.BackboneOptions},
		{framework.NeuronKind, r.Neuron, r.NeuronOptions},
		{framework.LossKind, r.Loss, r.LossOptions},
	} {
		spec, err := framework.Lookup(part.kind, part.name)
		if err != nil {
			return err
		}
		if _, err := framework.ResolveOptions(fmt.Sprintf("%s %q", part.kind, spec.Name), spec.Options, part.opts); err != nil {
			return err
		}
	}
	if _, err := framework.ParsePath(r.PathB); err != nil {
		return fmt.Errorf("path_b: %w", err)
	}
	switch {
	case r.T < 1 || r.T > 1000:
		return fmt.Errorf("T = %d is out of range; valid range is [1, 1000]", r.T)
	case r.Batch < 2:
		return fmt.Errorf("batch = %d; want at least 2, because the loss standardises over the batch", r.Batch)
	case r.Epochs < 0:
		return fmt.Errorf("epochs = %d is negative; use 0 for an untrained backbone or a positive number of epochs", r.Epochs)
	case r.LR <= 0:
		return fmt.Errorf("lr = %v; want a positive learning rate", r.LR)
	case r.FinalLR < 0 || r.FinalLR > r.LR:
		return fmt.Errorf("final_lr = %v; want within [0, lr = %v]", r.FinalLR, r.LR)
	case r.WarmupEpochs < 0 || (r.Epochs > 0 && r.WarmupEpochs > r.Epochs):
		return fmt.Errorf("warmup_epochs = %d; want within [0, epochs = %d]", r.WarmupEpochs, r.Epochs)
	case r.Momentum < 0 || r.Momentum >= 1:
		return fmt.Errorf("momentum = %v is out of range; valid range is [0, 1)", r.Momentum)
	case r.WeightDecay < 0:
		return fmt.Errorf("weight_decay = %v is negative", r.WeightDecay)
	case r.TrainLimit < 0 || r.TestLimit < 0:
		return fmt.Errorf("train_limit %d and test_limit %d must not be negative (0 means all)", r.TrainLimit, r.TestLimit)
	case r.CropScaleMin <= 0 || r.CropScaleMin > 1:
		return fmt.Errorf("crop_scale_min = %v is out of range; valid range is (0, 1]", r.CropScaleMin)
	case r.KNNEvery < 0 || r.KNNK < 1:
		return fmt.Errorf("knn_every = %d and knn_k = %d; want knn_every ≥ 0 and knn_k ≥ 1", r.KNNEvery, r.KNNK)
	}
	switch r.Optimizer {
	case "sgd", "adamw":
	default:
		return fmt.Errorf("optimizer %q is unknown; use sgd or adamw", r.Optimizer)
	}
	switch r.Augment {
	case "barlow", "none":
	default:
		return fmt.Errorf("augment %q is unknown; use barlow or none", r.Augment)
	}
	for i, w := range r.HeadWidths {
		if w < 1 {
			return fmt.Errorf("head_widths[%d] = %d; every width must be at least 1", i, w)
		}
	}
	if len(r.HeadWidths) == 0 {
		return fmt.Errorf("head_widths is empty; the CIFAR head is [2048, 1024]")
	}
	return nil
}

func setString(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

func setInt(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
