package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
)

// NewParam allocates a zero-filled float32 parameter of the given shape.
func NewParam(name string, shape []int, learnable, weightDecay bool) *framework.Param {
	size := 1
	for _, d := range shape {
		size *= d
	}
	value := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(make([]float32, size)))
	return &framework.Param{Name: name, Value: value, Learnable: learnable, WeightDecay: weightDecay}
}

// ParamNode returns the node of p in g, creating it on first use. The node
// is named after the parameter and bound to p.Value itself, so optimiser
// updates to the tensor are seen by every graph and every pass.
func ParamNode(g *gorgonia.ExprGraph, p *framework.Param) *gorgonia.Node {
	for _, n := range g.ByName(p.Name) {
		if n.Value() == p.Value {
			return n
		}
	}
	shape := p.Value.Shape()
	return gorgonia.NewTensor(g, tensor.Float32, shape.Dims(),
		gorgonia.WithShape(shape...), gorgonia.WithName(p.Name), gorgonia.WithValue(p.Value))
}

// ParamNodes returns the nodes of params in g, in order.
func ParamNodes(g *gorgonia.ExprGraph, params []*framework.Param) gorgonia.Nodes {
	nodes := make(gorgonia.Nodes, len(params))
	for i, p := range params {
		nodes[i] = ParamNode(g, p)
	}
	return nodes
}

// Prefix renames params in place by prepending prefix and a dot, so that the
// parameters of nested modules get unique dotted names.
func Prefix(prefix string, params []*framework.Param) []*framework.Param {
	for _, p := range params {
		p.Name = prefix + "." + p.Name
	}
	return params
}

// CheckUniqueNames returns an error naming the first parameter name that
// occurs twice.
func CheckUniqueNames(params []*framework.Param) error {
	seen := make(map[string]bool, len(params))
	for _, p := range params {
		if seen[p.Name] {
			return fmt.Errorf("parameter name %q is used twice", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}
