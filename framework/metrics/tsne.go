package metrics

import (
	"context"
	"fmt"
	"math"
	"math/rand"

	"github.com/snnlab/snnlab/framework/parallel"
)

// TSNEOptions sets up exact t-SNE (van der Maaten and Hinton, JMLR 2008).
type TSNEOptions struct {
	Perplexity   float64 // effective number of neighbours; must be below the number of points
	Iterations   int     // gradient steps
	LearningRate float64

	// Exaggeration multiplies the input affinities for the first
	// ExaggerationIterations steps, which lets clusters form early.
	Exaggeration           float64
	ExaggerationIterations int

	Seed int64 // seeds the initial layout; equal seeds give equal embeddings
}

// DefaultTSNE returns the usual settings: perplexity 30, 1000 iterations,
// learning rate 200, exaggeration 12 for 250 iterations, seed 1.
func DefaultTSNE() TSNEOptions {
	return TSNEOptions{Perplexity: 30, Iterations: 1000, LearningRate: 200, Exaggeration: 12, ExaggerationIterations: 250, Seed: 1}
}

func (o TSNEOptions) check(n int) error {
	switch {
	case !(o.Perplexity > 0) || o.Perplexity >= float64(n):
		return fmt.Errorf("t-SNE: perplexity %v with %d points; want 0 < perplexity < points (30 is usual, at most about points/3)", o.Perplexity, n)
	case o.Iterations < 1:
		return fmt.Errorf("t-SNE: %d iterations; want at least 1", o.Iterations)
	case !(o.LearningRate > 0) || math.IsInf(o.LearningRate, 0):
		return fmt.Errorf("t-SNE: learning rate %v; want a finite value > 0 (200 is usual)", o.LearningRate)
	case !(o.Exaggeration >= 1) || o.ExaggerationIterations < 0:
		return fmt.Errorf("t-SNE: exaggeration %v for %d iterations; want exaggeration ≥ 1 and iterations ≥ 0", o.Exaggeration, o.ExaggerationIterations)
	}
	return nil
}

// TSNE embeds n points of dimension d (x is [n, d] row-major) in two
// dimensions and returns the layout, [n, 2] row-major, centred at the
// origin. It computes every pairwise affinity, so time and memory grow as
// n²; a few thousand points take seconds to minutes.
func TSNE(ctx context.Context, x []float32, n, d int, opts TSNEOptions) ([]float64, error) {
	if n < 2 || d < 1 || len(x) != n*d {
		return nil, fmt.Errorf("t-SNE: %d values for %d points of dimension %d; want n ≥ 2, d ≥ 1 and n·d values", len(x), n, d)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("t-SNE: non-finite value %v at point %d, dimension %d", v, i/d, i%d)
		}
	}
	if err := opts.check(n); err != nil {
		return nil, err
	}
	p := affinities(x, n, d, opts.Perplexity)

	rng := rand.New(rand.NewSource(opts.Seed))
	y := make([]float64, 2*n)
	for i := range y {
		y[i] = 1e-4 * rng.NormFloat64()
	}
	update := make([]float64, 2*n)
	gains := make([]float64, 2*n)
	for i := range gains {
		gains[i] = 1
	}
	grad := make([]float64, 2*n)
	num := make([]float64, n*n)
	for it := 0; it < opts.Iterations; it++ {
		if it%50 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("t-SNE: stopped at iteration %d: %w", it, err)
			}
		}
		exaggeration, momentum := 1.0, 0.8
		if it < opts.ExaggerationIterations {
			exaggeration, momentum = opts.Exaggeration, 0.5
		}
		gradient(p, y, num, grad, n, exaggeration)
		for i := range y {
			// Gains grow where the gradient keeps its direction against the
			// last update and shrink where it flips (Jacobs 1988).
			if (grad[i] > 0) != (update[i] > 0) {
				gains[i] += 0.2
			} else {
				gains[i] *= 0.8
			}
			gains[i] = math.Max(gains[i], 0.01)
			update[i] = momentum*update[i] - opts.LearningRate*gains[i]*grad[i]
			y[i] += update[i]
		}
		centre(y, n)
	}
	return y, nil
}

