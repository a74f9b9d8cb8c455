package loihi2

import (
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/snnlab/snnlab/plugins/targets/internal/hdf5"
)

// ReadNetx reads a lava-dl netx network file (*.net).
func ReadNetx(path string) (*Net, error) {
	root, err := hdf5.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("netx: %w", err)
	}
	n, err := DecodeNetx(root)
	if err != nil {
		return nil, fmt.Errorf("netx %s: %w", path, err)
	}
	return n, nil
}

// DecodeNetx builds a Net from the root group of a netx file. It accepts
// the layer types netx itself loads for feed-forward networks (input, conv,
// dense, flatten) and rejects the rest with the layer index and type.
// Weights and biases stored as floats are truncated toward zero, as netx
// does.
func DecodeNetx(root *hdf5.Group) (*Net, error) {
	layers := root.Lookup("layer")
	if layers == nil {
		return nil, fmt.Errorf("missing group /layer")
	}
	count := len(layers.Groups)
	for i := 0; i < count; i++ {
		if layers.Groups[strconv.Itoa(i)] == nil {
			return nil, fmt.Errorf("/layer has %d groups but no /layer/%d: layer groups must be numbered 0…n−1 without gaps", count, i)
		}
	}
	net := &Net{}
	if d := root.Dataset("simulation/tSample"); d != nil {
		if v, err := d.IntValues(); err == nil && len(v) == 1 {
			net.TSample = int(v[0])
		}
	}

	var cur []int
	flatten := false
	for i := 0; i < count; i++ {
		g := layers.Groups[strconv.Itoa(i)]
		typ, err := str(g, "type")
		if err != nil {
			return nil, fmt.Errorf("/layer/%d: %w", i, err)
		}
		shape, err := ints(g, "shape")
		if err != nil && typ != "flatten" {
			return nil, fmt.Errorf("/layer/%d (%s): %w", i, typ, err)
		}
		switch typ {
		case "input":
			if i != 0 {
				return nil, fmt.Errorf("/layer/%d: an input layer must come first", i)
			}
			net.Input = toInts(shape)
			cur = net.Input
			if ng := g.Groups["neuron"]; ng != nil {
				c, err := decodeNeuron(ng)
				if err != nil {
					return nil, fmt.Errorf("/layer/%d/neuron: %w", i, err)
				}
				net.InputNeuron = &c
			}
		case "flatten":
			if cur == nil {
				return nil, fmt.Errorf("/layer/%d: flatten before any layer with a known shape", i)
			}
			flatten = true
		case "conv", "dense":
			l, err := decodeWeightLayer(g, typ, toInts(shape))
			if err != nil {
				return nil, fmt.Errorf("/layer/%d (%s): %w", i, typ, err)
			}
			l.Name = strconv.Itoa(i)
			if cur == nil {
				// A file without an input layer (as SLAYER writes for a
				// single block) starts with the first layer's fan-in.
				cur = []int{l.WeightShape[1]}
				if l.Kind == Conv {
					return nil, fmt.Errorf("/layer/%d: a conv layer needs a preceding input layer for its input shape", i)
				}
				net.Input = cur
			}
			if flatten || l.Kind == Dense {
				l.Flatten = flatten
				cur = []int{prod(cur)}
			}
			flatten = false
			l.InShape = cur
			net.Layers = append(net.Layers, l)
			cur = l.Shape
		default:
			return nil, fmt.Errorf("/layer/%d: layer type %q is not supported (netx loads input, conv, dense and flatten for feed-forward networks)", i, typ)
		}
	}
	if err := net.check(); err != nil {
		return nil, err
	}
	return net, nil
}

