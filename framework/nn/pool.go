package nn

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/parallel"
)

// MaxPool2d takes the maximum over kernel×kernel windows of x [N, C, H, W],
// moved by stride and with pad cells of padding on every side that never win
// the maximum. The output is [N, C, H', W'] with
// H' = (H + 2·pad − kernel)/stride + 1, rounded down. The gradient flows to
// the first maximal cell of each window (in row-major order). On spikes the
// maximum is a logical OR, so the output is again a spike tensor.
func MaxPool2d(x *gorgonia.Node, kernel, stride, pad int) (*gorgonia.Node, error) {
	if kernel < 1 || stride < 1 || pad < 0 || pad >= kernel {
		return nil, fmt.Errorf("max-pool: kernel %d, stride %d, padding %d; want kernel ≥ 1, stride ≥ 1 and 0 ≤ padding < kernel", kernel, stride, pad)
	}
	return autograd.Apply(maxPoolKernel{K: kernel, S: stride, P: pad}, x)
}

// MaxPoolOutSize returns the output size of MaxPool2d along one axis of
// length n, or a negative number when the window does not fit.
func MaxPoolOutSize(n, kernel, stride, pad int) int {
	if n+2*pad < kernel {
		return -1
	}
	return (n+2*pad-kernel)/stride + 1
}

type maxPoolKernel struct{ K, S, P int }

func (k maxPoolKernel) String() string {
	return fmt.Sprintf("MaxPool2d(kernel=%d, stride=%d, pad=%d)", k.K, k.S, k.P)
}

func (k maxPoolKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	s := in[0]
	if len(s) != 4 {
		return nil, fmt.Errorf("input shape %v, want [N, C, H, W]", s)
	}
	oh, ow := MaxPoolOutSize(s[2], k.K, k.S, k.P), MaxPoolOutSize(s[3], k.K, k.S, k.P)
	if oh < 1 || ow < 1 {
		return nil, fmt.Errorf("input %d×%d is too small for a %d×%d window with padding %d", s[2], s[3], k.K, k.K, k.P)
	}
	return tensor.Shape{s[0], s[1], oh, ow}, nil
}

// argmax returns, for every output cell, the flat input index of the first
// maximal cell in its window. Planes (n, c) are independent.
func (k maxPoolKernel) argmax(x []float32, s tensor.Shape) (idx []int, out tensor.Shape) {
	out, _ = k.InferShape([]tensor.Shape{s})
	H, W, OH, OW := s[2], s[3], out[2], out[3]
	planes := s[0] * s[1]
	idx = make([]int, planes*OH*OW)
	parallel.For(planes, 8, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			in := p * H * W
			for oy := 0; oy < OH; oy++ {
				for ox := 0; ox < OW; ox++ {
					best, bestAt := float32(math.Inf(-1)), -1
					for ky := 0; ky < k.K; ky++ {
						y := oy*k.S - k.P + ky
						if y < 0 || y >= H {
							continue
						}
						for kx := 0; kx < k.K; kx++ {
							xx := ox*k.S - k.P + kx
							if xx < 0 || xx >= W {
								continue
							}
							if v := x[in+y*W+xx]; bestAt < 0 || v > best {
								best, bestAt = v, in+y*W+xx
							}
						}
					}
					idx[(p*OH+oy)*OW+ox] = bestAt
				}
			}
		}
	})
	return idx, out
}

func (k maxPoolKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	idx, out := k.argmax(x, in[0].Shape())
	y := make([]float32, len(idx))
	for i, j := range idx {
		y[i] = x[j]
	}
	return tensor.New(tensor.WithShape(out...), tensor.WithBacking(y)), nil
}

func (k maxPoolKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	idx, _ := k.argmax(x, in[0].Shape())
	g := gradOut.Data().([]float32)
	dx := make([]float32, len(x))
	for i, j := range idx {
		dx[j] += g[i]
	}
	return []*tensor.Dense{tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.WithBacking(dx))}, nil
}
