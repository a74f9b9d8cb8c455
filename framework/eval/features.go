package eval

import (
	"fmt"
	"math"
)

// Features is a fixed representation of a dataset: one row per sample.
type Features struct {
	N, F   int
	Data   []float32 // [N, F] row-major
	Labels []int     // [N] class indices

	// T is the number of time steps of the pass that produced the features,
	// and PerStep the representation at each step, [T, N, F] row-major
	// (element (t, n, f) at (t·N + n)·F + f). PerStep is nil unless it was
	// requested; Data is then its mean over t.
	T       int
	PerStep []float32
}

// Validate checks that the shapes agree and that every value is finite.
// name labels the feature set in errors, for example "train".
func (f Features) Validate(name string) error {
	if f.N < 1 || f.F < 1 {
		return fmt.Errorf("%s features: shape [N=%d, F=%d] has an empty axis: extract features from a non-empty dataset", name, f.N, f.F)
	}
	if len(f.Data) != f.N*f.F {
		return fmt.Errorf("%s features: shape [N=%d, F=%d] needs %d values, got %d", name, f.N, f.F, f.N*f.F, len(f.Data))
	}
	if len(f.Labels) != f.N {
		return fmt.Errorf("%s features: %d rows but %d labels: give one label per row", name, f.N, len(f.Labels))
	}
	if f.PerStep != nil && len(f.PerStep) != f.T*f.N*f.F {
		return fmt.Errorf("%s features: per-step shape [T=%d, N=%d, F=%d] needs %d values, got %d", name, f.T, f.N, f.F, f.T*f.N*f.F, len(f.PerStep))
	}
	for i, v := range f.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s features: value %v at row %d, column %d: the backbone produced a non-finite output", name, v, i/f.F, i%f.F)
		}
	}
	return nil
}

// Step returns the [N, F] features of time step t (0-based), a view into
// PerStep; it returns nil when PerStep was not recorded.
func (f Features) Step(t int) []float32 {
	if f.PerStep == nil || t < 0 || t >= f.T {
		return nil
	}
	n := f.N * f.F
	return f.PerStep[t*n : (t+1)*n]
}

// standardizer maps each feature column to zero mean and unit variance with
// statistics taken from a training set.
type standardizer struct {
	Mean, InvStd []float32 // [F]
}

// fitStandardizer computes per-column mean and 1/std of x [N, F]. A column
// with zero variance keeps scale 1, so it maps to zero.
func fitStandardizer(x []float32, N, F int) standardizer {
	mean := make([]float64, F)
	sq := make([]float64, F)
	for i := 0; i < N; i++ {
		for j, v := range x[i*F : (i+1)*F] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(N)
	}
	for i := 0; i < N; i++ {
		for j, v := range x[i*F : (i+1)*F] {
			d := float64(v) - mean[j]
			sq[j] += d * d
		}
	}
	s := standardizer{Mean: make([]float32, F), InvStd: make([]float32, F)}
	for j := range mean {
		s.Mean[j] = float32(mean[j])
		std := math.Sqrt(sq[j] / float64(N))
		s.InvStd[j] = 1
		if std > 1e-12 {
			s.InvStd[j] = float32(1 / std)
		}
	}
	return s
}

// apply returns a standardised copy of x [N, F].
func (s standardizer) apply(x []float32, F int) []float32 {
	out := make([]float32, len(x))
	mean, inv := s.Mean[:F], s.InvStd[:F]
	for i := 0; i+F <= len(x); i += F {
		src, dst := x[i:i+F], out[i:i+F]
		for j, v := range src {
			dst[j] = (v - mean[j]) * inv[j]
		}
	}
	return out
}
