package pluginhost_test

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
)

// checkNeuronNode runs n through autograd.NeuronNode in a gorgonia graph on
// a random [T·B, C] input and checks that the output and every gradient
// equal those of calling n directly, bit for bit: the check every built-in
// neuron passes.
func checkNeuronNode(t *testing.T, n framework.Neuron, path framework.Path, T, B, C int, params [][]float32) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(T*100+B*10+C), 1))
	call := framework.NeuronCall{Path: path, T: T, Input: make([]float32, T*B*C), Params: params}
	gradOut := make([]float32, T*B*C)
	for i := range call.Input {
		call.Input[i] = float32(0.7 + rng.NormFloat64())
		gradOut[i] = float32(rng.NormFloat64())
	}
	want := make([]float32, len(call.Input))
	if err := n.Forward(call, want); err != nil {
		t.Fatalf("direct Forward: %v", err)
	}
	wantIn := make([]float32, len(call.Input))
	wantParams := make([][]float32, len(params))
	for k := range params {
		wantParams[k] = make([]float32, len(params[k]))
	}
	if err := n.Backward(call, gradOut, wantIn, wantParams); err != nil {
		t.Fatalf("direct Backward: %v", err)
	}

	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(T*B, C), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(T*B, C), tensor.WithBacking(append([]float32(nil), call.Input...)))))
	nodes := make(gorgonia.Nodes, len(params))
	for k, p := range params {
		nodes[k] = gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(len(p)), gorgonia.WithName(n.Params()[k].Name),
			gorgonia.WithValue(tensor.New(tensor.WithShape(len(p)), tensor.WithBacking(append([]float32(nil), p...)))))
	}
	out, err := autograd.NeuronNode(n, "layer", path, T, x, nodes...)
	if err != nil {
		t.Fatal(err)
	}
	upstream := gorgonia.NewConstant(tensor.New(tensor.WithShape(T*B, C), tensor.WithBacking(gradOut)))
	cost := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(out, upstream))))
	grads, err := gorgonia.Grad(cost, append(gorgonia.Nodes{x}, nodes...)...)
	if err != nil {
		t.Fatal(err)
	}
	var outVal gorgonia.Value
	gorgonia.Read(out, &outVal)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	sameBits(t, path.String()+" graph output", outVal.Data().([]float32), want)
	sameBits(t, path.String()+" graph input gradient", grads[0].Value().Data().([]float32), wantIn)
	for k := range params {
		sameBits(t, path.String()+" graph gradient of "+n.Params()[k].Name, grads[1+k].Value().Data().([]float32), wantParams[k])
	}
}
