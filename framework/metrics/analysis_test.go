package metrics_test

import (
	"context"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/metrics"
)

func TestHistogramKLByHand(t *testing.T) {
	// Two bins over [0, 1]: p = [2, 2]/4, q = [1, 3]/4.
	got, err := metrics.HistogramKL([]float32{0, 0, 1, 1}, []float32{0, 1, 1, 1}, metrics.KLOptions{Bins: 2, Epsilon: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	p0, p1, q0, q1 := 0.5+1e-8, 0.5+1e-8, 0.25+1e-8, 0.75+1e-8
	want := p0*math.Log(p0/q0) + p1*math.Log(p1/q1)
	if math.Abs(got-want) > 1e-12 || math.Abs(got-0.1438410) > 1e-6 {
		t.Errorf("KL %v, want %v", got, want)
	}

	// 50 bins over [0, 1]: a fills the first and last bin, b only the
	// first; the empty bin of q is where ε matters.
	got, err = metrics.HistogramKL([]float32{0, 1}, []float32{0, 0}, metrics.DefaultKL())
	if err != nil {
		t.Fatal(err)
	}
	e := 1e-8
	want = (0.5+e)*math.Log((0.5+e)/(1+e)) + (0.5+e)*math.Log((0.5+e)/e)
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("50-bin KL %v, want %v", got, want)
	}

	if got, _ := metrics.HistogramKL([]float32{3, 3}, []float32{3}, metrics.DefaultKL()); got != 0 {
		t.Errorf("equal constant values: KL %v, want 0", got)
	}
}

func TestHistogramKLRejectsBadInput(t *testing.T) {
	cases := []struct {
		a, b []float32
		opts metrics.KLOptions
		want string
	}{
		{nil, []float32{1}, metrics.DefaultKL(), "at least one"},
		{[]float32{float32(math.NaN())}, []float32{1}, metrics.DefaultKL(), "non-finite"},
		{[]float32{1}, []float32{1}, metrics.KLOptions{Bins: 0, Epsilon: 1e-8}, "bins"},
		{[]float32{1}, []float32{1}, metrics.KLOptions{Bins: 5}, "epsilon"},
	}
	for _, c := range cases {
		if _, err := metrics.HistogramKL(c.a, c.b, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v vs %v: error %v, want one containing %q", c.a, c.b, err, c.want)
		}
	}
}

func TestFeatureKLPerStep(t *testing.T) {
	// T = 1, N = 2, F = 4; sample 0 is equal in both, sample 1 is the hand
	// case of TestHistogramKLByHand.
	a := eval.Features{N: 2, F: 4, T: 1, Data: []float32{1, 2, 3, 4, 0, 0, 1, 1}, Labels: []int{0, 1}}
	a.PerStep = a.Data
	b := eval.Features{N: 2, F: 4, T: 1, Data: []float32{1, 2, 3, 4, 0, 1, 1, 1}, Labels: []int{0, 1}}
	b.PerStep = b.Data
	opts := metrics.KLOptions{Bins: 2, Epsilon: 1e-8}
	res, err := metrics.FeatureKL(a, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	one, _ := metrics.HistogramKL(a.Data[4:], b.Data[4:], opts)
	if len(res) != 1 || math.Abs(res[0].Mean-one/2) > 1e-12 || math.Abs(res[0].Std-one/2) > 1e-12 || res[0].Step != 1 {
		t.Errorf("result %+v, want step 1 with mean and std %v", res, one/2)
	}
	b.T, b.PerStep = 2, append(append([]float32(nil), b.Data...), b.Data...)
	if _, err := metrics.FeatureKL(a, b, opts); err == nil || !strings.Contains(err.Error(), "same T") {
		t.Errorf("different T: error %v", err)
	}
	a.PerStep = nil
	if _, err := metrics.FeatureKL(a, b, opts); err == nil || !strings.Contains(err.Error(), "per-step") {
		t.Errorf("missing per-step features: error %v", err)
	}
}

// blobs returns k Gaussian clusters of m points in d dimensions, centres
// 10 apart along separate axes, unit spread.
func blobs(k, m, d int, seed int64) ([]float32, []int) {
	rng := rand.New(rand.NewSource(seed))
	x := make([]float32, 0, k*m*d)
	var labels []int
	for c := 0; c < k; c++ {
		for i := 0; i < m; i++ {
			for j := 0; j < d; j++ {
				v := rng.NormFloat64()
				if j == c {
					v += 10
				}
				x = append(x, float32(v))
			}
			labels = append(labels, c)
		}
	}
	return x, labels
}

func TestTSNEKeepsBlobsSeparated(t *testing.T) {
	const k, m, d = 3, 30, 8
	x, labels := blobs(k, m, d, 7)
	opts := metrics.DefaultTSNE()
	y, err := metrics.TSNE(context.Background(), x, k*m, d, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Every point lies closer to its own cluster's centroid than to any
	// other cluster's.
	cx, cy := make([]float64, k), make([]float64, k)
	for i, c := range labels {
		cx[c] += y[2*i] / m
		cy[c] += y[2*i+1] / m
	}
	wrong := 0
	for i, c := range labels {
		own := math.Hypot(y[2*i]-cx[c], y[2*i+1]-cy[c])
		for o := 0; o < k; o++ {
			if o != c && math.Hypot(y[2*i]-cx[o], y[2*i+1]-cy[o]) <= own {
				wrong++
				break
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d points lie nearer another cluster's centroid", wrong, k*m)
	}

	again, err := metrics.TSNE(context.Background(), x, k*m, d, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range y {
		if y[i] != again[i] {
			t.Fatalf("same seed, coordinate %d: %v then %v", i, y[i], again[i])
		}
	}
	opts.Seed = 2
	other, _ := metrics.TSNE(context.Background(), x, k*m, d, opts)
	same := true
	for i := range y {
		same = same && y[i] == other[i]
	}
	if same {
		t.Error("seeds 1 and 2 gave the same layout")
	}
}

func TestTSNERejectsBadInput(t *testing.T) {
	x, _ := blobs(2, 5, 3, 1)
	opts := metrics.DefaultTSNE()
	if _, err := metrics.TSNE(context.Background(), x, 10, 3, opts); err == nil || !strings.Contains(err.Error(), "perplexity 30 with 10 points") {
		t.Errorf("perplexity above the point count: error %v", err)
	}
	opts.Perplexity = 3
	if _, err := metrics.TSNE(context.Background(), x[:29], 10, 3, opts); err == nil {
		t.Error("short input accepted")
	}
	x[4] = float32(math.Inf(1))
	if _, err := metrics.TSNE(context.Background(), x, 10, 3, opts); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("infinite value: error %v", err)
	}
	x[4] = 0
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := metrics.TSNE(ctx, x, 10, 3, opts); err == nil {
		t.Error("cancelled context ignored")
	}
}

func TestEnergyFormulas(t *testing.T) {
	e := metrics.DefaultEnergy()
	if got := e.ANNEnergy(3_600_000_000).Joule; math.Abs(got-11.16e-3) > 1e-9 {
		t.Errorf("3.6 G MACs: %v J, want 11.16 mJ", got)
	}
	// The method's spiking example: 3600 M dense MACs at 23 % activity are
	// 828 M accumulates, 0.0828 mJ.
	p := e.PaperSNNEnergy(3_600_000_000, 0.23)
	if math.Abs(p.ACs-828e6) > 1 || math.Abs(p.Joule-0.0828e-3) > 1e-12 {
		t.Errorf("paper estimate %+v, want 828e6 ACs and 0.0828 mJ", p)
	}
	s := metrics.SynOps{T: 4, InputMACs: 1000, Layers: []metrics.LayerOps{{SynOps: []float64{10, 20, 30, 40}}}}
	got := e.SynOpEnergy(s)
	if got.MACs != 4000 || got.ACs != 100 || math.Abs(got.Joule-(4000*3.1+100*0.1)*1e-12) > 1e-20 {
		t.Errorf("synaptic-operation energy %+v, want 4000 MACs, 100 ACs", got)
	}
	if err := (metrics.EnergyConstants{MAC: -1, AC: 0.1}).Check(); err == nil {
		t.Error("negative MAC energy accepted")
	}
}

func TestMeasureCountsRepetitions(t *testing.T) {
	calls := 0
	m, err := metrics.Measure(2, 3, func() error {
		calls++
		s := 0.0
		for i := 0; i < 1e5; i++ {
			s += math.Sqrt(float64(i))
		}
		_ = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 5 || len(m.Wall) != 3 || len(m.CPU) != 3 {
		t.Errorf("%d calls, %d wall and %d CPU times; want 5 calls and 3 of each", calls, len(m.Wall), len(m.CPU))
	}
	if m.MedianWall <= 0 || m.PeakHeapMiB <= 0 {
		t.Errorf("median wall %v s and peak heap %v MiB; want both positive", m.MedianWall, m.PeakHeapMiB)
	}
	if _, err := metrics.Measure(0, 0, func() error { return nil }); err == nil {
		t.Error("0 repetitions accepted")
	}
	if got := metrics.Median([]float64{5, 1, 3, 2}); got != 2.5 {
		t.Errorf("median of 5 1 3 2 = %v, want 2.5", got)
	}
	if !strings.Contains(metrics.MachineInfo(), "GOMAXPROCS") {
		t.Errorf("machine info %q lacks GOMAXPROCS", metrics.MachineInfo())
	}
}

func BenchmarkTSNE300(b *testing.B) {
	x, _ := blobs(10, 30, 64, 3)
	opts := metrics.DefaultTSNE()
	for i := 0; i < b.N; i++ {
		if _, err := metrics.TSNE(context.Background(), x, 300, 64, opts); err != nil {
			b.Fatal(err)
		}
	}
}
