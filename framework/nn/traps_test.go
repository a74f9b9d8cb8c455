package nn

import (
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// These tests pin gorgonia behaviour that this package works around. When an
// upgrade changes it, they fail, and the workaround they name can be
// reconsidered.

// TestTrapMiddleAxisSum pins the wrong reduction over a middle axis of a
// tensor with two leading axes, which is why GlobalAvgPool is a kernel.
func TestTrapMiddleAxisSum(t *testing.T) {
	shape := []int{2, 2, 3, 4}
	data := make([]float32, 48)
	for i := range data {
		data[i] = float32(i)
	}
	x := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	s, err := tensor.Sum(x, 2)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Data().([]float32)

	// Element [0, 1, :, 0] sums data[12], data[16] and data[20].
	const want = 12 + 16 + 20
	if got[4] == want {
		t.Fatalf("tensor.Sum over a middle axis now returns %v for [0, 1, 0], the correct value: "+
			"the reduction trap is fixed upstream, so GlobalAvgPool may use tensor reductions again", got[4])
	}
	if got[4] != 36 {
		t.Errorf("tensor.Sum over a middle axis returns %v for [0, 1, 0]; the known wrong value is 36", got[4])
	}
}

// TestTrapGlobalAveragePoolNoGradient pins that gorgonia's own global
// average pool cannot be differentiated, which is why GlobalAvgPool exists.
func TestTrapGlobalAveragePoolNoGradient(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 2, 2, 2), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Ones()))
	pooled, err := gorgonia.GlobalAveragePool2D(x)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := gorgonia.Sum(pooled)
	if err != nil {
		t.Fatal(err)
	}

	failed := func() (failed bool) {
		defer func() {
			if recover() != nil {
				failed = true
			}
		}()
		_, err := gorgonia.Grad(cost, x)
		return err != nil
	}()
	if !failed {
		t.Fatal("gorgonia.GlobalAveragePool2D is now differentiable: GlobalAvgPool may be replaced by it")
	}
}
