package infer

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
)

// value is one activation map of the compiled network, per image:
// channels-last [steps][H][W][C], where steps is 1 for a map that is the
// same at every time step (computed from the static input) and T otherwise.
type value struct {
	c, h, w int
	binary  bool   // every element is 0 or 1 (spikes, or max-pooled spikes)
	constT  bool   // the same at every step
	csrPad  int    // padding of the CSR spike lists a convolution reads; -1 for none
	source  string // the neuron layer this map carries the spikes of, through pooling; "" for none
}

func (v value) size() int { return v.c * v.h * v.w }

type opKind int

const (
	opConvDense  opKind = iota // convolution of an analog map, multiply-accumulate
	opConvSpikes               // convolution of a spike map, accumulate only
	opAffine                   // unfolded batch-norm: x·scale[c] + shift[c]
	opAdd                      // elementwise sum of two maps
	opNeuron
	opMaxPool
	opAvgPool
	opGlobalPool // final average over the whole map: the features
)

// op is one compiled layer.
type op struct {
	kind    opKind
	name    string
	in, in2 int // value ids; in2 only for add
	out     int

	// Convolution: weights [K][K][Cin][Cout] and a bias per output
	// channel, with batch-norm folded in when it follows.
	k, stride, pad    int
	cin, cout, oh, ow int
	w, bias           []float32
	taps              []tap
	counter           int // index into Counts.Layers

	scale, shift []float32 // affine

	neuron lif

	// Pooling window per axis.
	kh, kw, sh, sw, ph, pw int
}

// attr reads an integer attribute of l, trying the names in order.
func attr(l framework.Layer, def int, names ...string) (int, error) {
	for _, n := range names {
		x, ok := l.Attrs[n]
		if !ok {
			continue
		}
		if x != math.Trunc(x) || x < 0 || x > 1<<20 {
			return 0, fmt.Errorf("layer %q: attribute %q = %v is invalid: want a non-negative integer", l.Name, n, x)
		}
		return int(x), nil
	}
	if def < 0 {
		return 0, fmt.Errorf("layer %q (%s): attribute %q is missing", l.Name, l.Kind, names[0])
	}
	return def, nil
}

// compiler turns a Network into ops.
type compiler struct {
	net       framework.Network
	values    []value
	ops       []op
	byName    map[string]int // layer name → value id of its output
	producer  map[int]int    // value id → index of the op writing it
	consumers map[string]int // layer name → number of layers reading it
	counts    []LayerCounts
}

// Compile checks net and builds an engine for its spiking path. It folds
// each batch-norm into the convolution before it and resolves every neuron
// layer's dynamics through the neuron registry. It rejects, naming the
// layer, any layer it cannot run exactly: unknown kinds, linear layers,
// neurons other than IF, LIF, MixedLIF and PLIF, and a last layer other
// than a global average pool. Callers fall back to the gorgonia graph on
// an error.
func Compile(net framework.Network) (*Engine, error) {
	if net.T < 1 {
		return nil, fmt.Errorf("compile network: T = %d time steps, want at least 1", net.T)
	}
	in := net.Input
	if in.C < 1 || in.H < 1 || in.W < 1 {
		return nil, fmt.Errorf("compile network: input shape [C=%d, H=%d, W=%d] has an empty axis", in.C, in.H, in.W)
	}
	if len(net.Layers) == 0 {
		return nil, fmt.Errorf("compile network: no layers")
	}
	c := &compiler{
		net:       net,
		values:    []value{{c: in.C, h: in.H, w: in.W, constT: true, csrPad: -1}},
		byName:    map[string]int{},
		producer:  map[int]int{},
		consumers: map[string]int{},
	}
	for _, l := range net.Layers {
		for _, name := range l.Inputs {
			c.consumers[name]++
		}
	}
	for i, l := range net.Layers {
		if _, dup := c.byName[l.Name]; dup || l.Name == "" {
			return nil, fmt.Errorf("compile network: layer %d has the empty or repeated name %q; names must be unique", i, l.Name)
		}
		if err := c.layer(l, i == len(net.Layers)-1); err != nil {
			return nil, fmt.Errorf("compile network: %w", err)
		}
	}
	last := c.ops[len(c.ops)-1]
	if last.kind != opGlobalPool {
		return nil, fmt.Errorf("compile network: the last layer %q is not a global average pool over the whole map, so the network yields no [F] feature", net.Layers[len(net.Layers)-1].Name)
	}
	return newEngine(c), nil
}

