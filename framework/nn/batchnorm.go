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

// channelSums returns, for channel c, Σ(x − s) and Σ(x − s)² over the
// batch and the inner axes, with the shift s = the channel's first value,
// which keeps the variance from cancelling when the mean is large. With dy
// it also returns Σdy and Σdy·(x − s). One pass reads each element once.
func channelSums(x, dy []float32, N, C, inner, c int) (shift, sx, sxx, sdy, sdyx float64) {
	shift = float64(x[c*inner])
	s := float32(shift)
	for n := 0; n < N; n++ {
		for lo := 0; lo < inner; lo += sumChunk {
			hi := min(lo+sumChunk, inner)
			a, aa, b, bx := chunkSums(x[(n*C+c)*inner+lo:(n*C+c)*inner+hi], dy, (n*C+c)*inner+lo, s)
			sx += float64(a)
			sxx += float64(aa)
			sdy += float64(b)
			sdyx += float64(bx)
		}
	}
	return
}

// sumChunk bounds the run of values summed in float32 before the sum moves
// to float64.
const sumChunk = 1024

// chunkSums returns Σd, Σd², Σg and Σg·d over row with d = x − s and g the
// matching values of dy from offset base on (zero sums when dy is nil).
func chunkSums(row, dy []float32, base int, s float32) (a, aa, b, bx float32) {
	if n8 := len(row) &^ 7; n8 > 0 && haveVectorKernel {
		if dy == nil {
			a, aa = sumsRow(&row[0], n8, s)
		} else {
			g := dy[base : base+n8]
			a, aa, b, bx = sumsRow2(&row[0], &g[0], n8, s)
		}
		row, base = row[n8:], base+n8
	}
	{
		if dy == nil {
			for _, v := range row {
				d := v - s
				a += d
				aa += d * d
			}
		} else {
			g := dy[base : base+len(row)]
			for i, v := range row {
				d := v - s
				a += d
				aa += d * d
				b += g[i]
				bx += g[i] * d
			}
		}
	}
	return
}

// stats returns the per-channel mean and 1/√(σ² + ε) used for x, and the
// biased batch variance. With dy (training mode only) it also returns the
// per-channel Σdy and Σdy·x̂ that the backward pass needs, from the same
// pass over x.
func (k *bnKernel) stats(x, dy []float32, shape tensor.Shape) (mean, invStd, variance, sumDy, sumDyXhat []float64) {
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
	if dy != nil {
		sumDy, sumDyXhat = make([]float64, C), make([]float64, C)
	}
	M := float64(N * inner)
	parallel.For(C, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			shift, sx, sxx, sdy, sdyx := channelSums(x, dy, N, C, inner, c)
			d := sx / M // mean − shift
			mean[c] = shift + d
			variance[c] = max(sxx/M-d*d, 0)
			invStd[c] = 1 / math.Sqrt(variance[c]+k.bn.Eps)
			if dy != nil {
				// Σdy·(x − μ) = Σdy·(x − s) − (μ − s)·Σdy.
				sumDy[c] = sdy
				sumDyXhat[c] = (sdyx - d*sdy) * invStd[c]
			}
		}
	})
	return
}

// affine writes out[i] = a·u[i] + b·v[i] + c over each channel's rows,
// with per-channel float32 coefficients; v may be nil when b is zero.
func affine(out, u, v []float32, N, C, inner int, a, b, c []float32) {
	parallel.For(N*C, 4, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ch := r % C
			ac, bc, cc := a[ch], b[ch], c[ch]
			dst := out[r*inner : (r+1)*inner]
			src := u[r*inner : (r+1)*inner]
			src = src[:len(dst)]
			var w []float32
			if v != nil {
				w = v[r*inner : (r+1)*inner]
				w = w[:len(dst)]
			}
			if n8 := len(dst) &^ 7; n8 > 0 && haveVectorKernel {
				var wp *float32
				if w != nil {
					wp = &w[0]
					w = w[n8:]
				}
				affineRow(&dst[0], &src[0], wp, n8, ac, bc, cc)
				dst, src = dst[n8:], src[n8:]
			}
			if w == nil {
				for i := range dst {
					dst[i] = ac*src[i] + cc
				}
				continue
			}
			for i := range dst {
				dst[i] = ac*src[i] + bc*w[i] + cc
			}
		}
	})
}

