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
// overwrites gradIn with ∂L/∂I ([T, N]). When c.DecayGrad is set it also
// returns ∂L/∂β summed over every neuron and step; otherwise it returns 0.
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
	return fmt.Errorf("neuron input [T=%d, N=%d] contains a NaN or infinite value", T, N)
}

// kernel holds one call's constants in the element type.
type kernel[F Float] struct {
	T, N                   int
	decay, vth, vreset     F
	rho, gamma             F
	alpha, halfA, invA     F
	shape                  surrogate.Shape
	soft, detach, adaptive bool
	continuous, decayGrad  bool
}

func newKernel[F Float](c Config, T, N int) *kernel[F] {
	return &kernel[F]{
		T: T, N: N,
		decay: F(c.Decay), vth: F(c.Threshold), vreset: F(c.Reset),
		rho: F(c.Rho), gamma: F(c.Gamma),
		alpha: F(c.Alpha), halfA: F(c.Alpha / 2), invA: F(1 / c.Alpha),
		shape: c.Surrogate,
		soft:  c.SoftReset, detach: c.DetachReset, adaptive: c.Adaptive,
		continuous: c.Continuous, decayGrad: c.DecayGrad,
	}
}

// forwardBlock runs neurons [n0, n1) over all T steps, time outer and
// neurons inner. It keeps the block's H, V (and Vth_eff) trace in s for
// backwardBlock and copies the fields that tr requests. It reports whether an
// input current was NaN or infinite.
func (k *kernel[F]) forwardBlock(n0, n1 int, input []F, tr *Trace[F], s *scratch[F]) (bad bool) {
	if k.fast() {
		return k.forwardFast(n0, n1, input, tr, s)
	}
	w := n1 - n0
	s.size(k.T, w, k.adaptive)
	v, a, spk, o := s.v[:w], s.a[:w], s.s[:w], s.o[:w]
	clear(v)
	clear(a)
	clear(spk)

	// Loop-invariant fields go into locals so that they stay in registers.
	decay, vth0, vreset, rho, gamma := k.decay, k.vth, k.vreset, k.rho, k.gamma
	alpha, soft, adaptive, continuous := k.alpha, k.soft, k.adaptive, k.continuous
	rect := k.shape == surrogate.Rectangular

	for t := 0; t < k.T; t++ {
		row := t*k.N + n0
		in := input[row : row+w]
		hs := s.h[t*w : t*w+w]
		vs := s.vt[t*w : t*w+w]
		out := o
		if tr.Out != nil {
			out = tr.Out[row : row+w]
		}
		var vths []F
		if adaptive {
			vths = s.vth[t*w : t*w+w]
		}
		// Reslicing to len(in) lets the compiler drop the bounds checks.
		v, a, spk, hs, vs, out := v[:len(in)], a[:len(in)], spk[:len(in)], hs[:len(in)], vs[:len(in)], out[:len(in)]
		for j, I := range in {
			// I·0 is NaN exactly when I is NaN or ±Inf; the branch is
			// never taken on good input, so it costs almost nothing.
			if z := I * 0; z != z {
				bad = true
			}
			vth := vth0
			if adaptive {
				a[j] = rho*a[j] + spk[j]
				vth = vth0 + gamma*a[j]
				vths[j] = vth
			}
			h := decay*v[j] + I
			x := h - vth
			sp := step[F](x)
			// With S in {0, 1} both forms are exact: V is H or Vreset
			// (hard), H or H − Vth_eff (soft), and need no branch.
			vn := (1-sp)*h + sp*vreset
			if soft {
				vn = h - sp*vth
			}
			hs[j] = h
			vs[j] = vn
			v[j] = vn
			spk[j] = sp
			switch {
			case !continuous:
				out[j] = sp
			case rect:
				out[j] = min(max(x/alpha+0.5, 0), 1)
			default:
				out[j] = surrogate.Primitive(k.shape, x, alpha)
			}
		}
		k.copyStep(t, n0, w, s, tr)
	}
	return bad
}

// copyStep writes step t of the block's trace into the requested fields
// of tr other than Out.
func (k *kernel[F]) copyStep(t, n0, w int, s *scratch[F], tr *Trace[F]) {
	row := t*k.N + n0
	if tr.H != nil {
		copy(tr.H[row:row+w], s.h[t*w:t*w+w])
	}
	if tr.V != nil {
		copy(tr.V[row:row+w], s.vt[t*w:t*w+w])
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
	if k.fast() {
		return k.backwardFast(n0, n1, gradOut, gradIn, s)
	}
	w := n1 - n0
	gV, gA := s.gv[:w], s.ga[:w]
	clear(gV)
	clear(gA)

	decay, vth0, vreset, rho, gamma := k.decay, k.vth, k.vreset, k.rho, k.gamma
	alpha, halfA, invA, shape := k.alpha, k.halfA, k.invA, k.shape
	soft, adaptive := k.soft, k.adaptive
	spiking := !k.continuous
	resetGrad := spiking && !k.detach
	rect := shape == surrogate.Rectangular

	var gDecay float64
	for t := k.T - 1; t >= 0; t-- {
		row := t*k.N + n0
		G := gradOut[row : row+w]
		gI := gradIn[row : row+w]
		hs := s.h[t*w : t*w+w]
		var vths, vPrev []F
		if adaptive {
			vths = s.vth[t*w : t*w+w]
		}
		wantDecay := k.decayGrad && t > 0
		if wantDecay {
			vPrev = s.vt[(t-1)*w : t*w]
		}
		var gDecayStep F
		G, gI, gV, gA := G[:len(hs)], gI[:len(hs)], gV[:len(hs)], gA[:len(hs)]
		for j, h := range hs {
			vth := vth0
			if adaptive {
				vth = vths[j]
			}
			x := h - vth
			sp := step[F](x)
			gv := gV[j]

			var sg F
			if rect {
				sg = window(x, halfA) * invA
			} else {
				sg = surrogate.Grad(shape, x, alpha)
			}

			var gs, gx, gh, gvth F
			if spiking {
				gs = G[j] + gA[j]
			} else {
				gx = G[j] * sg
			}
			if soft {
				gh = gv
				if resetGrad {
					gs -= gv * vth
				}
				gvth = -gv * sp
			} else {
				gh = gv * (1 - sp)
				if resetGrad {
					gs += gv * (vreset - h)
				}
			}
			if spiking {
				gx = gs * sg
			}
			gh += gx

			if adaptive {
				gvth -= gx
				gA[j] = rho*gA[j] + gamma*gvth
			}
			gI[j] = gh
			gV[j] = decay * gh
			if wantDecay {
				gDecayStep += gh * vPrev[j]
			}
		}
		gDecay += float64(gDecayStep)
	}
	return gDecay
}

// step returns Θ(x) = 1 for x ≥ 0, else 0 (also 0 for NaN). The integer
// select compiles without a branch, which spike decisions would mispredict.
func step[F Float](x F) F {
	var s int32
	if x >= 0 {
		s = 1
	}
	return F(s)
}

// window returns 1 when |x| ≤ halfA (edges included), else 0, without a
// branch.
func window[F Float](x, halfA F) F {
	var in int32
	if max(x, -x) <= halfA {
		in = 1
	}
	return F(in)
}
