package lifkernel

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/plugins/neurons/surrogate"
)

// Float is the element type of a kernel call.
type Float interface{ float32 | float64 }

// Trace receives the state history of a forward call. Each non-nil field
// must have the input's length and is filled [T, N] like the input; nil
// fields are skipped. A and VthEff are filled only by adaptive configs.
type Trace[F Float] struct {
	Out    []F // output: spikes, or P(H − Vth) on the continuous path
	H      []F // membrane potential before the reset
	V      []F // membrane potential after the reset
	A      []F // adaptation variable a[t]
	VthEff []F // effective threshold Vth + γ·a[t]
}

// Forward runs the neuron over input ([T, N]) and writes the output
// sequence into out ([T, N]). It returns an error, and leaves out in an
// unspecified state, if the shapes do not match, the config is invalid or
// an input current is NaN or infinite.
func Forward[F Float](c Config, T int, input, out []F) error {
	return Run(c, T, input, Trace[F]{Out: out})
}

// Run is Forward that also records the membrane trace into tr.
func Run[F Float](c Config, T int, input []F, tr Trace[F]) error {
	N, err := checkShapes(c, T, input)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		s    []F
	}{{"output", tr.Out}, {"H trace", tr.H}, {"V trace", tr.V}, {"a trace", tr.A}, {"Vth_eff trace", tr.VthEff}} {
		if f.s != nil && len(f.s) != len(input) {
			return fmt.Errorf("neuron %s buffer has %d elements, want %d to match input [T=%d, N=%d]", f.name, len(f.s), len(input), T, N)
		}
	}

	k := newKernel[F](c, T, N)
	bad := k.parallel(func(b, n0, n1 int, s *scratch[F]) bool {
		return k.forwardBlock(n0, n1, input, &tr, s)
	})
	if bad {
		return nonFinite(input, T, N)
	}
	return nil
}

// Backward recomputes the forward pass over input ([T, N]) and runs
// backpropagation through time: given gradOut = ∂L/∂O ([T, N]) it
// overwrites gradIn with ∂L/∂I ([T, N]) and returns ∂L/∂β summed over
// every neuron and step, for neurons that learn their decay.
//
// NaN or infinite input currents are an error, as in Forward. Gradients are
// not checked: a NaN in gradOut propagates into gradIn.
func Backward[F Float](c Config, T int, input, gradOut, gradIn []F) (gradDecay float64, err error) {
	N, err := checkShapes(c, T, input)
	if err != nil {
		return 0, err
	}
	if len(gradOut) != len(input) {
		return 0, fmt.Errorf("neuron output gradient has %d elements, want %d to match input [T=%d, N=%d]", len(gradOut), len(input), T, N)
	}
	if len(gradIn) != len(input) {
		return 0, fmt.Errorf("neuron input gradient buffer has %d elements, want %d to match input [T=%d, N=%d]", len(gradIn), len(input), T, N)
	}

	k := newKernel[F](c, T, N)
	partial := make([]float64, k.blocks())
	bad := k.parallel(func(b, n0, n1 int, s *scratch[F]) bool {
		if k.forwardBlock(n0, n1, input, &Trace[F]{}, s) {
			return true
		}
		partial[b] = k.backwardBlock(n0, n1, gradOut, gradIn, s)
		return false
	})
	if bad {
		return 0, nonFinite(input, T, N)
	}

	// Sum the per-block partial sums in block order, so the result does not
	// depend on how many goroutines ran the blocks.
	for _, p := range partial {
		gradDecay += p
	}
	return gradDecay, nil
}

// checkShapes validates the config and the input's [T, N] layout and
// returns N.
func checkShapes[F Float](c Config, T int, input []F) (int, error) {
	if err := c.Validate(); err != nil {
		return 0, fmt.Errorf("neuron config: %w", err)
	}
	if T < 1 {
		return 0, fmt.Errorf("neuron input: T = %d time steps, want at least 1", T)
	}
	if len(input) == 0 {
		return 0, fmt.Errorf("neuron input [T=%d, N=0] is empty: the batch or the layer has no elements", T)
	}
	if len(input)%T != 0 {
		return 0, fmt.Errorf("neuron input has %d elements, which do not split into T = %d equal time steps: the leading axis must be T·B", len(input), T)
	}
	return len(input) / T, nil
}