func decodeWeightLayer(g *hdf5.Group, typ string, shape []int) (Layer, error) {
	l := Layer{Shape: shape, BiasExp: 6, Groups: 1}
	w := g.Datasets["weight"]
	if w == nil {
		return l, fmt.Errorf("missing dataset weight")
	}
	wf, err := w.FloatValues()
	if err != nil {
		return l, fmt.Errorf("weight: %w", err)
	}
	l.Weight = truncate(wf)
	l.WeightShape = append([]int(nil), w.Shape...)
	if b := g.Datasets["bias"]; b != nil {
		bf, err := b.FloatValues()
		if err != nil {
			return l, fmt.Errorf("bias: %w", err)
		}
		l.Bias = truncate(bf)
	}
	if typ == "conv" {
		l.Kind = Conv
		// Older SLAYER files carry a trailing singleton time axis.
		if len(l.WeightShape) == 5 && l.WeightShape[4] == 1 {
			l.WeightShape = l.WeightShape[:4]
		}
		if len(l.WeightShape) != 4 {
			return l, fmt.Errorf("conv weight has shape %v, want (C_out, C_in/groups, kH, kW)", w.Shape)
		}
		for name, dst := range map[string]*[2]int{"kernelSize": &l.Kernel, "stride": &l.Stride, "padding": &l.Padding, "dilation": &l.Dilation} {
			if err := pair(g, name, dst); err != nil {
				return l, err
			}
		}
		if v, err := ints(g, "groups"); err == nil && len(v) == 1 {
			l.Groups = int(v[0])
		}
		if len(l.Shape) != 3 {
			return l, fmt.Errorf("conv shape %v is not (C, H, W)", l.Shape)
		}
	} else {
		l.Kind = Dense
		if len(l.WeightShape) == 1 {
			l.WeightShape = []int{prod(l.Shape), len(l.Weight) / prod(l.Shape)}
		}
		if len(l.WeightShape) != 2 {
			return l, fmt.Errorf("dense weight has shape %v, want (N_out, N_in)", w.Shape)
		}
		// netx accepts (N,) and (N, 1, 1) for a dense population.
		l.Shape = []int{prod(l.Shape)}
	}
	if ng := g.Groups["neuron"]; ng != nil {
		c, err := decodeNeuron(ng)
		if err != nil {
			return l, fmt.Errorf("neuron: %w", err)
		}
		l.Neuron = c
	} else if l.Kind == Dense {
		// netx's integrator read-out for a dense layer without neurons.
		l.Neuron = CUBA{IDecay: 0, VDecay: 4096, VThMant: 1 << 17}
	} else {
		return l, fmt.Errorf("missing group neuron")
	}
	return l, nil
}

func decodeNeuron(g *hdf5.Group) (CUBA, error) {
	typ, err := str(g, "type")
	if err != nil {
		return CUBA{}, err
	}
	if typ != "CUBA" && typ != "LOIHI" {
		return CUBA{}, fmt.Errorf("neuron type %q is not supported (want CUBA or LOIHI)", typ)
	}
	if d := g.Datasets["messageBits"]; d != nil {
		if v, err := d.IntValues(); err == nil && len(v) == 1 && v[0] != 0 {
			return CUBA{}, fmt.Errorf("messageBits %d: graded output spikes are not supported, only binary spikes", v[0])
		}
	}
	var c CUBA
	for name, dst := range map[string]*int64{"iDecay": &c.IDecay, "vDecay": &c.VDecay, "vThMant": &c.VThMant} {
		v, err := ints(g, name)
		if err != nil {
			return CUBA{}, err
		}
		if len(v) != 1 {
			return CUBA{}, fmt.Errorf("%s has %d values, want a scalar", name, len(v))
		}
		*dst = v[0]
	}
	if v, err := ints(g, "refDelay"); err == nil && len(v) == 1 {
		c.RefDelay = v[0]
	}
	return c, c.check()
}

func str(g *hdf5.Group, name string) (string, error) {
	d := g.Datasets[name]
	if d == nil {
		return "", fmt.Errorf("missing dataset %s", name)
	}
	if d.Kind != hdf5.String || len(d.Strings) != 1 {
		return "", fmt.Errorf("dataset %s is %s of shape %v, want one string", name, d.DType, d.Shape)
	}
	return d.Strings[0], nil
}

func ints(g *hdf5.Group, name string) ([]int64, error) {
	d := g.Datasets[name]
	if d == nil {
		return nil, fmt.Errorf("missing dataset %s", name)
	}
	v, err := d.IntValues()
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", name, err)
	}
	return v, nil
}

func pair(g *hdf5.Group, name string, dst *[2]int) error {
	v, err := ints(g, name)
	if err != nil {
		return err
	}
	switch len(v) {
	case 1:
		dst[0], dst[1] = int(v[0]), int(v[0])
	case 2:
		dst[0], dst[1] = int(v[0]), int(v[1])
	default:
		return fmt.Errorf("dataset %s has %d values, want 1 or 2 (height, width)", name, len(v))
	}
	return nil
}

func toInts(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

func to64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func truncate(v []float64) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(math.Trunc(x))
	}
	return out
}

