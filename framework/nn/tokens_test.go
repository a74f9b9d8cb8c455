package nn

import (
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestToTokensLayout(t *testing.T) {
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewSource(1))
	const N, C, H, W = 2, 3, 2, 4
	x := randomNode(g, "x", rng, N, C, H, W)
	tok, err := ToTokens(x)
	if err != nil {
		t.Fatal(err)
	}
	mean, err := MeanTokens(tok, H*W)
	if err != nil {
		t.Fatal(err)
	}
	gap, err := GlobalAvgPool(x)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	if !tok.Shape().Eq(tensor.Shape{N * H * W, C}) {
		t.Fatalf("token shape %v, want [%d %d]", tok.Shape(), N*H*W, C)
	}
	xs, ts := x.Value().Data().([]float32), tok.Value().Data().([]float32)
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			for l := 0; l < H*W; l++ {
				if got, want := ts[(n*H*W+l)*C+c], xs[(n*C+c)*H*W+l]; got != want {
					t.Fatalf("token (%d, %d) channel %d = %v, want %v", n, l, c, got, want)
				}
			}
		}
	}
	// Averaging the tokens is the global average pool of the feature map.
	ms, gs := mean.Value().Data().([]float32), gap.Value().Data().([]float32)
	for i := range gs {
		if math.Abs(float64(ms[i]-gs[i])) > 1e-6 {
			t.Fatalf("mean over tokens %d = %v, global average pool %v", i, ms[i], gs[i])
		}
	}
}

func TestTokensGradient(t *testing.T) {
	checkGradients(t, func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewSource(2))
		x := randomNode(g, "x", rng, 2, 3, 2, 2)
		tok, err := ToTokens(x)
		if err != nil {
			t.Fatal(err)
		}
		// Scale the tokens so that the mean is not the only path tested.
		sq, err := gorgonia.HadamardProd(tok, tok)
		if err != nil {
			t.Fatal(err)
		}
		y, err := MeanTokens(sq, 4)
		if err != nil {
			t.Fatal(err)
		}
		return projectedCost(t, y, rng), []*gorgonia.Node{x}
	}, 2e-2)
}

func TestMeanTokensBadInput(t *testing.T) {
	g := gorgonia.NewGraph()
	x := randomNode(g, "x", rand.New(rand.NewSource(3)), 10, 4)
	if _, err := MeanTokens(x, 3); err == nil {
		t.Error("10 rows in sequences of 3 tokens: no error")
	}
}