// nonFinite builds the error for the first NaN or infinite input current.
func nonFinite[F Float](input []F, T, N int) error {
	for i, x := range input {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("neuron input [T=%d, N=%d]: element (t=%d, n=%d) is %v: the preceding layer diverged; lower the learning rate or check the data", T, N, i/N, i%N, x)
		}
	}
	return fmt.Errorf("neuron input [T=%d, N=%d] holds a NaN or infinite value", T, N)
}

// kernel holds one call's constants in the element type.
type kernel[F Float] struct {
	T, N                   int
	decay, vth, vreset     F
	rho, gamma             F
	alpha, halfA, invA     F
	shape                  surrogate.Shape
	soft, detach, adaptive bool
	continuous             bool
}

func newKernel[F Float](c Config, T, N int) *kernel[F] {
	return &kernel[F]{
		T: T, N: N,
		decay: F(c.Decay), vth: F(c.Threshold), vreset: F(c.Reset),
		rho: F(c.Rho), gamma: F(c.Gamma),
		alpha: F(c.Alpha), halfA: F(c.Alpha / 2), invA: F(1 / c.Alpha),
		shape: c.Surrogate,
		soft:  c.SoftReset, detach: c.DetachReset, adaptive: c.Adaptive,
		continuous: c.Continuous,
	}
}

// grad returns the surrogate derivative at x = H − Vth_eff. The default
// rectangle is written out so that it inlines in the hot loop.
func (k *kernel[F]) grad(x F) F {
	if k.shape == surrogate.Rectangular {
		if x <= k.halfA && x >= -k.halfA {
			return k.invA
		}
		return 0
	}
	return surrogate.Grad(k.shape, x, k.alpha)
}

// forwardBlock runs neurons [n0, n1) over all T steps, time outer and
// neurons inner. It keeps H (and Vth_eff) of the block in s for
// backwardBlock and copies whatever tr asks for. It reports whether an
// input current was NaN or infinite.
func (k *kernel[F]) forwardBlock(n0, n1 int, input []F, tr *Trace[F], s *scratch[F]) (bad bool) {
	w := n1 - n0
	s.size(k.T, w, k.adaptive)
	v, a, spk := s.v[:w], s.a[:w], s.s[:w]
	clear(v)
	clear(a)
	clear(spk)
	inf := F(math.Inf(1))

	for t := 0; t < k.T; t++ {
		row := t*k.N + n0
		in := input[row : row+w]
		hs := s.h[t*w : t*w+w]
		var vths []F
		if k.adaptive {
			vths = s.vth[t*w : t*w+w]
		}
		for j, I := range in {
			if !(I < inf && I > -inf) {
				bad = true
			}
			vth := k.vth
			if k.adaptive {
				a[j] = k.rho*a[j] + spk[j]
				vth = k.vth + k.gamma*a[j]
				vths[j] = vth
			}
			h := k.decay*v[j] + I
			hs[j] = h
			x := h - vth
			if x >= 0 {
				spk[j] = 1
				if k.soft {
					v[j] = h - vth
				} else {
					v[j] = k.vreset
				}
			} else {
				spk[j] = 0
				v[j] = h
			}
		}
		k.copyStep(t, n0, w, s, tr)
	}
	return bad
}

