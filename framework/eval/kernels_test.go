package eval_test

import (
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/eval"
)

func dense(shape []int, v []float32) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

func lossOf(t *testing.T, k *eval.SoftmaxCrossEntropy, z []float32, B, C int) float64 {
	t.Helper()
	out, err := k.Forward([]*tensor.Dense{dense([]int{B, C}, z)})
	if err != nil {
		t.Fatal(err)
	}
	return float64(out.Data().(float32))
}

func TestSoftmaxCrossEntropyFiniteDifferences(t *testing.T) {
	const B, C = 5, 4
	rng := rand.New(rand.NewSource(1))
	z := make([]float32, B*C)
	for i := range z {
		z[i] = float32(2 * rng.NormFloat64())
	}
	k := eval.NewSoftmaxCrossEntropy()
	k.SetLabels([]int{0, 3, 1, 1, 2})

	grads, err := k.Backward([]*tensor.Dense{dense([]int{B, C}, z)}, tensor.New(tensor.FromScalar(float32(1))))
	if err != nil {
		t.Fatal(err)
	}
	g := grads[0].Data().([]float32)
	const eps = 1e-2
	for i := range z {
		saved := z[i]
		z[i] = saved + eps
		up := lossOf(t, k, z, B, C)
		z[i] = saved - eps
		down := lossOf(t, k, z, B, C)
		z[i] = saved
		fd := (up - down) / (2 * eps)
		if math.Abs(fd-float64(g[i])) > 2e-4 {
			t.Errorf("∂L/∂z[%d, %d] = %.6f, finite difference %.6f", i/C, i%C, g[i], fd)
		}
	}

	// The upstream gradient scales the result.
	twice, err := k.Backward([]*tensor.Dense{dense([]int{B, C}, z)}, tensor.New(tensor.FromScalar(float32(2))))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range twice[0].Data().([]float32) {
		if math.Abs(float64(v-2*g[i])) > 1e-6 {
			t.Fatalf("gradient with upstream 2 at %d is %v, want %v", i, v, 2*g[i])
		}
	}
}

func TestSoftmaxCrossEntropyLargeLogits(t *testing.T) {
	k := eval.NewSoftmaxCrossEntropy()
	k.SetLabels([]int{1})
	// Shifting every logit leaves the loss unchanged: log(1 + e^-1).
	want := math.Log(1 + math.Exp(-1))
	for _, shift := range []float32{0, 1e4, -1e4} {
		got := lossOf(t, k, []float32{shift, shift + 1}, 1, 2)
		if math.Abs(got-want) > 1e-5 {
			t.Errorf("loss with logits shifted by %g is %v, want %v", shift, got, want)
		}
	}
}

func TestSoftmaxCrossEntropyInGraph(t *testing.T) {
	const B, C = 3, 2
	g := gorgonia.NewGraph()
	z := []float32{0.5, -1, 2, 0, -0.3, 0.3}
	logits := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(B, C), gorgonia.WithName("logits"), gorgonia.WithValue(dense([]int{B, C}, append([]float32(nil), z...))))
	k := eval.NewSoftmaxCrossEntropy()
	cost, err := k.Node(logits)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := gorgonia.Grad(cost, logits)
	if err != nil {
		t.Fatal(err)
	}

	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	k.SetLabels([]int{1, 0, 1})
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}

	want, err := k.Backward([]*tensor.Dense{dense([]int{B, C}, z)}, tensor.New(tensor.FromScalar(float32(1))))
	if err != nil {
		t.Fatal(err)
	}
	got := grads[0].Value().Data().([]float32)
	for i, w := range want[0].Data().([]float32) {
		if math.Abs(float64(got[i]-w)) > 1e-6 {
			t.Errorf("graph gradient [%d] = %v, kernel gives %v", i, got[i], w)
		}
	}
	if v := float64(cost.Value().Data().(float32)); math.Abs(v-lossOf(t, k, z, B, C)) > 1e-6 {
		t.Errorf("graph loss %v differs from the kernel's", v)
	}
}

func TestSoftmaxCrossEntropyBadLabels(t *testing.T) {
	k := eval.NewSoftmaxCrossEntropy()
	z := dense([]int{2, 3}, make([]float32, 6))
	k.SetLabels([]int{0})
	if _, err := k.Forward([]*tensor.Dense{z}); err == nil {
		t.Error("1 label for 2 rows: no error")
	}
	k.SetLabels([]int{0, 3})
	if _, err := k.Forward([]*tensor.Dense{z}); err == nil {
		t.Error("label 3 with 3 classes: no error")
	}
}

func TestTimeMeanForwardAndGradient(t *testing.T) {
	const T, B, F = 3, 2, 2
	x := make([]float32, T*B*F)
	for i := range x {
		x[i] = float32(i)
	}
	g := gorgonia.NewGraph()
	xn := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(T*B, F), gorgonia.WithName("x"), gorgonia.WithValue(dense([]int{T * B, F}, x)))
	y, err := eval.TimeMean(xn, T)
	if err != nil {
		t.Fatal(err)
	}
	w := []float32{1, 2, 3, 4}
	wn := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(B, F), gorgonia.WithName("w"), gorgonia.WithValue(dense([]int{B, F}, w)))
	prod, err := gorgonia.HadamardProd(y, wn)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := gorgonia.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	var yv gorgonia.Value
	gorgonia.Read(y, &yv)
	grads, err := gorgonia.Grad(cost, xn)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}

	// y[b, f] = mean over t of x[t·B+b, f] = (b·F+f) + B·F·(T−1)/2.
	for i, v := range yv.Data().([]float32) {
		want := float32(i) + float32(B*F*(T-1))/2
		if v != want {
			t.Errorf("y[%d] = %v, want %v", i, v, want)
		}
	}
	// ∂cost/∂x[t·B+b, f] = w[b, f]/T for every t.
	for i, v := range grads[0].Value().Data().([]float32) {
		want := w[i%(B*F)] / T
		if math.Abs(float64(v-want)) > 1e-7 {
			t.Errorf("∂cost/∂x[%d] = %v, want %v", i, v, want)
		}
	}
	if _, err := eval.TimeMean(xn, 4); err == nil {
		t.Error("T = 4 on 6 rows: no error")
	}
}
