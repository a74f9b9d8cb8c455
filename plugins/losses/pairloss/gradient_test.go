package pairloss_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/losses/pairloss"
)

type shape struct{ T, B, D int }

var fdShapes = []shape{{2, 3, 2}, {3, 5, 4}, {2, 16, 7}, {4, 6, 9}}

func randomData(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		// Exactly representable in float32, so the float32 path gets the
		// same values.
		x[i] = float64(float32(rng.NormFloat64()*0.8 + 0.3))
	}
	return x
}

// TestGradientFiniteDifferences checks the float64 gradient of every loss,
// form, centring and strategy against central differences.
func TestGradientFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"ctl", "btl", "ncl", "bt"} {
		for _, form := range []string{"bt", "paper"} {
			for _, center := range []bool{true, false} {
				for _, s := range fdShapes {
					lambda := []float64{5e-3, 0.3}[rng.IntN(2)]
					zA, zB := randomData(rng, s.T*s.B*s.D), randomData(rng, s.T*s.B*s.D)
					for _, strategy := range []pairloss.Strategy{pairloss.Direct, pairloss.Gram} {
						label := fmt.Sprintf("%s/%s/center=%v/%v/T%dB%dD%d/lambda=%g", name, form, center, strategy, s.T, s.B, s.D, lambda)
						t.Run(label, func(t *testing.T) {
							l := newLoss(t, name, map[string]any{"invariance": form, "center": center, "lambda": lambda})
							l.Strategy = strategy
							checkFiniteDifferences(t, l, s, zA, zB)
						})
					}
				}
			}
		}
	}
}

func checkFiniteDifferences(t *testing.T, l *pairloss.Loss, s shape, zA, zB []float64) {
	t.Helper()
	n := s.T * s.B * s.D
	gA, gB := make([]float64, n), make([]float64, n)
	res, err := l.Compute64(s.T, s.B, s.D, zA, zB, gA, gB)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(res.Value) {
		t.Fatal("value is NaN")
	}

	const h = 1e-6
	value := func() float64 {
		r, err := l.Compute64(s.T, s.B, s.D, zA, zB, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.Value
	}
	for _, side := range []struct {
		name string
		z    []float64
		grad []float64
	}{{"zA", zA, gA}, {"zB", zB, gB}} {
		for i := range side.z {
			orig := side.z[i]
			side.z[i] = orig + h
			up := value()
			side.z[i] = orig - h
			down := value()
			side.z[i] = orig
			fd := (up - down) / (2 * h)
			if !close(side.grad[i], fd, 1e-6, 1e-5) {
				t.Errorf("∂L/∂%s[%d] = %.9g, finite difference %.9g", side.name, i, side.grad[i], fd)
			}
		}
	}
}

// TestFloat32MatchesFloat64 compares the float32 and float64 engines and the
// two strategies on larger random inputs.
func TestFloat32MatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := shape{T: 3, B: 40, D: 24}
	n := s.T * s.B * s.D
	zA, zB := randomData(rng, n), randomData(rng, n)
	for _, name := range []string{"ctl", "btl", "ncl", "bt"} {
		ref := newLoss(t, name, nil)
		ref.Strategy = pairloss.Direct
		wantA, wantB := make([]float64, n), make([]float64, n)
		want, err := ref.Compute64(s.T, s.B, s.D, zA, zB, wantA, wantB)
		if err != nil {
			t.Fatal(err)
		}
		for _, strategy := range []pairloss.Strategy{pairloss.Auto, pairloss.Direct, pairloss.Gram} {
			for _, prec := range []pairloss.Precision{pairloss.Float64, pairloss.Float32} {
				l := newLoss(t, name, nil)
				l.Strategy, l.Precision = strategy, prec
				gA, gB := make([]float32, n), make([]float32, n)
				ea := framework.Embeddings{T: s.T, B: s.B, D: s.D, Data: narrow(zA)}
				eb := framework.Embeddings{T: s.T, B: s.B, D: s.D, Data: narrow(zB)}
				got, err := l.Compute(ea, eb, gA, gB)
				if err != nil {
					t.Fatal(err)
				}
				tol := 1e-6
				if prec == pairloss.Float32 {
					tol = 2e-5
				}
				label := fmt.Sprintf("%s %v precision %d", name, strategy, prec)
				if !close(got.Value, want.Value, tol, tol) {
					t.Errorf("%s: value %.9g, want %.9g", label, got.Value, want.Value)
				}
				for i := range gA {
					if !close(float64(gA[i]), wantA[i], tol, tol) || !close(float64(gB[i]), wantB[i], tol, tol) {
						t.Errorf("%s: grad[%d] = (%g, %g), want (%g, %g)", label, i, gA[i], gB[i], wantA[i], wantB[i])
						break
					}
				}
			}
		}
	}
}

