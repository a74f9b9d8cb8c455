package autograd

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Kernel is a differentiable operation on float32 tensors written by hand:
// layers gorgonia lacks or runs slowly (batch-norm, pooling, fused
// convolutions) implement it and enter a graph through Apply.
//
// Forward computes the output from the inputs. Backward returns one
// gradient per input, each with that input's shape, given the inputs and
// ∂L/∂output; a nil entry means the input receives no gradient. Backward
// recomputes what it needs from the inputs, so a kernel keeps no state
// between the two calls. Neither may modify its inputs.
//
// String names the kernel in errors and graph dumps and must differ between
// kernels with different settings.
type Kernel interface {
	String() string
	InferShape(inputs []tensor.Shape) (tensor.Shape, error)
	Forward(inputs []*tensor.Dense) (*tensor.Dense, error)
	Backward(inputs []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error)
}

// AllocKernel is a Kernel that takes the memory of its large results from
// an Alloc, so that a graph with an Arena recycles it. ForwardAlloc and
// BackwardAlloc follow the contracts of Forward and Backward; a result that
// does not come from alloc is simply not recycled.
type AllocKernel interface {
	Kernel
	ForwardAlloc(inputs []*tensor.Dense, alloc Alloc) (*tensor.Dense, error)
	BackwardAlloc(inputs []*tensor.Dense, gradOut *tensor.Dense, alloc Alloc) ([]*tensor.Dense, error)
}

// Apply adds a kernel to the graph of its inputs. Every input must be a
// float32 tensor node. Gradients of all inputs come from one Backward call
// per step, shared through a cache.
func Apply(k Kernel, inputs ...*gorgonia.Node) (*gorgonia.Node, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%s: no inputs", k)
	}
	shapes := make([]tensor.Shape, len(inputs))
	dims := make([]int, len(inputs))
	for i, n := range inputs {
		shapes[i] = n.Shape()
		dims[i] = n.Dims()
	}
	out, err := k.InferShape(shapes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k, err)
	}
	op := &kernelOp{kernel: k, inDims: dims, outDims: len(out), cache: &gradCache{}}
	return gorgonia.ApplyOp(op, inputs...)
}

type kernelOp struct {
	kernel  Kernel
	inDims  []int
	outDims int
	cache   *gradCache
	arenaLink
}

func tensorType(dims int, of hm.Type) hm.Type {
	if dims == 0 {
		return of
	}
	return gorgonia.TensorType{Dims: dims, Of: of}
}

func (op *kernelOp) Arity() int { return len(op.inDims) }

func (op *kernelOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	types := make([]hm.Type, 0, len(op.inDims)+1)
	for _, d := range op.inDims {
		types = append(types, tensorType(d, a))
	}
	return hm.NewFnType(append(types, tensorType(op.outDims, a))...)
}

func (op *kernelOp) InferShape(inputs ...gorgonia.DimSizer) (tensor.Shape, error) {
	shapes, err := gorgonia.DimSizersToShapes(inputs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.kernel, err)
	}
	return op.kernel.InferShape(shapes)
}

func (op *kernelOp) Do(values ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denses(values, op.kernel)
	if err != nil {
		return nil, err
	}
	var out *tensor.Dense
	if ak, ok := op.kernel.(AllocKernel); ok {
		out, err = ak.ForwardAlloc(in, op.arena.allocFunc())
	} else {
		out, err = op.kernel.Forward(in)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.kernel, err)
	}
	op.done(sliceOf(out))
	return out, nil
}

// sliceOf returns the float32 data of a tensor, or nil for a scalar.
func sliceOf(d *tensor.Dense) []float32 {
	data, _ := d.Data().([]float32)
	return data
}

func denses(values []gorgonia.Value, k Kernel) ([]*tensor.Dense, error) {
	in := make([]*tensor.Dense, len(values))
	for i, v := range values {
		d, ok := v.(*tensor.Dense)
		if !ok {
			f, isScalar := v.Data().(float32)
			if !isScalar {
				return nil, fmt.Errorf("%s: input %d is a %T; want a float32 tensor", k, i, v)
			}
			d = tensor.New(tensor.FromScalar(f))
		}
		if d.Dtype() != tensor.Float32 {
			return nil, fmt.Errorf("%s: input %d has dtype %v; snnlab graphs use float32", k, i, d.Dtype())
		}
		in[i] = d
	}
	return in, nil
}

func (op *kernelOp) ReturnsPtr() bool      { return false }
func (op *kernelOp) CallsExtern() bool     { return false }
func (op *kernelOp) OverwritesInput() int  { return -1 }
func (op *kernelOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "kernel %s %p", op.kernel, op.kernel) }
func (op *kernelOp) Hashcode() uint32      { return hashOf(op) }
func (op *kernelOp) String() string        { return op.kernel.String() }

