package autograd

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
)

// NeuronNode applies a multi-step neuron to x, a time-folded tensor
// [T·B, …] whose leading axis holds T time steps as its outer factor. params
// are the neuron's learnable parameter nodes, one float32 vector per
// ParamSpec, in order. The result has x's shape. label names the layer in
// errors and graph dumps.
func NeuronNode(n framework.Neuron, label string, path framework.Path, T int, x *gorgonia.Node, params ...*gorgonia.Node) (*gorgonia.Node, error) {
	specs := n.Params()
	if len(params) != len(specs) {
		return nil, fmt.Errorf("neuron layer %s: got %d parameter nodes, the neuron declares %d", label, len(params), len(specs))
	}
	shape := x.Shape()
	if len(shape) == 0 || T < 1 || shape[0]%T != 0 {
		return nil, fmt.Errorf("neuron layer %s: input %v has a leading axis that does not fold T = %d time steps", label, shape, T)
	}
	for i, p := range params {
		if p.Shape().TotalSize() != specs[i].Size {
			return nil, fmt.Errorf("neuron layer %s: parameter %q node has shape %v, want %d elements", label, specs[i].Name, p.Shape(), specs[i].Size)
		}
	}
	dims := []int{x.Dims()}
	for _, p := range params {
		dims = append(dims, p.Dims())
	}
	op := &neuronOp{neuron: n, label: label, path: path, T: T, nparams: len(specs), dims: dims, cache: &gradCache{}}
	return gorgonia.ApplyOp(op, append([]*gorgonia.Node{x}, params...)...)
}

// neuronOp is the forward operation: inputs (x, params...), output O.
type neuronOp struct {
	neuron  framework.Neuron
	label   string
	path    framework.Path
	T       int
	nparams int
	dims    []int // number of axes of each input
	cache   *gradCache
	arenaLink
}

func (op *neuronOp) Arity() int { return 1 + op.nparams }

func (op *neuronOp) inputTypes() []hm.Type {
	a := hm.TypeVariable('a')
	types := make([]hm.Type, len(op.dims))
	for i, d := range op.dims {
		types[i] = tensorType(d, a)
	}
	return types
}

func (op *neuronOp) Type() hm.Type {
	types := op.inputTypes()
	return hm.NewFnType(append(types, types[0])...)
}

func (op *neuronOp) InferShape(inputs ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := inputs[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("neuron layer %s: input shape %v is not a tensor shape", op.label, inputs[0])
	}
	return s.Clone(), nil
}

func (op *neuronOp) Do(values ...gorgonia.Value) (gorgonia.Value, error) {
	call, shape, err := op.call(values)
	if err != nil {
		return nil, err
	}
	// With an Arena, out holds an earlier value: framework.Neuron requires
	// Forward to write every element, and Backward to overwrite gradIn.
	out := op.arena.allocFunc()(len(call.Input))
	if err := op.neuron.Forward(call, out); err != nil {
		return nil, fmt.Errorf("neuron layer %s, input %v: %w", op.label, shape, err)
	}
	op.done(out)
	return tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(out)), nil
}

// call unpacks gorgonia values into a NeuronCall.
func (op *neuronOp) call(values []gorgonia.Value) (framework.NeuronCall, tensor.Shape, error) {
	if len(values) < 1+op.nparams {
		return framework.NeuronCall{}, nil, fmt.Errorf("neuron layer %s: got %d inputs, want %d", op.label, len(values), 1+op.nparams)
	}
	x, err := float32s(values[0], op.label, "input")
	if err != nil {
		return framework.NeuronCall{}, nil, err
	}
	params := make([][]float32, op.nparams)
	for k := range params {
		if params[k], err = float32s(values[1+k], op.label, fmt.Sprintf("parameter %d", k)); err != nil {
			return framework.NeuronCall{}, nil, err
		}
	}
	call := framework.NeuronCall{Path: op.path, T: op.T, Input: x, Params: params}
	return call, values[0].Shape(), nil
}

func (op *neuronOp) ReturnsPtr() bool     { return false }
func (op *neuronOp) CallsExtern() bool    { return false }
func (op *neuronOp) OverwritesInput() int { return -1 }
func (op *neuronOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "neuron %s %p %d %d", op.label, op.neuron, op.path, op.T)
}
func (op *neuronOp) Hashcode() uint32 { return hashOf(op) }
func (op *neuronOp) String() string {
	return fmt.Sprintf("Neuron(%s, %s, T=%d)", op.label, op.path, op.T)
}

