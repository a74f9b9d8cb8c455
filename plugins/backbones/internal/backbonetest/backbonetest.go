// Package backbonetest holds the checks every spiking backbone's tests run:
// a dual-path forward and backward pass with each built-in neuron and the
// BTL loss, and the batch-split invariance of the spiking path. Only tests
// import it.
package backbonetest

import (
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/nn"

	// Built-in neurons and losses register themselves.
	_ "github.com/snnlab/snnlab/plugins/losses/btl"
	_ "github.com/snnlab/snnlab/plugins/neurons/alif"
	_ "github.com/snnlab/snnlab/plugins/neurons/if"
	_ "github.com/snnlab/snnlab/plugins/neurons/lif"
	_ "github.com/snnlab/snnlab/plugins/neurons/mixedlif"
	_ "github.com/snnlab/snnlab/plugins/neurons/plif"
)

// Neurons are the built-in neurons every backbone is checked with.
var Neurons = []string{"lif", "mixedlif", "plif", "alif", "if"}

// Build creates the registered backbone name with the given neuron and a
// fixed seed.
func Build(t testing.TB, name string, opts map[string]any, in framework.InputShape, neuron string) framework.Backbone {
	t.Helper()
	bb, err := framework.NewBackbone(name, opts, framework.BackboneConfig{
		Input:     in,
		NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron(neuron, nil) },
		RNG:       rand.New(rand.NewSource(1)),
	})
	if err != nil {
		t.Fatalf("build %s %v with %s: %v", name, opts, neuron, err)
	}
	return bb
}

// Images returns T·B time-folded images [T·B, C, H, W]: B random images
// repeated over T steps, as direct encoding does.
func Images(rng *rand.Rand, T, B int, in framework.InputShape) *tensor.Dense {
	per := in.C * in.H * in.W
	data := make([]float32, T*B*per)
	for b := 0; b < B; b++ {
		for i := 0; i < per; i++ {
			v := float32(rng.NormFloat64())
			for t := 0; t < T; t++ {
				data[(t*B+b)*per+i] = v
			}
		}
	}
	return tensor.New(tensor.WithShape(T*B, in.C, in.H, in.W), tensor.WithBacking(data))
}

// DualPath runs path A (spiking) and path B (continuous) of bb on two
// random views in training mode and applies the BTL loss to the pooled
// features. It checks that both outputs are [T·B, F] and that every
// learnable parameter receives a finite gradient that is not all zero.
func DualPath(t *testing.T, bb framework.Backbone, in framework.InputShape, T, B int) {
	t.Helper()
	g, learnable, nodes := DualPathGraph(t, bb, in, T, B)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}

	for i, n := range nodes {
		gv, err := n.Grad()
		if err != nil {
			t.Errorf("parameter %s: no gradient: %v", learnable[i].Name, err)
			continue
		}
		var nonzero bool
		for _, v := range gv.Data().([]float32) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Errorf("parameter %s: gradient %v is not finite", learnable[i].Name, v)
				break
			}
			nonzero = nonzero || v != 0
		}
		if !nonzero {
			t.Errorf("parameter %s %v: gradient is zero everywhere", learnable[i].Name, learnable[i].Value.Shape())
		}
	}
}

