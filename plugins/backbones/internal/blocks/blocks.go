// Package blocks holds the pieces every spiking backbone is assembled from:
// a neuron place with its own neuron and learnable neuron parameters, a
// convolution followed by batch-norm, the width options shared by all
// backbones, and the input checks of Forward. It does not define any
// architecture; the resnet, vgg and spikformer packages do.
package blocks

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/nn"
)

// Params collects the parameters of a backbone in construction order.
type Params struct {
	list []*framework.Param
}

// Add appends ps.
func (p *Params) Add(ps ...*framework.Param) { p.list = append(p.list, ps...) }

// List returns the parameters after checking that their names are unique.
func (p *Params) List() ([]*framework.Param, error) {
	if err := nn.CheckUniqueNames(p.list); err != nil {
		return nil, err
	}
	return p.list, nil
}

// Spike is one neuron place: where a ReLU or GELU sits in the non-spiking
// architecture. Each place owns its neuron, so neurons with per-layer
// parameters (PLIF's decay) learn them per place.
type Spike struct {
	Label  string
	Neuron framework.Neuron
	Params []*framework.Param // learnable neuron parameters, no weight decay
}

// NewSpike builds the neuron of place label from cfg.NewNeuron and turns
// each of its parameter specs into a learnable framework.Param named
// label.spec, filled with the spec's initial value.
func NewSpike(label string, cfg framework.BackboneConfig, params *Params) (*Spike, error) {
	n, err := cfg.NewNeuron()
	if err != nil {
		return nil, fmt.Errorf("neuron at %s: %w", label, err)
	}
	s := &Spike{Label: label, Neuron: n}
	for _, spec := range n.Params() {
		if spec.Size < 1 {
			return nil, fmt.Errorf("neuron at %s: parameter %q has %d elements, want at least 1", label, spec.Name, spec.Size)
		}
		p := nn.NewParam(label+"."+spec.Name, []int{spec.Size}, true, false)
		nn.Fill(p.Data(), spec.Init)
		s.Params = append(s.Params, p)
	}
	params.Add(s.Params...)
	return s, nil
}

// Forward runs the neuron over the T time steps folded into x [T·B, …].
func (s *Spike) Forward(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	return autograd.NeuronNode(s.Neuron, s.Label, pass.Path, pass.T, x, nn.ParamNodes(x.Graph(), s.Params)...)
}

// ConvBN is a bias-free convolution followed by batch-norm.
type ConvBN struct {
	Conv *nn.Conv2d
	BN   *nn.BatchNorm
}

// NewConvBN creates a convolution named conv and a batch-norm named bn and
// adds their parameters to params.
func NewConvBN(conv, bn string, in, out, kernel, stride, pad int, cfg framework.BackboneConfig, params *Params) (*ConvBN, error) {
	c, err := nn.NewConv2d(conv, in, out, kernel, stride, pad, cfg.RNG)
	if err != nil {
		return nil, err
	}
	b, err := nn.NewBatchNorm(bn, out)
	if err != nil {
		return nil, err
	}
	params.Add(c.Params()...)
	params.Add(b.Params()...)
	return &ConvBN{Conv: c, BN: b}, nil
}

// OutSize returns the output size of the convolution for an h×w input.
func (u *ConvBN) OutSize(h, w int) (int, int, error) { return u.Conv.OutSize(h, w) }

// Forward returns BN(conv(x)) for x [T·B, In, H, W].
func (u *ConvBN) Forward(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	y, err := u.Conv.Forward(x)
	if err != nil {
		return nil, err
	}
	return u.BN.Forward(y, pass.Train)
}

// Channels returns round(base·width), the channel count of a layer whose
// unscaled width is base, or an error naming the width option when the
// product rounds to zero. layer names the layer in the error.
func Channels(layer string, base int, width float64) (int, error) {
	c := int(math.Round(float64(base) * width))
	if c < 1 {
		return 0, fmt.Errorf("option width: value %g gives %s %d × %g = %.3g channels, which rounds to 0; use width ≥ %.3g or a larger base_width",
			width, layer, base, width, float64(base)*width, 0.5/float64(base))
	}
	return c, nil
}

// Width options shared by the backbones. The caller sets the default of
// base_width to its architecture's first-stage width.
const (
	OptWidth     = "width"
	OptBaseWidth = "base_width"
	OptStages    = "stages"
	OptBlocks    = "blocks_per_stage"
)

// WidthOption declares the width multiplier.
func WidthOption() framework.OptionSpec {
	o := framework.FloatOption(OptWidth, 1.0, 0, 64, "", "multiplier applied to every channel count (rounded to the nearest integer); 0.25 gives a quarter-width network")
	o.MinOpen = true
	return o
}

// CheckInput validates x against the backbone's input shape: x must be
// [T·B, C, H, W] with C = want.C and a leading axis that folds pass.T time
// steps. It returns B, H and W. Spatial sizes may differ from want.H and
// want.W; each architecture checks what it can take.
func CheckInput(name string, x *gorgonia.Node, pass framework.Pass, want framework.InputShape) (B, H, W int, err error) {
	s := x.Shape()
	if len(s) != 4 {
		return 0, 0, 0, fmt.Errorf("%s: input shape %v, want [T·B, C, H, W]", name, s)
	}
	if pass.T < 1 || s[0]%pass.T != 0 || s[0] == 0 {
		return 0, 0, 0, fmt.Errorf("%s: input shape %v: leading axis %d does not fold T = %d time steps", name, s, s[0], pass.T)
	}
	if s[1] != want.C {
		return 0, 0, 0, fmt.Errorf("%s: input has %d channels, the backbone was built for %d (input shape %v); set the input shape to the data's channel count", name, s[1], want.C, s)
	}
	return s[0] / pass.T, s[2], s[3], nil
}

// CheckShape validates the configured input shape of a factory.
func CheckShape(in framework.InputShape) error {
	if in.C < 1 || in.H < 1 || in.W < 1 {
		return fmt.Errorf("input shape [C=%d, H=%d, W=%d] has an empty axis", in.C, in.H, in.W)
	}
	return nil
}