func (op *neuronOp) DiffWRT(inputs int) []bool {
	wrt := make([]bool, inputs)
	for i := range wrt {
		wrt[i] = true
	}
	return wrt
}

// SymDiff returns one gradient node per input; they share a single call of
// the neuron's Backward through the op's gradient cache.
func (op *neuronOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	args := append(append(gorgonia.Nodes{}, inputs...), grad)
	grads := make(gorgonia.Nodes, len(inputs))
	for i := range inputs {
		g, err := gorgonia.ApplyOp(&neuronGradOp{fwd: op, which: i}, args...)
		if err != nil {
			return nil, fmt.Errorf("neuron layer %s: gradient of input %d: %w", op.label, i, err)
		}
		grads[i] = g
	}
	return grads, nil
}

// neuronGradOp computes the gradient of the loss with respect to input
// `which` of a neuronOp (0 is x, 1.. are the parameters). Inputs are the
// forward op's inputs followed by ∂L/∂O.
type neuronGradOp struct {
	fwd   *neuronOp
	which int
	arenaLink
}

func (op *neuronGradOp) Arity() int { return op.fwd.Arity() + 1 }

func (op *neuronGradOp) Type() hm.Type {
	types := op.fwd.inputTypes()
	return hm.NewFnType(append(append(types, types[0]), types[op.which])...)
}

func (op *neuronGradOp) InferShape(inputs ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := inputs[op.which].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("neuron layer %s: gradient shape %v is not a tensor shape", op.fwd.label, inputs[op.which])
	}
	return s.Clone(), nil
}

func (op *neuronGradOp) Do(values ...gorgonia.Value) (gorgonia.Value, error) {
	n := op.fwd.Arity()
	call, shape, err := op.fwd.call(values[:n])
	if err != nil {
		return nil, err
	}
	outShape := values[op.which].Shape().Clone()
	key := cacheKey{&call.Input[0], op.arena.generation()}
	if g, ok := op.fwd.cache.take(key, op.which); ok {
		op.done(g)
		return tensor.New(tensor.WithShape(outShape...), tensor.WithBacking(g)), nil
	}

	gradOut, err := float32s(values[n], op.fwd.label, "output gradient")
	if err != nil {
		return nil, err
	}
	if len(gradOut) != len(call.Input) {
		return nil, fmt.Errorf("neuron layer %s: output gradient has %d elements, input %v has %d", op.fwd.label, len(gradOut), shape, len(call.Input))
	}
	gradIn := op.arena.allocFunc()(len(call.Input))
	gradParams := make([][]float32, len(call.Params))
	for k := range gradParams {
		gradParams[k] = make([]float32, len(call.Params[k]))
	}
	if err := op.fwd.neuron.Backward(call, gradOut, gradIn, gradParams); err != nil {
		return nil, fmt.Errorf("neuron layer %s backward, input %v: %w", op.fwd.label, shape, err)
	}

	all := map[int][]float32{0: gradIn}
	for k, g := range gradParams {
		all[1+k] = g
	}
	mine := all[op.which]
	delete(all, op.which)
	if len(all) > 0 {
		op.fwd.cache.store(key, all)
	}
	op.done(mine)
	return tensor.New(tensor.WithShape(outShape...), tensor.WithBacking(mine)), nil
}

func (op *neuronGradOp) ReturnsPtr() bool     { return false }
func (op *neuronGradOp) CallsExtern() bool    { return false }
func (op *neuronGradOp) OverwritesInput() int { return -1 }
func (op *neuronGradOp) WriteHash(h hash.Hash) {
	op.fwd.WriteHash(h)
	fmt.Fprintf(h, " grad %d", op.which)
}
func (op *neuronGradOp) Hashcode() uint32 { return hashOf(op) }
func (op *neuronGradOp) String() string {
	return fmt.Sprintf("NeuronGrad(%s, input %d)", op.fwd.label, op.which)
}

// float32s returns the float32 data of a tensor value.
func float32s(v gorgonia.Value, label, what string) ([]float32, error) {
	if v == nil {
		return nil, fmt.Errorf("%s: %s has no value", label, what)
	}
	switch d := v.Data().(type) {
	case []float32:
		return d, nil
	case float32:
		return []float32{d}, nil
	}
	return nil, fmt.Errorf("%s: %s has dtype %v; snnlab graphs use float32", label, what, v.Dtype())
}

type hashWriter interface{ WriteHash(hash.Hash) }

func hashOf(op hashWriter) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