// DualPathGraph builds one training step's graph: path A and path B on two
// random views, the BTL loss on the features and its gradient with respect
// to every learnable parameter, returned with their nodes.
func DualPathGraph(t testing.TB, bb framework.Backbone, in framework.InputShape, T, B int) (*gorgonia.ExprGraph, []*framework.Param, gorgonia.Nodes) {
	t.Helper()
	rng := rand.New(rand.NewSource(2))
	g := gorgonia.NewGraph()
	xA := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(T*B, in.C, in.H, in.W), gorgonia.WithName("xA"), gorgonia.WithValue(Images(rng, T, B, in)))
	xB := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(T*B, in.C, in.H, in.W), gorgonia.WithName("xB"), gorgonia.WithValue(Images(rng, T, B, in)))

	fA, err := bb.Forward(xA, framework.Pass{Path: framework.Spiking, T: T, Train: true})
	if err != nil {
		t.Fatalf("path A forward: %v", err)
	}
	fB, err := bb.Forward(xB, framework.Pass{Path: framework.Continuous, T: T, Train: true})
	if err != nil {
		t.Fatalf("path B forward: %v", err)
	}
	want := tensor.Shape{T * B, bb.FeatureDim()}
	if !fA.Shape().Eq(want) || !fB.Shape().Eq(want) {
		t.Fatalf("feature shapes %v and %v, want %v", fA.Shape(), fB.Shape(), want)
	}

	loss, err := framework.NewLoss("btl", nil)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := autograd.LossNode(loss, "btl", T, fA, fB)
	if err != nil {
		t.Fatal(err)
	}
	var learnable []*framework.Param
	for _, p := range bb.Params() {
		if p.Learnable {
			learnable = append(learnable, p)
		}
	}
	nodes := nn.ParamNodes(g, learnable)
	if _, err := gorgonia.Grad(cost, nodes...); err != nil {
		t.Fatalf("gradient: %v", err)
	}
	return g, learnable, nodes
}

// Features runs the spiking path of bb on x [T·B, C, H, W] and returns the
// features [T·B, F]. train selects batch statistics and updates the running
// ones.
func Features(t *testing.T, bb framework.Backbone, x *tensor.Dense, T int, train bool) []float32 {
	t.Helper()
	g := gorgonia.NewGraph()
	s := x.Shape()
	xn := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(s...), gorgonia.WithName("x"), gorgonia.WithValue(x))
	f, err := bb.Forward(xn, framework.Pass{Path: framework.Spiking, T: T, Train: train})
	if err != nil {
		t.Fatalf("forward: %v", err)
	}
	var out gorgonia.Value
	gorgonia.Read(f, &out)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}
	return append([]float32(nil), out.Data().([]float32)...)
}

// SplitInvariance checks that the spiking path in evaluation mode gives
// each sample the same features whether the batch of B = 4 runs whole or
// as two halves, so time folding mixes nothing across samples. It first
// fits the batch-norm running statistics with training-mode passes, so
// that spikes reach the output, and modifies bb's buffers. With rates set,
// the features must be pooled spike maps, so each lies in [0, 1]; otherwise
// they must be non-negative.
func SplitInvariance(t *testing.T, bb framework.Backbone, in framework.InputShape, T int, rates bool) {
	t.Helper()
	const B, half = 4, 2
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 20; i++ {
		Features(t, bb, Images(rng, T, B, in), T, true)
	}
	x := Images(rng, T, B, in)
	per := in.C * in.H * in.W
	whole := Features(t, bb, x, T, false)
	F := bb.FeatureDim()

	data := x.Data().([]float32)
	for h := 0; h < B/half; h++ {
		part := make([]float32, 0, T*half*per)
		for step := 0; step < T; step++ {
			lo := (step*B + h*half) * per
			part = append(part, data[lo:lo+half*per]...)
		}
		got := Features(t, bb, tensor.New(tensor.WithShape(T*half, in.C, in.H, in.W), tensor.WithBacking(part)), T, false)
		for step := 0; step < T; step++ {
			for b := 0; b < half; b++ {
				for d := 0; d < F; d++ {
					w := whole[(step*B+h*half+b)*F+d]
					v := got[(step*half+b)*F+d]
					if math.Abs(float64(w-v)) > 1e-5*(1+math.Abs(float64(w))) {
						t.Fatalf("step %d, sample %d, feature %d: %v in the whole batch, %v in half %d", step, h*half+b, d, w, v, h)
					}
				}
			}
		}
	}
	var spikes float64
	for i, v := range whole {
		if v < 0 || (rates && v > 1) {
			t.Fatalf("feature %d = %v on the spiking path; want a value in [0, 1] for pooled spikes, ≥ 0 for pooled sums of spikes", i, v)
		}
		spikes += float64(v)
	}
	if spikes == 0 {
		t.Fatalf("every feature is zero: the check compares nothing")
	}
}
