package loihi2

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/targets/internal/hdf5"
	"github.com/snnlab/snnlab/plugins/targets/nir"
)

// IsResidual reports whether net has a residual addition or a layer that
// reads anything other than the layer before it. netx and the emulator
// take chains only; such a network can still be written to NIR with
// ExportNIRNetwork.
func IsResidual(net framework.Network) bool {
	prev := ""
	for _, l := range net.Layers {
		if l.Kind == "add" || len(l.Inputs) > 1 || len(l.Inputs) == 1 && prev != "" && l.Inputs[0] != prev {
			return true
		}
		prev = l.Name
	}
	return false
}

// nirLayer is one weight layer or neuron layer of a graph being built.
type nirLayer struct {
	weight *FloatLayer // conv or dense weights, batch-norm folded in; nil for neurons
	beta   float64     // neuron leak
	theta  float64     // neuron threshold
	shape  []int
}

// ExportNIRNetwork returns the NIR graph of a network that may branch: a
// residual "add" becomes two edges into the neuron node that follows it,
// since NIR sums the inputs of a node. Batch-norm is folded into the
// preceding conv or linear layer, average pooling becomes an AvgPool2d
// node, and a last weight layer without neurons becomes a non-spiking
// read-out (IF with an infinite threshold), as in ExportNIR. Neurons are
// checked as Prepare checks them (hard reset to 0, no adaptive threshold,
// spiking path). Max-pooling is rejected: NIR 1.0.7 has no max-pool
// primitive.
func ExportNIRNetwork(net framework.Network, o NIROptions) (*nir.Graph, error) {
	if !(o.Dt > 0) {
		return nil, fmt.Errorf("NIR time step %v must be positive", o.Dt)
	}
	in := []int{net.Input.C, net.Input.H, net.Input.W}
	if prod(in) <= 0 {
		return nil, fmt.Errorf("network input shape %v is empty; set Network.Input", in)
	}
	g := nir.NewGraph()
	g.Version = o.Version
	g.Metadata["dt"] = hdf5.Float64(o.Dt)
	g.Metadata["discretization"] = hdf5.FixedString("forward-euler")
	g.Metadata["reset"] = hdf5.FixedString("to-v_reset")
	g.Metadata["producer"] = hdf5.FixedString("snnlab")
	g.Nodes["input"] = &nir.Node{Type: "Input", Params: map[string]*hdf5.Dataset{"shape": hdf5.Int64s(to64(in), len(in))}}

	// sources maps a layer name to the NIR nodes whose summed output it
	// is; shapes maps it to its output shape.
	sources := map[string][]string{"": {"input"}}
	shapes := map[string][]int{"": in}
	weights := map[string]*FloatLayer{} // NIR node name → weight layer, completed once batch-norm folded
	consumed := map[string]bool{}       // weight nodes that feed a neuron
	prev := ""
	addNode := func(name string, n *nir.Node, from []string) {
		g.Nodes[name] = n
		for _, f := range from {
			g.Edges = append(g.Edges, [2]string{f, name})
		}
	}

	for i := range net.Layers {
		l := &net.Layers[i]
		name := l.Name
		if name == "" {
			name = "layer" + strconv.Itoa(i)
		}
		if _, dup := sources[name]; dup {
			return nil, fmt.Errorf("layer %s (%s): the name is used twice", name, l.Kind)
		}
		inputs := l.Inputs
		if len(inputs) == 0 {
			inputs = []string{""}
			if i > 0 {
				inputs = []string{prev}
			}
		}
		for _, x := range inputs {
			if _, ok := sources[x]; !ok {
				return nil, fmt.Errorf("layer %s (%s) reads %q, which no earlier layer produces", name, l.Kind, x)
			}
		}
		inShape := shapes[inputs[0]]
		if l.Kind != "add" && len(inputs) != 1 {
			return nil, fmt.Errorf("layer %s (%s) reads %d inputs; only add layers take more than one", name, l.Kind, len(inputs))
		}
		node := sanitize(name)

		switch l.Kind {
		case "conv2d", "linear":
			fl, err := weightLayer(name, l, inShape)
			if err != nil {
				return nil, fmt.Errorf("layer %s (%s): %w", name, l.Kind, err)
			}
			from := sources[inputs[0]]
			if fl.Kind == Dense && len(inShape) > 1 {
				flat := node + ".flatten"
				addNode(flat, flattenNode(inShape), from)
				from = []string{flat}
			}
			weights[node] = fl
			addNode(node, &nir.Node{Type: "pending"}, from)
			sources[name], shapes[name] = []string{node}, fl.Shape
		case "batchnorm":
			src := sources[inputs[0]]
			fl := weights[src[0]]
			if len(src) != 1 || fl == nil || consumed[src[0]] {
				return nil, fmt.Errorf("layer %s (batchnorm): it does not directly follow a conv or linear layer, so it cannot be folded", name)
			}
			if err := foldBatchNorm(fl, l); err != nil {
				return nil, fmt.Errorf("layer %s (batchnorm): %w", name, err)
			}
			sources[name], shapes[name] = src, inShape
		case "add":
			if len(inputs) < 2 {
				return nil, fmt.Errorf("layer %s (add) reads %d inputs, want at least 2", name, len(inputs))
			}
			var src []string
			for _, x := range inputs {
				if !slices.Equal(shapes[x], inShape) {
					return nil, fmt.Errorf("layer %s (add): input %s has shape %v but %s has %v", name, x, shapes[x], inputs[0], inShape)
				}
				src = append(src, sources[x]...)
			}
			sources[name], shapes[name] = src, inShape
		case "neuron":
			beta, theta, err := neuronParams(l)
			if err != nil {
				return nil, fmt.Errorf("layer %s (neuron): %w", name, err)
			}
			nn, err := neuronNode(beta, theta, inShape, o)
			if err != nil {
				return nil, fmt.Errorf("layer %s (neuron): %w", name, err)
			}
			for _, s := range sources[inputs[0]] {
				consumed[s] = true
			}
			addNode(node, nn, sources[inputs[0]])
			sources[name], shapes[name] = []string{node}, inShape
		case "avgpool", "sumpool":
			if len(inShape) != 3 {
				return nil, fmt.Errorf("layer %s (%s): input shape %v is not [C, H, W]", name, l.Kind, inShape)
			}
			k, err := attrPair(l, "kernel", 0)
			if err != nil {
				return nil, fmt.Errorf("layer %s (%s): %w", name, l.Kind, err)
			}
			s, err := attrPair(l, "stride", k[0])
			if err != nil {
				return nil, fmt.Errorf("layer %s (%s): %w", name, l.Kind, err)
			}
			if _, ok := l.Attrs["stride_w"]; !ok {
				if _, ok := l.Attrs["stride"]; !ok {
					s[1] = k[1]
				}
			}
			p, err := attrPair(l, "padding", 0)
			if err != nil {
				return nil, fmt.Errorf("layer %s (%s): %w", name, l.Kind, err)
			}
			if k[0] <= 0 || k[1] <= 0 || s[0] <= 0 || s[1] <= 0 {
				return nil, fmt.Errorf("layer %s (%s): kernel %v and stride %v must be positive", name, l.Kind, k, s)
			}
			typ := map[string]string{"avgpool": "AvgPool2d", "sumpool": "SumPool2d"}[l.Kind]
			addNode(node, &nir.Node{Type: typ, Params: map[string]*hdf5.Dataset{
				"kernel_size": hdf5.Int64s(to64(k[:]), 2),
				"stride":      hdf5.Int64s(to64(s[:]), 2),
				"padding":     hdf5.Int64s(to64(p[:]), 2),
			}}, sources[inputs[0]])
			out := []int{inShape[0], (inShape[1]+2*p[0]-k[0])/s[0] + 1, (inShape[2]+2*p[1]-k[1])/s[1] + 1}
			sources[name], shapes[name] = []string{node}, out
		case "flatten":
			addNode(node, flattenNode(inShape), sources[inputs[0]])
			sources[name], shapes[name] = []string{node}, []int{prod(inShape)}
		case "maxpool":
			return nil, fmt.Errorf("layer %s (maxpool): NIR 1.0.7 has no max-pool primitive; train the network with average pooling", name)
		default:
			return nil, fmt.Errorf("layer %s: layer kind %q is not supported; NIR export takes conv2d, linear, batchnorm, neuron, add, avgpool, sumpool and flatten", name, l.Kind)
		}
		prev = name
	}

	// Weight nodes get their parameters now that batch-norm is folded.
	for node, fl := range weights {
		g.Nodes[node] = weightNode(fl)
	}
	last := sources[prev]
	if len(last) == 1 && weights[last[0]] != nil && !consumed[last[0]] {
		fl := weights[last[0]]
		n := prod(fl.Shape)
		readout := last[0] + ".readout"
		params := map[string]*hdf5.Dataset{
			"r":           hdf5.Float32s(fill(n, 1), fl.Shape...),
			"v_threshold": hdf5.Float32s(fill(n, math.Inf(1)), fl.Shape...),
		}
		if !o.Legacy {
			params["v_reset"] = hdf5.Float32s(fill(n, 0), fl.Shape...)
		}
		addNode(readout, &nir.Node{Type: "IF", Params: params}, last)
		last = []string{readout}
	}
	out := shapes[prev]
	addNode("output", &nir.Node{Type: "Output", Params: map[string]*hdf5.Dataset{"shape": hdf5.Int64s(to64(out), len(out))}}, last)
	for node := range weights {
		if !consumed[node] && !slices.Contains(last, node) && !feedsNode(g, node) {
			return nil, fmt.Errorf("weight layer %s feeds nothing", node)
		}
	}
	if err := g.Check(); err != nil {
		return nil, fmt.Errorf("exported NIR graph: %w", err)
	}
	return g, nil
}