func (k *bnKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	return k.ForwardAlloc(in, autograd.MakeAlloc)
}

// ForwardAlloc is Forward with the output taken from alloc.
func (k *bnKernel) ForwardAlloc(in []*tensor.Dense, alloc autograd.Alloc) (*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	gamma, beta := in[1].Data().([]float32), in[2].Data().([]float32)
	shape := in[0].Shape()
	N, C, inner := layout(shape)
	mean, invStd, variance, _, _ := k.stats(x, nil, shape)

	// y = scale·x + shift per channel.
	scale, zero, shift := make([]float32, C), make([]float32, C), make([]float32, C)
	for c := 0; c < C; c++ {
		s := float64(gamma[c]) * invStd[c]
		scale[c] = float32(s)
		shift[c] = float32(float64(beta[c]) - mean[c]*s)
	}
	y := alloc(len(x))
	affine(y, x, nil, N, C, inner, scale, zero, shift)

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
// In both modes ∂x is affine in ∂y and x per channel, so it takes one pass
// after the one that gathers the statistics and the sums.
func (k *bnKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	return k.BackwardAlloc(in, gradOut, autograd.MakeAlloc)
}

// BackwardAlloc is Backward with ∂x taken from alloc.
func (k *bnKernel) BackwardAlloc(in []*tensor.Dense, gradOut *tensor.Dense, alloc autograd.Alloc) ([]*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	gamma := in[1].Data().([]float32)
	dy := gradOut.Data().([]float32)
	shape := in[0].Shape()
	N, C, inner := layout(shape)
	M := float64(N * inner)

	var mean, invStd, sumDy, sumDyXhat []float64
	if k.train {
		mean, invStd, _, sumDy, sumDyXhat = k.stats(x, dy, shape)
	} else {
		mean, invStd, _, _, _ = k.stats(x, nil, shape)
		// Σdy and Σdy·x̂ for ∂γ and ∂β, by channel.
		sumDy, sumDyXhat = make([]float64, C), make([]float64, C)
		parallel.For(C, 1, func(lo, hi int) {
			for c := lo; c < hi; c++ {
				var sdy, sdyx float64
				for n := 0; n < N; n++ {
					for lo := 0; lo < inner; lo += sumChunk {
						base := (n*C+c)*inner + lo
						hi := min(lo+sumChunk, inner)
						_, _, b, bx := chunkSums(x[base:base+hi-lo], dy, base, float32(mean[c]))
						sdy += float64(b)
						sdyx += float64(bx)
					}
				}
				sumDy[c], sumDyXhat[c] = sdy, sdyx*invStd[c]
			}
		})
	}

	dGamma, dBeta := make([]float32, C), make([]float32, C)
	a, b, c0 := make([]float32, C), make([]float32, C), make([]float32, C)
	for c := 0; c < C; c++ {
		dGamma[c], dBeta[c] = float32(sumDyXhat[c]), float32(sumDy[c])
		s := float64(gamma[c]) * invStd[c]
		if !k.train {
			a[c] = float32(s)
			continue
		}
		// ∂x = s·∂y − s·Σ∂y/M − s·(x − μ)·σ⁻¹·Σ(∂y·x̂)/M.
		bx := -s * invStd[c] * sumDyXhat[c] / M
		a[c] = float32(s)
		b[c] = float32(bx)
		c0[c] = float32(-s*sumDy[c]/M - bx*mean[c])
	}
	dx := alloc(len(x))
	if k.train {
		affine(dx, dy, x, N, C, inner, a, b, c0)
	} else {
		affine(dx, dy, nil, N, C, inner, a, b, c0)
	}
	return []*tensor.Dense{
		tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(dx)),
		tensor.New(tensor.WithShape(C), tensor.WithBacking(dGamma)),
		tensor.New(tensor.WithShape(C), tensor.WithBacking(dBeta)),
	}, nil
}
