package nir

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/snnlab/snnlab/plugins/targets/internal/hdf5"
)

// primitive lists the parameter datasets of a node type as nir 1.0.7
// constructs it: the reader fails on a missing required or an unknown
// dataset. Neuron parameters are per-neuron arrays of one shape.
type primitive struct {
	required, optional []string
	neuron             bool
}

var primitives = map[string]primitive{
	"Input":     {required: []string{"shape"}},
	"Output":    {required: []string{"shape"}},
	"Affine":    {required: []string{"weight", "bias"}},
	"Linear":    {required: []string{"weight"}},
	"Conv1d":    {required: []string{"weight", "bias", "stride", "padding", "dilation", "groups", "input_shape"}},
	"Conv2d":    {required: []string{"weight", "bias", "stride", "padding", "dilation", "groups", "input_shape"}},
	"Flatten":   {required: []string{"start_dim", "end_dim", "input_type"}},
	"SumPool2d": {required: []string{"kernel_size", "stride", "padding"}},
	"AvgPool2d": {required: []string{"kernel_size", "stride", "padding"}},
	"Scale":     {required: []string{"scale"}},
	"Delay":     {required: []string{"delay"}},
	"Threshold": {required: []string{"threshold"}, neuron: true},
	"I":         {required: []string{"r"}, neuron: true},
	"IF":        {required: []string{"r", "v_threshold"}, optional: []string{"v_reset"}, neuron: true},
	"LI":        {required: []string{"tau", "r", "v_leak"}, neuron: true},
	"LIF":       {required: []string{"tau", "r", "v_leak", "v_threshold"}, optional: []string{"v_reset"}, neuron: true},
	"CubaLI":    {required: []string{"tau_syn", "tau_mem", "r", "v_leak"}, optional: []string{"w_in"}, neuron: true},
	"CubaLIF":   {required: []string{"tau_syn", "tau_mem", "r", "v_leak", "v_threshold"}, optional: []string{"v_reset", "w_in"}, neuron: true},
}

func checkParams(n *Node) error {
	if n.Type == "NIRGraph" {
		return nil
	}
	p, ok := primitives[n.Type]
	if !ok {
		known := make([]string, 0, len(primitives))
		for k := range primitives {
			known = append(known, k)
		}
		sort.Strings(known)
		return fmt.Errorf("node type %q is not supported; known types: %s", n.Type, strings.Join(known, ", "))
	}
	for _, r := range p.required {
		if n.Params[r] == nil {
			return fmt.Errorf("%s node is missing the required parameter %s", n.Type, r)
		}
	}
	for name := range n.Params {
		if !slices.Contains(p.required, name) && !slices.Contains(p.optional, name) && name != "metadata" {
			return fmt.Errorf("%s node has the unknown parameter %s (nir.read rejects it)", n.Type, name)
		}
	}
	if p.neuron {
		var shape []int
		first := ""
		for _, name := range append(slices.Clone(p.required), p.optional...) {
			d := n.Params[name]
			if d == nil {
				continue
			}
			if first == "" {
				shape, first = d.Shape, name
				continue
			}
			if !slices.Equal(d.Shape, shape) {
				return fmt.Errorf("%s parameter %s has shape %v but %s has %v; neuron parameters must all have the neuron shape", n.Type, name, d.Shape, first, shape)
			}
		}
		if len(shape) == 0 {
			return fmt.Errorf("%s parameters are scalars; NIR needs one value per neuron for shape inference", n.Type)
		}
	}
	return nil
}