func feedsNode(g *nir.Graph, node string) bool {
	for _, e := range g.Edges {
		if e[0] == node {
			return true
		}
	}
	return false
}

// sanitize turns a layer name into a NIR node name: HDF5 group names must
// not contain "/".
func sanitize(name string) string {
	out := []rune(name)
	for i, r := range out {
		if r == '/' {
			out[i] = '_'
		}
	}
	return string(out)
}

func flattenNode(in []int) *nir.Node {
	return &nir.Node{Type: "Flatten", Params: map[string]*hdf5.Dataset{
		"start_dim": hdf5.Int64(0), "end_dim": hdf5.Int64(-1),
		"input_type": hdf5.Int64s(to64(in), len(in)),
	}}
}

func weightNode(l *FloatLayer) *nir.Node {
	if l.Kind == Conv {
		return &nir.Node{Type: "Conv2d", Params: map[string]*hdf5.Dataset{
			"weight":      hdf5.Float32s(l.Weight, l.WeightShape...),
			"bias":        hdf5.Float32s(l.Bias, len(l.Bias)),
			"stride":      hdf5.Int64s(to64(l.Stride[:]), 2),
			"padding":     hdf5.Int64s(to64(l.Padding[:]), 2),
			"dilation":    hdf5.Int64s(to64(l.Dilation[:]), 2),
			"groups":      hdf5.Int64(int64(l.Groups)),
			"input_shape": hdf5.Int64s(to64(l.InShape[1:]), 2),
		}}
	}
	return &nir.Node{Type: "Affine", Params: map[string]*hdf5.Dataset{
		"weight": hdf5.Float32s(l.Weight, l.WeightShape...),
		"bias":   hdf5.Float32s(l.Bias, len(l.Bias)),
	}}
}

