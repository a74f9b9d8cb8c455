package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"
)

// refBatchNorm is batch-norm written straight from its definition in
// float64: output, ∂x, ∂γ and ∂β for upstream gradient dy.
func refBatchNorm(x, gamma, beta, dy []float32, N, C, inner int, train bool, rm, rv []float32, eps float64) (y, dx, dg, db []float64) {
	y, dx = make([]float64, len(x)), make([]float64, len(x))
	dg, db = make([]float64, C), make([]float64, C)
	M := float64(N * inner)
	for c := 0; c < C; c++ {
		at := func(n, i int) int { return (n*C+c)*inner + i }
		mu, v := float64(rm[c]), float64(rv[c])
		if train {
			mu, v = 0, 0
			for n := 0; n < N; n++ {
				for i := 0; i < inner; i++ {
					mu += float64(x[at(n, i)])
				}
			}
			mu /= M
			for n := 0; n < N; n++ {
				for i := 0; i < inner; i++ {
					d := float64(x[at(n, i)]) - mu
					v += d * d
				}
			}
			v /= M
		}
		is := 1 / math.Sqrt(v+eps)
		var sdy, sdyx float64
		for n := 0; n < N; n++ {
			for i := 0; i < inner; i++ {
				j := at(n, i)
				xh := (float64(x[j]) - mu) * is
				y[j] = float64(gamma[c])*xh + float64(beta[c])
				sdy += float64(dy[j])
				sdyx += float64(dy[j]) * xh
			}
		}
		dg[c], db[c] = sdyx, sdy
		for n := 0; n < N; n++ {
			for i := 0; i < inner; i++ {
				j := at(n, i)
				xh := (float64(x[j]) - mu) * is
				g := float64(dy[j])
				if train {
					g = g - sdy/M - xh*sdyx/M
				}
				dx[j] = float64(gamma[c]) * is * g
			}
		}
	}
	return
}

// TestBatchNormKernelMatchesReference compares the kernel with the
// definition on random inputs in both modes, with the vector rows and with
// plain Go. The cases include channels whose mean is far from zero, rows
// longer than the float32 summing chunk and rows with a scalar tail.
func TestBatchNormKernelMatchesReference(t *testing.T) {
	withPlainGo(t, testBatchNormKernel)
}

func testBatchNormKernel(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, tc := range []struct {
		N, C, inner int
		offset      float64
	}{{4, 3, 5, 0}, {8, 16, 64, 0}, {3, 2, 3000, 0}, {3, 2, 1001, 3}, {6, 4, 10, 100}, {4, 4, 36, 100}, {2, 5, 1, 0.5}} {
		for _, train := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v/train=%v", tc, train), func(t *testing.T) {
				bn, _ := NewBatchNorm("bn", tc.C)
				Uniform(rng, bn.Gamma.Data(), 1.5)
				Uniform(rng, bn.Beta.Data(), 0.5)
				Uniform(rng, bn.RunningMean.Data(), 1)
				Fill(bn.RunningVar.Data(), 2)
				n := tc.N * tc.C * tc.inner
				x := randomSlice(rng, n)
				for i := range x {
					x[i] = float32(float64(x[i])*(1+float64(i%7)) + tc.offset)
				}
				dy := randomSlice(rng, n)
				rm := append([]float32(nil), bn.RunningMean.Data()...)
				rv := append([]float32(nil), bn.RunningVar.Data()...)
				wantY, wantDx, wantDg, wantDb := refBatchNorm(x, bn.Gamma.Data(), bn.Beta.Data(), dy, tc.N, tc.C, tc.inner, train, rm, rv, bn.Eps)

				k := &bnKernel{bn: bn, train: train}
				shape := []int{tc.N, tc.C, tc.inner}
				in := []*tensor.Dense{
					tensor.New(tensor.WithShape(shape...), tensor.WithBacking(x)),
					tensor.New(tensor.WithShape(tc.C), tensor.WithBacking(bn.Gamma.Data())),
					tensor.New(tensor.WithShape(tc.C), tensor.WithBacking(bn.Beta.Data())),
				}
				y, err := k.Forward(in)
				if err != nil {
					t.Fatal(err)
				}
				grads, err := k.Backward(in, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(dy)))
				if err != nil {
					t.Fatal(err)
				}
				compare(t, "y", y.Data().([]float32), wantY, 2e-5)
				compare(t, "∂x", grads[0].Data().([]float32), wantDx, 2e-5)
				compare(t, "∂γ", grads[1].Data().([]float32), wantDg, 2e-5)
				compare(t, "∂β", grads[2].Data().([]float32), wantDb, 2e-5)
			})
		}
	}
}

// BenchmarkBatchNorm times a training-mode forward and backward on the
// reference network's largest batch-norm input, [256, 16, 32, 32].
func BenchmarkBatchNorm(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	const N, C, inner = 256, 16, 1024
	bn, _ := NewBatchNorm("bn", C)
	x := tensor.New(tensor.WithShape(N, C, inner), tensor.WithBacking(randomSlice(rng, N*C*inner)))
	dy := tensor.New(tensor.WithShape(N, C, inner), tensor.WithBacking(randomSlice(rng, N*C*inner)))
	in := []*tensor.Dense{x, tensor.New(tensor.WithShape(C), tensor.WithBacking(bn.Gamma.Data())), tensor.New(tensor.WithShape(C), tensor.WithBacking(bn.Beta.Data()))}
	k := &bnKernel{bn: bn, train: true}
	b.Run("forward", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := k.Forward(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("backward", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := k.Backward(in, dy); err != nil {
				b.Fatal(err)
			}
		}
	})
}
