package pairloss_test

import (
	"fmt"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/losses/pairloss"
)

const vecTol = 1e-5

func TestCrossCorrelationVectors(t *testing.T) {
	var v struct {
		Meta      struct{ B, D int }
		Z1, Z2    [][]float64
		C         [][]float64
		CCentered [][]float64 `json:"C_centered"`
	}
	loadJSON(t, "xcorr.json", &v)
	B, D := v.Meta.B, v.Meta.D
	z1, z2 := flatten2(v.Z1), flatten2(v.Z2)

	for _, center := range []bool{false, true} {
		want := flatten2(v.C)
		if center {
			want = flatten2(v.CCentered)
		}
		c64, err := pairloss.CrossCorrelation(B, D, z1, z2, center)
		if err != nil {
			t.Fatal(err)
		}
		c32, err := pairloss.CrossCorrelation(B, D, narrow(z1), narrow(z2), center)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) != D*D {
			t.Fatalf("center=%v: vector C has %d entries, want %d", center, len(want), D*D)
		}
		for k := range want {
			if !close(c64[k], want[k], vecTol, vecTol) {
				t.Errorf("center=%v float64: C[%d][%d] = %.9g, want %.9g", center, k/D, k%D, c64[k], want[k])
			}
			if !close(float64(c32[k]), want[k], vecTol, vecTol) {
				t.Errorf("center=%v float32: C[%d][%d] = %.9g, want %.9g", center, k/D, k%D, c32[k], want[k])
			}
		}
	}
}

type lossVectors struct {
	Meta struct {
		T, B, D int
		Lambda  float64
	}
	ZA, ZB  [][][]float64
	Results []struct {
		Loss      string
		Form      string
		Centered  bool
		Divisor   float64
		Value     float64
		GradZA    [][][]float64 `json:"grad_zA"`
		GradZB    [][][]float64 `json:"grad_zB"`
		Pairs     [][2]int
		PairTerms []float64 `json:"pair_terms"`
	}
}

func TestLossVectors(t *testing.T) {
	var v lossVectors
	loadJSON(t, "losses.json", &v)
	if len(v.Results) == 0 {
		t.Fatal("losses.json has no results")
	}
	T, B, D := v.Meta.T, v.Meta.B, v.Meta.D
	zA := framework.Embeddings{T: T, B: B, D: D, Data: narrow(flatten3(v.ZA))}
	zB := framework.Embeddings{T: T, B: B, D: D, Data: narrow(flatten3(v.ZB))}

	for _, r := range v.Results {
		for _, strategy := range []pairloss.Strategy{pairloss.Direct, pairloss.Gram} {
			for _, prec := range []pairloss.Precision{pairloss.Float64, pairloss.Float32} {
				name := fmt.Sprintf("%s/%s/center=%v/%v/float%d", r.Loss, r.Form, r.Centered, strategy, map[pairloss.Precision]int{pairloss.Float64: 64, pairloss.Float32: 32}[prec])
				t.Run(name, func(t *testing.T) {
					l := newLoss(t, r.Loss, map[string]any{"lambda": v.Meta.Lambda, "invariance": r.Form, "center": r.Centered})
					l.Strategy, l.Precision = strategy, prec

					// Poison the gradients to check that they are overwritten.
					gA, gB := make([]float32, T*B*D), make([]float32, T*B*D)
					for i := range gA {
						gA[i], gB[i] = 7, -3
					}
					res, err := l.Compute(zA, zB, gA, gB)
					if err != nil {
						t.Fatal(err)
					}
					checkLossResult(t, res, gA, gB, r.Pairs, r.PairTerms, r.Value, flatten3(r.GradZA), flatten3(r.GradZB))
				})
			}
		}
	}
}

func checkLossResult(t *testing.T, res pairloss.Result, gA, gB []float32, pairs [][2]int, terms []float64, value float64, wantA, wantB []float64) {
	t.Helper()
	if len(res.Pairs) != len(pairs) {
		t.Fatalf("%d pairs, want %d", len(res.Pairs), len(pairs))
	}
	for k, p := range pairs {
		if res.Pairs[k] != (pairloss.Pair{P: p[0], Q: p[1]}) {
			t.Errorf("pair %d = %v, want %v", k, res.Pairs[k], p)
		}
		if !close(res.PairTerms[k], terms[k], vecTol, vecTol) {
			t.Errorf("pair term %d %v = %.9g, want %.9g", k, p, res.PairTerms[k], terms[k])
		}
	}
	if !close(res.Value, value, vecTol, vecTol) {
		t.Errorf("value = %.9g, want %.9g", res.Value, value)
	}
	for _, g := range []struct {
		name string
		got  []float32
		want []float64
	}{{"grad_zA", gA, wantA}, {"grad_zB", gB, wantB}} {
		if len(g.want) != len(g.got) {
			t.Fatalf("%s has %d values in the vectors, want %d", g.name, len(g.want), len(g.got))
		}
		bad := 0
		for i := range g.want {
			if !close(float64(g.got[i]), g.want[i], vecTol, vecTol) {
				if bad++; bad <= 5 {
					t.Errorf("%s[%d] = %.9g, want %.9g", g.name, i, g.got[i], g.want[i])
				}
			}
		}
		if bad > 5 {
			t.Errorf("%s: %d of %d values differ", g.name, bad, len(g.want))
		}
	}
}