// neuronNode writes a discrete LIF with leak beta and threshold theta with
// ExportNIR's forward-Euler convention.
func neuronNode(beta, theta float64, shape []int, o NIROptions) (*nir.Node, error) {
	n := prod(shape)
	params := map[string]*hdf5.Dataset{"v_threshold": hdf5.Float32s(fill(n, theta), shape...)}
	typ := "IF"
	if beta == 1 {
		params["r"] = hdf5.Float32s(fill(n, 1), shape...)
	} else {
		if beta <= 0 {
			return nil, fmt.Errorf("leak β = %v has no forward-Euler LIF form (τ = dt); NIR cannot express it", beta)
		}
		typ = "LIF"
		params["tau"] = hdf5.Float32s(fill(n, o.Dt/(1-beta)), shape...)
		params["r"] = hdf5.Float32s(fill(n, 1/(1-beta)), shape...)
		params["v_leak"] = hdf5.Float32s(fill(n, 0), shape...)
	}
	if !o.Legacy {
		params["v_reset"] = hdf5.Float32s(fill(n, 0), shape...)
	}
	return &nir.Node{Type: typ, Params: params}, nil
}

// ExportNIROnly writes network.nir for a network netx cannot hold, such as
// a residual network, and reports the file with a note saying why
// network.net was not written. Nothing is quantised or mapped to cores.
func (t *Target) ExportNIROnly(net framework.Network, dir, reason string) (framework.TargetReport, error) {
	var rep framework.TargetReport
	g, err := ExportNIRNetwork(net, t.NIR)
	if err != nil {
		return rep, fmt.Errorf("loihi2: NIR export: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return rep, fmt.Errorf("loihi2: %w", err)
	}
	path := filepath.Join(dir, "network.nir")
	if err := nir.WriteFile(path, g); err != nil {
		return rep, fmt.Errorf("loihi2: %w", err)
	}
	rep.Files = []string{path}
	rep.Notes = []string{
		"network.net not written: " + reason,
		fmt.Sprintf("NIR only: %d nodes, %d edges, dt %g, v_reset %v; no quantisation, core or energy estimate", len(g.Nodes), len(g.Edges), t.NIR.Dt, !t.NIR.Legacy),
	}
	return rep, nil
}
