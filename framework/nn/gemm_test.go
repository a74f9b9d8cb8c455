package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

func randomSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// TestMatmulMatchesNaive checks the vector kernel and its plain edges
// against a float64 triple loop, on shapes with and without edges, with
// padded strides, overwriting and accumulating.
func TestMatmulMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, s := range [][3]int{{4, 16, 1}, {16, 64, 27}, {5, 17, 3}, {27, 1024, 16}, {3, 15, 9}, {64, 48, 100}, {8, 33, 7}, {1, 1, 1}} {
		m, n, k := s[0], s[1], s[2]
		for _, acc := range []bool{false, true} {
			lda, ldb, ldc := k+3, n+5, n+2
			a, b := randomSlice(rng, m*lda), randomSlice(rng, k*ldb)
			c := randomSlice(rng, m*ldc)
			want := make([]float64, len(c))
			for i := range c {
				want[i] = float64(c[i])
			}
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					var sum float64
					for p := 0; p < k; p++ {
						sum += float64(a[i*lda+p]) * float64(b[p*ldb+j])
					}
					if acc {
						want[i*ldc+j] += sum
					} else {
						want[i*ldc+j] = sum
					}
				}
			}
			matmul(m, n, k, a, lda, b, ldb, c, ldc, acc)
			for i := range c {
				if math.Abs(float64(c[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
					t.Fatalf("m=%d n=%d k=%d accumulate=%v: element %d (row %d, col %d) is %v, want %v",
						m, n, k, acc, i, i/ldc, i%ldc, c[i], want[i])
				}
			}
		}
	}
}

// BenchmarkMatmul measures matmul on the shapes of the reference
// network's convolutions (O × C·K·K times C·K·K × H·W).
func BenchmarkMatmul(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, s := range [][3]int{{16, 1024, 144}, {32, 256, 288}, {64, 64, 576}, {144, 1024, 16}, {144, 16, 1024}, {576, 64, 64}} {
		m, n, k := s[0], s[1], s[2]
		ldb := n + 16
		a, bb, c := randomSlice(rng, m*k), randomSlice(rng, k*ldb), make([]float32, m*n)
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				matmul(m, n, k, a, k, bb, ldb, c, n, false)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func TestAddMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 100, 1024} {
		dst, src := randomSlice(rng, n+3), randomSlice(rng, n)
		want := append([]float32(nil), dst...)
		for i := range src {
			want[i] += src[i]
		}
		add(dst, src)
		for i := range dst {
			if dst[i] != want[i] {
				t.Fatalf("n=%d: element %d is %v, want %v", n, i, dst[i], want[i])
			}
		}
	}
}

// withPlainGo runs f once with the vector kernels and once with the plain
// Go loops alone.
func withPlainGo(t *testing.T, f func(t *testing.T)) {
	t.Run("vector", f)
	if !haveVectorKernel {
		return
	}
	t.Run("plain", func(t *testing.T) {
		haveVectorKernel = false
		defer func() { haveVectorKernel = true }()
		f(t)
	})
}

func TestMatmulShiftedAndRows(t *testing.T) {
	withPlainGo(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(3))
		for _, s := range [][3]int{{4, 16, 1}, {16, 48, 27}, {5, 17, 3}, {3, 40, 9}, {8, 35, 12}} {
			m, n, k := s[0], s[1], s[2]
			b := randomSlice(rng, 4*n+3*k+50)
			offs := make([]int, max(m, k))
			for i := range offs {
				offs[i] = rng.Intn(len(b) - n - k)
			}
			lda, ldb, ldc := k+1, n+3, n+2
			for _, acc := range []bool{false, true} {
				// Shifted: B row p = b[offs[p]:].
				a := randomSlice(rng, m*lda)
				c := randomSlice(rng, m*ldc)
				want := make([]float64, len(c))
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						var sum float64
						for p := 0; p < k; p++ {
							sum += float64(a[i*lda+p]) * float64(b[offs[p]+j])
						}
						want[i*ldc+j] = sum
						if acc {
							want[i*ldc+j] += float64(c[i*ldc+j])
						}
					}
					for j := n; j < ldc; j++ {
						want[i*ldc+j] = float64(c[i*ldc+j])
					}
				}
				matmulShifted(m, n, k, a, lda, b, offs, c, ldc, acc)
				compare(t, fmt.Sprintf("shifted %v acc=%v", s, acc), c, want, 1e-5)

				// Rows: A row i = b[offs[i]:], B is bm.
				bm := randomSlice(rng, k*ldb)
				c = randomSlice(rng, m*ldc)
				for i := 0; i < m; i++ {
					for j := 0; j < ldc; j++ {
						want[i*ldc+j] = float64(c[i*ldc+j])
						if j >= n {
							continue
						}
						var sum float64
						for p := 0; p < k; p++ {
							sum += float64(b[offs[i]+p]) * float64(bm[p*ldb+j])
						}
						if acc {
							want[i*ldc+j] += sum
						} else {
							want[i*ldc+j] = sum
						}
					}
				}
				matmulRows(m, n, k, b, offs, bm, ldb, c, ldc, acc)
				compare(t, fmt.Sprintf("rows %v acc=%v", s, acc), c, want, 1e-5)
			}
		}
	})
}
