package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/autograd"
)

// GlobalAvgPool averages x [N, C, H, W] (or any [N, C, …]) over every axis
// after the second, giving [N, C]. It replaces gorgonia's
// GlobalAveragePool2D, which has no gradient, and tensor reductions over
// middle axes, which return wrong values for tensors with two or more
// leading axes in gorgonia.org/tensor v0.9.24.
func GlobalAvgPool(x *gorgonia.Node) (*gorgonia.Node, error) {
	return autograd.Apply(gapKernel{}, x)
}

type gapKernel struct{}

func (gapKernel) String() string { return "GlobalAvgPool" }

func (gapKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in[0]) < 3 {
		return nil, fmt.Errorf("input shape %v, want [N, C, H, W] or [N, C, L]", in[0])
	}
	return tensor.Shape{in[0][0], in[0][1]}, nil
}

func (gapKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	shape := in[0].Shape()
	rows := shape[0] * shape[1]
	inner := len(x) / rows
	y := make([]float32, rows)
	for r := range y {
		var sum float32
		for _, v := range x[r*inner : (r+1)*inner] {
			sum += v
		}
		y[r] = sum / float32(inner)
	}
	return tensor.New(tensor.WithShape(shape[0], shape[1]), tensor.WithBacking(y)), nil
}

func (k gapKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	return k.BackwardAlloc(in, gradOut, autograd.MakeAlloc)
}

// ForwardAlloc is Forward: its output is small.
func (k gapKernel) ForwardAlloc(in []*tensor.Dense, _ autograd.Alloc) (*tensor.Dense, error) {
	return k.Forward(in)
}

// BackwardAlloc is Backward with ∂x taken from alloc.
func (gapKernel) BackwardAlloc(in []*tensor.Dense, gradOut *tensor.Dense, alloc autograd.Alloc) ([]*tensor.Dense, error) {
	g := gradOut.Data().([]float32)
	shape := in[0].Shape()
	inner := shape.TotalSize() / len(g)
	gx := alloc(shape.TotalSize())
	for r, v := range g {
		v /= float32(inner)
		row := gx[r*inner : (r+1)*inner]
		for i := range row {
			row[i] = v
		}
	}
	return []*tensor.Dense{tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(gx))}, nil
}
