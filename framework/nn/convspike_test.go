package nn

import (
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"testing"

	"gorgonia.org/tensor"
)

// spikeCases add to convCases channel counts above one mask word (C > 64)
// and output counts that are not multiples of 8 or 16.
var spikeCases = append([]struct{ N, C, H, W, O, K, S, P int }{
	{2, 70, 6, 5, 12, 3, 1, 1},
	{2, 65, 7, 7, 20, 3, 2, 1},
	{3, 13, 9, 9, 7, 3, 2, 1},
	{2, 16, 8, 8, 33, 1, 2, 0},
	{2, 9, 5, 6, 24, 3, 1, 0},
}, convCases...)

// restoreSpikeRoute sets spikeRoute back to the mode a test found, which
// SNNLAB_CONV_SPIKES may have set.
func restoreSpikeRoute(mode int) { spikeRoute = mode }

// runConv returns the output, ∂x and ∂W of the convolution kernel.
func runConv(t *testing.T, tc struct{ N, C, H, W, O, K, S, P int }, x, w, dy []float32) (y, dx, dw []float32) {
	t.Helper()
	k := &convKernel{name: "c", kernel: tc.K, stride: tc.S, pad: tc.P}
	xt := tensor.New(tensor.WithShape(tc.N, tc.C, tc.H, tc.W), tensor.WithBacking(x))
	wt := tensor.New(tensor.WithShape(tc.O, tc.C, tc.K, tc.K), tensor.WithBacking(w))
	yt, err := k.Forward([]*tensor.Dense{xt, wt})
	if err != nil {
		t.Fatal(err)
	}
	grads, err := k.Backward([]*tensor.Dense{xt, wt}, tensor.New(tensor.WithShape(yt.Shape().Clone()...), tensor.WithBacking(dy)))
	if err != nil {
		t.Fatal(err)
	}
	return yt.Data().([]float32), grads[0].Data().([]float32), grads[1].Data().([]float32)
}

// TestSpikeRouteMatchesDense runs binary inputs of several densities
// through the spike route and the dense routes and compares output, ∂x and
// ∂W with each other and with direct loops, with the vector kernels and
// with plain Go.
func TestSpikeRouteMatchesDense(t *testing.T) {
	withPlainGo(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(3))
		for _, tc := range spikeCases {
			for _, density := range []float64{0, 0.05, 0.3, 1} {
				t.Run(fmt.Sprintf("%v/density=%v", tc, density), func(t *testing.T) {
					x := sparseInput(rng, tc.N*tc.C*tc.H*tc.W, density, true)
					w := randomSlice(rng, tc.O*tc.C*tc.K*tc.K)
					oh, ow := (tc.H+2*tc.P-tc.K)/tc.S+1, (tc.W+2*tc.P-tc.K)/tc.S+1
					dy := randomSlice(rng, tc.N*tc.O*oh*ow)

					defer restoreSpikeRoute(spikeRoute)
					spikeRoute = spikeOff
					yd, dxd, dwd := runConv(t, tc, x, w, dy)
					spikeRoute = spikeForce
					ys, dxs, dws := runConv(t, tc, x, w, dy)

					compare(t, "output", ys, toF64(yd), 1e-5)
					compare(t, "∂x", dxs, toF64(dxd), 1e-5)
					compare(t, "∂W", dws, toF64(dwd), 1e-5)

					want, _, _ := naiveConv(x, tc.N, tc.C, tc.H, tc.W, w, tc.O, tc.K, tc.S, tc.P)
					compare(t, "output against direct loops", ys, toF64(want), 1e-4)
					_, dw := naiveConvGrads(x, tc.N, tc.C, tc.H, tc.W, w, tc.O, tc.K, tc.S, tc.P, dy)
					compare(t, "∂W against direct loops", dws, dw, 1e-4)
				})
			}
		}
	})
}

// TestScanSpikesDetectsBinaryInput checks that the scan accepts only
// inputs made of +0 and 1 and measures their density.
func TestScanSpikesDetectsBinaryInput(t *testing.T) {
	defer restoreSpikeRoute(spikeRoute)
	spikeRoute = spikeForce
	k := &convKernel{name: "c", kernel: 3, stride: 1, pad: 1}
	g, err := k.geometry(tensor.Shape{3, 5, 6, 7}, tensor.Shape{4, 5, 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(5))
	x := sparseInput(rng, 3*5*6*7, 0.25, true)
	ones := 0
	for _, v := range x {
		if v == 1 {
			ones++
		}
	}
	s := g.scanSpikes(x, false)
	if s == nil {
		t.Fatal("binary input was rejected")
	}
	if want := float64(ones) / float64(len(x)); s.density != want {
		t.Errorf("density %v, want %v", s.density, want)
	}
	s.release()

	for _, v := range []float32{0.5, 2, -1, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), 1.0000001} {
		bad := append([]float32(nil), x...)
		bad[len(bad)-1] = v // the last image's last row: the scan must reach it
		if s := g.scanSpikes(bad, false); s != nil {
			s.release()
			t.Errorf("input containing %v was accepted as binary", v)
		}
	}

	spikeRoute = spikeOff
	if s := g.scanSpikes(x, false); s != nil {
		t.Error("the spike route ran while turned off")
	}
}

