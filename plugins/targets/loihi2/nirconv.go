package loihi2

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/targets/internal/hdf5"
	"github.com/snnlab/snnlab/plugins/targets/nir"
)

// NIROptions sets the discretisation convention written into NIR files.
//
// A discrete LIF V[t] = β·V[t−1] + I[t] with hard reset to 0 is written
// with forward Euler at time step Dt as LIF(tau = Dt/(1 − β),
// r = 1/(1 − β), v_leak = 0, v_threshold = θ, v_reset = 0), which makes the
// input gain Dt·r/tau equal to 1; β = 1 is written as IF(r = 1). This is
// the convention of snnTorch's exporter. The graph's metadata records Dt,
// "forward-euler" and "to-v_reset".
type NIROptions struct {
	Dt float64 // time step of the Euler discretisation, default 1e-4
	// Version is written to /version; default nir.Version (1.0.7).
	Version string
	// Legacy omits v_reset, which nir 1.0.5 and older reject; their
	// documentation describes a subtractive reset, so the reset
	// convention is only in the metadata.
	Legacy bool
}

// DefaultNIROptions returns Dt = 1e-4 and NIR 1.0.7.
func DefaultNIROptions() NIROptions { return NIROptions{Dt: 1e-4, Version: nir.Version} }

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// ExportNIR returns the NIR graph of a float network, with float weights
// (batch-norm and pooling folded). A read-out layer without neurons is
// written as IF with an infinite threshold.
func ExportNIR(fn *FloatNet, o NIROptions) (*nir.Graph, error) {
	if !(o.Dt > 0) {
		return nil, fmt.Errorf("NIR time step %v must be positive", o.Dt)
	}
	g := nir.NewGraph()
	g.Version = o.Version
	g.Metadata["dt"] = hdf5.Float64(o.Dt)
	g.Metadata["discretization"] = hdf5.FixedString("forward-euler")
	g.Metadata["reset"] = hdf5.FixedString("to-v_reset")
	g.Metadata["producer"] = hdf5.FixedString("snnlab")

	g.Nodes["input"] = &nir.Node{Type: "Input", Params: map[string]*hdf5.Dataset{"shape": hdf5.Int64s(to64(fn.Input), len(fn.Input))}}
	prev, prevShape := "input", fn.Input
	edge := func(to string) {
		g.Edges = append(g.Edges, [2]string{prev, to})
		prev = to
	}
	for i := range fn.Layers {
		l := &fn.Layers[i]
		id := strconv.Itoa(i + 1)
		if l.Kind == Dense && len(prevShape) > 1 {
			name := "flatten" + id
			g.Nodes[name] = &nir.Node{Type: "Flatten", Params: map[string]*hdf5.Dataset{
				"start_dim": hdf5.Int64(0), "end_dim": hdf5.Int64(-1),
				"input_type": hdf5.Int64s(to64(prevShape), len(prevShape)),
			}}
			edge(name)
		}
		if l.Kind == Conv {
			name := "conv" + id
			g.Nodes[name] = &nir.Node{Type: "Conv2d", Params: map[string]*hdf5.Dataset{
				"weight":      hdf5.Float32s(l.Weight, l.WeightShape...),
				"bias":        hdf5.Float32s(l.Bias, len(l.Bias)),
				"stride":      hdf5.Int64s(to64(l.Stride[:]), 2),
				"padding":     hdf5.Int64s(to64(l.Padding[:]), 2),
				"dilation":    hdf5.Int64s(to64(l.Dilation[:]), 2),
				"groups":      hdf5.Int64(int64(l.Groups)),
				"input_shape": hdf5.Int64s(to64(l.InShape[1:]), 2),
			}}
			edge(name)
		} else {
			name := "fc" + id
			g.Nodes[name] = &nir.Node{Type: "Affine", Params: map[string]*hdf5.Dataset{
				"weight": hdf5.Float32s(l.Weight, l.WeightShape...),
				"bias":   hdf5.Float32s(l.Bias, len(l.Bias)),
			}}
			edge(name)
		}
		n := prod(l.Shape)
		params := map[string]*hdf5.Dataset{}
		typ := "IF"
		theta := l.Theta
		if l.ReadOut {
			theta = math.Inf(1)
		}
		params["v_threshold"] = hdf5.Float32s(fill(n, theta), l.Shape...)
		if l.Beta == 1 || l.ReadOut {
			params["r"] = hdf5.Float32s(fill(n, 1), l.Shape...)
		} else {
			if l.Beta <= 0 {
				return nil, fmt.Errorf("layer %s: leak β = %v has no forward-Euler LIF form (τ = dt); NIR cannot express it", l.Name, l.Beta)
			}
			typ = "LIF"
			params["tau"] = hdf5.Float32s(fill(n, o.Dt/(1-l.Beta)), l.Shape...)
			params["r"] = hdf5.Float32s(fill(n, 1/(1-l.Beta)), l.Shape...)
			params["v_leak"] = hdf5.Float32s(fill(n, 0), l.Shape...)
		}
		if !o.Legacy {
			params["v_reset"] = hdf5.Float32s(fill(n, 0), l.Shape...)
		}
		name := "lif" + id
		if typ == "IF" {
			name = "if" + id
		}
		g.Nodes[name] = &nir.Node{Type: typ, Params: params}
		edge(name)
		prevShape = l.Shape
	}
	g.Nodes["output"] = &nir.Node{Type: "Output", Params: map[string]*hdf5.Dataset{"shape": hdf5.Int64s(to64(prevShape), len(prevShape))}}
	edge("output")
	if err := g.Check(); err != nil {
		return nil, fmt.Errorf("exported NIR graph: %w", err)
	}
	return g, nil
}