// copyStep writes step t of the block's state into the requested traces.
func (k *kernel[F]) copyStep(t, n0, w int, s *scratch[F], tr *Trace[F]) {
	row := t*k.N + n0
	hs := s.h[t*w : t*w+w]
	if tr.Out != nil {
		out := tr.Out[row : row+w]
		for j := range out {
			vth := k.vth
			if k.adaptive {
				vth = s.vth[t*w+j]
			}
			x := hs[j] - vth
			switch {
			case k.continuous:
				out[j] = surrogate.Primitive(k.shape, x, k.alpha)
			case x >= 0:
				out[j] = 1
			default:
				out[j] = 0
			}
		}
	}
	if tr.H != nil {
		copy(tr.H[row:row+w], hs)
	}
	if tr.V != nil {
		copy(tr.V[row:row+w], s.v[:w])
	}
	if k.adaptive {
		if tr.A != nil {
			copy(tr.A[row:row+w], s.a[:w])
		}
		if tr.VthEff != nil {
			copy(tr.VthEff[row:row+w], s.vth[t*w:t*w+w])
		}
	}
}

// backwardBlock runs backpropagation through time for neurons [n0, n1),
// whose forward trace forwardBlock left in s, and returns the block's
// share of ∂L/∂β.
//
// Going back from t = T−1, with gV = ∂L/∂V[t] and gA = ∂L/∂a[t+1] carried
// from step t+1:
//
//	gS   = G[t] + gA + gV·∂V/∂S        (spiking path; ∂V/∂S omitted when detached)
//	gx   = gS·σ'(x)                     (continuous path: G[t]·P'(x))
//	gH   = gV·∂V/∂H + gx
//	gVth = −gx + gV·∂V/∂Vth_eff
//	∂L/∂a[t] = ρ·gA + γ·gVth,  ∂L/∂I[t] = gH,  ∂L/∂V[t−1] = β·gH,  ∂L/∂β += gH·V[t−1]
//
// with hard reset ∂V/∂H = 1 − S, ∂V/∂S = Vreset − H, and soft reset
// ∂V/∂H = 1, ∂V/∂S = −Vth_eff, ∂V/∂Vth_eff = −S.
func (k *kernel[F]) backwardBlock(n0, n1 int, gradOut, gradIn []F, s *scratch[F]) float64 {
	w := n1 - n0
	gV, gA := s.gv[:w], s.ga[:w]
	clear(gV)
	clear(gA)
	var gDecay float64
	spiking := !k.continuous
	resetGrad := spiking && !k.detach

	for t := k.T - 1; t >= 0; t-- {
		row := t*k.N + n0
		G := gradOut[row : row+w]
		gI := gradIn[row : row+w]
		hs := s.h[t*w : t*w+w]
		var vths, hPrev, vthPrev []F
		if k.adaptive {
			vths = s.vth[t*w : t*w+w]
		}
		if t > 0 {
			hPrev = s.h[(t-1)*w : t*w]
			if k.adaptive {
				vthPrev = s.vth[(t-1)*w : t*w]
			}
		}
		for j, h := range hs {
			vth := k.vth
			if k.adaptive {
				vth = vths[j]
			}
			x := h - vth
			spike := x >= 0
			gv := gV[j]

			var gs, gx, gh, gvth F
			if spiking {
				gs = G[j] + gA[j]
			} else {
				gx = G[j] * k.grad(x)
			}
			if k.soft {
				gh = gv
				if resetGrad {
					gs -= gv * vth
				}
				if spike {
					gvth = -gv
				}
			} else {
				if !spike {
					gh = gv
				}
				if resetGrad {
					gs += gv * (k.vreset - h)
				}
			}
			if spiking {
				gx = gs * k.grad(x)
			}
			gh += gx

			if k.adaptive {
				gvth -= gx
				gA[j] = k.rho*gA[j] + k.gamma*gvth
			}
			gI[j] = gh
			gV[j] = k.decay * gh
			if t > 0 {
				gDecay += float64(gh) * float64(k.vAfter(hPrev, vthPrev, j))
			}
		}
	}
	return gDecay
}

// vAfter recomputes V[t−1] of neuron j from H[t−1] and Vth_eff[t−1].
func (k *kernel[F]) vAfter(hPrev, vthPrev []F, j int) F {
	h := hPrev[j]
	vth := k.vth
	if vthPrev != nil {
		vth = vthPrev[j]
	}
	if h-vth < 0 {
		return h
	}
	if k.soft {
		return h - vth
	}
	return k.vreset
}
