package train

import (
	"errors"
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/framework/optim"
)

// Model is a backbone with its projection head. Params lists the backbone's
// parameters first, then the head's.
type Model struct {
	Backbone framework.Backbone
	Head     *nn.ProjectionHead
}

// Params returns every parameter and buffer of the model.
func (m *Model) Params() []*framework.Param {
	return append(append([]*framework.Param{}, m.Backbone.Params()...), m.Head.Params()...)
}

// Embed adds one path's forward pass to x's graph: backbone features of the
// time-folded input x [T·B, C, H, W], then the head, giving [T·B, D].
func (m *Model) Embed(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	features, err := m.Backbone.Forward(x, pass)
	if err != nil {
		return nil, fmt.Errorf("backbone, %s path: %w", pass.Path, err)
	}
	z, err := m.Head.Forward(features, pass.Train)
	if err != nil {
		return nil, fmt.Errorf("projection head, %s path: %w", pass.Path, err)
	}
	return z, nil
}

// StepConfig fixes the shapes of a compiled training step.
type StepConfig struct {
	T     int                  // time steps
	Batch int                  // samples per view
	Input framework.InputShape // [C, H, W] of one sample

	// PathB is the path that runs on view B: Continuous for MixedLIF
	// training, Spiking for the "LIF in both paths" ablation.
	PathB framework.Path
}

func (c StepConfig) validate() error {
	if c.T < 1 {
		return fmt.Errorf("training step: T = %d, want at least 1", c.T)
	}
	if c.Batch < 2 {
		return fmt.Errorf("training step: batch %d, want at least 2 (the loss standardises over the batch)", c.Batch)
	}
	if c.Input.C < 1 || c.Input.H < 1 || c.Input.W < 1 {
		return fmt.Errorf("training step: input shape [%d, %d, %d] has an empty axis", c.Input.C, c.Input.H, c.Input.W)
	}
	return nil
}

// DualPath is a compiled dual-path training step for a fixed batch shape.
// It is not safe for concurrent use.
type DualPath struct {
	Model  *Model
	Loss   framework.Loss
	Config StepConfig

	graph    *gorgonia.ExprGraph
	machine  gorgonia.VM
	arena    *autograd.Arena
	xA, xB   *gorgonia.Node
	zA, zB   *gorgonia.Node
	readA    gorgonia.Value // copies of zA and zB taken during the run
	readB    gorgonia.Value
	cost     *gorgonia.Node
	params   []*framework.Param // learnable ones, in Model.Params order
	gradVals []*gorgonia.Node
}

// NewDualPath builds and compiles the graph: two passes of one model, the
// loss on both embeddings, and the gradients of every learnable parameter.
func NewDualPath(model *Model, loss framework.Loss, cfg StepConfig) (*DualPath, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := nn.CheckUniqueNames(model.Params()); err != nil {
		return nil, fmt.Errorf("training step: %w", err)
	}
	g := gorgonia.NewGraph()
	s := &DualPath{Model: model, Loss: loss, Config: cfg, graph: g}
	shape := []int{cfg.T * cfg.Batch, cfg.Input.C, cfg.Input.H, cfg.Input.W}
	s.xA = gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("viewA"), gorgonia.WithInit(gorgonia.Zeroes()))
	s.xB = gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("viewB"), gorgonia.WithInit(gorgonia.Zeroes()))

	var err error
	if s.zA, err = model.Embed(s.xA, framework.Pass{Path: framework.Spiking, T: cfg.T, Train: true}); err != nil {
		return nil, err
	}
	if s.zB, err = model.Embed(s.xB, framework.Pass{Path: cfg.PathB, T: cfg.T, Train: true}); err != nil {
		return nil, err
	}
	if s.cost, err = autograd.LossNode(loss, "dual-path", cfg.T, s.zA, s.zB); err != nil {
		return nil, err
	}
	// The backward pass may reuse intermediate buffers, so the embeddings
	// are copied while the graph runs.
	gorgonia.Read(s.zA, &s.readA)
	gorgonia.Read(s.zB, &s.readB)

	var wrt gorgonia.Nodes
	for _, p := range model.Params() {
		if p.Learnable {
			s.params = append(s.params, p)
			wrt = append(wrt, nn.ParamNode(g, p))
		}
	}
	if s.gradVals, err = gorgonia.Grad(s.cost, wrt...); err != nil {
		return nil, fmt.Errorf("training step: building gradients: %w", err)
	}
	if s.arena, err = autograd.NewArena(g); err != nil {
		return nil, fmt.Errorf("training step: %w", err)
	}
	s.machine = autograd.NewMachine(g)
	return s, nil
}

