package gorgoniatraps

import (
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/plugins/neurons/internal/reference"
	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
	"github.com/snnlab/snnlab/plugins/neurons/surrogate"
)

func vector(g *gorgonia.ExprGraph, name string, xs ...float64) *gorgonia.Node {
	return gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(len(xs)), gorgonia.WithName(name),
		gorgonia.WithValue(tensor.New(tensor.WithShape(len(xs)), tensor.WithBacking(xs))))
}

// gorgonia merges nodes whose op hashes and inputs are equal. The
// reference graph applies an attached and a detached step to the same x,
// so the two must hash differently and stay two nodes.
func TestEqualOpHashesMergeNodes(t *testing.T) {
	g := gorgonia.NewGraph()
	x := vector(g, "x", -1, 0, 1)
	attached := reference.StepOp{Shape: surrogate.Rectangular, Alpha: 1}
	detached := attached
	detached.Detached = true

	a1 := gorgonia.Must(reference.Step(attached, x))
	a2 := gorgonia.Must(reference.Step(attached, x))
	d := gorgonia.Must(reference.Step(detached, x))
	if a1 != a2 {
		t.Error("two equal ops on the same input gave two nodes; gorgonia no longer merges them")
	}
	if a1 == d {
		t.Error("the attached and the detached step were merged into one node")
	}
}

// NeuronNode's op hash covers the path, so path A and path B of one layer
// on the same input stay separate nodes with separate values.
func TestNeuronNodePathsStayDistinct(t *testing.T) {
	n := &lifkernel.Neuron{Config: lifkernel.Config{Decay: 0.5, Threshold: 1, Alpha: 1}, Mixed: true}
	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(2, 2), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1.2, 0.8, 0.1, 0.3}))))
	a, err := autograd.NeuronNode(n, "layer", framework.Spiking, 2, x)
	if err != nil {
		t.Fatal(err)
	}
	b, err := autograd.NeuronNode(n, "layer", framework.Continuous, 2, x)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("path A and path B of the same layer and input were merged into one node")
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	av, bv := a.Value().Data().([]float32), b.Value().Data().([]float32)
	if av[1] != 0 || bv[1] != 0.3 {
		t.Errorf("element 1: path A %v (want spike 0), path B %v (want 0.3)", av[1], bv[1])
	}
}

// gorgonia.Mul of two vectors is their inner product, not the element-wise
// product; the reference graph uses HadamardProd wherever both operands
// are vectors.
func TestMulOfVectorsIsDotProduct(t *testing.T) {
	g := gorgonia.NewGraph()
	x := vector(g, "x", 1, 2, 3)
	y := vector(g, "y", 4, 5, 6)
	dot := gorgonia.Must(gorgonia.Mul(x, y))
	had := gorgonia.Must(gorgonia.HadamardProd(x, y))
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if !dot.Shape().IsScalar() || dot.Value().Data().(float64) != 32 {
		t.Errorf("Mul(vector, vector) = %v with shape %v, want the scalar 32", dot.Value(), dot.Shape())
	}
	if got := had.Value().Data().([]float64); got[2] != 18 {
		t.Errorf("HadamardProd = %v, want [4 10 18]", got)
	}
}

// An operation whose inputs are all constants has no graph and fails, so
// the reference graph makes its zero initial states graph inputs.
func TestOpOnConstantsNeedsGraph(t *testing.T) {
	zero := func() *gorgonia.Node {
		return gorgonia.NewConstant(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0, 0})))
	}
	_, err := gorgonia.Add(zero(), zero())
	if err == nil || !strings.Contains(err.Error(), "Graph") {
		t.Errorf("Add of two constants: error %v, want one about the missing graph", err)
	}
}

// After RunAll with gradients, forward values are read through
// gorgonia.Read, which copies them while the machine runs; the copy must
// equal the forward pass.
func TestReadCopiesForwardValue(t *testing.T) {
	n := &lifkernel.Neuron{Config: lifkernel.Config{Decay: 0.5, Threshold: 1, Alpha: 1}}
	input := []float32{1.2, 0.8, 0.1, 0.3, 0.4, 0.9}
	want := make([]float32, len(input))
	if err := n.Forward(framework.NeuronCall{T: 3, Input: input}, want); err != nil {
		t.Fatal(err)
	}

	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(3, 2), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(append([]float32(nil), input...)))))
	out := gorgonia.Must(autograd.NeuronNode(n, "layer", framework.Spiking, 3, x))
	cost := gorgonia.Must(gorgonia.Sum(out))
	if _, err := gorgonia.Grad(cost, x); err != nil {
		t.Fatal(err)
	}
	var read gorgonia.Value
	gorgonia.Read(out, &read)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	got := read.Data().([]float32)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Read value %v, forward %v", got, want)
		}
	}
}
