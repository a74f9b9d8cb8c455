package ctl_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/plugins/losses/ctl"
	"github.com/snnlab/snnlab/plugins/losses/pairloss"
)

const T, B, D, In = 3, 6, 5, 4

func random(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

func matrix(g *gorgonia.ExprGraph, name string, rows, cols int, data []float32) *gorgonia.Node {
	return gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(rows, cols), gorgonia.WithName(name),
		gorgonia.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(data))))
}

func near(got, want float32) bool {
	return math.Abs(float64(got-want)) <= 1e-5+1e-5*math.Abs(float64(want))
}

// TestLossNodeMatchesEvaluate runs the loss inside a gorgonia graph with an
// upstream gradient ∂cost/∂loss = 3 and compares the value and both
// gradients with Evaluate.
func TestLossNodeMatchesEvaluate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	dataA, dataB := random(rng, T*B*D), random(rng, T*B*D)
	l := ctl.New(pairloss.DefaultConfig())

	g := gorgonia.NewGraph()
	zA := matrix(g, "zA", T*B, D, dataA)
	zB := matrix(g, "zB", T*B, D, dataB)
	loss, err := autograd.LossNode(l, "ctl", T, zA, zB)
	if err != nil {
		t.Fatal(err)
	}
	three := gorgonia.NewScalar(g, tensor.Float32, gorgonia.WithName("upstream"), gorgonia.WithValue(float32(3)))
	grads, err := gorgonia.Backpropagate(gorgonia.Nodes{loss}, gorgonia.Nodes{three}, gorgonia.Nodes{zA, zB})
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()

	for run := 0; run < 2; run++ {
		// The second run changes the inputs in place, so a gradient kept
		// from the first run would show up as a mismatch.
		if run == 1 {
			for i := range dataA {
				dataA[i] *= 1.5 - float32(i%3)*0.4
			}
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		eA := framework.Embeddings{T: T, B: B, D: D, Data: dataA}
		eB := framework.Embeddings{T: T, B: B, D: D, Data: dataB}
		gA, gB := make([]float32, T*B*D), make([]float32, T*B*D)
		want, err := l.Evaluate(eA, eB, gA, gB)
		if err != nil {
			t.Fatal(err)
		}
		if got := scalar(t, loss.Value()); !near(got, float32(want)) {
			t.Errorf("run %d: loss %g, want %g", run, got, want)
		}
		for k, w := range [][]float32{gA, gB} {
			got := grads[k].Value().Data().([]float32)
			for i := range w {
				if !near(got[i], 3*w[i]) {
					t.Errorf("run %d: ∂cost/∂%s[%d] = %g, want 3·%g", run, []string{"zA", "zB"}[k], i, got[i], w[i])
					break
				}
			}
		}
		vm.Reset()
	}
}

// TestLossNodeArithmetic builds cost = 3·loss with gorgonia arithmetic.
func TestLossNodeArithmetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	dataA, dataB := random(rng, T*B*D), random(rng, T*B*D)
	l := ctl.New(pairloss.DefaultConfig())

	g := gorgonia.NewGraph()
	zA := matrix(g, "zA", T*B, D, dataA)
	zB := matrix(g, "zB", T*B, D, dataB)
	loss, err := autograd.LossNode(l, "ctl", T, zA, zB)
	if err != nil {
		t.Fatal(err)
	}
	cost := gorgonia.Must(gorgonia.Mul(loss, gorgonia.NewConstant(float32(3))))
	grads, err := gorgonia.Grad(cost, zA, zB)
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}

	gA, gB := make([]float32, T*B*D), make([]float32, T*B*D)
	want, err := l.Evaluate(framework.Embeddings{T: T, B: B, D: D, Data: dataA}, framework.Embeddings{T: T, B: B, D: D, Data: dataB}, gA, gB)
	if err != nil {
		t.Fatal(err)
	}
	if got := scalar(t, cost.Value()); !near(got, float32(3*want)) {
		t.Errorf("cost %g, want 3·%g", got, want)
	}
	for k, w := range [][]float32{gA, gB} {
		got := grads[k].Value().Data().([]float32)
		for i := range w {
			if !near(got[i], 3*w[i]) {
				t.Errorf("∂cost/∂%s[%d] = %g, want 3·%g", []string{"zA", "zB"}[k], i, got[i], w[i])
				break
			}
		}
	}
}

func scalar(t *testing.T, v gorgonia.Value) float32 {
	t.Helper()
	switch d := v.Data().(type) {
	case float32:
		return d
	case []float32:
		if len(d) == 1 {
			return d[0]
		}
	}
	t.Fatalf("value %v is not a float32 scalar", v)
	return 0
}

// TestLossNodeSharedWeights checks the chain rule through a shared linear
// layer: zA = xA·W, zB = xB·W gives ∂L/∂W = xAᵀ·∂L/∂zA + xBᵀ·∂L/∂zB.
func TestLossNodeSharedWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	xA, xB, w := random(rng, T*B*In), random(rng, T*B*In), random(rng, In*D)
	l := ctl.New(pairloss.DefaultConfig())

	g := gorgonia.NewGraph()
	W := matrix(g, "W", In, D, append([]float32(nil), w...))
	zA := gorgonia.Must(gorgonia.Mul(matrix(g, "xA", T*B, In, xA), W))
	zB := gorgonia.Must(gorgonia.Mul(matrix(g, "xB", T*B, In, xB), W))
	loss, err := autograd.LossNode(l, "ctl", T, zA, zB)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := gorgonia.Grad(loss, W)
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}

	za, zb := matmul(xA, w, T*B, In, D), matmul(xB, w, T*B, In, D)
	gA, gB := make([]float32, T*B*D), make([]float32, T*B*D)
	if _, err := l.Evaluate(framework.Embeddings{T: T, B: B, D: D, Data: za}, framework.Embeddings{T: T, B: B, D: D, Data: zb}, gA, gB); err != nil {
		t.Fatal(err)
	}
	got := grads[0].Value().Data().([]float32)
	for k := 0; k < In; k++ {
		for j := 0; j < D; j++ {
			var want float32
			for r := 0; r < T*B; r++ {
				want += xA[r*In+k]*gA[r*D+j] + xB[r*In+k]*gB[r*D+j]
			}
			if !near(got[k*D+j], want) {
				t.Errorf("∂L/∂W[%d][%d] = %g, want %g", k, j, got[k*D+j], want)
			}
		}
	}
}

func matmul(a, b []float32, m, k, n int) []float32 {
	c := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			for j := 0; j < n; j++ {
				c[i*n+j] += a[i*k+p] * b[p*n+j]
			}
		}
	}
	return c
}

func TestRegisteredName(t *testing.T) {
	l, err := framework.NewLoss("CTL", map[string]any{"lambda": 0.01, "invariance": "paper", "center": false})
	if err != nil {
		t.Fatal(err)
	}
	pl := l.(*pairloss.Loss)
	want := pairloss.Config{Lambda: 0.01, Form: pairloss.FormPaper, Center: false}
	if pl.Config != want || pl.Name != ctl.Name {
		t.Errorf("built %q with %+v, want %q with %+v", pl.Name, pl.Config, ctl.Name, want)
	}
}