// TestCollapsedDimension checks that a dimension with no spread over the
// batch gives finite values and gradients and is reported by MinStd.
func TestCollapsedDimension(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	s := shape{T: 2, B: 8, D: 6}
	n := s.T * s.B * s.D
	zA, zB := randomData(rng, n), randomData(rng, n)
	const member, dim = 3, 4 // Z_B[1], dimension 4
	for b := 0; b < s.B; b++ {
		zB[((member-s.T)*s.B+b)*s.D+dim] = 0.75
	}
	for _, center := range []bool{true, false} {
		for _, strategy := range []pairloss.Strategy{pairloss.Direct, pairloss.Gram} {
			l := newLoss(t, "ctl", map[string]any{"center": center})
			l.Strategy = strategy
			gA, gB := make([]float32, n), make([]float32, n)
			ea := framework.Embeddings{T: s.T, B: s.B, D: s.D, Data: narrow(zA)}
			eb := framework.Embeddings{T: s.T, B: s.B, D: s.D, Data: narrow(zB)}
			res, err := l.Compute(ea, eb, gA, gB)
			if err != nil {
				t.Fatal(err)
			}
			if math.IsNaN(res.Value) || math.IsInf(res.Value, 0) {
				t.Errorf("center=%v %v: value %v, want finite", center, strategy, res.Value)
			}
			for i := range gA {
				for _, g := range []float32{gA[i], gB[i]} {
					if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
						t.Fatalf("center=%v %v: gradient %v at %d, want finite", center, strategy, g, i)
					}
				}
			}
			if res.MinStd != 0 || res.MinStdMember != member || res.MinStdDim != dim {
				t.Errorf("center=%v %v: MinStd %g at member %d dim %d, want 0 at member %d dim %d",
					center, strategy, res.MinStd, res.MinStdMember, res.MinStdDim, member, dim)
			}
		}
	}

	// With centring, the collapsed column of N is 0, so each of its 2T−1
	// pairs has C_ii = 0 there and an invariance term of exactly 1.
	c, err := pairloss.CrossCorrelation(s.B, s.D, zB[s.B*s.D:], zA[:s.B*s.D], true)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < s.D; j++ {
		if c[dim*s.D+j] != 0 {
			t.Errorf("C[%d][%d] = %g for the collapsed dimension, want 0", dim, j, c[dim*s.D+j])
		}
	}
}

// TestFullCollapse checks a member whose every sample is the same vector.
func TestFullCollapse(t *testing.T) {
	s := shape{T: 2, B: 4, D: 3}
	n := s.T * s.B * s.D
	zA, zB := make([]float32, n), make([]float32, n)
	for i := range zA {
		zA[i], zB[i] = float32(i%s.D)+0.5, float32(i%7)*0.25
	}
	l := newLoss(t, "btl", nil)
	gA, gB := make([]float32, n), make([]float32, n)
	res, err := l.Compute(framework.Embeddings{T: s.T, B: s.B, D: s.D, Data: zA}, framework.Embeddings{T: s.T, B: s.B, D: s.D, Data: zB}, gA, gB)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(res.Value) || math.IsInf(res.Value, 0) || res.MinStd != 0 {
		t.Errorf("value %v, MinStd %v; want a finite value and MinStd 0", res.Value, res.MinStd)
	}
	for i := range gA {
		if math.IsNaN(float64(gA[i])) || math.IsInf(float64(gA[i]), 0) {
			t.Fatalf("gradA[%d] = %v, want finite", i, gA[i])
		}
	}
}