// ImportNIR reads a NIR graph back into a float network for T steps. The
// graph must be a chain from one Input to one Output of Conv2d, Affine or
// Linear nodes, each followed by LIF or IF neurons, with optional Flatten
// and SumPool2d/AvgPool2d nodes. LIF nodes must have v_leak = 0, reset to
// 0, an input gain dt·r/tau of 1 and one threshold and leak per layer;
// dt is taken from the graph's metadata, or from defaultDt when absent.
// β is recovered as 1 − 1/r, which is exact for the small integer r the
// exporter writes.
func ImportNIR(g *nir.Graph, T int, defaultDt float64) (*FloatNet, error) {
	if err := g.Check(); err != nil {
		return nil, err
	}
	order, err := g.TopoOrder()
	if err != nil {
		return nil, err
	}
	dt := defaultDt
	if d := g.Metadata["dt"]; d != nil {
		if v, err := d.FloatValues(); err == nil && len(v) == 1 {
			dt = v[0]
		}
	}
	succ := map[string][]string{}
	for _, e := range g.Edges {
		succ[e[0]] = append(succ[e[0]], e[1])
	}
	net := framework.Network{T: T}
	prev := ""
	for _, name := range order {
		n := g.Nodes[name]
		if len(succ[name]) > 1 {
			return nil, fmt.Errorf("node %s feeds %d nodes; only chains can be imported", name, len(succ[name]))
		}
		l := framework.Layer{Name: name, Weights: map[string][]float32{}, Shapes: map[string][]int{}, Attrs: map[string]float64{}}
		if prev != "" {
			l.Inputs = []string{prev}
		}
		switch n.Type {
		case "Input":
			shape, _ := n.InputShape()
			if len(shape) != 3 {
				return nil, fmt.Errorf("node %s: input shape %v is not (C, H, W)", name, shape)
			}
			net.Input = framework.InputShape{C: shape[0], H: shape[1], W: shape[2]}
			continue
		case "Output":
			continue
		case "Conv2d", "Affine", "Linear":
			if err := importWeights(n, &l); err != nil {
				return nil, fmt.Errorf("node %s: %w", name, err)
			}
		case "Flatten":
			l.Kind = "flatten"
		case "SumPool2d", "AvgPool2d":
			k, s, p, err := n.Pool()
			if err != nil {
				return nil, fmt.Errorf("node %s: %w", name, err)
			}
			l.Kind = map[string]string{"SumPool2d": "sumpool", "AvgPool2d": "avgpool"}[n.Type]
			l.Attrs["kernel_h"], l.Attrs["kernel_w"] = float64(k[0]), float64(k[1])
			l.Attrs["stride_h"], l.Attrs["stride_w"] = float64(s[0]), float64(s[1])
			l.Attrs["padding_h"], l.Attrs["padding_w"] = float64(p[0]), float64(p[1])
		case "LIF", "IF":
			if th, err := uniform(n, "v_threshold", 0); err == nil && math.IsInf(th, 1) && n.Type == "IF" {
				continue // non-spiking read-out: the weight layer stays without neurons
			}
			if err := importNeuron(n, dt, &l); err != nil {
				return nil, fmt.Errorf("node %s: %w", name, err)
			}
		default:
			return nil, fmt.Errorf("node %s: %s nodes cannot be imported into a Loihi network", name, n.Type)
		}
		net.Layers = append(net.Layers, l)
		prev = name
	}
	fn, err := Prepare(net)
	if err != nil {
		return nil, fmt.Errorf("NIR graph: %w", err)
	}
	return fn, nil
}