// InputShape returns the shape a node expects, or nil when the node takes
// its input shape from its predecessor (pooling, nested graphs).
func (n *Node) InputShape() ([]int, error) {
	switch n.Type {
	case "Input", "Output":
		v, err := n.Ints("shape")
		return ints(v), err
	case "Affine", "Linear":
		d := n.Params["weight"]
		if len(d.Shape) != 2 {
			return nil, fmt.Errorf("%s weight has shape %v, want (N_out, N_in)", n.Type, d.Shape)
		}
		return []int{d.Shape[1]}, nil
	case "Conv2d":
		w := n.Params["weight"]
		hw, err := n.Ints("input_shape")
		if err != nil || len(w.Shape) != 4 || len(hw) != 2 {
			return nil, fmt.Errorf("Conv2d weight %v and input_shape %v do not describe a 2-D convolution", w.Shape, hw)
		}
		groups, err := n.Ints("groups")
		if err != nil || len(groups) != 1 {
			return nil, fmt.Errorf("Conv2d groups: want one integer")
		}
		return []int{w.Shape[1] * int(groups[0]), int(hw[0]), int(hw[1])}, nil
	case "Flatten":
		v, err := n.Ints("input_type")
		return ints(v), err
	case "SumPool2d", "AvgPool2d", "NIRGraph", "Delay":
		return nil, nil
	case "Scale":
		return n.Params["scale"].Shape, nil
	}
	if p := primitives[n.Type]; p.neuron {
		return n.Params[p.required[0]].Shape, nil
	}
	return nil, nil
}

// OutputShape returns the shape a node produces for the input shape in.
func (n *Node) OutputShape(in []int) ([]int, error) {
	switch n.Type {
	case "Affine", "Linear":
		return []int{n.Params["weight"].Shape[0]}, nil
	case "Conv2d":
		return n.convOutput(in)
	case "Flatten":
		return flattenShape(n, in)
	case "SumPool2d", "AvgPool2d":
		k, s, p, err := n.Pool()
		if err != nil {
			return nil, err
		}
		if len(in) != 3 {
			return nil, fmt.Errorf("%s input shape %v is not (C, H, W)", n.Type, in)
		}
		return []int{in[0], (in[1]+2*p[0]-k[0])/s[0] + 1, (in[2]+2*p[1]-k[1])/s[1] + 1}, nil
	case "NIRGraph":
		return nil, nil
	}
	return in, nil
}

// Pool returns the kernel, stride and padding of a pooling node.
func (n *Node) Pool() (k, s, p [2]int, err error) {
	for name, dst := range map[string]*[2]int{"kernel_size": &k, "stride": &s, "padding": &p} {
		v, e := n.Ints(name)
		if e != nil || len(v) != 2 {
			return k, s, p, fmt.Errorf("%s %s: want two integers (height, width)", n.Type, name)
		}
		dst[0], dst[1] = int(v[0]), int(v[1])
	}
	if s[0] <= 0 || s[1] <= 0 || k[0] <= 0 || k[1] <= 0 {
		return k, s, p, fmt.Errorf("%s kernel %v and stride %v must be positive", n.Type, k, s)
	}
	return k, s, p, nil
}

// ConvGeometry returns stride, padding and dilation of a Conv2d node and
// its groups. Padding given as the string "same" or "valid" is resolved
// for the node's input_shape.
func (n *Node) ConvGeometry() (stride, padding, dilation [2]int, groups int, err error) {
	for name, dst := range map[string]*[2]int{"stride": &stride, "dilation": &dilation} {
		v, e := n.Ints(name)
		if e != nil || len(v) != 2 {
			return stride, padding, dilation, 0, fmt.Errorf("Conv2d %s: want two integers (height, width)", name)
		}
		dst[0], dst[1] = int(v[0]), int(v[1])
	}
	pd := n.Params["padding"]
	if pd.Kind == hdf5.String && len(pd.Strings) == 1 {
		switch pd.Strings[0] {
		case "valid":
		case "same":
			w := n.Params["weight"].Shape
			for a := 0; a < 2; a++ {
				if stride[a] != 1 {
					return stride, padding, dilation, 0, fmt.Errorf("Conv2d padding \"same\" needs stride 1, got %v", stride)
				}
				total := dilation[a] * (w[2+a] - 1)
				if total%2 != 0 {
					return stride, padding, dilation, 0, fmt.Errorf("Conv2d padding \"same\" with kernel %v is asymmetric, which snnlab does not support", w[2:])
				}
				padding[a] = total / 2
			}
		default:
			return stride, padding, dilation, 0, fmt.Errorf("Conv2d padding %q is not valid; want \"same\", \"valid\" or two integers", pd.Strings[0])
		}
	} else {
		v, e := n.Ints("padding")
		if e != nil || len(v) != 2 {
			return stride, padding, dilation, 0, fmt.Errorf("Conv2d padding: want two integers (height, width)")
		}
		padding = [2]int{int(v[0]), int(v[1])}
	}
	g, e := n.Ints("groups")
	if e != nil || len(g) != 1 || g[0] <= 0 {
		return stride, padding, dilation, 0, fmt.Errorf("Conv2d groups: want one positive integer")
	}
	return stride, padding, dilation, int(g[0]), nil
}

