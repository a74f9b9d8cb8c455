package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/autograd"
)

// ToTokens turns a feature map x [N, C, H, W] into a token matrix
// [N·H·W, C]: row n·H·W + y·W + x is the C-vector at position (y, x) of
// sample n. Linear layers and batch-norm then act on every token at once.
func ToTokens(x *gorgonia.Node) (*gorgonia.Node, error) {
	return autograd.Apply(toTokensKernel{}, x)
}

// MeanTokens averages a token matrix x [N·L, D] over the L tokens of each
// sample, giving [N, D].
func MeanTokens(x *gorgonia.Node, L int) (*gorgonia.Node, error) {
	return autograd.Apply(meanTokensKernel{L: L}, x)
}

type toTokensKernel struct{}

func (toTokensKernel) String() string { return "ToTokens" }

func (toTokensKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	s := in[0]
	if len(s) != 4 {
		return nil, fmt.Errorf("input shape %v, want [N, C, H, W]", s)
	}
	return tensor.Shape{s[0] * s[2] * s[3], s[1]}, nil
}

// transposeCL converts [N, C, L] to [N, L, C] when fromCL is set, and
// [N, L, C] back to [N, C, L] otherwise.
func transposeCL(src []float32, N, C, L int, fromCL bool) []float32 {
	dst := make([]float32, len(src))
	for n := 0; n < N; n++ {
		base := n * C * L
		for c := 0; c < C; c++ {
			for l := 0; l < L; l++ {
				if fromCL {
					dst[base+l*C+c] = src[base+c*L+l]
				} else {
					dst[base+c*L+l] = src[base+l*C+c]
				}
			}
		}
	}
	return dst
}

func (toTokensKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	s := in[0].Shape()
	N, C, L := s[0], s[1], s[2]*s[3]
	y := transposeCL(in[0].Data().([]float32), N, C, L, true)
	return tensor.New(tensor.WithShape(N*L, C), tensor.WithBacking(y)), nil
}

func (toTokensKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	s := in[0].Shape()
	N, C, L := s[0], s[1], s[2]*s[3]
	dx := transposeCL(gradOut.Data().([]float32), N, C, L, false)
	return []*tensor.Dense{tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(dx))}, nil
}

type meanTokensKernel struct{ L int }

func (k meanTokensKernel) String() string { return fmt.Sprintf("MeanTokens(L=%d)", k.L) }

func (k meanTokensKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	s := in[0]
	if len(s) != 2 || k.L < 1 || s[0]%k.L != 0 {
		return nil, fmt.Errorf("input shape %v, want [N·%d, D]", s, k.L)
	}
	return tensor.Shape{s[0] / k.L, s[1]}, nil
}

func (k meanTokensKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	s := in[0].Shape()
	N, D := s[0]/k.L, s[1]
	y := make([]float32, N*D)
	for n := 0; n < N; n++ {
		row := y[n*D : (n+1)*D]
		for l := 0; l < k.L; l++ {
			for d, v := range x[(n*k.L+l)*D : (n*k.L+l+1)*D] {
				row[d] += v
			}
		}
		for d := range row {
			row[d] /= float32(k.L)
		}
	}
	return tensor.New(tensor.WithShape(N, D), tensor.WithBacking(y)), nil
}

func (k meanTokensKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	s := in[0].Shape()
	D := s[1]
	g := gradOut.Data().([]float32)
	dx := make([]float32, s.TotalSize())
	for r := 0; r < s[0]; r++ {
		n := r / k.L
		for d := 0; d < D; d++ {
			dx[r*D+d] = g[n*D+d] / float32(k.L)
		}
	}
	return []*tensor.Dense{tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(dx))}, nil
}
