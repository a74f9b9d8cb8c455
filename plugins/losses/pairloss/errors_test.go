package pairloss_test

import (
	"math"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/losses/pairloss"
)

func embeddings(T, B, D int) framework.Embeddings {
	data := make([]float32, T*B*D)
	for i := range data {
		data[i] = float32(math.Sin(float64(i)*1.7 + 0.3))
	}
	return framework.Embeddings{T: T, B: B, D: D, Data: data}
}

func TestBadInputErrors(t *testing.T) {
	nan := embeddings(4, 8, 16)
	nan.Data[37] = float32(math.NaN())
	inf := embeddings(4, 8, 16)
	inf.Data[5] = float32(math.Inf(-1))
	short := embeddings(4, 8, 16)
	short.Data = short.Data[:100]

	cases := []struct {
		name, loss string
		opts       map[string]any
		zA, zB     framework.Embeddings
		gA, gB     []float32
		want       []string // every fragment must appear in the error
	}{
		{"mismatched D", "ctl", nil, embeddings(4, 8, 16), embeddings(4, 8, 8), nil, nil,
			[]string{"zA", "[T=4, B=8, D=16]", "zB", "[T=4, B=8, D=8]"}},
		{"mismatched T", "ncl", nil, embeddings(4, 8, 16), embeddings(3, 8, 16), nil, nil,
			[]string{"zA", "[T=4, B=8, D=16]", "zB", "[T=3, B=8, D=16]"}},
		{"mismatched B", "btl", nil, embeddings(4, 8, 16), embeddings(4, 6, 16), nil, nil,
			[]string{"zB", "[T=4, B=6, D=16]"}},
		{"ctl T=1", "ctl", nil, embeddings(1, 8, 16), embeddings(1, 8, 16), nil, nil,
			[]string{"zA", "[T=1, B=8, D=16]", "T ≥ 2"}},
		{"btl T=1", "btl", nil, embeddings(1, 8, 16), embeddings(1, 8, 16), nil, nil,
			[]string{"zA", "[T=1, B=8, D=16]", "T ≥ 2"}},
		{"B=1 centred", "bt", nil, embeddings(4, 1, 16), embeddings(4, 1, 16), nil, nil,
			[]string{"zA", "[T=4, B=1, D=16]", "B ≥ 2"}},
		{"empty batch", "ctl", nil, embeddings(4, 0, 16), embeddings(4, 0, 16), nil, nil,
			[]string{"zA", "[T=4, B=0, D=16]", "empty"}},
		{"empty time", "ncl", nil, embeddings(0, 8, 16), embeddings(0, 8, 16), nil, nil,
			[]string{"zA", "[T=0, B=8, D=16]"}},
		{"NaN in zA", "ctl", nil, nan, embeddings(4, 8, 16), nil, nil,
			[]string{"zA", "[T=4, B=8, D=16]", "NaN", "[0, 2, 5]"}},
		{"NaN in zB", "btl", nil, embeddings(4, 8, 16), nan, nil, nil,
			[]string{"zB", "[T=4, B=8, D=16]", "NaN"}},
		{"Inf in zB", "ncl", nil, embeddings(4, 8, 16), inf, nil, nil,
			[]string{"zB", "[T=4, B=8, D=16]", "Inf"}},
		{"short data", "ctl", nil, short, embeddings(4, 8, 16), nil, nil,
			[]string{"zA", "[T=4, B=8, D=16]", "needs 512 values, got 100"}},
		{"short gradA", "ctl", nil, embeddings(4, 8, 16), embeddings(4, 8, 16), make([]float32, 10), make([]float32, 512),
			[]string{"gradA", "10", "512", "[T=4, B=8, D=16]"}},
		{"short gradB", "ncl", nil, embeddings(4, 8, 16), embeddings(4, 8, 16), make([]float32, 512), make([]float32, 511),
			[]string{"gradB", "511", "[T=4, B=8, D=16]"}},
		{"one gradient", "bt", nil, embeddings(4, 8, 16), embeddings(4, 8, 16), make([]float32, 512), nil,
			[]string{"gradA", "gradB"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLoss(t, c.loss, c.opts)
			_, err := l.Evaluate(c.zA, c.zB, c.gA, c.gB)
			if err == nil {
				t.Fatal("no error")
			}
			for _, frag := range append(c.want, "loss "+c.loss) {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q does not mention %q", err, frag)
				}
			}
		})
	}
}

func TestSingleSampleUncentred(t *testing.T) {
	l := newLoss(t, "ncl", map[string]any{"center": false})
	z := embeddings(2, 1, 4)
	gA, gB := make([]float32, 8), make([]float32, 8)
	v, err := l.Evaluate(z, z, gA, gB)
	if err != nil {
		t.Fatalf("B = 1 without centring: %v", err)
	}
	// Each normalised column of a single sample is ±1, so identical inputs
	// give C_ij = ±1: C_ii = 1 and the redundancy term is λ·D(D−1) per pair.
	if want := 2 * pairloss.DefaultLambda * 4 * 3; !close(v, want, 1e-6, 1e-6) {
		t.Errorf("value %g, want %g", v, want)
	}
}

func TestFloat64InputErrors(t *testing.T) {
	l := newLoss(t, "ctl", nil)
	z := make([]float64, 2*4*3)
	z[7] = math.NaN()
	_, err := l.Compute64(2, 4, 3, z, make([]float64, 24), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "zA [T=2, B=4, D=3]") {
		t.Errorf("NaN in float64 zA: error %v, want one naming zA and its shape", err)
	}
	if _, err := pairloss.CrossCorrelation(4, 3, make([]float64, 12), make([]float64, 11), true); err == nil || !strings.Contains(err.Error(), "z2") {
		t.Errorf("short z2: error %v, want one naming z2", err)
	}
}

func TestRegistry(t *testing.T) {
	for _, name := range []string{"ctl", "btl", "ncl", "bt"} {
		spec, err := framework.Lookup(framework.LossKind, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defaults := map[string]any{"lambda": 5e-3, "center": true, "invariance": "bt"}
		if len(spec.Options) != len(defaults) {
			t.Errorf("%s: %d options, want %d", name, len(spec.Options), len(defaults))
		}
		for _, o := range spec.Options {
			if want, ok := defaults[o.Name]; !ok || o.Default != want {
				t.Errorf("%s: option %s default %v, want %v", name, o.Name, o.Default, want)
			}
		}
		l := newLoss(t, name, nil)
		if l.Config != pairloss.DefaultConfig() || l.Name != name {
			t.Errorf("%s: built with %+v named %q, want the defaults", name, l.Config, l.Name)
		}
		for _, bad := range []map[string]any{{"lambda": -1.0}, {"invariance": "squared"}, {"centre": true}} {
			if _, err := framework.NewLoss(name, bad); err == nil {
				t.Errorf("%s: options %v accepted, want an error", name, bad)
			}
		}
	}
}
