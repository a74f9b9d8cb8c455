package blocks

import (
	"github.com/snnlab/snnlab/framework"
)

// copyOf returns a copy of p's values, so a described network does not
// change when training goes on.
func copyOf(p *framework.Param) []float32 {
	return append([]float32(nil), p.Data()...)
}

// Describe returns the convolution and its batch-norm as two layers, the
// convolution reading input. The batch-norm layer's name is the one to
// read its output by.
func (u *ConvBN) Describe(input string) []framework.Layer {
	c, bn := u.Conv, u.BN
	conv := framework.Layer{
		Name:    c.Name,
		Kind:    "conv2d",
		Inputs:  inputs(input),
		Weights: map[string][]float32{"weight": copyOf(c.Weight)},
		Shapes:  map[string][]int{"weight": {c.Out, c.In, c.Kernel, c.Kernel}},
		Attrs:   map[string]float64{"kernel": float64(c.Kernel), "stride": float64(c.Stride), "padding": float64(c.Pad)},
	}
	norm := framework.Layer{
		Name:   bn.Name,
		Kind:   "batchnorm",
		Inputs: []string{c.Name},
		Weights: map[string][]float32{
			"weight":       copyOf(bn.Gamma),
			"bias":         copyOf(bn.Beta),
			"running_mean": copyOf(bn.RunningMean),
			"running_var":  copyOf(bn.RunningVar),
		},
		Shapes: map[string][]int{"weight": {bn.C}, "bias": {bn.C}, "running_mean": {bn.C}, "running_var": {bn.C}},
		Attrs:  map[string]float64{"eps": bn.Eps},
	}
	return []framework.Layer{conv, norm}
}

// Describe returns the neuron place as a neuron layer reading input, with
// its learned parameters under their spec names. The parameter names are
// label.spec (see NewSpike).
func (s *Spike) Describe(input string) framework.Layer {
	l := framework.Layer{
		Name:    s.Label,
		Kind:    "neuron",
		Inputs:  inputs(input),
		Weights: map[string][]float32{},
		Shapes:  map[string][]int{},
	}
	for _, p := range s.Params {
		spec := p.Name[len(s.Label)+1:]
		l.Weights[spec] = copyOf(p)
		l.Shapes[spec] = []int{len(p.Data())}
	}
	return l
}

// Pool returns a pooling layer of the given kind ("maxpool" or "avgpool")
// reading input, with a square window.
func Pool(name, kind, input string, kernel, stride, pad int) framework.Layer {
	return framework.Layer{
		Name:   name,
		Kind:   kind,
		Inputs: inputs(input),
		Attrs:  map[string]float64{"kernel": float64(kernel), "stride": float64(stride), "padding": float64(pad)},
	}
}

// GlobalPool returns the final average pool over a whole h×w map.
func GlobalPool(input string, h, w int) framework.Layer {
	return framework.Layer{
		Name:   "avgpool",
		Kind:   "avgpool",
		Inputs: inputs(input),
		Attrs: map[string]float64{
			"kernel_h": float64(h), "kernel_w": float64(w),
			"stride_h": float64(h), "stride_w": float64(w), "padding": 0,
		},
	}
}

// inputs is the Inputs list of a layer reading input; the network input
// is the empty name.
func inputs(input string) []string {
	if input == "" {
		return nil
	}
	return []string{input}
}
