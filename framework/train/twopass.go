package train

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/nn"
)

// TwoPassGradients computes the method's Algorithm 2 literally: the
// gradient of loss_A = L(Z_A, stopgrad(Z_B)) plus the gradient of
// loss_B = L(stopgrad(Z_A), Z_B), each from its own graph and its own
// backward pass. It returns the summed gradients of the learnable
// parameters in Model.Params order, and is meant for checking DualPath, whose
// single backward pass must give the same numbers. Batch-norm running
// statistics are updated by both passes.
func TwoPassGradients(model *Model, loss framework.Loss, cfg StepConfig, viewA, viewB []float32) ([][]float32, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var sum [][]float32
	for _, detach := range []string{"B", "A"} {
		grads, err := detachedGradients(model, loss, cfg, viewA, viewB, detach)
		if err != nil {
			return nil, fmt.Errorf("two-pass gradients, path %s detached: %w", detach, err)
		}
		if sum == nil {
			sum = grads
			continue
		}
		for i := range sum {
			for j := range sum[i] {
				sum[i][j] += grads[i][j]
			}
		}
	}
	return sum, nil
}

func detachedGradients(model *Model, loss framework.Loss, cfg StepConfig, viewA, viewB []float32, detach string) ([][]float32, error) {
	g := gorgonia.NewGraph()
	n := cfg.Batch * cfg.Input.C * cfg.Input.H * cfg.Input.W
	input := func(name string, view []float32) (*gorgonia.Node, error) {
		if len(view) != n {
			return nil, fmt.Errorf("%s has %d values, want %d", name, len(view), n)
		}
		data := make([]float32, 0, cfg.T*n)
		for t := 0; t < cfg.T; t++ {
			data = append(data, view...)
		}
		shape := []int{cfg.T * cfg.Batch, cfg.Input.C, cfg.Input.H, cfg.Input.W}
		value := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
		return gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName(name), gorgonia.WithValue(value)), nil
	}
	xA, err := input("viewA", viewA)
	if err != nil {
		return nil, err
	}
	xB, err := input("viewB", viewB)
	if err != nil {
		return nil, err
	}
	zA, err := model.Embed(xA, framework.Pass{Path: framework.Spiking, T: cfg.T, Train: true})
	if err != nil {
		return nil, err
	}
	zB, err := model.Embed(xB, framework.Pass{Path: cfg.PathB, T: cfg.T, Train: true})
	if err != nil {
		return nil, err
	}
	if detach == "B" {
		zB, err = autograd.StopGradient(zB)
	} else {
		zA, err = autograd.StopGradient(zA)
	}
	if err != nil {
		return nil, err
	}
	cost, err := autograd.LossNode(loss, "loss", cfg.T, zA, zB)
	if err != nil {
		return nil, err
	}

	var wrt gorgonia.Nodes
	for _, p := range model.Params() {
		if p.Learnable {
			wrt = append(wrt, nn.ParamNode(g, p))
		}
	}
	gradNodes, err := gorgonia.Grad(cost, wrt...)
	if err != nil {
		return nil, err
	}
	m := autograd.NewMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		return nil, err
	}
	grads := make([][]float32, len(gradNodes))
	for i, gn := range gradNodes {
		grads[i] = append([]float32(nil), gn.Value().Data().([]float32)...)
	}
	return grads, nil
}
