package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"
)

// naiveConvGrads returns ∂x and ∂W of Σ y⊙dy for y = conv(x, w), by direct
// loops in float64.
func naiveConvGrads(x []float32, N, C, H, W int, w []float32, O, K, S, P int, dy []float32) (dx, dw []float64) {
	OH, OW := (H+2*P-K)/S+1, (W+2*P-K)/S+1
	dx, dw = make([]float64, len(x)), make([]float64, len(w))
	for n := 0; n < N; n++ {
		for o := 0; o < O; o++ {
			for oy := 0; oy < OH; oy++ {
				for ox := 0; ox < OW; ox++ {
					g := float64(dy[((n*O+o)*OH+oy)*OW+ox])
					for c := 0; c < C; c++ {
						for ky := 0; ky < K; ky++ {
							for kx := 0; kx < K; kx++ {
								iy, ix := oy*S-P+ky, ox*S-P+kx
								if iy < 0 || iy >= H || ix < 0 || ix >= W {
									continue
								}
								xi, wi := ((n*C+c)*H+iy)*W+ix, ((o*C+c)*K+ky)*K+kx
								dx[xi] += g * float64(w[wi])
								dw[wi] += g * float64(x[xi])
							}
						}
					}
				}
			}
		}
	}
	return dx, dw
}

// convCases are geometries with and without padding, strides 1 and 2,
// kernels 1, 3 and 5, and channel counts on and off the vector kernel's
// block sizes.
var convCases = []struct{ N, C, H, W, O, K, S, P int }{
	{2, 3, 7, 6, 4, 3, 2, 1},
	{3, 16, 8, 8, 16, 3, 1, 1},
	{2, 5, 9, 11, 20, 3, 1, 0},
	{2, 8, 8, 8, 32, 1, 2, 0},
	{1, 4, 10, 10, 8, 5, 2, 2},
	{4, 6, 4, 4, 12, 3, 2, 1},
	{2, 16, 16, 16, 16, 3, 1, 1},
	{1, 3, 32, 32, 16, 3, 1, 1},
	{2, 4, 9, 7, 8, 5, 1, 2},
	{2, 4, 6, 6, 8, 1, 1, 1},
	{1, 2, 3, 3, 4, 3, 1, 2},
}

// sparseInput fills x with values of which about a fraction density are
// non-zero; binary inputs are 1 where non-zero.
func sparseInput(rng *rand.Rand, n int, density float64, binary bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		if rng.Float64() < density {
			x[i] = 1
			if !binary {
				x[i] = float32(rng.NormFloat64())
			}
		}
	}
	return x
}

// TestConvKernelMatchesNaive checks output, ∂x and ∂W of every route (the
// im2col-free one for stride 1, im2col otherwise or when turned off), with
// the vector kernels and with plain Go, on dense, sparse and spike inputs.
func TestConvKernelMatchesNaive(t *testing.T) {
	for _, direct := range []bool{true, false} {
		t.Run(fmt.Sprintf("direct=%v", direct), func(t *testing.T) {
			directConv = direct
			defer func() { directConv = true }()
			withPlainGo(t, testConvKernel)
		})
	}
}

func testConvKernel(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, tc := range convCases {
		for _, in := range []struct {
			name    string
			density float64
			binary  bool
		}{{"dense", 1, false}, {"spikes", 0.15, true}, {"sparse", 0.3, false}, {"zero", 0, true}} {
			t.Run(fmt.Sprintf("%v/%s", tc, in.name), func(t *testing.T) {
				x := sparseInput(rng, tc.N*tc.C*tc.H*tc.W, in.density, in.binary)
				w := randomSlice(rng, tc.O*tc.C*tc.K*tc.K)
				k := &convKernel{name: "c", kernel: tc.K, stride: tc.S, pad: tc.P}
				xt := tensor.New(tensor.WithShape(tc.N, tc.C, tc.H, tc.W), tensor.WithBacking(x))
				wt := tensor.New(tensor.WithShape(tc.O, tc.C, tc.K, tc.K), tensor.WithBacking(w))
				y, err := k.Forward([]*tensor.Dense{xt, wt})
				if err != nil {
					t.Fatal(err)
				}
				want, _, _ := naiveConv(x, tc.N, tc.C, tc.H, tc.W, w, tc.O, tc.K, tc.S, tc.P)
				compare(t, "output", y.Data().([]float32), toF64(want), 1e-4)

				dy := randomSlice(rng, len(want))
				grads, err := k.Backward([]*tensor.Dense{xt, wt}, tensor.New(tensor.WithShape(y.Shape().Clone()...), tensor.WithBacking(dy)))
				if err != nil {
					t.Fatal(err)
				}
				dx, dw := naiveConvGrads(x, tc.N, tc.C, tc.H, tc.W, w, tc.O, tc.K, tc.S, tc.P, dy)
				compare(t, "∂x", grads[0].Data().([]float32), dx, 1e-4)
				compare(t, "∂W", grads[1].Data().([]float32), dw, 1e-4)
			})
		}
	}
}

func toF64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// compare fails when got and want differ by more than tol relative to the
// larger of 1 and the largest |want|.
func compare(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	scale := 1.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > tol*scale {
			t.Fatalf("%s element %d: %v, reference %v", what, i, got[i], want[i])
		}
	}
}

// BenchmarkConvKernel times forward and backward of the reference
// network's 16→16 3×3 convolution on a time-folded batch of 256 images,
// with dense input (the stem's) and with 20 % spikes (every later layer on
// the spiking path).
func BenchmarkConvKernel(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	const N, C, H, W, O = 256, 16, 32, 32, 16
	for _, in := range []struct {
		name    string
		density float64
	}{{"dense", 1}, {"spikes20", 0.2}} {
		x := sparseInput(rng, N*C*H*W, in.density, in.density < 1)
		xt := tensor.New(tensor.WithShape(N, C, H, W), tensor.WithBacking(x))
		wt := tensor.New(tensor.WithShape(O, C, 3, 3), tensor.WithBacking(randomSlice(rng, O*C*9)))
		dy := tensor.New(tensor.WithShape(N, O, H, W), tensor.WithBacking(randomSlice(rng, N*O*H*W)))
		k := &convKernel{name: "c", kernel: 3, stride: 1, pad: 1}
		flop := 2 * float64(N*O*H*W*C*9)
		b.Run(in.name+"/forward", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := k.Forward([]*tensor.Dense{xt, wt}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(in.name+"/backward", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := k.Backward([]*tensor.Dense{xt, wt}, dy); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2*flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
