package nn

import (
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// distinctNode fills a node with a random permutation of values 0.1 apart,
// so that a finite-difference step of 0.01 never changes a window's maximum.
func distinctNode(g *gorgonia.ExprGraph, name string, rng *rand.Rand, shape ...int) *gorgonia.Node {
	size := tensor.Shape(shape).TotalSize()
	data := make([]float32, size)
	for i, p := range rng.Perm(size) {
		data[i] = 0.1*float32(p) - 0.05*float32(size)
	}
	return gorgonia.NewTensor(g, tensor.Float32, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
}

func TestMaxPool2dMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	cases := []struct{ H, W, K, S, P int }{{6, 6, 2, 2, 0}, {7, 5, 3, 2, 1}, {4, 4, 3, 1, 1}}
	for _, c := range cases {
		g := gorgonia.NewGraph()
		x := randomNode(g, "x", rng, 2, 3, c.H, c.W)
		y, err := MaxPool2d(x, c.K, c.S, c.P)
		if err != nil {
			t.Fatal(err)
		}
		m := gorgonia.NewTapeMachine(g)
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		m.Close()
		xs, ys := x.Value().Data().([]float32), y.Value().Data().([]float32)
		OH, OW := MaxPoolOutSize(c.H, c.K, c.S, c.P), MaxPoolOutSize(c.W, c.K, c.S, c.P)
		if !y.Shape().Eq(tensor.Shape{2, 3, OH, OW}) {
			t.Fatalf("%+v: output shape %v, want [2 3 %d %d]", c, y.Shape(), OH, OW)
		}
		for p := 0; p < 6; p++ {
			for oy := 0; oy < OH; oy++ {
				for ox := 0; ox < OW; ox++ {
					var best float32
					first := true
					for iy := oy*c.S - c.P; iy < oy*c.S-c.P+c.K; iy++ {
						for ix := ox*c.S - c.P; ix < ox*c.S-c.P+c.K; ix++ {
							if iy < 0 || iy >= c.H || ix < 0 || ix >= c.W {
								continue
							}
							if v := xs[(p*c.H+iy)*c.W+ix]; first || v > best {
								best, first = v, false
							}
						}
					}
					if got := ys[(p*OH+oy)*OW+ox]; got != best {
						t.Fatalf("%+v: plane %d, output (%d, %d) = %v, naive loop gives %v", c, p, oy, ox, got, best)
					}
				}
			}
		}
	}
}

func TestMaxPool2dGradient(t *testing.T) {
	checkGradients(t, func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewSource(2))
		x := distinctNode(g, "x", rng, 2, 2, 5, 5)
		y, err := MaxPool2d(x, 3, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		return projectedCost(t, y, rng), []*gorgonia.Node{x}
	}, 1e-2)
}

func TestMaxPool2dBadInput(t *testing.T) {
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewSource(3))
	if _, err := MaxPool2d(randomNode(g, "x", rng, 1, 1, 4, 4), 2, 0, 0); err == nil {
		t.Error("stride 0: no error")
	}
	if _, err := MaxPool2d(randomNode(g, "y", rng, 1, 1, 1, 1), 2, 2, 0); err == nil {
		t.Error("1×1 input to a 2×2 window: no error")
	}
	if _, err := MaxPool2d(randomNode(g, "z", rng, 4, 4), 2, 2, 0); err == nil {
		t.Error("2-D input: no error")
	}
}
