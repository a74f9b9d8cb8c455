package nn

import (
	"fmt"
	"math/rand"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
)

// Linear is a fully connected layer, y = x·W + b, on x [N, In].
// W is [In, Out]; the bias is optional.
type Linear struct {
	Name    string
	In, Out int
	W, B    *framework.Param
}

// NewLinear creates a linear layer with Kaiming-normal weights (fan-in) drawn
// from rng and a zero bias when bias is set.
func NewLinear(name string, in, out int, bias bool, rng *rand.Rand) (*Linear, error) {
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("linear layer %s: %d inputs and %d outputs; both must be at least 1", name, in, out)
	}
	l := &Linear{Name: name, In: in, Out: out}
	l.W = NewParam(name+".weight", []int{in, out}, true, true)
	KaimingNormal(rng, l.W.Data(), in)
	if bias {
		l.B = NewParam(name+".bias", []int{out}, true, false)
	}
	return l, nil
}

// Forward returns x·W + b for x [N, In].
func (l *Linear) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	if x.Dims() != 2 || x.Shape()[1] != l.In {
		return nil, fmt.Errorf("linear layer %s: input shape %v, want [N, %d]", l.Name, x.Shape(), l.In)
	}
	y, err := gorgonia.Mul(x, ParamNode(x.Graph(), l.W))
	if err != nil {
		return nil, fmt.Errorf("linear layer %s: %w", l.Name, err)
	}
	if l.B == nil {
		return y, nil
	}
	return AddBias(y, ParamNode(x.Graph(), l.B))
}

// Params returns the weight and, if present, the bias.
func (l *Linear) Params() []*framework.Param {
	if l.B == nil {
		return []*framework.Param{l.W}
	}
	return []*framework.Param{l.W, l.B}
}

// AddBias adds b [C] along axis 1 of x [N, C, …].
func AddBias(x, b *gorgonia.Node) (*gorgonia.Node, error) {
	return autograd.Apply(biasKernel{}, x, b)
}

type biasKernel struct{}

func (biasKernel) String() string { return "AddBias" }

func (biasKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in[0]) < 2 || in[1].TotalSize() != in[0][1] {
		return nil, fmt.Errorf("bias of shape %v does not match axis 1 of input %v", in[1], in[0])
	}
	return in[0].Clone(), nil
}

func (biasKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	x, b := in[0].Data().([]float32), in[1].Data().([]float32)
	shape := in[0].Shape()
	C := shape[1]
	inner := shape.TotalSize() / (shape[0] * C)
	y := make([]float32, len(x))
	for i := range x {
		y[i] = x[i] + b[(i/inner)%C]
	}
	return tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(y)), nil
}

func (biasKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	g := gradOut.Data().([]float32)
	shape := in[0].Shape()
	C := shape[1]
	inner := shape.TotalSize() / (shape[0] * C)
	gb := make([]float32, C)
	for i, v := range g {
		gb[(i/inner)%C] += v
	}
	gx := append([]float32(nil), g...)
	return []*tensor.Dense{
		tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(gx)),
		tensor.New(tensor.WithShape(in[1].Shape().Clone()...), tensor.WithBacking(gb)),
	}, nil
}