// input returns the value id layer l reads at position k.
func (c *compiler) input(l framework.Layer, k int) (int, error) {
	if len(l.Inputs) == 0 {
		if k == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("layer %q (%s) needs %d inputs, has none", l.Name, l.Kind, k+1)
	}
	if k >= len(l.Inputs) {
		return 0, fmt.Errorf("layer %q (%s) needs %d inputs, has %d", l.Name, l.Kind, k+1, len(l.Inputs))
	}
	id, ok := c.byName[l.Inputs[k]]
	if !ok {
		return 0, fmt.Errorf("layer %q reads %q, which is not an earlier layer", l.Name, l.Inputs[k])
	}
	return id, nil
}

func (c *compiler) newValue(v value) int {
	v.csrPad = -1
	c.values = append(c.values, v)
	return len(c.values) - 1
}

func (c *compiler) emit(l framework.Layer, o op) {
	o.name = l.Name
	c.ops = append(c.ops, o)
	c.producer[o.out] = len(c.ops) - 1
	c.byName[l.Name] = o.out
}

func (c *compiler) layer(l framework.Layer, last bool) error {
	wantInputs := 1
	if l.Kind == "add" {
		wantInputs = 2
	}
	if len(l.Inputs) > wantInputs {
		return fmt.Errorf("layer %q (%s) has %d inputs, want %d", l.Name, l.Kind, len(l.Inputs), wantInputs)
	}
	x, err := c.input(l, 0)
	if err != nil {
		return err
	}
	switch l.Kind {
	case "conv2d":
		return c.conv(l, x)
	case "batchnorm":
		return c.batchNorm(l, x)
	case "neuron":
		n, err := resolveNeuron(l)
		if err != nil {
			return err
		}
		if err := checkAgainstRegistry(l, n, c.net.T); err != nil {
			return err
		}
		v := c.values[x]
		out := c.newValue(value{c: v.c, h: v.h, w: v.w, binary: true, source: l.Name})
		c.counts = append(c.counts, LayerCounts{Name: l.Name, Kind: "neuron", Neurons: v.size()})
		c.emit(l, op{kind: opNeuron, in: x, out: out, neuron: n, counter: len(c.counts) - 1})
		return nil
	case "add":
		y, err := c.input(l, 1)
		if err != nil {
			return err
		}
		a, b := c.values[x], c.values[y]
		if a.c != b.c || a.h != b.h || a.w != b.w {
			return fmt.Errorf("add layer %q: inputs %q [%d, %d, %d] and %q [%d, %d, %d] differ in shape", l.Name, l.Inputs[0], a.c, a.h, a.w, l.Inputs[1], b.c, b.h, b.w)
		}
		out := c.newValue(value{c: a.c, h: a.h, w: a.w, constT: a.constT && b.constT})
		c.emit(l, op{kind: opAdd, in: x, in2: y, out: out})
		return nil
	case "maxpool", "avgpool":
		return c.pool(l, x, last)
	}
	return fmt.Errorf("layer %q: kind %q is not supported by the event-driven engine (supported: conv2d, batchnorm, neuron, add, maxpool, avgpool); run the graph instead", l.Name, l.Kind)
}

