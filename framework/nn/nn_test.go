package nn

import (
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// projectedCost builds cost = Σ out ⊙ R for a fixed random R, so every
// output element gets a distinct upstream gradient.
func projectedCost(t *testing.T, out *gorgonia.Node, rng *rand.Rand) *gorgonia.Node {
	t.Helper()
	r := make([]float32, out.Shape().TotalSize())
	for i := range r {
		r[i] = float32(rng.NormFloat64())
	}
	R := gorgonia.NewTensor(out.Graph(), tensor.Float32, out.Dims(), gorgonia.WithShape(out.Shape()...),
		gorgonia.WithValue(tensor.New(tensor.WithShape(out.Shape().Clone()...), tensor.WithBacking(r))), gorgonia.WithName("R"))
	prod, err := gorgonia.HadamardProd(out, R)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := gorgonia.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	return cost
}

func runCost(t *testing.T, g *gorgonia.ExprGraph, cost *gorgonia.Node) float64 {
	t.Helper()
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	return float64(cost.Value().Data().(float32))
}

// checkGradients compares the symbolic gradients of cost with respect to
// inputs against central finite differences of the same graph.
func checkGradients(t *testing.T, build func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node), tol float64) {
	t.Helper()
	g := gorgonia.NewGraph()
	cost, wrt := build(g)
	grads, err := gorgonia.Grad(cost, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	symbolic := make([][]float32, len(grads))
	for i, gn := range grads {
		symbolic[i] = append([]float32(nil), gn.Value().Data().([]float32)...)
	}
	m.Close()

	// Finite differences on a fresh graph without gradient nodes, so the
	// forward values are not disturbed by the backward pass.
	fg := gorgonia.NewGraph()
	fcost, fwrt := build(fg)
	const eps = 1e-2
	for i, n := range fwrt {
		data := n.Value().Data().([]float32)
		for j := range data {
			orig := data[j]
			data[j] = orig + eps
			up := runCost(t, fg, fcost)
			data[j] = orig - eps
			down := runCost(t, fg, fcost)
			data[j] = orig
			numeric := (up - down) / (2 * eps)
			got := float64(symbolic[i][j])
			if math.Abs(got-numeric) > tol*(1+math.Abs(numeric)) {
				t.Errorf("input %d (%s) element %d: symbolic gradient %.6g, finite difference %.6g", i, n.Name(), j, got, numeric)
			}
		}
	}
}

func randomNode(g *gorgonia.ExprGraph, name string, rng *rand.Rand, shape ...int) *gorgonia.Node {
	size := 1
	for _, d := range shape {
		size *= d
	}
	data := make([]float32, size)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	return gorgonia.NewTensor(g, tensor.Float32, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
}

func TestBatchNormTrainGradient(t *testing.T) {
	checkGradients(t, func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewSource(1))
		bn, _ := NewBatchNorm("bn", 3)
		Uniform(rng, bn.Gamma.Data(), 1.5)
		Uniform(rng, bn.Beta.Data(), 0.5)
		x := randomNode(g, "x", rng, 4, 3, 2, 2)
		y, err := bn.Forward(x, true)
		if err != nil {
			t.Fatal(err)
		}
		return projectedCost(t, y, rng), []*gorgonia.Node{x, ParamNode(g, bn.Gamma), ParamNode(g, bn.Beta)}
	}, 2e-2)
}

func TestBatchNormEvalGradient(t *testing.T) {
	checkGradients(t, func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewSource(2))
		bn, _ := NewBatchNorm("bn", 2)
		Uniform(rng, bn.RunningMean.Data(), 1)
		Fill(bn.RunningVar.Data(), 2.5)
		x := randomNode(g, "x", rng, 3, 2, 5)
		y, err := bn.Forward(x, false)
		if err != nil {
			t.Fatal(err)
		}
		return projectedCost(t, y, rng), []*gorgonia.Node{x, ParamNode(g, bn.Gamma), ParamNode(g, bn.Beta)}
	}, 2e-2)
}

