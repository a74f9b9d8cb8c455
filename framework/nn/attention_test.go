package nn

import (
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// spikeNode fills a node with random spikes in {0, 1} at the given rate.
func spikeNode(g *gorgonia.ExprGraph, name string, rng *rand.Rand, rate float64, shape ...int) *gorgonia.Node {
	data := make([]float32, tensor.Shape(shape).TotalSize())
	for i := range data {
		if rng.Float64() < rate {
			data[i] = 1
		}
	}
	return gorgonia.NewTensor(g, tensor.Float32, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
}

// naiveAttention computes scale·(Q·Kᵀ)·V per sequence and head with the
// score matrix formed explicitly, the order the attention is defined in.
func naiveAttention(q, k, v []float32, S, L, D, heads int, scale float64) []float32 {
	dh := D / heads
	out := make([]float32, len(q))
	for s := 0; s < S; s++ {
		for h := 0; h < heads; h++ {
			at := func(x []float32, l, i int) float64 { return float64(x[(s*L+l)*D+h*dh+i]) }
			for l := 0; l < L; l++ {
				for j := 0; j < dh; j++ {
					var sum float64
					for m := 0; m < L; m++ {
						var score float64
						for i := 0; i < dh; i++ {
							score += at(q, l, i) * at(k, m, i)
						}
						sum += score * at(v, m, j)
					}
					out[(s*L+l)*D+h*dh+j] = float32(scale * sum)
				}
			}
		}
	}
	return out
}

func TestSpikingSelfAttentionMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const S, L, D, heads, scale = 3, 5, 8, 2, 0.125
	g := gorgonia.NewGraph()
	q := spikeNode(g, "q", rng, 0.4, S*L, D)
	k := spikeNode(g, "k", rng, 0.4, S*L, D)
	v := spikeNode(g, "v", rng, 0.4, S*L, D)
	y, err := SpikingSelfAttention(q, k, v, L, heads, scale)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	want := naiveAttention(q.Value().Data().([]float32), k.Value().Data().([]float32), v.Value().Data().([]float32), S, L, D, heads, scale)
	var nonzero int
	for i, got := range y.Value().Data().([]float32) {
		if math.Abs(float64(got-want[i])) > 1e-5 {
			t.Fatalf("output %d: %v, naive loop gives %v", i, got, want[i])
		}
		if got != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Fatal("every output is zero: the check compares nothing")
	}
}

// The output is linear in each of q, k and v, so central differences are
// exact up to float32 rounding.
func TestSpikingSelfAttentionGradient(t *testing.T) {
	checkGradients(t, func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewSource(2))
		q := spikeNode(g, "q", rng, 0.5, 2*3, 4)
		k := spikeNode(g, "k", rng, 0.5, 2*3, 4)
		v := spikeNode(g, "v", rng, 0.5, 2*3, 4)
		y, err := SpikingSelfAttention(q, k, v, 3, 2, 0.25)
		if err != nil {
			t.Fatal(err)
		}
		return projectedCost(t, y, rng), []*gorgonia.Node{q, k, v}
	}, 1e-2)
}

func TestSpikingSelfAttentionBadInput(t *testing.T) {
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewSource(3))
	q := spikeNode(g, "q", rng, 0.5, 6, 4)
	if _, err := SpikingSelfAttention(q, q, spikeNode(g, "v", rng, 0.5, 6, 5), 3, 1, 1); err == nil {
		t.Error("v of another width: no error")
	}
	if _, err := SpikingSelfAttention(q, q, q, 4, 1, 1); err == nil {
		t.Error("6 rows in sequences of 4 tokens: no error")
	}
	if _, err := SpikingSelfAttention(q, q, q, 3, 3, 1); err == nil {
		t.Error("width 4 in 3 heads: no error")
	}
}