func (c *compiler) conv(l framework.Layer, x int) error {
	v := c.values[x]
	k, err := attr(l, -1, "kernel", "kernel_h")
	if err != nil {
		return err
	}
	if kw, err := attr(l, k, "kernel_w"); err != nil || kw != k {
		return fmt.Errorf("conv layer %q: kernel %d×%d is not square; only square kernels are supported", l.Name, k, kw)
	}
	stride, err := attr(l, 1, "stride")
	if err != nil {
		return err
	}
	pad, err := attr(l, 0, "padding")
	if err != nil {
		return err
	}
	if k < 1 || stride < 1 {
		return fmt.Errorf("conv layer %q: kernel %d, stride %d; want both ≥ 1", l.Name, k, stride)
	}
	w := l.Weights["weight"]
	shape := l.Shapes["weight"]
	if len(shape) != 4 || shape[1] != v.c || shape[2] != k || shape[3] != k || shape[0] < 1 {
		return fmt.Errorf("conv layer %q: weight shape %v, want [out, %d, %d, %d] for its %d input channels", l.Name, shape, v.c, k, k, v.c)
	}
	cout := shape[0]
	if len(w) != cout*v.c*k*k {
		return fmt.Errorf("conv layer %q: weight has %d values, want %d for shape %v", l.Name, len(w), cout*v.c*k*k, shape)
	}
	if v.h+2*pad < k || v.w+2*pad < k {
		return fmt.Errorf("conv layer %q: input %d×%d is smaller than its %d×%d kernel with padding %d", l.Name, v.h, v.w, k, k, pad)
	}
	o := op{k: k, stride: stride, pad: pad, cin: v.c, cout: cout, in: x,
		oh: (v.h+2*pad-k)/stride + 1, ow: (v.w+2*pad-k)/stride + 1}

	// [out, in, ky, kx] → [ky][kx][in][out], so that one input element's
	// weights to every output channel are one contiguous row.
	o.w = make([]float32, len(w))
	for co := 0; co < cout; co++ {
		for ci := 0; ci < v.c; ci++ {
			for ky := 0; ky < k; ky++ {
				for kx := 0; kx < k; kx++ {
					o.w[((ky*k+kx)*v.c+ci)*cout+co] = w[((co*v.c+ci)*k+ky)*k+kx]
				}
			}
		}
	}
	o.bias = make([]float32, cout)
	if b, ok := l.Weights["bias"]; ok {
		if len(b) != cout {
			return fmt.Errorf("conv layer %q: bias has %d values, want %d", l.Name, len(b), cout)
		}
		copy(o.bias, b)
	}

	o.kind = opConvDense
	if v.binary {
		o.kind = opConvSpikes
		c.values[x].csrPad = max(c.values[x].csrPad, pad)
	}
	o.out = c.newValue(value{c: cout, h: o.oh, w: o.ow, constT: v.constT})
	input := "input"
	if len(l.Inputs) > 0 {
		input = l.Inputs[0]
	}
	c.counts = append(c.counts, LayerCounts{Name: l.Name, Kind: "conv2d", Input: input, Source: v.source, Dense: !v.binary,
		DenseMACs: int64(k * k * v.c * cout * o.oh * o.ow)})
	o.counter = len(c.counts) - 1
	c.emit(l, o)
	return nil
}