// TestSpikeRouteDispatch checks that automatic dispatch takes the spike
// route only for the geometries and densities where it measured faster.
func TestSpikeRouteDispatch(t *testing.T) {
	defer restoreSpikeRoute(spikeRoute)
	spikeRoute = spikeAuto
	rng := rand.New(rand.NewSource(13))
	for _, tc := range []struct {
		C, H, K, S int
		density    float64
		backward   bool
		want       bool
	}{
		{64, 8, 3, 1, 0.15, false, true},
		{64, 8, 3, 1, 0.15, true, true},
		{64, 8, 3, 1, 0.4, true, false},
		{64, 8, 3, 1, 0.6, false, false},
		{32, 16, 3, 2, 0.2, false, true},
		{32, 16, 3, 2, 0.2, true, false},
		{16, 32, 3, 1, 0.05, false, false},
		{32, 16, 1, 2, 0.05, false, false},
	} {
		k := &convKernel{name: "c", kernel: tc.K, stride: tc.S, pad: tc.K / 2}
		g, err := k.geometry(tensor.Shape{2, tc.C, tc.H, tc.H}, tensor.Shape{8, tc.C, tc.K, tc.K})
		if err != nil {
			t.Fatal(err)
		}
		s := g.scanSpikes(sparseInput(rng, 2*tc.C*tc.H*tc.H, tc.density, true), tc.backward)
		if got := s != nil; got != tc.want {
			t.Errorf("%+v: spike route %v, want %v", tc, got, tc.want)
		}
		if s != nil {
			s.release()
		}
	}
}

// TestSpikeRouteSameOnOneAndTwoThreads compares the spike route under
// GOMAXPROCS 1 and 2. ∂W sums its per-goroutine partials in a different
// grouping, so it agrees only to rounding.
func TestSpikeRouteSameOnOneAndTwoThreads(t *testing.T) {
	defer restoreSpikeRoute(spikeRoute)
	spikeRoute = spikeForce
	tc := struct{ N, C, H, W, O, K, S, P int }{6, 16, 10, 10, 24, 3, 1, 1}
	rng := rand.New(rand.NewSource(9))
	x := sparseInput(rng, tc.N*tc.C*tc.H*tc.W, 0.2, true)
	w := randomSlice(rng, tc.O*tc.C*tc.K*tc.K)
	dy := randomSlice(rng, tc.N*tc.O*tc.H*tc.W)

	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	y1, dx1, dw1 := runConv(t, tc, x, w, dy)
	runtime.GOMAXPROCS(2)
	y2, dx2, dw2 := runConv(t, tc, x, w, dy)

	compare(t, "output", y2, toF64(y1), 0)
	compare(t, "∂x", dx2, toF64(dx1), 0)
	compare(t, "∂W", dw2, toF64(dw1), 1e-6)
}

// BenchmarkConvSpikes times forward and backward of the reference
// network's spiking-path convolutions on time-folded batches of 256
// images, with the dense route and the spike route, at several densities.
// The crossover density of each shape sets spikeThreshold.
func BenchmarkConvSpikes(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, sh := range []struct {
		name             string
		C, H, O, K, S, P int
	}{
		{"16x32-16-3s1", 16, 32, 16, 3, 1, 1},
		{"16x32-32-3s2", 16, 32, 32, 3, 2, 1},
		{"16x32-32-1s2", 16, 32, 32, 1, 2, 0},
		{"32x16-32-3s1", 32, 16, 32, 3, 1, 1},
		{"32x16-64-3s2", 32, 16, 64, 3, 2, 1},
		{"32x16-64-1s2", 32, 16, 64, 1, 2, 0},
		{"64x8-64-3s1", 64, 8, 64, 3, 1, 1},
	} {
		const N = 256
		k := &convKernel{name: "c", kernel: sh.K, stride: sh.S, pad: sh.P}
		g, err := k.geometry(tensor.Shape{N, sh.C, sh.H, sh.H}, tensor.Shape{sh.O, sh.C, sh.K, sh.K})
		if err != nil {
			b.Fatal(err)
		}
		wt := tensor.New(tensor.WithShape(sh.O, sh.C, sh.K, sh.K), tensor.WithBacking(randomSlice(rng, sh.O*sh.C*sh.K*sh.K)))
		dy := tensor.New(tensor.WithShape(N, sh.O, g.Ho, g.Wo), tensor.WithBacking(randomSlice(rng, N*g.outLen)))
		for _, density := range []float64{0.05, 0.1, 0.2, 0.3, 0.5} {
			x := sparseInput(rng, N*g.inSize, density, true)
			xt := tensor.New(tensor.WithShape(N, sh.C, sh.H, sh.H), tensor.WithBacking(x))
			for _, route := range []struct {
				name string
				mode int
			}{{"dense", spikeOff}, {"spikes", spikeForce}} {
				name := fmt.Sprintf("%s/d=%v/%s", sh.name, density, route.name)
				b.Run(name+"/forward", func(b *testing.B) {
					spikeRoute = route.mode
					defer restoreSpikeRoute(spikeRoute)
					for i := 0; i < b.N; i++ {
						if _, err := k.Forward([]*tensor.Dense{xt, wt}); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run(name+"/backward", func(b *testing.B) {
					spikeRoute = route.mode
					defer restoreSpikeRoute(spikeRoute)
					for i := 0; i < b.N; i++ {
						if _, err := k.Backward([]*tensor.Dense{xt, wt}, dy); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