// Close releases the compiled machine and the step's buffers.
func (s *DualPath) Close() error {
	s.arena.Close()
	return s.machine.Close()
}

// BufferStats returns the sizes of the buffers that hold the step's
// activations and gradients between steps.
func (s *DualPath) BufferStats() autograd.ArenaStats { return s.arena.Stats() }

// Params returns the learnable parameters in the order Gradients uses.
func (s *DualPath) Params() []*framework.Param { return s.params }

// setView copies one view into the time-folded input node [T·B, C, H, W].
// A static view [B, C, H, W] is repeated over the T steps (direct
// encoding). An event view [B, T, C, H, W], the loader's layout for frames,
// is transposed so that frame t of every sample lands in time block t.
func (s *DualPath) setView(node *gorgonia.Node, view []float32, name string) error {
	c := s.Config
	frame := c.Input.C * c.Input.H * c.Input.W
	n := c.Batch * frame
	data := node.Value().Data().([]float32)
	switch len(view) {
	case n:
		for t := 0; t < c.T; t++ {
			copy(data[t*n:(t+1)*n], view)
		}
	case c.T * n:
		for b := 0; b < c.Batch; b++ {
			for t := 0; t < c.T; t++ {
				copy(data[(t*c.Batch+b)*frame:(t*c.Batch+b+1)*frame], view[(b*c.T+t)*frame:(b*c.T+t+1)*frame])
			}
		}
	default:
		return fmt.Errorf("training step: %s has %d values, want [B=%d, C=%d, H=%d, W=%d] = %d or [B, T=%d, C, H, W] = %d",
			name, len(view), c.Batch, c.Input.C, c.Input.H, c.Input.W, n, c.T, c.T*n)
	}
	return nil
}

// Forward runs the graph on one pair of views and returns the loss; the
// gradients are then available from Gradients.
func (s *DualPath) Forward(viewA, viewB []float32) (float64, error) {
	if err := s.setView(s.xA, viewA, "view A"); err != nil {
		return 0, err
	}
	if err := s.setView(s.xB, viewB, "view B"); err != nil {
		return 0, err
	}
	s.machine.Reset()
	s.arena.Reset()
	if err := s.machine.RunAll(); err != nil {
		return 0, fmt.Errorf("training step: %w", rootCause(err))
	}
	loss := float64(s.cost.Value().Data().(float32))
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("training step: loss is %v; the network diverged: lower the learning rate", loss)
	}
	return loss, nil
}

// Gradients returns the gradient of every learnable parameter from the last
// Forward, in Params order. The slices are owned by the graph and valid
// until the next Forward.
func (s *DualPath) Gradients() ([][]float32, error) {
	grads := make([][]float32, len(s.gradVals))
	for i, n := range s.gradVals {
		v := n.Value()
		if v == nil {
			return nil, fmt.Errorf("training step: no gradient for %s; run Forward first", s.params[i].Name)
		}
		grads[i] = v.Data().([]float32)
	}
	return grads, nil
}

// Embeddings returns copies of the last Forward's embeddings Z_A and Z_B.
func (s *DualPath) Embeddings() (zA, zB framework.Embeddings) {
	c := s.Config
	D := s.Model.Head.OutDim()
	read := func(v gorgonia.Value) framework.Embeddings {
		data := append([]float32(nil), v.Data().([]float32)...)
		return framework.Embeddings{T: c.T, B: c.Batch, D: D, Data: data}
	}
	return read(s.readA), read(s.readB)
}

// Step runs Forward and applies one optimiser update with learning rate lr.
func (s *DualPath) Step(viewA, viewB []float32, opt optim.Optimizer, lr float64) (float64, error) {
	loss, err := s.Forward(viewA, viewB)
	if err != nil {
		return loss, err
	}
	grads, err := s.Gradients()
	if err != nil {
		return loss, err
	}
	if err := opt.Step(s.params, grads, lr); err != nil {
		return loss, fmt.Errorf("training step: %w", err)
	}
	return loss, nil
}

// rootCause returns the innermost error of a chain. gorgonia wraps an
// operation's error in several layers that name its virtual machine's
// registers; the innermost one is the operation's own message.
func rootCause(err error) error {
	for {
		if vmErr, ok := err.(interface{ Err() error }); ok && vmErr.Err() != nil {
			err = vmErr.Err()
			continue
		}
		inner := errors.Unwrap(err)
		if inner == nil {
			return err
		}
		err = inner
	}
}