func floats(v []int64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// EncodeNetx returns the HDF5 tree of a netx file for n, in the layout
// lava-dl's SLAYER writes: /layer/0 is the input, a flatten layer precedes
// every dense layer that reads a conv output, weights and biases are
// float32 arrays of integers, everything else int64, types fixed-length
// ASCII. tSample is stored in /simulation (0 leaves it out).
//
// netx files cannot hold a bias exponent other than 6; a layer with
// another BiasExp is rejected.
func EncodeNetx(n *Net) (*hdf5.Group, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	root := hdf5.NewGroup()
	idx := 0
	put := func(path string, d *hdf5.Dataset) {
		// Paths are built here from fixed names, so Put cannot fail.
		_ = root.Put(fmt.Sprintf("layer/%d/%s", idx, path), d)
	}
	typ := func(t string) { put("type", hdf5.FixedStrings([]string{t}, 10, 1)) }

	typ("input")
	put("shape", hdf5.Int64s(to64(n.Input), len(n.Input)))
	if n.InputNeuron != nil {
		putNeuron(root, fmt.Sprintf("layer/%d/neuron", idx), *n.InputNeuron)
	}
	idx++
	for i := range n.Layers {
		l := &n.Layers[i]
		if l.BiasExp != 6 {
			return nil, fmt.Errorf("layer %d: bias exponent %d cannot be stored in a netx file, which fixes it at 6", i, l.BiasExp)
		}
		if l.Kind == Dense && len(l.InShape) == 1 && (i == 0 && len(n.Input) > 1 || i > 0 && len(n.Layers[i-1].Shape) > 1) {
			typ("flatten")
			put("shape", hdf5.Int64s([]int64{int64(prod(l.InShape)), 1, 1}, 3))
			idx++
		}
		if l.Kind == Conv {
			typ("conv")
			put("shape", hdf5.Int64s(to64(l.Shape), 3))
			put("inChannels", hdf5.Int64(int64(l.InShape[0])))
			put("outChannels", hdf5.Int64(int64(l.Shape[0])))
			put("kernelSize", hdf5.Int64s(to64(l.Kernel[:]), 2))
			put("stride", hdf5.Int64s(to64(l.Stride[:]), 2))
			put("padding", hdf5.Int64s(to64(l.Padding[:]), 2))
			put("dilation", hdf5.Int64s(to64(l.Dilation[:]), 2))
			put("groups", hdf5.Int64(int64(l.Groups)))
		} else {
			typ("dense")
			put("shape", hdf5.Int64s(to64(l.Shape), 1))
			put("inFeatures", hdf5.Int64(int64(l.WeightShape[1])))
			put("outFeatures", hdf5.Int64(int64(l.WeightShape[0])))
		}
		put("weight", hdf5.Float32s(floats(l.Weight), l.WeightShape...))
		if l.Bias != nil {
			put("bias", hdf5.Float32s(floats(l.Bias), len(l.Bias)))
		}
		putNeuron(root, fmt.Sprintf("layer/%d/neuron", idx), l.Neuron)
		idx++
	}
	_ = root.Put("simulation/Ts", hdf5.Int64(1))
	if n.TSample > 0 {
		_ = root.Put("simulation/tSample", hdf5.Int64(int64(n.TSample)))
	}
	return root, nil
}

func putNeuron(root *hdf5.Group, path string, c CUBA) {
	ref := c.RefDelay
	if ref == 0 {
		ref = 1
	}
	_ = root.Put(path+"/type", hdf5.FixedString("CUBA"))
	_ = root.Put(path+"/iDecay", hdf5.Int64(c.IDecay))
	_ = root.Put(path+"/vDecay", hdf5.Int64(c.VDecay))
	_ = root.Put(path+"/vThMant", hdf5.Int64(c.VThMant))
	_ = root.Put(path+"/refDelay", hdf5.Int64(ref))
	_ = root.Put(path+"/gradedSpike", hdf5.Bools([]bool{false}))
}

// WriteNetx writes n as a netx file at path.
func WriteNetx(path string, n *Net) error {
	root, err := EncodeNetx(n)
	if err != nil {
		return fmt.Errorf("netx %s: %w", path, err)
	}
	b, err := hdf5.Encode(root)
	if err != nil {
		return fmt.Errorf("netx %s: %w", path, err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("netx: %w", err)
	}
	return nil
}
