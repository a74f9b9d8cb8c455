package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/parallel"
)

// SpikingSelfAttention is the softmax-free attention of Spikformer. q, k and
// v are token matrices [S·L, D]: S sequences (S = T·B on time-folded input)
// of L tokens each, with D split into heads of width D/heads. For each
// sequence and head, with Q, K, V the [L, D/heads] slices,
//
//	out = scale · Q·Kᵀ·V
//
// and the heads are concatenated back to [S·L, D]. No token attends across
// sequences, so time steps and samples never mix. The product is evaluated
// as Q·(Kᵀ·V), which costs L·(D/heads)² per head instead of L²·(D/heads);
// both orders give the same result. On spike tensors Q·Kᵀ counts the shared
// spikes of two tokens, so no softmax is needed to keep the scores
// non-negative.
func SpikingSelfAttention(q, k, v *gorgonia.Node, L, heads int, scale float64) (*gorgonia.Node, error) {
	if !q.Shape().Eq(k.Shape()) || !q.Shape().Eq(v.Shape()) {
		return nil, fmt.Errorf("spiking self-attention: q %v, k %v and v %v must have the same shape [S·L, D]", q.Shape(), k.Shape(), v.Shape())
	}
	return autograd.Apply(ssaKernel{L: L, Heads: heads, Scale: float32(scale)}, q, k, v)
}

type ssaKernel struct {
	L, Heads int
	Scale    float32
}

func (a ssaKernel) String() string {
	return fmt.Sprintf("SpikingSelfAttention(L=%d, heads=%d, scale=%g)", a.L, a.Heads, a.Scale)
}

func (a ssaKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	s := in[0]
	if len(s) != 2 || a.L < 1 || s[0]%a.L != 0 {
		return nil, fmt.Errorf("input shape %v, want [S·L, D] with L = %d tokens per sequence", s, a.L)
	}
	if a.Heads < 1 || s[1]%a.Heads != 0 {
		return nil, fmt.Errorf("width D = %d does not split into %d heads", s[1], a.Heads)
	}
	return s.Clone(), nil
}

// dims returns the number of sequences, the width D and the head width.
func (a ssaKernel) dims(s tensor.Shape) (S, D, dh int) {
	return s[0] / a.L, s[1], s[1] / a.Heads
}

// kv returns M = Kᵀ·V [dh, dh] for one sequence and head; base is the
// offset of the sequence's first token and off the head's first column.
func (a ssaKernel) kv(k, v []float32, base, off, D, dh int) []float32 {
	M := make([]float32, dh*dh)
	for m := 0; m < a.L; m++ {
		kr := k[base+m*D+off : base+m*D+off+dh]
		vr := v[base+m*D+off : base+m*D+off+dh]
		for i, ki := range kr {
			if ki == 0 {
				continue
			}
			row := M[i*dh : (i+1)*dh]
			for j, vj := range vr {
				row[j] += ki * vj
			}
		}
	}
	return M
}

func (a ssaKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	q, k, v := in[0].Data().([]float32), in[1].Data().([]float32), in[2].Data().([]float32)
	shape := in[0].Shape()
	S, D, dh := a.dims(shape)
	out := make([]float32, len(q))
	parallel.For(S*a.Heads, 1, func(lo, hi int) {
		for sh := lo; sh < hi; sh++ {
			base, off := (sh/a.Heads)*a.L*D, (sh%a.Heads)*dh
			M := a.kv(k, v, base, off, D, dh)
			for l := 0; l < a.L; l++ {
				qr := q[base+l*D+off : base+l*D+off+dh]
				or := out[base+l*D+off : base+l*D+off+dh]
				for i, qi := range qr {
					if qi == 0 {
						continue
					}
					for j, mij := range M[i*dh : (i+1)*dh] {
						or[j] += qi * mij
					}
				}
				for j := range or {
					or[j] *= a.Scale
				}
			}
		}
	})
	return tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(out)), nil
}

// Backward, with G = ∂L/∂out and M = Kᵀ·V per sequence and head:
//
//	∂Q = scale·G·Mᵀ,  ∂M = scale·Qᵀ·G,  ∂K = V·∂Mᵀ,  ∂V = K·∂M
func (a ssaKernel) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	q, k, v := in[0].Data().([]float32), in[1].Data().([]float32), in[2].Data().([]float32)
	g := gradOut.Data().([]float32)
	shape := in[0].Shape()
	S, D, dh := a.dims(shape)
	dq, dk, dv := make([]float32, len(q)), make([]float32, len(q)), make([]float32, len(q))
	parallel.For(S*a.Heads, 1, func(lo, hi int) {
		for sh := lo; sh < hi; sh++ {
			base, off := (sh/a.Heads)*a.L*D, (sh%a.Heads)*dh
			M := a.kv(k, v, base, off, D, dh)
			dM := make([]float32, dh*dh)
			for l := 0; l < a.L; l++ {
				r := base + l*D + off
				qr, gr, dqr := q[r:r+dh], g[r:r+dh], dq[r:r+dh]
				for i := 0; i < dh; i++ {
					var sum float32
					for j, gj := range gr {
						sum += gj * M[i*dh+j]
					}
					dqr[i] = a.Scale * sum
					if qr[i] == 0 {
						continue
					}
					for j, gj := range gr {
						dM[i*dh+j] += a.Scale * qr[i] * gj
					}
				}
			}
			for m := 0; m < a.L; m++ {
				r := base + m*D + off
				kr, vr, dkr, dvr := k[r:r+dh], v[r:r+dh], dk[r:r+dh], dv[r:r+dh]
				for i := 0; i < dh; i++ {
					var sumK, sumV float32
					for j := 0; j < dh; j++ {
						sumK += dM[i*dh+j] * vr[j]
						sumV += kr[j] * dM[j*dh+i]
					}
					dkr[i], dvr[i] = sumK, sumV
				}
			}
		}
	})
	mk := func(d []float32) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(d))
	}
	return []*tensor.Dense{mk(dq), mk(dk), mk(dv)}, nil
}
