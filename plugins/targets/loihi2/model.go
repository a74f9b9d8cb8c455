package loihi2

import "fmt"

// LayerKind is the synapse type of a weight layer.
type LayerKind int

// Weight layer kinds.
const (
	Conv  LayerKind = iota // 2-D cross-correlation, PyTorch semantics
	Dense                  // fully connected
)

func (k LayerKind) String() string {
	if k == Conv {
		return "conv"
	}
	return "dense"
}

// CUBA holds the integer parameters of a layer of Loihi CUBA-LIF neurons,
// exactly as a netx file stores them.
//
//	u = trunc(u·(4096 − IDecay)/4096) + (a_in << 6)
//	v = trunc(v·(4096 − VDecay)/4096) + u + (bias << BiasExp)
//	spike = v > VThMant << 6, then v = 0
type CUBA struct {
	IDecay  int64 // current decay in 1/4096 per step; 4096 clears the current every step
	VDecay  int64 // voltage decay in 1/4096 per step; 0 is an IF neuron
	VThMant int64 // threshold mantissa in weight units; the state threshold is VThMant << 6
	// RefDelay is stored for SLAYER compatibility; netx and the emulator
	// ignore it.
	RefDelay int64
}

// Layer is one weight layer and its neurons, in integer form.
//
// Shapes follow the netx file, slowest axis first: [C, H, W] for conv
// layers and [N] for dense layers. Weight is [C_out, C_in/groups, kH, kW]
// for conv and [N_out, N_in] for dense, row-major; Bias has one entry per
// output channel (conv) or neuron (dense), in weight units.
type Layer struct {
	Kind    LayerKind
	Name    string
	InShape []int // shape this layer reads, after any flatten
	Shape   []int

	Weight      []int64
	WeightShape []int
	Bias        []int64

	// Conv geometry, (height, width) pairs.
	Kernel, Stride, Padding, Dilation [2]int
	Groups                            int

	// Flatten records that a netx flatten layer preceded this dense layer
	// in the file it was read from.
	Flatten bool

	Neuron CUBA
	// BiasExp is the bias exponent; netx fixes it at 6, so a file always
	// reads back with 6.
	BiasExp int
}

// Net is a feed-forward network in the integer form a netx file holds.
type Net struct {
	// Input is the per-step input shape: [C, H, W], or [N] for a network
	// that starts with a dense layer.
	Input []int
	// InputNeuron is set when the input layer has neurons driven by a
	// per-neuron bias (bias injection of a static image), nil otherwise.
	InputNeuron *CUBA
	Layers      []Layer
	// TSample is the number of input steps per sample recorded in the
	// file (0 if absent).
	TSample int
}

func prod(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// convOut returns the output size along one axis, as PyTorch computes it.
func convOut(in, k, s, p, d int) int {
	if s <= 0 {
		return 0
	}
	return (in+2*p-d*(k-1)-1)/s + 1
}

// check validates shapes and parameter ranges of the whole network.
func (n *Net) check() error {
	if len(n.Input) == 0 || prod(n.Input) <= 0 {
		return fmt.Errorf("input shape %v is empty", n.Input)
	}
	if len(n.Layers) == 0 {
		return fmt.Errorf("network has no weight layers")
	}
	if n.InputNeuron != nil {
		if err := n.InputNeuron.check(); err != nil {
			return fmt.Errorf("input neurons: %w", err)
		}
	}
	in := n.Input
	for i := range n.Layers {
		l := &n.Layers[i]
		if err := l.check(in); err != nil {
			return fmt.Errorf("layer %d (%s %q): %w", i, l.Kind, l.Name, err)
		}
		in = l.Shape
	}
	return nil
}

func (l *Layer) check(in []int) error {
	if l.Kind == Dense {
		nIn := prod(in)
		if len(l.WeightShape) != 2 || l.WeightShape[1] != nIn || l.WeightShape[0] != prod(l.Shape) {
			return fmt.Errorf("dense weight shape %v does not match %d inputs and %d neurons", l.WeightShape, nIn, prod(l.Shape))
		}
	} else {
		if len(in) != 3 {
			return fmt.Errorf("conv input shape %v is not [C, H, W]", in)
		}
		if l.Groups <= 0 || in[0]%l.Groups != 0 {
			return fmt.Errorf("groups %d does not divide %d input channels", l.Groups, in[0])
		}
		for a := 0; a < 2; a++ {
			if l.Kernel[a] <= 0 || l.Stride[a] <= 0 || l.Dilation[a] <= 0 || l.Padding[a] < 0 {
				return fmt.Errorf("invalid conv geometry: kernel %v, stride %v, padding %v, dilation %v", l.Kernel, l.Stride, l.Padding, l.Dilation)
			}
		}
		if len(l.WeightShape) != 4 || l.WeightShape[1] != in[0]/l.Groups || l.WeightShape[2] != l.Kernel[0] || l.WeightShape[3] != l.Kernel[1] || l.WeightShape[0]%l.Groups != 0 {
			return fmt.Errorf("conv weight shape %v does not match input %v, groups %d and kernel %v", l.WeightShape, in, l.Groups, l.Kernel)
		}
		want := []int{l.WeightShape[0],
			convOut(in[1], l.Kernel[0], l.Stride[0], l.Padding[0], l.Dilation[0]),
			convOut(in[2], l.Kernel[1], l.Stride[1], l.Padding[1], l.Dilation[1])}
		if want[1] <= 0 || want[2] <= 0 {
			return fmt.Errorf("conv output %v is empty for input %v", want, in)
		}
		if len(l.Shape) != 3 || l.Shape[0] != want[0] || l.Shape[1] != want[1] || l.Shape[2] != want[2] {
			return fmt.Errorf("shape %v does not match the conv output %v", l.Shape, want)
		}
	}
	if len(l.Weight) != prod(l.WeightShape) {
		return fmt.Errorf("weight has %d values, want %d for shape %v", len(l.Weight), prod(l.WeightShape), l.WeightShape)
	}
	if l.Bias != nil {
		want := prod(l.Shape)
		if l.Kind == Conv {
			want = l.Shape[0]
		}
		if len(l.Bias) != want {
			return fmt.Errorf("bias has %d values, want %d", len(l.Bias), want)
		}
	}
	if l.BiasExp < 0 || l.BiasExp > 7 {
		return fmt.Errorf("bias exponent %d is outside the 3-bit range 0…7", l.BiasExp)
	}
	return l.Neuron.check()
}

func (c CUBA) check() error {
	if c.IDecay < 0 || c.IDecay > 4096 {
		return fmt.Errorf("iDecay %d is outside 0…4096", c.IDecay)
	}
	if c.VDecay < 0 || c.VDecay > 4096 {
		return fmt.Errorf("vDecay %d is outside 0…4096", c.VDecay)
	}
	// netx's default for a dense layer without neurons is 2^17, one above
	// the 17-bit register; it is accepted for reading.
	if c.VThMant < 0 || c.VThMant > 1<<17 {
		return fmt.Errorf("vThMant %d is outside 0…131072", c.VThMant)
	}
	return nil
}
