package loihi2

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/snnlab/snnlab/framework"
)

// FloatLayer is one weight layer of the float spiking model with its LIF
// neurons, batch-norm and pooling already folded in:
//
//	I[t] = W ⊛ s_in[t] + b,  V[t] = Beta·V[t−1] + I[t],
//	s[t] = V[t] > Theta,     V[t] = 0 where s[t] = 1
type FloatLayer struct {
	Name        string
	Kind        LayerKind
	InShape     []int // [C, H, W] for conv, [N] for dense (after flatten)
	Shape       []int // output neurons, [C, H, W] or [N]
	Weight      []float64
	WeightShape []int // [C_out, C_in/groups, kH, kW] or [N_out, N_in]
	Bias        []float64

	Kernel, Stride, Padding, Dilation [2]int
	Groups                            int

	Beta  float64 // leak β in [0, 1]; 1 is an IF neuron
	Theta float64 // threshold θ > 0, in the units of I
	// ReadOut marks a last layer without neurons: it integrates without
	// leak and never fires, and the decision is taken on its voltage.
	ReadOut bool
}

// FloatNet is the float spiking model a target quantises: a chain of
// weight layers, each followed by LIF neurons, fed the analog input x for T
// steps (direct encoding).
type FloatNet struct {
	Input  []int // [C, H, W]
	T      int
	Layers []FloatLayer
}

