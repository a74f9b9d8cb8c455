package train_test

import (
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/framework/optim"
	"github.com/snnlab/snnlab/framework/train"
	_ "github.com/snnlab/snnlab/plugins/all"
)

// smallResNet is a two-stage spiking ResNet on 8×8 input: convolutions of
// both routes (stride 1 and 2), batch-norm, residual additions and neurons.
func smallResNet(t *testing.T, neuron string, seed int64) *train.Model {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	in := framework.InputShape{C: 3, H: 8, W: 8}
	backbone, err := framework.NewBackbone("spiking-resnet18-cifar",
		map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1},
		framework.BackboneConfig{Input: in, RNG: rng, NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron(neuron, nil) }})
	if err != nil {
		t.Fatal(err)
	}
	head, err := nn.NewProjectionHead(backbone.FeatureDim(), []int{16, 8}, rng)
	if err != nil {
		t.Fatal(err)
	}
	return &train.Model{Backbone: backbone, Head: head}
}

func normalViews(seed int64, n int) (a, b []float32) {
	rng := rand.New(rand.NewSource(seed))
	a, b = make([]float32, n), make([]float32, n)
	for i := range a {
		a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	return a, b
}

// closeGradients reports, for each parameter, the first element whose two
// gradients differ by more than tol·(1 + the parameter's largest |want|).
func closeGradients(t *testing.T, what string, params []*framework.Param, got, want [][]float32, tol float64) {
	t.Helper()
	for i, p := range params {
		scale := 0.0
		for _, v := range want[i] {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for j := range want[i] {
			if diff := math.Abs(float64(got[i][j] - want[i][j])); diff > tol*(1+scale) {
				t.Errorf("%s: %s[%d] = %v, want %v", what, p.Name, j, got[i][j], want[i][j])
				break
			}
		}
	}
}

// TestRecycledStepsMatchTwoPass checks every step of a training run, whose
// step reuses the buffers of the step before, against the two-pass
// gradients of a fresh graph at the same parameters.
func TestRecycledStepsMatchTwoPass(t *testing.T) {
	model := smallResNet(t, "mixedlif", 5)
	loss, err := framework.NewLoss("btl", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.StepConfig{T: 2, Batch: 4, Input: framework.InputShape{C: 3, H: 8, W: 8}, PathB: framework.Continuous}
	step, err := train.NewDualPath(model, loss, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer step.Close()
	opt, err := optim.NewSGD(0.9, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := cfg.Batch * cfg.Input.C * cfg.Input.H * cfg.Input.W
	for k := 0; k < 3; k++ {
		viewA, viewB := normalViews(int64(10+k), n)
		if _, err := step.Forward(viewA, viewB); err != nil {
			t.Fatal(err)
		}
		got, err := step.Gradients()
		if err != nil {
			t.Fatal(err)
		}
		want, err := train.TwoPassGradients(model, loss, cfg, viewA, viewB)
		if err != nil {
			t.Fatal(err)
		}
		closeGradients(t, fmt.Sprintf("step %d", k+1), step.Params(), got, want, 1e-4)
		if err := opt.Step(step.Params(), got, 0.05); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStepSameOnOneAndTwoThreads checks that the goroutine split of the
// kernels changes the gradients by rounding only.
func TestStepSameOnOneAndTwoThreads(t *testing.T) {
	cfg := train.StepConfig{T: 2, Batch: 4, Input: framework.InputShape{C: 3, H: 8, W: 8}, PathB: framework.Continuous}
	viewA, viewB := normalViews(21, cfg.Batch*cfg.Input.C*cfg.Input.H*cfg.Input.W)
	loss, err := framework.NewLoss("btl", nil)
	if err != nil {
		t.Fatal(err)
	}
	grads := func(procs int) ([]*framework.Param, [][]float32) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		step, err := train.NewDualPath(smallResNet(t, "mixedlif", 6), loss, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer step.Close()
		// The second step runs on recycled buffers.
		for k := 0; k < 2; k++ {
			if _, err := step.Forward(viewA, viewB); err != nil {
				t.Fatal(err)
			}
		}
		g, err := step.Gradients()
		if err != nil {
			t.Fatal(err)
		}
		out := make([][]float32, len(g))
		for i := range g {
			out[i] = append([]float32(nil), g[i]...)
		}
		return step.Params(), out
	}
	params, one := grads(1)
	_, two := grads(2)
	closeGradients(t, "GOMAXPROCS 2 against 1", params, two, one, 1e-5)
}
