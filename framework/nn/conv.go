package nn

import (
	"fmt"
	"math/rand"

	"gorgonia.org/gorgonia"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
)

// Conv2d is a 2-D convolution without bias, x [N, In, H, W] → [N, Out, H', W']
// with H' = (H + 2·Pad − Kernel)/Stride + 1 (rounded down), and likewise W'.
// The weight is [Out, In, Kernel, Kernel]. It has no bias because every
// convolution in the backbones is followed by batch-norm, whose shift β
// takes that role.
type Conv2d struct {
	Name                string
	In, Out             int
	Kernel, Stride, Pad int
	Weight              *framework.Param
}

// NewConv2d creates a convolution with Kaiming-normal weights drawn from rng
// with fan-out = Out·Kernel² (the mode ResNet implementations use for
// convolutions followed by batch-norm and a ReLU-like unit).
func NewConv2d(name string, in, out, kernel, stride, pad int, rng *rand.Rand) (*Conv2d, error) {
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("convolution %s: %d input and %d output channels; both must be at least 1", name, in, out)
	}
	if kernel < 1 || stride < 1 || pad < 0 {
		return nil, fmt.Errorf("convolution %s: kernel %d, stride %d, padding %d; want kernel ≥ 1, stride ≥ 1, padding ≥ 0", name, kernel, stride, pad)
	}
	c := &Conv2d{Name: name, In: in, Out: out, Kernel: kernel, Stride: stride, Pad: pad}
	c.Weight = NewParam(name+".weight", []int{out, in, kernel, kernel}, true, true)
	KaimingNormal(rng, c.Weight.Data(), out*kernel*kernel)
	return c, nil
}

// OutSize returns the spatial size of the output for an h×w input, or an
// error when the kernel does not fit the padded input.
func (c *Conv2d) OutSize(h, w int) (int, int, error) {
	oh := (h+2*c.Pad-c.Kernel)/c.Stride + 1
	ow := (w+2*c.Pad-c.Kernel)/c.Stride + 1
	if h+2*c.Pad < c.Kernel || w+2*c.Pad < c.Kernel {
		return 0, 0, fmt.Errorf("convolution %s: input %d×%d is smaller than its %d×%d kernel with padding %d", c.Name, h, w, c.Kernel, c.Kernel, c.Pad)
	}
	return oh, ow, nil
}

// Forward convolves x [N, In, H, W].
//
// NOTE: this runs snnlab's im2col convolution kernel, checked against finite
// differences; a faster fused kernel can replace it behind this method.
func (c *Conv2d) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	s := x.Shape()
	if len(s) != 4 || s[1] != c.In {
		return nil, fmt.Errorf("convolution %s: input shape %v, want [N, %d, H, W]", c.Name, s, c.In)
	}
	if _, _, err := c.OutSize(s[2], s[3]); err != nil {
		return nil, err
	}
	w := ParamNode(x.Graph(), c.Weight)
	y, err := autograd.Apply(&convKernel{name: c.Name, kernel: c.Kernel, stride: c.Stride, pad: c.Pad}, x, w)
	if err != nil {
		return nil, fmt.Errorf("convolution %s on input %v: %w", c.Name, s, err)
	}
	return y, nil
}

// Params returns the weight.
func (c *Conv2d) Params() []*framework.Param { return []*framework.Param{c.Weight} }
