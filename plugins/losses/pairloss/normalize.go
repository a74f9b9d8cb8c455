package pairloss

import "math"

// normEps sets the floor ε² added to every squared column norm r_i², as a
// fraction of the mean squared column norm of the member: r_i² = s_i² +
// normEps·mean_j s_j² + B·normFloor². It keeps a collapsed dimension (all
// samples equal, so its centred norm s_i is 0) finite: its N column becomes
// 0, each of its C_ii is 0, and the loss and gradient stay finite. A floor
// relative to the member's own scale keeps C invariant to rescaling Z. At
// 1e-8 it moves r_i by about 5e-9 relative, below float32 resolution, so
// results match the epsilon-free Pearson correlation. The gradient through
// a collapsed column is up to 1e4 times that through a typical one (batch
// normalisation's ε = 1e-5 gives about 300). The floor takes part in the
// gradient.
const normEps = 1e-8

// normFloor is an absolute floor on the per-sample spread (in units of Z)
// for a member whose every dimension has collapsed, where the relative
// floor is 0. The gradient through such a member is scaled by about
// 1/normFloor, so a training loop should stop on collapse (Result.MinStd)
// rather than step on it.
const normFloor = 1e-6

// normalizer normalises one member [B, D] into a block of the strided
// workspace and back-propagates through that normalisation.
type normalizer struct {
	B, D   int
	center bool
	r      []float64 // r_i, the effective column norm, [D]
	minStd float64   // smallest centred batch standard deviation over dims
	minDim int       // the dimension where minStd occurs
}

// forward writes N = (X − mean)/r into w, a [B, D] block with row stride
// ld, and records r and the smallest per-dimension standard deviation.
func forward[F Float](nz *normalizer, x []F, w []F, ld int) {
	B, D := nz.B, nz.D
	mean := make([]float64, D)
	for b := 0; b < B; b++ {
		row := x[b*D : (b+1)*D]
		for i, v := range row {
			mean[i] += float64(v)
		}
	}
	for i := range mean {
		mean[i] /= float64(B)
	}

	// s2 is the squared norm of each column as normalised; v2 its centred
	// sum of squares, which is what collapse detection reports.
	s2 := make([]float64, D)
	v2 := make([]float64, D)
	for b := 0; b < B; b++ {
		row := x[b*D : (b+1)*D]
		for i, v := range row {
			d := float64(v) - mean[i]
			v2[i] += d * d
			if nz.center {
				s2[i] += d * d
			} else {
				s2[i] += float64(v) * float64(v)
			}
		}
	}

	var total float64
	for _, s := range s2 {
		total += s
	}
	floor := normEps*total/float64(D) + float64(B)*normFloor*normFloor
	nz.r = make([]float64, D)
	inv := make([]float64, D)
	nz.minStd, nz.minDim = math.Inf(1), 0
	for i := range s2 {
		nz.r[i] = math.Sqrt(s2[i] + floor)
		inv[i] = 1 / nz.r[i]
		if std := math.Sqrt(v2[i] / float64(B)); std < nz.minStd {
			nz.minStd, nz.minDim = std, i
		}
	}
	if !nz.center {
		for i := range mean {
			mean[i] = 0
		}
	}

	for b := 0; b < B; b++ {
		row := x[b*D : (b+1)*D]
		out := w[b*ld : b*ld+D]
		for i, v := range row {
			out[i] = F((float64(v) - mean[i]) * inv[i])
		}
	}
}

// backward turns dN = ∂L/∂N (a block of dw with row stride ld) into
// ∂L/∂X, written to dx [B, D]. n is the block of N that forward wrote.
//
// With a_i = −Σ_b dN_bi N_bi / r_i² and A = ε-floor weight · Σ_i a_i,
//
//	∂L/∂X̃_bi = dN_bi / r_i + N_bi r_i (a_i + A)
//
// and centring subtracts the batch mean of that from each column.
func backward[F Float](nz *normalizer, n, dn []F, ld int, dx []F) {
	B, D := nz.B, nz.D
	a := make([]float64, D)
	sumG := make([]float64, D)
	sumN := make([]float64, D)
	for b := 0; b < B; b++ {
		nr := n[b*ld : b*ld+D]
		gr := dn[b*ld : b*ld+D]
		for i := range nr {
			a[i] += float64(gr[i]) * float64(nr[i])
			sumG[i] += float64(gr[i])
			sumN[i] += float64(nr[i])
		}
	}
	var sumA float64
	for i := range a {
		a[i] = -a[i] / (nz.r[i] * nz.r[i])
		sumA += a[i]
	}
	A := normEps / float64(D) * sumA

	// The batch mean of ∂L/∂X̃ follows from the column sums, so one pass
	// writes the centred result.
	shift := make([]float64, D)
	if nz.center {
		for i := range shift {
			r := nz.r[i]
			shift[i] = (sumG[i]/r + sumN[i]*r*(a[i]+A)) / float64(B)
		}
	}
	for b := 0; b < B; b++ {
		nr := n[b*ld : b*ld+D]
		gr := dn[b*ld : b*ld+D]
		out := dx[b*D : (b+1)*D]
		for i := range out {
			r := nz.r[i]
			out[i] = F(float64(gr[i])/r + float64(nr[i])*r*(a[i]+A) - shift[i])
		}
	}
}
