package metrics

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework/eval"
)

// KLOptions sets up the histogram KL divergence.
type KLOptions struct {
	Bins    int     // histogram bins over the shared range
	Epsilon float64 // added to every normalised bin so empty bins stay finite
}

// DefaultKL returns 50 bins and ε = 1e-8.
func DefaultKL() KLOptions { return KLOptions{Bins: 50, Epsilon: 1e-8} }

func (o KLOptions) check() error {
	if o.Bins < 1 || o.Epsilon <= 0 || math.IsInf(o.Epsilon, 0) || math.IsNaN(o.Epsilon) {
		return fmt.Errorf("KL divergence: %d bins and epsilon %v; want at least 1 bin and a finite epsilon > 0 (the default is 50 and 1e-8)", o.Bins, o.Epsilon)
	}
	return nil
}

// HistogramKL returns D_KL(p‖q) = Σ_i p_i·log(p_i/q_i) in nats between the
// value distributions of a and b. Both are binned into opts.Bins equal bins
// over their shared [min, max] (the maximum falls into the last bin), each
// histogram is divided by its count, and ε is added to every bin without
// renormalising. When every value is equal, both histograms are one bin
// and the result is 0.
func HistogramKL(a, b []float32, opts KLOptions) (float64, error) {
	if err := opts.check(); err != nil {
		return 0, err
	}
	if len(a) == 0 || len(b) == 0 {
		return 0, fmt.Errorf("KL divergence: %d and %d values; both sides need at least one", len(a), len(b))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range [][]float32{a, b} {
		for i, v := range s {
			x := float64(v)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return 0, fmt.Errorf("KL divergence: non-finite value %v at index %d", v, i)
			}
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	hp, hq := histogram(a, lo, hi, opts.Bins), histogram(b, lo, hi, opts.Bins)
	var kl float64
	for i := range hp {
		p := hp[i]/float64(len(a)) + opts.Epsilon
		q := hq[i]/float64(len(b)) + opts.Epsilon
		kl += p * math.Log(p/q)
	}
	return kl, nil
}

func histogram(v []float32, lo, hi float64, bins int) []float64 {
	h := make([]float64, bins)
	width := (hi - lo) / float64(bins)
	for _, x := range v {
		i := 0
		if width > 0 {
			i = int((float64(x) - lo) / width)
		}
		if i >= bins {
			i = bins - 1
		}
		h[i]++
	}
	return h
}

// StepKL is the KL divergence between two models' features at one time
// step, over the samples.
type StepKL struct {
	Step      int     // 1-based time step
	Mean, Std float64 // over samples; Std is the population standard deviation
	Samples   int
}

// FeatureKL compares two models' per-step features of the same samples,
// [T, N, F] each. For every step t and sample n it computes HistogramKL of
// the F values of a against those of b. It returns the mean and standard
// deviation over the N samples per step. Both must hold PerStep features
// with the same T, N and F.
func FeatureKL(a, b eval.Features, opts KLOptions) ([]StepKL, error) {
	if a.PerStep == nil || b.PerStep == nil {
		return nil, fmt.Errorf("KL divergence: per-step features missing; extract them with per-step features on")
	}
	if a.T != b.T || a.N != b.N || a.F != b.F {
		return nil, fmt.Errorf("KL divergence: features of shape [T=%d, N=%d, F=%d] and [T=%d, N=%d, F=%d]; extract both from the same samples with the same T",
			a.T, a.N, a.F, b.T, b.N, b.F)
	}
	if err := a.Validate("first"); err != nil {
		return nil, err
	}
	if err := b.Validate("second"); err != nil {
		return nil, err
	}
	out := make([]StepKL, a.T)
	for t := 0; t < a.T; t++ {
		sa, sb := a.Step(t), b.Step(t)
		var sum, sq float64
		for n := 0; n < a.N; n++ {
			kl, err := HistogramKL(sa[n*a.F:(n+1)*a.F], sb[n*a.F:(n+1)*a.F], opts)
			if err != nil {
				return nil, fmt.Errorf("step %d, sample %d: %w", t+1, n, err)
			}
			sum += kl
			sq += kl * kl
		}
		mean := sum / float64(a.N)
		out[t] = StepKL{Step: t + 1, Mean: mean, Std: math.Sqrt(math.Max(0, sq/float64(a.N)-mean*mean)), Samples: a.N}
	}
	return out, nil
}
