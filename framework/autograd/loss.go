package autograd

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
)

// LossNode applies a loss to the two paths' embeddings. zA and zB are
// time-folded [T·B, D] (or [T, B, D]) float32 nodes with the same shape; the
// result is a scalar node whose gradient flows into both, undetached.
func LossNode(l framework.Loss, label string, T int, zA, zB *gorgonia.Node) (*gorgonia.Node, error) {
	if !zA.Shape().Eq(zB.Shape()) {
		return nil, fmt.Errorf("loss %s: zA has shape %v but zB has shape %v; both paths must produce the same embedding shape", label, zA.Shape(), zB.Shape())
	}
	if _, err := foldedShape(zA.Shape(), T, label); err != nil {
		return nil, err
	}
	op := &lossOp{loss: l, label: label, T: T, dims: zA.Dims(), cache: &gradCache{}}
	return gorgonia.ApplyOp(op, zA, zB)
}

// foldedShape reads [T·B, D] or [T, B, D] as an Embeddings shape.
func foldedShape(s tensor.Shape, T int, label string) (framework.Embeddings, error) {
	switch {
	case len(s) == 2 && T >= 1 && s[0]%T == 0:
		return framework.Embeddings{T: T, B: s[0] / T, D: s[1]}, nil
	case len(s) == 3 && s[0] == T:
		return framework.Embeddings{T: T, B: s[1], D: s[2]}, nil
	}
	return framework.Embeddings{}, fmt.Errorf("loss %s: embeddings of shape %v do not fold T = %d time steps; want [T·B, D] or [T, B, D]", label, s, T)
}

type lossOp struct {
	loss  framework.Loss
	label string
	T     int
	dims  int
	cache *gradCache
}

func (op *lossOp) Arity() int { return 2 }

func (op *lossOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	z := gorgonia.TensorType{Dims: op.dims, Of: a}
	return hm.NewFnType(z, z, a)
}

func (op *lossOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (op *lossOp) embeddings(values []gorgonia.Value) (zA, zB framework.Embeddings, err error) {
	if zA, err = foldedShape(values[0].Shape(), op.T, op.label); err != nil {
		return
	}
	zB = zA
	if !values[0].Shape().Eq(values[1].Shape()) {
		err = fmt.Errorf("loss %s: zA has shape %v but zB has shape %v", op.label, values[0].Shape(), values[1].Shape())
		return
	}
	if zA.Data, err = float32s(values[0], op.label, "zA"); err != nil {
		return
	}
	zB.Data, err = float32s(values[1], op.label, "zB")
	return
}

func (op *lossOp) Do(values ...gorgonia.Value) (gorgonia.Value, error) {
	zA, zB, err := op.embeddings(values)
	if err != nil {
		return nil, err
	}
	v, err := op.loss.Evaluate(zA, zB, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("loss %s: %w", op.label, err)
	}
	return gorgonia.NewF32(float32(v)), nil
}

func (op *lossOp) ReturnsPtr() bool      { return false }
func (op *lossOp) CallsExtern() bool     { return false }
func (op *lossOp) OverwritesInput() int  { return -1 }
func (op *lossOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "loss %s %p %d", op.label, op.loss, op.T) }
func (op *lossOp) Hashcode() uint32      { return hashOf(op) }
func (op *lossOp) String() string        { return fmt.Sprintf("Loss(%s, T=%d)", op.label, op.T) }

func (op *lossOp) DiffWRT(inputs int) []bool { return []bool{true, true} }

func (op *lossOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	grads := make(gorgonia.Nodes, 2)
	for i := range grads {
		g, err := gorgonia.ApplyOp(&lossGradOp{fwd: op, which: i}, inputs[0], inputs[1], grad)
		if err != nil {
			return nil, fmt.Errorf("loss %s: gradient of input %d: %w", op.label, i, err)
		}
		grads[i] = g
	}
	return grads, nil
}

// lossGradOp computes ∂L/∂zA (which 0) or ∂L/∂zB (which 1), scaled by the
// upstream scalar gradient. Inputs: zA, zB, ∂cost/∂L.
type lossGradOp struct {
	fwd   *lossOp
	which int
}

func (op *lossGradOp) Arity() int { return 3 }

func (op *lossGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	z := gorgonia.TensorType{Dims: op.fwd.dims, Of: a}
	return hm.NewFnType(z, z, a, z)
}

func (op *lossGradOp) InferShape(inputs ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := inputs[op.which].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("loss %s: gradient shape %v is not a tensor shape", op.fwd.label, inputs[op.which])
	}
	return s.Clone(), nil
}

func (op *lossGradOp) Do(values ...gorgonia.Value) (gorgonia.Value, error) {
	zA, zB, err := op.fwd.embeddings(values[:2])
	if err != nil {
		return nil, err
	}
	shape := values[op.which].Shape().Clone()
	// An Arena never recycles the loss's inputs within a run, because the
	// loss is not an arena operation. So the data pointer alone identifies
	// this run's inputs.
	key := cacheKey{first: &zA.Data[0]}
	if g, ok := op.fwd.cache.take(key, op.which); ok {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(g)), nil
	}

	scale, err := float32s(values[2], op.fwd.label, "loss gradient")
	if err != nil {
		return nil, err
	}
	gradA := make([]float32, len(zA.Data))
	gradB := make([]float32, len(zB.Data))
	if _, err := op.fwd.loss.Evaluate(zA, zB, gradA, gradB); err != nil {
		return nil, fmt.Errorf("loss %s backward: %w", op.fwd.label, err)
	}
	if s := scale[0]; s != 1 {
		for i := range gradA {
			gradA[i] *= s
			gradB[i] *= s
		}
	}

	grads := [2][]float32{gradA, gradB}
	op.fwd.cache.store(key, map[int][]float32{1 - op.which: grads[1-op.which]})
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(grads[op.which])), nil
}

func (op *lossGradOp) ReturnsPtr() bool     { return false }
func (op *lossGradOp) CallsExtern() bool    { return false }
func (op *lossGradOp) OverwritesInput() int { return -1 }
func (op *lossGradOp) WriteHash(h hash.Hash) {
	op.fwd.WriteHash(h)
	fmt.Fprintf(h, " grad %d", op.which)
}
func (op *lossGradOp) Hashcode() uint32 { return hashOf(op) }
func (op *lossGradOp) String() string {
	return fmt.Sprintf("LossGrad(%s, input %d)", op.fwd.label, op.which)
}
