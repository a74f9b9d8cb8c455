package metrics

import (
	"fmt"

	"github.com/snnlab/snnlab/framework/infer"
)

// MeasuredSynOps builds the synaptic-operation count from what the
// event-driven engine measured (infer.Engine.Counts) instead of from
// recorded spike maps and a layer description. Every neuron layer's
// SynOps[t] is the accumulates the convolutions reading its spikes
// (through pooling) did at step t, per sample: each spike times the output
// pixels and channels it reached, the same fan-out weighting SynOpCounter
// applies. InputMACs and DenseMACs are per sample and step, as in SynOps.
// It works for any backbone the engine runs, not only the ResNets.
//
// NOTE: a convolution that reads average-pooled spikes runs as
// multiply-accumulates on the pooled values. Its operations are booked as
// synaptic operations of the neuron layer it reads.
func MeasuredSynOps(c infer.Counts) (SynOps, error) {
	if c.Images < 1 {
		return SynOps{}, fmt.Errorf("measured operation counts: no images were run; run the engine before reading its counts")
	}
	n := float64(c.Images)
	s := SynOps{Samples: int(c.Images), T: c.T}
	index := map[string]int{}
	for _, l := range c.Layers {
		if l.Kind != "neuron" {
			continue
		}
		lo := LayerOps{Name: l.Name, Neurons: l.Neurons, Rates: make([]float64, c.T), SynOps: make([]float64, c.T)}
		for t := 0; t < c.T && t < len(l.StepSpikes); t++ {
			lo.Rates[t] = float64(l.StepSpikes[t]) / (n * float64(l.Neurons))
		}
		index[l.Name] = len(s.Layers)
		s.Layers = append(s.Layers, lo)
	}
	for _, l := range c.Layers {
		if l.Kind != "conv2d" {
			continue
		}
		s.DenseMACs += l.DenseMACs
		k, ok := index[l.Source]
		if !ok {
			if l.Input != "input" {
				return SynOps{}, fmt.Errorf("measured operation counts: convolution %s reads %s, which carries no spikes and is not the input image", l.Name, l.Input)
			}
			s.InputMACs += l.DenseMACs
			continue
		}
		for t := 0; t < c.T && t < len(l.StepOps); t++ {
			s.Layers[k].SynOps[t] += float64(l.StepOps[t]) / n
		}
	}
	return s, nil
}