func (op *kernelOp) DiffWRT(inputs int) []bool {
	wrt := make([]bool, inputs)
	for i := range wrt {
		wrt[i] = true
	}
	return wrt
}

func (op *kernelOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	args := append(append(gorgonia.Nodes{}, inputs...), grad)
	grads := make(gorgonia.Nodes, len(inputs))
	for i := range inputs {
		g, err := gorgonia.ApplyOp(&kernelGradOp{fwd: op, which: i}, args...)
		if err != nil {
			return nil, fmt.Errorf("%s: gradient of input %d: %w", op.kernel, i, err)
		}
		grads[i] = g
	}
	return grads, nil
}

// kernelGradOp returns ∂L/∂input[which]. Inputs: the forward inputs, then ∂L/∂output.
type kernelGradOp struct {
	fwd   *kernelOp
	which int
	arenaLink
}

func (op *kernelGradOp) Arity() int { return len(op.fwd.inDims) + 1 }

func (op *kernelGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	types := make([]hm.Type, 0, len(op.fwd.inDims)+2)
	for _, d := range op.fwd.inDims {
		types = append(types, tensorType(d, a))
	}
	types = append(types, tensorType(op.fwd.outDims, a))
	return hm.NewFnType(append(types, tensorType(op.fwd.inDims[op.which], a))...)
}

func (op *kernelGradOp) InferShape(inputs ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := inputs[op.which].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%s: gradient shape %v is not a tensor shape", op.fwd.kernel, inputs[op.which])
	}
	return s.Clone(), nil
}

func (op *kernelGradOp) Do(values ...gorgonia.Value) (gorgonia.Value, error) {
	all, err := denses(values, op.fwd.kernel)
	if err != nil {
		return nil, err
	}
	n := len(op.fwd.inDims)
	in, gradOut := all[:n], all[n]
	shape := in[op.which].Shape().Clone()
	key := cacheKey{&in[0].Data().([]float32)[0], op.arena.generation()}

	if g, ok := op.fwd.cache.take(key, op.which); ok {
		op.done(g)
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(g)), nil
	}
	var grads []*tensor.Dense
	if ak, ok := op.fwd.kernel.(AllocKernel); ok {
		grads, err = ak.BackwardAlloc(in, gradOut, op.arena.allocFunc())
	} else {
		grads, err = op.fwd.kernel.Backward(in, gradOut)
	}
	if err != nil {
		return nil, fmt.Errorf("%s backward: %w", op.fwd.kernel, err)
	}
	if len(grads) != n {
		return nil, fmt.Errorf("%s backward: returned %d gradients for %d inputs", op.fwd.kernel, len(grads), n)
	}

	rest := make(map[int][]float32, n-1)
	for i, g := range grads {
		var data []float32
		if g == nil {
			data = make([]float32, in[i].Shape().TotalSize())
		} else {
			data = g.Data().([]float32)
			if len(data) != in[i].Shape().TotalSize() {
				return nil, fmt.Errorf("%s backward: gradient %d has %d elements, input %v has %d", op.fwd.kernel, i, len(data), in[i].Shape(), in[i].Shape().TotalSize())
			}
		}
		if i != op.which {
			rest[i] = data
			continue
		}
		grads[i] = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	}
	if len(rest) > 0 {
		op.fwd.cache.store(key, rest)
	}
	op.done(sliceOf(grads[op.which]))
	return grads[op.which], nil
}

func (op *kernelGradOp) ReturnsPtr() bool     { return false }
func (op *kernelGradOp) CallsExtern() bool    { return false }
func (op *kernelGradOp) OverwritesInput() int { return -1 }
func (op *kernelGradOp) WriteHash(h hash.Hash) {
	op.fwd.WriteHash(h)
	fmt.Fprintf(h, " grad %d", op.which)
}
func (op *kernelGradOp) Hashcode() uint32 { return hashOf(op) }
func (op *kernelGradOp) String() string {
	return fmt.Sprintf("%s grad %d", op.fwd.kernel, op.which)
}

// StopGradient returns x unchanged in the forward pass and passes no
// gradient back to it, like PyTorch's detach.
func StopGradient(x *gorgonia.Node) (*gorgonia.Node, error) {
	return Apply(stopGradient{}, x)
}

type stopGradient struct{}

func (stopGradient) String() string { return "StopGradient" }

func (stopGradient) InferShape(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }

func (stopGradient) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	return in[0].Clone().(*tensor.Dense), nil
}

func (stopGradient) Backward(in []*tensor.Dense, _ *tensor.Dense) ([]*tensor.Dense, error) {
	return []*tensor.Dense{nil}, nil
}