// Prepare converts a trained network's spiking path into a FloatNet. It
// folds batch-norm layers into the preceding conv or linear layer, folds
// average or sum pooling (window = stride, no padding) into the following
// conv or flatten+linear layer, and rejects, naming the layer and the
// reason, everything Loihi's CUBA neurons cannot run exactly: soft reset,
// a non-zero reset potential, adaptive thresholds (ALIF), the continuous
// path, synaptic current decay, residual or branching connections, and
// unknown layer kinds.
//
// Layer kinds read: "conv2d" and "linear" (Weights "weight", optional
// "bias"; Attrs "stride", "padding", "dilation", "groups", or per-axis
// "stride_h"/"stride_w" and so on), "batchnorm" (Weights "weight" = γ,
// "bias" = β, "running_mean", "running_var"; Attrs "eps", default 1e-5),
// "neuron", "avgpool" and "sumpool" (Attrs "kernel", "stride", "padding"),
// "flatten". Batch-norm may be folded already or not.
func Prepare(net framework.Network) (*FloatNet, error) {
	p := &preparer{
		out: &FloatNet{Input: []int{net.Input.C, net.Input.H, net.Input.W}, T: net.T},
		cur: []int{net.Input.C, net.Input.H, net.Input.W},
	}
	if p.cur[0] <= 0 || p.cur[1] <= 0 || p.cur[2] <= 0 {
		return nil, fmt.Errorf("network input shape %v is empty; set Network.Input", p.cur)
	}
	prev := ""
	for i := range net.Layers {
		l := &net.Layers[i]
		name := l.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		if len(l.Inputs) > 1 || len(l.Inputs) == 1 && prev != "" && l.Inputs[0] != prev {
			return nil, fmt.Errorf("layer %s (%s) reads %v, not the layer before it (%s): residual and branching networks are not supported by netx or the emulator; export them to NIR", name, l.Kind, l.Inputs, prev)
		}
		if err := p.add(name, l); err != nil {
			return nil, fmt.Errorf("layer %s (%s): %w", name, l.Kind, err)
		}
		prev = l.Name
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	if len(p.out.Layers) == 0 {
		return nil, fmt.Errorf("network has no weight layers")
	}
	return p.out, nil
}

type preparer struct {
	out     *FloatNet
	cur     []int       // shape of the current activation
	pending *FloatLayer // weight layer waiting for its neurons
	pool    *poolSpec   // pooling waiting to be folded into the next layer
	flat    bool        // a flatten since the last weight layer
}

type poolSpec struct {
	name string
	p    int
	gain float64
	in   []int // shape before pooling
}

func (p *preparer) add(name string, l *framework.Layer) error {
	switch l.Kind {
	case "conv2d", "linear":
		if p.pending != nil {
			return fmt.Errorf("follows weight layer %s without neurons in between; Loihi needs a neuron after every weight layer", p.pending.Name)
		}
		fl, err := weightLayer(name, l, p.cur)
		if err != nil {
			return err
		}
		if p.pool != nil {
			if err := p.foldPool(fl); err != nil {
				return err
			}
		}
		p.pending = fl
		p.flat = false
		p.cur = fl.Shape
	case "batchnorm":
		if p.pending == nil {
			return fmt.Errorf("batch-norm does not directly follow a conv or linear layer; a batch-norm after a spiking neuron cannot be folded, so the network cannot be deployed")
		}
		return foldBatchNorm(p.pending, l)
	case "neuron":
		if p.pending == nil {
			return fmt.Errorf("neuron without a preceding conv or linear layer; Loihi neurons take synaptic input only")
		}
		beta, theta, err := neuronParams(l)
		if err != nil {
			return err
		}
		p.pending.Beta, p.pending.Theta = beta, theta
		p.out.Layers = append(p.out.Layers, *p.pending)
		p.pending = nil
	case "avgpool", "sumpool":
		if p.pending != nil {
			return fmt.Errorf("pooling between weight layer %s and its neurons cannot be folded; pool after the neurons", p.pending.Name)
		}
		if p.pool != nil {
			return fmt.Errorf("two pooling layers in a row (%s and this one) are not supported; merge them into one", p.pool.name)
		}
		ps, err := poolParams(name, l, p.cur)
		if err != nil {
			return err
		}
		p.pool = ps
		p.cur = []int{p.cur[0], p.cur[1] / ps.p, p.cur[2] / ps.p}
	case "flatten":
		p.flat = true
		p.cur = []int{prod(p.cur)}
	case "add":
		return fmt.Errorf("residual addition is not supported by netx or the emulator; export the network to NIR")
	case "maxpool":
		return fmt.Errorf("layer kind %q is not supported; Loihi 2 export takes conv2d, linear, batchnorm, neuron, avgpool, sumpool and flatten, and a VGG trained with the backbone option \"pool\": \"avg\" can be exported", l.Kind)
	default:
		return fmt.Errorf("layer kind %q is not supported; Loihi 2 export takes conv2d, linear, batchnorm, neuron, avgpool, sumpool and flatten", l.Kind)
	}
	return nil
}

func (p *preparer) finish() error {
	if p.pool != nil {
		return fmt.Errorf("layer %s: pooling at the end of the network has no following weight layer to fold into", p.pool.name)
	}
	if p.pending != nil {
		// A last weight layer without neurons is a non-spiking read-out.
		p.pending.ReadOut = true
		p.pending.Beta = 1
		p.pending.Theta = math.Inf(1)
		p.out.Layers = append(p.out.Layers, *p.pending)
		p.pending = nil
	}
	return nil
}

func attrPair(l *framework.Layer, name string, def int) ([2]int, error) {
	v := [2]int{def, def}
	if x, ok := l.Attrs[name]; ok {
		v = [2]int{int(x), int(x)}
	}
	if x, ok := l.Attrs[name+"_h"]; ok {
		v[0] = int(x)
	}
	if x, ok := l.Attrs[name+"_w"]; ok {
		v[1] = int(x)
	}
	for _, a := range []string{name, name + "_h", name + "_w"} {
		if x, ok := l.Attrs[a]; ok && x != math.Trunc(x) {
			return v, fmt.Errorf("attribute %s = %v is not an integer", a, x)
		}
	}
	return v, nil
}

func weightLayer(name string, l *framework.Layer, in []int) (*FloatLayer, error) {
	w, ok := l.Weights["weight"]
	if !ok {
		return nil, fmt.Errorf("missing weight tensor")
	}
	shape := l.Shapes["weight"]
	if prod(shape) != len(w) {
		return nil, fmt.Errorf("weight has %d values but shape %v", len(w), shape)
	}
	fl := &FloatLayer{Name: name, Weight: f64(w), WeightShape: slices.Clone(shape), Groups: 1}
	if b, ok := l.Weights["bias"]; ok {
		if len(b) != shape[0] {
			return nil, fmt.Errorf("bias has %d values, want %d", len(b), shape[0])
		}
		fl.Bias = f64(b)
	} else {
		fl.Bias = make([]float64, shape[0])
	}
	if l.Kind == "linear" {
		if len(shape) != 2 || shape[1] != prod(in) {
			return nil, fmt.Errorf("linear weight shape %v does not match %d inputs (activation shape %v)", shape, prod(in), in)
		}
		fl.Kind = Dense
		fl.InShape = []int{prod(in)}
		fl.Shape = []int{shape[0]}
		return fl, nil
	}
	fl.Kind = Conv
	if len(shape) != 4 || len(in) != 3 {
		return nil, fmt.Errorf("conv weight shape %v with input %v: want [out, in/groups, kh, kw] on a [C, H, W] input", shape, in)
	}
	var err error
	if fl.Stride, err = attrPair(l, "stride", 1); err != nil {
		return nil, err
	}
	if fl.Padding, err = attrPair(l, "padding", 0); err != nil {
		return nil, err
	}
	if fl.Dilation, err = attrPair(l, "dilation", 1); err != nil {
		return nil, err
	}
	if g, ok := l.Attrs["groups"]; ok {
		fl.Groups = int(g)
	}
	fl.Kernel = [2]int{shape[2], shape[3]}
	if k, ok := l.Attrs["kernel"]; ok && (int(k) != shape[2] || int(k) != shape[3]) {
		return nil, fmt.Errorf("attribute kernel = %v does not match the weight shape %v", k, shape)
	}
	fl.InShape = slices.Clone(in)
	fl.Shape = []int{shape[0],
		convOut(in[1], fl.Kernel[0], fl.Stride[0], fl.Padding[0], fl.Dilation[0]),
		convOut(in[2], fl.Kernel[1], fl.Stride[1], fl.Padding[1], fl.Dilation[1])}
	il := Layer{Kind: Conv, InShape: in, Shape: fl.Shape, WeightShape: shape, Weight: make([]int64, len(w)),
		Kernel: fl.Kernel, Stride: fl.Stride, Padding: fl.Padding, Dilation: fl.Dilation, Groups: fl.Groups, BiasExp: 6}
	if err := il.check(in); err != nil {
		return nil, err
	}
	return fl, nil
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// foldBatchNorm folds y = γ(x − μ)/sqrt(σ² + ε) + β into the weights and
// bias of fl, per output channel.
func foldBatchNorm(fl *FloatLayer, l *framework.Layer) error {
	nOut := fl.WeightShape[0]
	get := func(key string, def float64) ([]float64, error) {
		v, ok := l.Weights[key]
		if !ok {
			if math.IsNaN(def) {
				return nil, fmt.Errorf("missing batch-norm tensor %q", key)
			}
			out := make([]float64, nOut)
			for i := range out {
				out[i] = def
			}
			return out, nil
		}
		if len(v) != nOut {
			return nil, fmt.Errorf("batch-norm tensor %q has %d values, want %d (one per output channel of %s)", key, len(v), nOut, fl.Name)
		}
		return f64(v), nil
	}
	gamma, err := get("weight", 1)
	if err != nil {
		return err
	}
	beta, err := get("bias", 0)
	if err != nil {
		return err
	}
	mean, err := get("running_mean", math.NaN())
	if err != nil {
		return err
	}
	variance, err := get("running_var", math.NaN())
	if err != nil {
		return err
	}
	eps := 1e-5
	if e, ok := l.Attrs["eps"]; ok {
		eps = e
	}
	per := len(fl.Weight) / nOut
	for o := 0; o < nOut; o++ {
		if variance[o]+eps <= 0 {
			return fmt.Errorf("batch-norm running variance %v + eps %v of channel %d is not positive", variance[o], eps, o)
		}
		k := gamma[o] / math.Sqrt(variance[o]+eps)
		for j := o * per; j < (o+1)*per; j++ {
			fl.Weight[j] *= k
		}
		fl.Bias[o] = k*(fl.Bias[o]-mean[o]) + beta[o]
	}
	return nil
}

func poolParams(name string, l *framework.Layer, in []int) (*poolSpec, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("pooling input shape %v is not [C, H, W]", in)
	}
	k, err := attrPair(l, "kernel", 0)
	if err != nil {
		return nil, err
	}
	s, err := attrPair(l, "stride", k[0])
	if err != nil {
		return nil, err
	}
	pad, err := attrPair(l, "padding", 0)
	if err != nil {
		return nil, err
	}
	if k[0] <= 0 || k[0] != k[1] || s != k || pad != [2]int{} {
		return nil, fmt.Errorf("pooling with kernel %v, stride %v, padding %v cannot be folded; Loihi export needs a square window equal to the stride and no padding", k, s, pad)
	}
	if in[1]%k[0] != 0 || in[2]%k[0] != 0 {
		return nil, fmt.Errorf("pooling window %d does not divide the input %dx%d; crop the input to a multiple of the window first", k[0], in[1], in[2])
	}
	gain := 1.0
	if l.Kind == "avgpool" {
		gain = 1 / float64(k[0]*k[0])
	}
	return &poolSpec{name: name, p: k[0], gain: gain, in: slices.Clone(in)}, nil
}

// foldPool replaces pooling followed by fl with one layer on the unpooled
// input: kernel p·k, stride p·s, padding p·q for conv, and weights
// W”[o,c,m,n] = gain·W[o,c,⌊m/p⌋,⌊n/p⌋]; for flatten + linear the
// columns expand the same way.
func (p *preparer) foldPool(fl *FloatLayer) error {
	ps := p.pool
	p.pool = nil
	c, h, w := ps.in[0], ps.in[1], ps.in[2]
	hp, wp := h/ps.p, w/ps.p
	if fl.Kind == Dense {
		if !p.flat {
			return fmt.Errorf("a linear layer after pooling %s needs a flatten in between", ps.name)
		}
		nOut := fl.WeightShape[0]
		nIn := c * h * w
		nw := make([]float64, nOut*nIn)
		for o := 0; o < nOut; o++ {
			for ch := 0; ch < c; ch++ {
				for y := 0; y < h; y++ {
					for x := 0; x < w; x++ {
						nw[o*nIn+(ch*h+y)*w+x] = ps.gain * fl.Weight[o*c*hp*wp+(ch*hp+y/ps.p)*wp+x/ps.p]
					}
				}
			}
		}
		fl.Weight, fl.WeightShape, fl.InShape = nw, []int{nOut, nIn}, []int{nIn}
		return nil
	}
	if fl.Dilation != [2]int{1, 1} {
		return fmt.Errorf("pooling %s before a dilated conv cannot be folded", ps.name)
	}
	cOut, cIn, kh, kw := fl.WeightShape[0], fl.WeightShape[1], fl.WeightShape[2], fl.WeightShape[3]
	nkh, nkw := kh*ps.p, kw*ps.p
	nw := make([]float64, cOut*cIn*nkh*nkw)
	for o := 0; o < cOut; o++ {
		for ch := 0; ch < cIn; ch++ {
			for m := 0; m < nkh; m++ {
				for n := 0; n < nkw; n++ {
					nw[((o*cIn+ch)*nkh+m)*nkw+n] = ps.gain * fl.Weight[((o*cIn+ch)*kh+m/ps.p)*kw+n/ps.p]
				}
			}
		}
	}
	fl.Weight, fl.WeightShape = nw, []int{cOut, cIn, nkh, nkw}
	fl.Kernel = [2]int{nkh, nkw}
	fl.Stride = [2]int{fl.Stride[0] * ps.p, fl.Stride[1] * ps.p}
	fl.Padding = [2]int{fl.Padding[0] * ps.p, fl.Padding[1] * ps.p}
	fl.InShape = slices.Clone(ps.in)
	want := []int{cOut, convOut(h, nkh, fl.Stride[0], fl.Padding[0], 1), convOut(w, nkw, fl.Stride[1], fl.Padding[1], 1)}
	if !slices.Equal(want, fl.Shape) {
		return fmt.Errorf("folding pooling %s changes the output shape from %v to %v", ps.name, fl.Shape, want)
	}
	return nil
}

// neuronParams returns the leak β and threshold θ of a neuron layer, or
// the reason it cannot run on Loihi.
func neuronParams(l *framework.Layer) (float64, float64, error) {
	name := strings.ToLower(l.Neuron)
	opts := map[string]any{}
	for k, v := range l.NeuronOptions {
		opts[k] = v
	}
	// Attrs override options: they hold the trained values.
	for k, v := range l.Attrs {
		opts[k] = v
	}
	if v, ok := opts["vth"]; ok {
		opts["threshold"] = v
	}
	if path, ok := opts["path"]; ok && fmt.Sprint(path) != "spiking" && fmt.Sprint(path) != "0" {
		return 0, 0, fmt.Errorf("neuron %q runs the continuous path (%v); only the spiking path can run on Loihi", l.Neuron, path)
	}
	switch name {
	case "alif":
		return 0, 0, fmt.Errorf("neuron %q has an adaptive threshold, which Loihi's CUBA neuron cannot represent", l.Neuron)
	case "lif", "if", "plif", "mixedlif":
	default:
		return 0, 0, fmt.Errorf("neuron %q is not supported; Loihi 2 export takes lif, if, plif and mixedlif (spiking path)", l.Neuron)
	}
	if mode, ok := opts["reset_mode"]; ok && fmt.Sprint(mode) != "hard" {
		return 0, 0, fmt.Errorf("neuron %q uses %v reset; Loihi's CUBA neuron resets to zero (hard reset) only", l.Neuron, mode)
	}
	if r, ok := number(opts["reset"]); ok && r != 0 {
		return 0, 0, fmt.Errorf("neuron %q resets to %v; Loihi resets the voltage to 0 only", l.Neuron, r)
	}
	for _, k := range []string{"input_decay", "tau_syn", "current_decay"} {
		if v, ok := number(opts[k]); ok && v != 0 {
			return 0, 0, fmt.Errorf("neuron %q has a synaptic current decay (%s = %v); the snnlab export assumes none (iDecay 4096)", l.Neuron, k, v)
		}
	}

	theta, ok := number(opts["threshold"])
	if !ok {
		theta = registeredDefault(name, "threshold", 1)
	}
	if !(theta > 0) || math.IsInf(theta, 0) {
		return 0, 0, fmt.Errorf("neuron %q threshold %v must be positive and finite", l.Neuron, theta)
	}
	beta := 1.0
	switch name {
	case "plif":
		if w, ok := l.Weights["w"]; ok && len(w) == 1 {
			beta = 1 / (1 + math.Exp(-float64(w[0])))
		} else if d, ok := number(opts["decay"]); ok {
			beta = d
		} else {
			return 0, 0, fmt.Errorf("neuron %q: missing the learned decay (Weights \"w\" or Attrs \"decay\")", l.Neuron)
		}
	case "lif", "mixedlif":
		d, ok := number(opts["decay"])
		if !ok {
			d = registeredDefault(name, "decay", 0.5)
		}
		beta = d
	}
	if beta < 0 || beta > 1 || math.IsNaN(beta) {
		return 0, 0, fmt.Errorf("neuron %q decay %v is outside [0, 1]", l.Neuron, beta)
	}
	return beta, theta, nil
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// registeredDefault returns an option's default from the neuron registry,
// or def when the neuron is not registered in this binary.
func registeredDefault(neuron, option string, def float64) float64 {
	spec, err := framework.Lookup(framework.NeuronKind, neuron)
	if err != nil {
		return def
	}
	for _, o := range spec.Options {
		if o.Name == option {
			if v, ok := number(o.Default); ok {
				return v
			}
		}
	}
	return def
}
