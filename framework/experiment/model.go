package experiment

import (
	"fmt"
	"math/rand"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/framework/train"
)

// NewModel builds the backbone and projection head a resolved Config names,
// with weights drawn from a generator seeded by the config's seed, so the
// same config always starts from the same weights. A non-nil recorder
// measures the spike rate of every neuron layer.
func NewModel(cfg Config, input framework.InputShape, spikes *eval.SpikeRecorder) (*train.Model, error) {
	rng := rand.New(rand.NewSource(cfg.Seed))
	newNeuron := func() (framework.Neuron, error) {
		return framework.NewNeuron(cfg.Neuron, cfg.NeuronOptions)
	}
	if spikes != nil {
		newNeuron = spikes.Wrap(newNeuron)
	}
	backbone, err := framework.NewBackbone(cfg.Backbone, cfg.BackboneOptions, framework.BackboneConfig{
		Input: input, NewNeuron: newNeuron, RNG: rng,
	})
	if err != nil {
		return nil, err
	}
	head, err := nn.NewProjectionHead(backbone.FeatureDim(), cfg.HeadWidths, rng)
	if err != nil {
		return nil, err
	}
	model := &train.Model{Backbone: backbone, Head: head}
	if err := nn.CheckUniqueNames(model.Params()); err != nil {
		return nil, fmt.Errorf("model of run %q: %w", cfg.Name, err)
	}
	return model, nil
}

// pathB returns the path view B runs on.
func (c Config) pathB() framework.Path {
	p, _ := framework.ParsePath(c.PathB)
	return p
}