func TestBatchNormTrainStatistics(t *testing.T) {
	g := gorgonia.NewGraph()
	bn, _ := NewBatchNorm("bn", 2)
	// Channel 0 holds 1..4, channel 1 holds 10 four times.
	x := gorgonia.NewTensor(g, tensor.Float32, 3, gorgonia.WithShape(2, 2, 2), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(2, 2, 2), tensor.WithBacking([]float32{1, 2, 10, 10, 3, 4, 10, 10}))))
	y, err := bn.Forward(x, true)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	out := y.Value().Data().([]float32)
	invStd := 1 / math.Sqrt(1.25+1e-5) // biased variance of 1..4 is 1.25
	want := []float64{-1.5 * invStd, -0.5 * invStd, 0, 0, 0.5 * invStd, 1.5 * invStd, 0, 0}
	for i, w := range want {
		if math.Abs(float64(out[i])-w) > 1e-5 {
			t.Errorf("y[%d] = %v, want %v", i, out[i], w)
		}
	}
	// Running statistics: 0.9·0 + 0.1·2.5 and 0.9·1 + 0.1·(5/3), the unbiased variance.
	if rm := bn.RunningMean.Data()[0]; math.Abs(float64(rm)-0.25) > 1e-6 {
		t.Errorf("running mean = %v, want 0.25", rm)
	}
	if rv := bn.RunningVar.Data()[0]; math.Abs(float64(rv)-(0.9+0.1*5.0/3)) > 1e-6 {
		t.Errorf("running variance = %v, want %v", rv, 0.9+0.1*5.0/3)
	}
}

func TestGlobalAvgPoolGradient(t *testing.T) {
	checkGradients(t, func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewSource(3))
		x := randomNode(g, "x", rng, 3, 4, 3, 3)
		y, err := GlobalAvgPool(x)
		if err != nil {
			t.Fatal(err)
		}
		return projectedCost(t, y, rng), []*gorgonia.Node{x}
	}, 1e-2)
}

func TestGlobalAvgPoolValues(t *testing.T) {
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewSource(4))
	x := randomNode(g, "x", rng, 2, 3, 4, 5)
	y, err := GlobalAvgPool(x)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	xs, ys := x.Value().Data().([]float32), y.Value().Data().([]float32)
	for r := 0; r < 6; r++ {
		var sum float64
		for _, v := range xs[r*20 : (r+1)*20] {
			sum += float64(v)
		}
		if math.Abs(sum/20-float64(ys[r])) > 1e-5 {
			t.Errorf("pool[%d] = %v, want %v", r, ys[r], sum/20)
		}
	}
}

func TestLinearGradient(t *testing.T) {
	checkGradients(t, func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewSource(5))
		l, err := NewLinear("fc", 4, 3, true, rng)
		if err != nil {
			t.Fatal(err)
		}
		Uniform(rng, l.B.Data(), 1)
		x := randomNode(g, "x", rng, 5, 4)
		y, err := l.Forward(x)
		if err != nil {
			t.Fatal(err)
		}
		return projectedCost(t, y, rng), []*gorgonia.Node{x, ParamNode(g, l.W), ParamNode(g, l.B)}
	}, 1e-2)
}

func TestProjectionHeadGradient(t *testing.T) {
	checkGradients(t, func(g *gorgonia.ExprGraph) (*gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewSource(6))
		h, err := NewProjectionHead(4, []int{6, 3}, rng)
		if err != nil {
			t.Fatal(err)
		}
		x := randomNode(g, "x", rng, 5, 4)
		y, err := h.Forward(x, true)
		if err != nil {
			t.Fatal(err)
		}
		wrt := []*gorgonia.Node{x}
		for _, p := range h.Params() {
			if p.Learnable {
				wrt = append(wrt, ParamNode(g, p))
			}
		}
		return projectedCost(t, y, rng), wrt
	}, 3e-2)
}

func TestParamNodeSharedAcrossPasses(t *testing.T) {
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewSource(7))
	l, _ := NewLinear("fc", 2, 2, false, rng)
	a, b := randomNode(g, "a", rng, 1, 2), randomNode(g, "b", rng, 1, 2)
	if _, err := l.Forward(a); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Forward(b); err != nil {
		t.Fatal(err)
	}
	if n := len(g.ByName("fc.weight")); n != 1 {
		t.Fatalf("graph has %d nodes named fc.weight after two passes, want 1", n)
	}
	if ParamNode(g, l.W).Value() != l.W.Value {
		t.Fatal("parameter node is not bound to the parameter's tensor")
	}
}

func TestBadShapesAreErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewSource(8))
	bn, _ := NewBatchNorm("bn", 3)
	if _, err := bn.Forward(randomNode(g, "x", rng, 2, 4, 2), true); err == nil {
		t.Error("batch-norm accepted 4 channels for a 3-channel layer")
	}
	l, _ := NewLinear("fc", 3, 2, false, rng)
	if _, err := l.Forward(randomNode(g, "y", rng, 2, 5)); err == nil {
		t.Error("linear layer accepted 5 inputs for a 3-input layer")
	}
	if _, err := GlobalAvgPool(randomNode(g, "z", rng, 4, 2)); err == nil {
		t.Error("global average pool accepted a 2-d input")
	}
	if _, err := NewProjectionHead(4, nil, rng); err == nil {
		t.Error("projection head accepted no widths")
	}
	if _, err := NewLinear("fc0", 0, 2, false, rng); err == nil {
		t.Error("linear layer accepted zero inputs")
	}
}
