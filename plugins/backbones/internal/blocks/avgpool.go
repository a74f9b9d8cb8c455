package blocks

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/parallel"
)

// AvgPool2d averages non-overlapping k×k windows of x [N, C, H, W] with
// H and W multiples of k, giving [N, C, H/k, W/k]. Unlike max-pool it is
// linear, so a hardware target can fold it into the next layer's weights.
// On spikes its output is a spike rate, not a spike.
func AvgPool2d(x *gorgonia.Node, k int) (*gorgonia.Node, error) {
	if k < 1 {
		return nil, fmt.Errorf("average pool: window %d, want at least 1", k)
	}
	return autograd.Apply(avgPoolKernel{K: k}, x)
}

type avgPoolKernel struct{ K int }

func (k avgPoolKernel) String() string { return fmt.Sprintf("AvgPool2d(%d)", k.K) }

func (k avgPoolKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	s := in[0]
	if len(s) != 4 {
		return nil, fmt.Errorf("input shape %v, want [N, C, H, W]", s)
	}
	if s[2]%k.K != 0 || s[3]%k.K != 0 || s[2] < k.K || s[3] < k.K {
		return nil, fmt.Errorf("input %d×%d is not a multiple of the %d×%d average-pool window", s[2], s[3], k.K, k.K)
	}
	return tensor.Shape{s[0], s[1], s[2] / k.K, s[3] / k.K}, nil
}

func (k avgPoolKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	s := in[0].Shape()
	out, err := k.InferShape([]tensor.Shape{s})
	if err != nil {
		return nil, err
	}
	x := in[0].Data().([]float32)
	H, W, OH, OW := s[2], s[3], out[2], out[3]
	y := make([]float32, out.TotalSize())
	scale := 1 / float32(k.K*k.K)
	parallel.For(s[0]*s[1], 8, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src, dst := x[p*H*W:(p+1)*H*W], y[p*OH*OW:(p+1)*OH*OW]
			for oy := 0; oy < OH; oy++ {
				for ox := 0; ox < OW; ox++ {
					var sum float32
					for dy := 0; dy < k.K; dy++ {
						row := src[(oy*k.K+dy)*W+ox*k.K:]
						for dx := 0; dx < k.K; dx++ {
							sum += row[dx]
						}
					}
					dst[oy*OW+ox] = sum * scale
				}
			}
		}
	})
	return tensor.New(tensor.WithShape(out...), tensor.WithBacking(y)), nil
}

func (k avgPoolKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	s := in[0].Shape()
	g := gradOut.Data().([]float32)
	H, W := s[2], s[3]
	OH, OW := H/k.K, W/k.K
	dx := make([]float32, s.TotalSize())
	scale := 1 / float32(k.K*k.K)
	parallel.For(s[0]*s[1], 8, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src, dst := g[p*OH*OW:(p+1)*OH*OW], dx[p*H*W:(p+1)*H*W]
			for y := 0; y < H; y++ {
				for x := 0; x < W; x++ {
					dst[y*W+x] = src[(y/k.K)*OW+x/k.K] * scale
				}
			}
		}
	})
	return []*tensor.Dense{tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(dx))}, nil
}
