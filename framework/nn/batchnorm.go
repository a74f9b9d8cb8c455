package nn

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/parallel"
)

// BatchNorm normalises each channel of x [N, C, …] over the batch and every
// axis after the channel axis, then applies a learned scale γ and shift β:
//
//	y = γ·(x − μ)/√(σ² + ε) + β
//
// In training mode μ and σ² are the batch statistics (biased variance) and
// the running statistics move towards them with Momentum, using the unbiased
// variance as PyTorch does; in evaluation mode the running statistics are
// used. On time-folded input N = T·B, so the statistics cover every time
// step.
type BatchNorm struct {
	Name        string
	C           int
	Eps         float64
	Momentum    float64
	Gamma, Beta *framework.Param
	RunningMean *framework.Param // buffer
	RunningVar  *framework.Param // buffer
}

// NewBatchNorm creates a batch-norm layer for C channels with γ = 1, β = 0,
// running mean 0 and running variance 1.
func NewBatchNorm(name string, C int) (*BatchNorm, error) {
	if C < 1 {
		return nil, fmt.Errorf("batch-norm %s: %d channels, want at least 1", name, C)
	}
	bn := &BatchNorm{Name: name, C: C, Eps: 1e-5, Momentum: 0.1}
	bn.Gamma = NewParam(name+".weight", []int{C}, true, false)
	bn.Beta = NewParam(name+".bias", []int{C}, true, false)
	bn.RunningMean = NewParam(name+".running_mean", []int{C}, false, false)
	bn.RunningVar = NewParam(name+".running_var", []int{C}, false, false)
	Fill(bn.Gamma.Data(), 1)
	Fill(bn.RunningVar.Data(), 1)
	return bn, nil
}

// Params returns γ, β and the two running-statistic buffers.
func (bn *BatchNorm) Params() []*framework.Param {
	return []*framework.Param{bn.Gamma, bn.Beta, bn.RunningMean, bn.RunningVar}
}

// Forward normalises x [N, C, …]. train selects batch statistics (and
// updates the running ones) over running statistics.
func (bn *BatchNorm) Forward(x *gorgonia.Node, train bool) (*gorgonia.Node, error) {
	if x.Dims() < 2 || x.Shape()[1] != bn.C {
		return nil, fmt.Errorf("batch-norm %s: input shape %v, want [N, %d, …]", bn.Name, x.Shape(), bn.C)
	}
	g := x.Graph()
	k := &bnKernel{bn: bn, train: train}
	return autograd.Apply(k, x, ParamNode(g, bn.Gamma), ParamNode(g, bn.Beta))
}

type bnKernel struct {
	bn    *BatchNorm
	train bool
}

func (k *bnKernel) String() string {
	return fmt.Sprintf("BatchNorm(%s, train=%v)", k.bn.Name, k.train)
}

func (k *bnKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in[0]) < 2 || in[0][1] != k.bn.C {
		return nil, fmt.Errorf("input shape %v, want [N, %d, …]", in[0], k.bn.C)
	}
	return in[0].Clone(), nil
}

// layout returns N, C and the size of the axes after the channel.
func layout(s tensor.Shape) (N, C, inner int) {
	N, C = s[0], s[1]
	return N, C, s.TotalSize() / (N * C)
}

// stats returns the per-channel mean and 1/√(σ² + ε) used for x, and the
// biased batch variance.
func (k *bnKernel) stats(x []float32, shape tensor.Shape) (mean, invStd, variance []float64) {
	N, C, inner := layout(shape)
	mean, invStd, variance = make([]float64, C), make([]float64, C), make([]float64, C)
	if !k.train {
		rm, rv := k.bn.RunningMean.Data(), k.bn.RunningVar.Data()
		for c := 0; c < C; c++ {
			mean[c] = float64(rm[c])
			variance[c] = float64(rv[c])
			invStd[c] = 1 / math.Sqrt(variance[c]+k.bn.Eps)
		}
		return
	}
	M := float64(N * inner)
	parallel.For(C, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			var sum float64
			for n := 0; n < N; n++ {
				for _, v := range x[(n*C+c)*inner : (n*C+c+1)*inner] {
					sum += float64(v)
				}
			}
			mu := sum / M
			var sq float64
			for n := 0; n < N; n++ {
				for _, v := range x[(n*C+c)*inner : (n*C+c+1)*inner] {
					d := float64(v) - mu
					sq += d * d
				}
			}
			mean[c], variance[c] = mu, sq/M
			invStd[c] = 1 / math.Sqrt(variance[c]+k.bn.Eps)
		}
	})
	return
}

func (k *bnKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	gamma, beta := in[1].Data().([]float32), in[2].Data().([]float32)
	shape := in[0].Shape()
	N, C, inner := layout(shape)
	mean, invStd, variance := k.stats(x, shape)

	y := make([]float32, len(x))
	parallel.For(N*C, 4, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			c := r % C
			scale := float64(gamma[c]) * invStd[c]
			shift := float64(beta[c]) - mean[c]*scale
			for i := r * inner; i < (r+1)*inner; i++ {
				y[i] = float32(float64(x[i])*scale + shift)
			}
		}
	})

	if k.train {
		k.updateRunning(mean, variance, N*inner)
	}
	return tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(y)), nil
}

func (k *bnKernel) updateRunning(mean, variance []float64, M int) {
	rm, rv := k.bn.RunningMean.Data(), k.bn.RunningVar.Data()
	unbias := 1.0
	if M > 1 {
		unbias = float64(M) / float64(M-1)
	}
	m := k.bn.Momentum
	for c := range rm {
		rm[c] = float32((1-m)*float64(rm[c]) + m*mean[c])
		rv[c] = float32((1-m)*float64(rv[c]) + m*variance[c]*unbias)
	}
}

// Backward uses the batch statistics in training mode, where μ and σ depend
// on x:
//
//	∂x = γ/σ · (∂y − mean(∂y) − x̂·mean(∂y·x̂))
//
// and the fixed running statistics in evaluation mode, where ∂x = γ/σ · ∂y.
func (k *bnKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	gamma := in[1].Data().([]float32)
	dy := gradOut.Data().([]float32)
	shape := in[0].Shape()
	N, C, inner := layout(shape)
	mean, invStd, _ := k.stats(x, shape)
	M := float64(N * inner)

	dx := make([]float32, len(x))
	dGamma := make([]float32, C)
	dBeta := make([]float32, C)
	parallel.For(C, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			var sumDy, sumDyXhat float64
			for n := 0; n < N; n++ {
				base := (n*C + c) * inner
				for i := base; i < base+inner; i++ {
					xhat := (float64(x[i]) - mean[c]) * invStd[c]
					sumDy += float64(dy[i])
					sumDyXhat += float64(dy[i]) * xhat
				}
			}
			dGamma[c], dBeta[c] = float32(sumDyXhat), float32(sumDy)

			scale := float64(gamma[c]) * invStd[c]
			for n := 0; n < N; n++ {
				base := (n*C + c) * inner
				for i := base; i < base+inner; i++ {
					if !k.train {
						dx[i] = float32(scale * float64(dy[i]))
						continue
					}
					xhat := (float64(x[i]) - mean[c]) * invStd[c]
					dx[i] = float32(scale * (float64(dy[i]) - sumDy/M - xhat*sumDyXhat/M))
				}
			}
		}
	})
	return []*tensor.Dense{
		tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(dx)),
		tensor.New(tensor.WithShape(C), tensor.WithBacking(dGamma)),
		tensor.New(tensor.WithShape(C), tensor.WithBacking(dBeta)),
	}, nil
}
