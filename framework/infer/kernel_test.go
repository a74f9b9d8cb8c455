package infer

import (
	"math"
	"math/rand"
	"testing"
)

// randomLists builds spike lists over rows×wp pixels of c channels at the
// given density, in the layout of worker.buildLists: pixel p's entries
// are column·c + channel, in idx[start[p]:start[p+1]].
func randomLists(rng *rand.Rand, rows, wp, c int, density float64) (start, idx []int32, spikes [][]int) {
	n := rows * wp
	start = make([]int32, n+1)
	spikes = make([][]int, n)
	for p := 0; p < n; p++ {
		start[p] = int32(len(idx))
		for ch := 0; ch < c; ch++ {
			if rng.Float64() < density {
				idx = append(idx, int32(p%wp*c+ch))
				spikes[p] = append(spikes[p], ch)
			}
		}
	}
	start[n] = int32(len(idx))
	return start, idx, spikes
}

func TestSpikeRowMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, width := range []int{1, 5, 8, 16, 24, 32, 40, 64, 72, 100, 128} {
		for _, density := range []float64{0, 0.05, 0.3, 1} {
			const cin, k, n, stride, wp = 7, 3, 9, 2, 21
			start, idx, spikes := randomLists(rng, k, wp, cin, density)
			w := randomImages(rng, k*k*cin*width, false)
			bias := randomImages(rng, width, false)
			var taps []tap
			for ky := 0; ky < k; ky++ {
				taps = append(taps, tap{delta: ky * wp, weight: ky * k * cin * width})
			}
			// Output pixels sit outStride apart with a gap, which the
			// kernels must leave alone.
			outStride := width + 3
			want := make([]float64, n*outStride)
			wantCount := 0
			for i := 0; i < n; i++ {
				for j := 0; j < width; j++ {
					want[i*outStride+j] = float64(bias[j])
				}
				for ky := 0; ky < k; ky++ {
					for kx := 0; kx < k; kx++ {
						for _, c := range spikes[ky*wp+i*stride+kx] {
							wantCount++
							for j := 0; j < width; j++ {
								want[i*outStride+j] += float64(w[((ky*k+kx)*cin+c)*width+j])
							}
						}
					}
				}
			}
			withVector(t, func(t *testing.T) {
				out := make([]float32, n*outStride)
				for i := range out {
					out[i] = -7
				}
				count := spikeRow(out, outStride, n, w, width, bias, start, stride, idx, taps, k, stride*cin*width, width)
				if count != wantCount {
					t.Errorf("width %d density %v: count %d, want %d", width, density, count, wantCount)
				}
				for i := range out {
					if i%outStride >= width {
						if out[i] != -7 {
							t.Fatalf("width %d: element %d outside the output pixels changed to %v", width, i, out[i])
						}
						continue
					}
					if d := math.Abs(float64(out[i]) - want[i]); d > 1e-4*(1+math.Abs(want[i])) {
						t.Fatalf("width %d density %v: out[%d] = %v, want %v", width, density, i, out[i], want[i])
					}
				}
			})
		}
	}
}

func TestStepNeuronsVectorMatchesGo(t *testing.T) {
	if !useVector {
		t.Skip("this CPU has no AVX2 and FMA, so only the Go loop runs")
	}
	rng := rand.New(rand.NewSource(5))
	for _, n := range []lif{{beta: 0.5, vth: 1}, {beta: 0.7, vth: 0.3, vreset: -0.2}, {beta: 1, vth: 1, soft: true}, {beta: 0.25, vth: 2, soft: true}} {
		const size = 8*13 + 5
		vGo, vVec := make([]float32, size), make([]float32, size)
		for step := 0; step < 6; step++ {
			in := make([]float32, size)
			for i := range in {
				in[i] = float32(rng.NormFloat64()) * 2 * n.vth
				if i%4 == 0 {
					// H exactly at the threshold after the leak.
					in[i] = n.vth - float32(n.beta*vGo[i])
				}
			}
			outGo, outVec := make([]float32, size), make([]float32, size)
			n.step(in, outGo, vGo)
			stepNeurons(n, in, outVec, vVec)
			for i := range outGo {
				if outGo[i] != outVec[i] || vGo[i] != vVec[i] {
					t.Fatalf("%+v step %d neuron %d: vector spike %v, V %v; Go spike %v, V %v", n, step, i, outVec[i], vVec[i], outGo[i], vGo[i])
				}
			}
		}
	}
}

func TestAppendSpikesVectorMatchesGo(t *testing.T) {
	if !useVector {
		t.Skip("this CPU has no AVX2 and FMA, so only the Go loop runs")
	}
	rng := rand.New(rand.NewSource(6))
	for _, c := range []int{8, 16, 64} {
		for _, density := range []float64{0, 0.2, 1} {
			const npix, base, before = 11, 40, 3
			spk := make([]float32, npix*c)
			for i := range spk {
				if rng.Float64() < density {
					spk[i] = 1
				}
			}
			run := func(vector bool) ([]int32, []int32, int) {
				saved := useVector
				defer func() { useVector = saved }()
				useVector = vector
				idx, start := make([]int32, before+npix*c+8), make([]int32, npix)
				n := appendSpikes(spk, npix, c, base, idx, before, start)
				return idx[:n], start, n
			}
			idxGo, startGo, nGo := run(false)
			idxVec, startVec, nVec := run(true)
			if nGo != nVec {
				t.Fatalf("c %d density %v: vector count %d, Go %d", c, density, nVec, nGo)
			}
			for i := before; i < nGo; i++ {
				if idxGo[i] != idxVec[i] {
					t.Fatalf("c %d density %v: entry %d: vector %d, Go %d", c, density, i, idxVec[i], idxGo[i])
				}
			}
			for p := range startGo {
				if startGo[p] != startVec[p] {
					t.Fatalf("c %d density %v: start of pixel %d: vector %d, Go %d", c, density, p, startVec[p], startGo[p])
				}
			}
		}
	}
}

func TestDenseRowMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, width := range []int{3, 8, 16, 20, 32, 64, 96} {
		const cin, k, n, stride, wp = 3, 3, 11, 1, 13
		x := randomImages(rng, (k+1)*wp*cin, false)
		x[5] = 0
		w := randomImages(rng, k*k*cin*width, false)
		bias := randomImages(rng, width, false)
		var taps []tap
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				for ci := 0; ci < cin; ci++ {
					taps = append(taps, tap{delta: (ky*wp+kx)*cin + ci, weight: ((ky*k+kx)*cin + ci) * width})
				}
			}
		}
		want := make([]float64, n*width)
		for i := 0; i < n; i++ {
			for j := 0; j < width; j++ {
				s := float64(bias[j])
				for _, tp := range taps {
					s += float64(x[i*stride*cin+tp.delta]) * float64(w[tp.weight+j])
				}
				want[i*width+j] = s
			}
		}
		withVector(t, func(t *testing.T) {
			out := make([]float32, n*width)
			denseRow(out, width, n, w, bias, x, stride*cin, taps, width)
			for i := range out {
				if d := math.Abs(float64(out[i]) - want[i]); d > 1e-4*(1+math.Abs(want[i])) {
					t.Fatalf("width %d: out[%d] = %v, want %v", width, i, out[i], want[i])
				}
			}
		})
	}
}