func (n *Node) convOutput(in []int) ([]int, error) {
	stride, padding, dilation, _, err := n.ConvGeometry()
	if err != nil {
		return nil, err
	}
	w := n.Params["weight"].Shape
	out := []int{w[0], 0, 0}
	for a := 0; a < 2; a++ {
		out[1+a] = (in[1+a]+2*padding[a]-dilation[a]*(w[2+a]-1)-1)/stride[a] + 1
	}
	return out, nil
}

func flattenShape(n *Node, in []int) ([]int, error) {
	sv, err1 := n.Ints("start_dim")
	ev, err2 := n.Ints("end_dim")
	if err1 != nil || err2 != nil || len(sv) != 1 || len(ev) != 1 {
		return nil, fmt.Errorf("Flatten start_dim and end_dim: want integer scalars")
	}
	start, end := int(sv[0]), int(ev[0])
	if start < 0 {
		start += len(in)
	}
	if end < 0 {
		end += len(in)
	}
	if start < 0 || end >= len(in) || start > end {
		return nil, fmt.Errorf("Flatten dims [%d, %d] do not fit the input shape %v", sv[0], ev[0], in)
	}
	out := slices.Clone(in[:start])
	p := 1
	for _, d := range in[start : end+1] {
		p *= d
	}
	out = append(out, p)
	return append(out, in[end+1:]...), nil
}

func ints(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// Check propagates shapes from the Input nodes along the edges and
// requires every edge's output shape to equal the next node's input shape.
// It also rejects graphs with cycles or nodes unreachable from an Input.
func (g *Graph) Check() error {
	order, err := g.TopoOrder()
	if err != nil {
		return err
	}
	preds := map[string][]string{}
	for _, e := range g.Edges {
		preds[e[1]] = append(preds[e[1]], e[0])
	}
	out := map[string][]int{}
	for _, name := range order {
		n := g.Nodes[name]
		want, err := n.InputShape()
		if err != nil {
			return fmt.Errorf("node %s: %w", name, err)
		}
		in := want
		if n.Type == "Input" {
			if len(preds[name]) > 0 {
				return fmt.Errorf("node %s: an Input node has incoming edges", name)
			}
		} else {
			if len(preds[name]) == 0 {
				return fmt.Errorf("node %s (%s) has no incoming edge and is not an Input", name, n.Type)
			}
			for _, p := range preds[name] {
				got := out[p]
				if got == nil {
					continue // unknown shape behind a nested graph
				}
				if in == nil {
					in = got
				}
				if !slices.Equal(got, in) {
					return fmt.Errorf("edge %s → %s: %s produces shape %v but %s (%s) expects %v", p, name, p, got, name, n.Type, in)
				}
			}
		}
		if in == nil {
			continue
		}
		o, err := n.OutputShape(in)
		if err != nil {
			return fmt.Errorf("node %s: %w", name, err)
		}
		out[name] = o
	}
	return nil
}

// TopoOrder returns the node names in an order where every edge points
// forward, starting from the Input nodes; ties are broken by name.
func (g *Graph) TopoOrder() ([]string, error) {
	indeg := map[string]int{}
	succ := map[string][]string{}
	for _, e := range g.Edges {
		indeg[e[1]]++
		succ[e[0]] = append(succ[e[0]], e[1])
	}
	var ready []string
	for _, name := range g.Names() {
		if indeg[name] == 0 {
			ready = append(ready, name)
		}
	}
	var order []string
	for len(ready) > 0 {
		sort.Strings(ready)
		name := ready[0]
		ready = ready[1:]
		order = append(order, name)
		for _, s := range succ[name] {
			indeg[s]--
			if indeg[s] == 0 {
				ready = append(ready, s)
			}
		}
	}
	if len(order) != len(g.Nodes) {
		return nil, fmt.Errorf("the graph has a cycle; snnlab handles feed-forward graphs only")
	}
	return order, nil
}