// batchNorm folds evaluation-mode batch-norm into the convolution that
// feeds it when nothing else reads that convolution, and otherwise emits
// a per-channel affine map.
func (c *compiler) batchNorm(l framework.Layer, x int) error {
	v := c.values[x]
	get := func(name string) ([]float32, error) {
		w := l.Weights[name]
		if len(w) != v.c {
			return nil, fmt.Errorf("batch-norm layer %q: %q has %d values, want %d channels", l.Name, name, len(w), v.c)
		}
		return w, nil
	}
	var ws [4][]float32
	for i, name := range []string{"weight", "bias", "running_mean", "running_var"} {
		w, err := get(name)
		if err != nil {
			return err
		}
		ws[i] = w
	}
	eps, ok := l.Attrs["eps"]
	if !ok || !(eps >= 0) {
		return fmt.Errorf("batch-norm layer %q: attribute \"eps\" is missing or negative (%v)", l.Name, eps)
	}
	scale, shift := make([]float32, v.c), make([]float32, v.c)
	for ch := 0; ch < v.c; ch++ {
		variance := float64(ws[3][ch])
		if !(variance+eps > 0) {
			return fmt.Errorf("batch-norm layer %q: channel %d has running variance %v and eps %v; want variance + eps > 0", l.Name, ch, variance, eps)
		}
		s := float64(ws[0][ch]) / math.Sqrt(variance+eps)
		scale[ch] = float32(s)
		shift[ch] = float32(float64(ws[1][ch]) - float64(ws[2][ch])*s)
	}

	if p, ok := c.producer[x]; ok && len(l.Inputs) == 1 && c.consumers[l.Inputs[0]] == 1 {
		conv := &c.ops[p]
		if conv.kind == opConvDense || conv.kind == opConvSpikes {
			for row := 0; row < len(conv.w)/conv.cout; row++ {
				r := conv.w[row*conv.cout : (row+1)*conv.cout]
				for co := range r {
					r[co] = float32(float64(r[co]) * float64(scale[co]))
				}
			}
			for co := range conv.bias {
				conv.bias[co] = float32(float64(conv.bias[co])*float64(scale[co]) + float64(shift[co]))
			}
			c.byName[l.Name] = x
			return nil
		}
	}
	out := c.newValue(value{c: v.c, h: v.h, w: v.w, constT: v.constT})
	c.emit(l, op{kind: opAffine, in: x, out: out, scale: scale, shift: shift})
	return nil
}

func (c *compiler) pool(l framework.Layer, x int, last bool) error {
	v := c.values[x]
	var o op
	var err error
	get := func(dst *int, def int, names ...string) {
		if err == nil {
			*dst, err = attr(l, def, names...)
		}
	}
	get(&o.kh, -1, "kernel_h", "kernel")
	get(&o.kw, -1, "kernel_w", "kernel")
	get(&o.sh, o.kh, "stride_h", "stride")
	get(&o.sw, o.kw, "stride_w", "stride")
	get(&o.ph, 0, "padding_h", "padding")
	get(&o.pw, 0, "padding_w", "padding")
	if err != nil {
		return err
	}
	if o.kh < 1 || o.kw < 1 || o.sh < 1 || o.sw < 1 || o.ph >= o.kh || o.pw >= o.kw {
		return fmt.Errorf("%s layer %q: kernel %d×%d, stride %d×%d, padding %d×%d; want kernel and stride ≥ 1 and padding < kernel", l.Kind, l.Name, o.kh, o.kw, o.sh, o.sw, o.ph, o.pw)
	}
	if v.h+2*o.ph < o.kh || v.w+2*o.pw < o.kw {
		return fmt.Errorf("%s layer %q: input %d×%d is smaller than its %d×%d window", l.Kind, l.Name, v.h, v.w, o.kh, o.kw)
	}
	o.in = x
	oh, ow := (v.h+2*o.ph-o.kh)/o.sh+1, (v.w+2*o.pw-o.kw)/o.sw+1
	global := l.Kind == "avgpool" && o.kh == v.h && o.kw == v.w && o.ph == 0 && o.pw == 0
	switch {
	case last && global:
		o.kind = opGlobalPool
		o.out = c.newValue(value{c: v.c, h: 1, w: 1, constT: v.constT})
	case last:
		return fmt.Errorf("%s layer %q: the last layer must average the whole %d×%d map to give the feature, but its window is %d×%d", l.Kind, l.Name, v.h, v.w, o.kh, o.kw)
	case l.Kind == "maxpool":
		o.kind = opMaxPool
		o.out = c.newValue(value{c: v.c, h: oh, w: ow, binary: v.binary, constT: v.constT, source: v.source})
	default:
		o.kind = opAvgPool
		o.out = c.newValue(value{c: v.c, h: oh, w: ow, constT: v.constT, source: v.source})
	}
	c.emit(l, o)
	return nil
}
