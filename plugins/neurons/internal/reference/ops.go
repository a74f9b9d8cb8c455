package reference

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/plugins/neurons/surrogate"
)

// StepOp is an element-wise gorgonia operation on x = H − Vth: the
// Heaviside step Θ(x) (Θ(0) = 1), or with Primitive set the surrogate's
// antiderivative P(x). Its symbolic gradient is the surrogate derivative
// times the upstream gradient; with Detached set it passes no gradient.
type StepOp struct {
	Shape     surrogate.Shape
	Alpha     float64
	Primitive bool
	Detached  bool
}

// Step applies op to x.
func Step(op StepOp, x *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(op, x)
}

func (op StepOp) Arity() int { return 1 }
func (op StepOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (op StepOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (op StepOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return mapValue(vals[0], func(x float64) float64 {
		if op.Primitive {
			return surrogate.Primitive(op.Shape, x, op.Alpha)
		}
		if x >= 0 {
			return 1
		}
		return 0
	})
}
func (op StepOp) ReturnsPtr() bool     { return false }
func (op StepOp) CallsExtern() bool    { return false }
func (op StepOp) OverwritesInput() int { return -1 }

// WriteHash covers every field. gorgonia merges nodes whose op hashes and
// inputs are equal, so a detached and an attached step on the same x must
// hash differently.
func (op StepOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "step %v %v primitive=%v detached=%v", op.Shape, op.Alpha, op.Primitive, op.Detached)
}
func (op StepOp) Hashcode() uint32 { return hashOf(op) }
func (op StepOp) String() string {
	return fmt.Sprintf("Step(%v, α=%v, primitive=%v, detached=%v)", op.Shape, op.Alpha, op.Primitive, op.Detached)
}

func (op StepOp) DiffWRT(int) []bool { return []bool{!op.Detached} }

func (op StepOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	w, err := gorgonia.ApplyOp(windowOp{Shape: op.Shape, Alpha: op.Alpha}, inputs[0])
	if err != nil {
		return nil, err
	}
	g, err := gorgonia.HadamardProd(w, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{g}, nil
}

// windowOp evaluates the surrogate derivative at x; it appears only in
// gradient graphs and is not itself differentiated.
type windowOp struct {
	Shape surrogate.Shape
	Alpha float64
}

func (op windowOp) Arity() int { return 1 }
func (op windowOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (op windowOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (op windowOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return mapValue(vals[0], func(x float64) float64 { return surrogate.Grad(op.Shape, x, op.Alpha) })
}
func (op windowOp) ReturnsPtr() bool     { return false }
func (op windowOp) CallsExtern() bool    { return false }
func (op windowOp) OverwritesInput() int { return -1 }
func (op windowOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "surrogate window %v %v", op.Shape, op.Alpha)
}
func (op windowOp) Hashcode() uint32 { return hashOf(op) }
func (op windowOp) String() string   { return fmt.Sprintf("Window(%v, α=%v)", op.Shape, op.Alpha) }

// mapValue applies f to every element of a float32 or float64 tensor, in
// float64, and returns a new tensor of the same dtype and shape.
func mapValue(v gorgonia.Value, f func(float64) float64) (gorgonia.Value, error) {
	switch d := v.Data().(type) {
	case []float64:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = f(x)
		}
		return tensor.New(tensor.WithShape(v.Shape().Clone()...), tensor.WithBacking(out)), nil
	case []float32:
		out := make([]float32, len(d))
		for i, x := range d {
			out[i] = float32(f(float64(x)))
		}
		return tensor.New(tensor.WithShape(v.Shape().Clone()...), tensor.WithBacking(out)), nil
	}
	return nil, fmt.Errorf("step op: value of dtype %v is not supported; use float32 or float64", v.Dtype())
}

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
