package nn

import (
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
)

// naiveConv is a direct loop over output pixels, kernel taps and channels.
func naiveConv(x []float32, N, C, H, W int, w []float32, O, K, S, P int) ([]float32, int, int) {
	OH, OW := (H+2*P-K)/S+1, (W+2*P-K)/S+1
	y := make([]float32, N*O*OH*OW)
	for n := 0; n < N; n++ {
		for o := 0; o < O; o++ {
			for oy := 0; oy < OH; oy++ {
				for ox := 0; ox < OW; ox++ {
					var sum float64
					for c := 0; c < C; c++ {
						for ky := 0; ky < K; ky++ {
							for kx := 0; kx < K; kx++ {
								iy, ix := oy*S-P+ky, ox*S-P+kx
								if iy < 0 || iy >= H || ix < 0 || ix >= W {
									continue
								}
								sum += float64(x[((n*C+c)*H+iy)*W+ix]) * float64(w[((o*C+c)*K+ky)*K+kx])
							}
						}
					}
					y[((n*O+o)*OH+oy)*OW+ox] = float32(sum)
				}
			}
		}
	}
	return y, OH, OW
}

func TestConv2dMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	conv, err := NewConv2d("conv", 3, 4, 3, 2, 1, rng)
	if err != nil {
		t.Fatal(err)
	}
	g := gorgonia.NewGraph()
	x := randomNode(g, "x", rng, 2, 3, 7, 6)
	y, err := conv.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	want, OH, OW := naiveConv(x.Value().Data().([]float32), 2, 3, 7, 6, conv.Weight.Data(), 4, 3, 2, 1)
	if s := y.Shape(); s[0] != 2 || s[1] != 4 || s[2] != OH || s[3] != OW {
		t.Fatalf("output shape %v, want [2 4 %d %d]", s, OH, OW)
	}
	for i, v := range y.Value().Data().([]float32) {
		if math.Abs(float64(v-want[i])) > 1e-4 {
			t.Fatalf("output %d: %v, naive loop gives %v", i, v, want[i])
		}
	}
}

func TestConv2dGradient(t *testing.T) {
	checkGradients(t, func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewSource(2))
		conv, _ := NewConv2d("conv", 2, 3, 3, 1, 1, rng)
		x := randomNode(g, "x", rng, 2, 2, 4, 4)
		y, err := conv.Forward(x)
		if err != nil {
			t.Fatal(err)
		}
		return projectedCost(t, y, rng), []*gorgonia.Node{x, ParamNode(g, conv.Weight)}
	}, 2e-2)
}

func TestConv2dKaimingFanOut(t *testing.T) {
	conv, err := NewConv2d("conv", 16, 32, 3, 1, 1, rand.New(rand.NewSource(3)))
	if err != nil {
		t.Fatal(err)
	}
	var sq float64
	w := conv.Weight.Data()
	for _, v := range w {
		sq += float64(v) * float64(v)
	}
	// Variance 2/fan_out = 2/(32·9); 4,608 draws give about 2 % error.
	got, want := sq/float64(len(w)), 2.0/(32*9)
	if math.Abs(got-want) > 0.1*want {
		t.Fatalf("weight variance %.5g, want 2/fan_out = %.5g", got, want)
	}
}

func TestConv2dBadInput(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	if _, err := NewConv2d("c", 0, 4, 3, 1, 1, rng); err == nil {
		t.Error("0 input channels: no error")
	}
	if _, err := NewConv2d("c", 3, 4, 3, 0, 1, rng); err == nil {
		t.Error("stride 0: no error")
	}
	conv, _ := NewConv2d("c", 3, 4, 5, 1, 0, rng)
	g := gorgonia.NewGraph()
	if _, err := conv.Forward(randomNode(g, "x", rng, 1, 2, 8, 8)); err == nil {
		t.Error("2-channel input to a 3-channel convolution: no error")
	}
	if _, err := conv.Forward(randomNode(g, "y", rng, 1, 3, 3, 3)); err == nil {
		t.Error("3×3 input to a 5×5 kernel without padding: no error")
	}
}
