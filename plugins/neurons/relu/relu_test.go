package relu

import (
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
)

func TestForwardBackwardValues(t *testing.T) {
	n, err := framework.NewNeuron(Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	call := framework.NeuronCall{Path: framework.Continuous, T: 2, Input: []float32{-1, 0, 0.5, 3, -2, 7}}
	out := make([]float32, 6)
	if err := n.Forward(call, out); err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0, 0.5, 3, 0, 7}
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("forward[%d] = %v, want %v", i, out[i], want[i])
		}
	}
	call.Path = framework.Spiking
	if err := n.Forward(call, out); err != nil || out[3] != 3 {
		t.Errorf("spiking path: out %v, err %v; want the same ReLU as the continuous path", out, err)
	}
	gradIn := make([]float32, 6)
	if err := n.Backward(call, []float32{1, 2, 3, 4, 5, 6}, gradIn, nil); err != nil {
		t.Fatal(err)
	}
	wantGrad := []float32{0, 0, 3, 4, 0, 6}
	for i := range wantGrad {
		if gradIn[i] != wantGrad[i] {
			t.Errorf("backward[%d] = %v, want %v", i, gradIn[i], wantGrad[i])
		}
	}
}

func TestBadShapesRejected(t *testing.T) {
	n := Neuron{}
	call := framework.NeuronCall{T: 2, Input: []float32{1, 2, 3}}
	if err := n.Forward(call, make([]float32, 3)); err == nil || !strings.Contains(err.Error(), "time steps") {
		t.Errorf("uneven T: error %v", err)
	}
	call = framework.NeuronCall{T: 1, Input: []float32{1, 2}}
	if err := n.Forward(call, make([]float32, 1)); err == nil || !strings.Contains(err.Error(), "output has 1 elements") {
		t.Errorf("short output: error %v", err)
	}
	if err := n.Backward(call, []float32{1, 2}, make([]float32, 3), nil); err == nil {
		t.Error("long input gradient accepted")
	}
}