func importWeights(n *nir.Node, l *framework.Layer) error {
	w, shape, err := n.Floats("weight")
	if err != nil {
		return err
	}
	l.Weights["weight"] = f32(w)
	l.Shapes["weight"] = slices.Clone(shape)
	if n.Type != "Linear" {
		b, _, err := n.Floats("bias")
		if err != nil {
			return err
		}
		l.Weights["bias"] = f32(b)
	}
	if n.Type != "Conv2d" {
		l.Kind = "linear"
		return nil
	}
	l.Kind = "conv2d"
	stride, padding, dilation, groups, err := n.ConvGeometry()
	if err != nil {
		return err
	}
	l.Attrs["stride_h"], l.Attrs["stride_w"] = float64(stride[0]), float64(stride[1])
	l.Attrs["padding_h"], l.Attrs["padding_w"] = float64(padding[0]), float64(padding[1])
	l.Attrs["dilation_h"], l.Attrs["dilation_w"] = float64(dilation[0]), float64(dilation[1])
	l.Attrs["groups"] = float64(groups)
	return nil
}

// uniform returns the single value of a per-neuron parameter, or an error
// when the values differ.
func uniform(n *nir.Node, name string, def float64) (float64, error) {
	if n.Params[name] == nil {
		return def, nil
	}
	v, _, err := n.Floats(name)
	if err != nil {
		return 0, err
	}
	for _, x := range v[1:] {
		if x != v[0] {
			return 0, fmt.Errorf("%s varies per neuron (%v and %v); Loihi layers have one value per layer", name, v[0], x)
		}
	}
	return v[0], nil
}

func importNeuron(n *nir.Node, dt float64, l *framework.Layer) error {
	theta, err := uniform(n, "v_threshold", 0)
	if err != nil {
		return err
	}
	reset, err := uniform(n, "v_reset", 0)
	if err != nil {
		return err
	}
	if reset != 0 {
		return fmt.Errorf("v_reset = %v; Loihi resets to 0 only", reset)
	}
	r, err := uniform(n, "r", 1)
	if err != nil {
		return err
	}
	l.Kind = "neuron"
	l.Attrs["vth"] = theta
	if n.Type == "IF" {
		if r != 1 {
			return fmt.Errorf("IF with r = %v; only r = 1 (v += I) is supported", r)
		}
		l.Neuron = "if"
		return nil
	}
	tau, err := uniform(n, "tau", 0)
	if err != nil {
		return err
	}
	leak, err := uniform(n, "v_leak", 0)
	if err != nil {
		return err
	}
	if leak != 0 {
		return fmt.Errorf("v_leak = %v; Loihi neurons leak toward 0 only", leak)
	}
	if !(tau > 0) || !(r > 1) {
		return fmt.Errorf("tau = %v and r = %v do not describe a leaky neuron with input gain 1", tau, r)
	}
	if gain := dt * r / tau; math.Abs(gain-1) > 1e-4 {
		return fmt.Errorf("input gain dt·r/tau = %v at dt = %v, want 1; the graph uses another discretisation convention", gain, dt)
	}
	l.Neuron = "lif"
	l.Attrs["decay"] = 1 - 1/r
	return nil
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