// affinities returns the symmetric joint probabilities P [n, n]: row i's
// Gaussian conditional p_{j|i} has the bandwidth whose entropy matches
// log(perplexity), found by bisection on the precision, and
// P = (p_{j|i} + p_{i|j}) / 2n, floored at 1e-12.
func affinities(x []float32, n, d int, perplexity float64) []float64 {
	dist := make([]float64, n*n)
	parallel.For(n, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := x[i*d : (i+1)*d]
			for j := 0; j < n; j++ {
				var s float64
				xj := x[j*d : (j+1)*d]
				for k, v := range xi {
					diff := float64(v) - float64(xj[k])
					s += diff * diff
				}
				dist[i*n+j] = s
			}
		}
	})
	cond := make([]float64, n*n)
	target := math.Log(perplexity)
	parallel.For(n, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			conditional(dist[i*n:(i+1)*n], cond[i*n:(i+1)*n], i, target)
		}
	})
	p := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			p[i*n+j] = math.Max((cond[i*n+j]+cond[j*n+i])/(2*float64(n)), 1e-12)
		}
		p[i*n+i] = 0
	}
	return p
}

// conditional fills row with p_{j|i} ∝ exp(−β·dist_j), j ≠ i, choosing β by
// bisection so the entropy is target nats.
func conditional(dist, row []float64, i int, target float64) {
	beta, lo, hi := 1.0, 0.0, math.Inf(1)
	// Subtracting the nearest distance keeps exp from underflowing for
	// far-apart data without changing the normalised row.
	nearest := math.Inf(1)
	for j, v := range dist {
		if j != i && v < nearest {
			nearest = v
		}
	}
	for step := 0; step < 100; step++ {
		var sum, weighted float64
		for j, v := range dist {
			if j == i {
				row[j] = 0
				continue
			}
			e := math.Exp(-beta * (v - nearest))
			row[j] = e
			sum += e
			weighted += e * (v - nearest)
		}
		// Entropy of the normalised row: log(sum) + β·E[dist − nearest].
		h := math.Log(sum) + beta*weighted/sum
		for j := range row {
			row[j] /= sum
		}
		if math.Abs(h-target) < 1e-5 {
			return
		}
		if h > target {
			lo = beta
			if math.IsInf(hi, 1) {
				beta *= 2
			} else {
				beta = (beta + hi) / 2
			}
		} else {
			hi = beta
			beta = (beta + lo) / 2
		}
	}
}

// gradient writes ∂KL(P‖Q)/∂y into grad: 4·Σ_j (e·P_ij − Q_ij)·(1 + |y_i −
// y_j|²)⁻¹·(y_i − y_j) with Q the Student-t affinities of the layout.
func gradient(p, y, num, grad []float64, n int, exaggeration float64) {
	parallel.For(n, 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for j := 0; j < n; j++ {
				if i == j {
					num[i*n+j] = 0
					continue
				}
				dx, dy := y[2*i]-y[2*j], y[2*i+1]-y[2*j+1]
				num[i*n+j] = 1 / (1 + dx*dx + dy*dy)
			}
		}
	})
	var z float64
	for _, v := range num {
		z += v
	}
	parallel.For(n, 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var gx, gy float64
			for j := 0; j < n; j++ {
				w := num[i*n+j]
				f := (exaggeration*p[i*n+j] - w/z) * w
				gx += f * (y[2*i] - y[2*j])
				gy += f * (y[2*i+1] - y[2*j+1])
			}
			grad[2*i], grad[2*i+1] = 4*gx, 4*gy
		}
	})
}

func centre(y []float64, n int) {
	var mx, my float64
	for i := 0; i < n; i++ {
		mx += y[2*i]
		my += y[2*i+1]
	}
	mx /= float64(n)
	my /= float64(n)
	for i := 0; i < n; i++ {
		y[2*i] -= mx
		y[2*i+1] -= my
	}
}
