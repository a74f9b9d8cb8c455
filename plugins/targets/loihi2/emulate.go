package loihi2

import (
	"fmt"
	"math"
)

// Timing selects how spikes travel between layers in the emulator.
type Timing int

const (
	// TimingLava matches netx on Loihi: every synapse delivers at step t
	// the sum it accumulated at step t−1, so the k-th weight layer first
	// receives input step 0 at step k, and every layer integrates its bias
	// from step 0 on.
	TimingLava Timing = iota
	// TimingAligned delivers spikes within the same step, which is the
	// float model's timing; it separates quantisation error from pipeline
	// delay.
	TimingAligned
)

func (t Timing) String() string {
	if t == TimingAligned {
		return "aligned"
	}
	return "lava"
}

// ParseTiming returns the timing mode named "lava" or "aligned".
func ParseTiming(s string) (Timing, error) {
	switch s {
	case "lava":
		return TimingLava, nil
	case "aligned":
		return TimingAligned, nil
	}
	return 0, fmt.Errorf("timing %q is not valid; valid values are lava, aligned", s)
}

// Fixed-point constants of the Loihi CUBA neuron.
const (
	stateBits  = 24
	stateMax   = 1 << (stateBits - 1) // 2^23
	vLimit     = stateMax - 1         // voltage saturates at ±(2^23 − 1)
	decayShift = 12                   // decays are in 1/4096
	decayUnity = 1 << decayShift
	msbShift   = 6 // synaptic input and threshold are shifted left by 6
)

// Counters are per-block event counts over a run.
type Counters struct {
	Spikes        int64 // spikes emitted
	SynOps        int64 // synaptic operations: active (input, synapse) pairs delivered
	NeuronUpdates int64 // neuron state updates (every neuron, every step)
	UWraps        int64 // steps on which the 24-bit wrap rule changed a current u
	VSaturations  int64 // steps on which the clamp changed a voltage v
	// ThresholdTies counts steps on which v equalled the threshold exactly,
	// so the neuron did not fire; a float model with ">=" would have fired.
	ThresholdTies int64
}

func (c *Counters) add(o Counters) {
	c.Spikes += o.Spikes
	c.SynOps += o.SynOps
	c.NeuronUpdates += o.NeuronUpdates
	c.UWraps += o.UWraps
	c.VSaturations += o.VSaturations
	c.ThresholdTies += o.ThresholdTies
}

// block is one population of neurons and the synapse feeding it.
type block struct {
	layer  *Layer // nil for the bias-driven input neurons
	neuron CUBA
	n      int
	biasN  []int64 // effective bias per neuron in state units (bias << BiasExp)

	// Dense synapse in lava's bit-accurate form: effective weights and a
	// right shift applied to every accumulated sum.
	weights []int64
	wShift  uint

	u, v    []int32
	pending []int64 // synaptic sum accumulated on the previous step
	spikes  []int64 // output of the current step, 0 or 1
	count   Counters
}

// Emulator runs a Net with Loihi's fixed-point CUBA arithmetic, bit for
// bit as lava's bit-accurate CPU models compute it. An Emulator keeps
// state between steps; it is not safe for concurrent use.
type Emulator struct {
	net    *Net
	timing Timing
	blocks []*block
	step   int
}

// NewEmulator prepares an emulator for net. Dense weights are converted the
// way netx loads them (sign mode, weight exponent and truncation). A dense
// layer whose weights netx cannot hold in 8 bits is rejected.
func NewEmulator(net *Net, timing Timing) (*Emulator, error) {
	if err := net.check(); err != nil {
		return nil, err
	}
	e := &Emulator{net: net, timing: timing}
	if net.InputNeuron != nil {
		n := prod(net.Input)
		e.blocks = append(e.blocks, &block{neuron: *net.InputNeuron, n: n, biasN: make([]int64, n)})
	}
	for i := range net.Layers {
		l := &net.Layers[i]
		n := prod(l.Shape)
		b := &block{layer: l, neuron: l.Neuron, n: n, biasN: make([]int64, n)}
		if l.Bias != nil {
			per := 1
			if l.Kind == Conv {
				per = l.Shape[1] * l.Shape[2]
			}
			for j := range b.biasN {
				b.biasN[j] = shiftBias(l.Bias[j/per], l.BiasExp)
			}
		}
		if l.Kind == Dense {
			w, shift, err := netxDenseWeights(l.Weight)
			if err != nil {
				return nil, fmt.Errorf("layer %d (%q): %w", i, l.Name, err)
			}
			b.weights, b.wShift = w, shift
		}
		e.blocks = append(e.blocks, b)
	}
	for _, b := range e.blocks {
		b.u = make([]int32, b.n)
		b.v = make([]int32, b.n)
		b.pending = make([]int64, b.n)
		b.spikes = make([]int64, b.n)
	}
	return e, nil
}

func shiftBias(mant int64, exp int) int64 { return int64(int32(mant) << uint(exp)) }

// Reset sets every state, pending synaptic sum and counter to zero.
func (e *Emulator) Reset() {
	e.step = 0
	for _, b := range e.blocks {
		clear(b.u)
		clear(b.v)
		clear(b.pending)
		clear(b.spikes)
		b.count = Counters{}
	}
}

// Blocks returns the number of neuron populations: the weight layers, plus
// one first when the input layer has neurons.
func (e *Emulator) Blocks() int { return len(e.blocks) }

// SetInputBias sets the per-neuron bias mantissa of bias-driven input
// neurons ([C·H·W], weight units) with the given exponent (netx uses 6).
func (e *Emulator) SetInputBias(mant []int64, exp int) error {
	if e.net.InputNeuron == nil {
		return fmt.Errorf("the network has no input neurons; feed the input as spikes")
	}
	b := e.blocks[0]
	if len(mant) != b.n {
		return fmt.Errorf("input bias has %d values, want %d for input shape %v", len(mant), b.n, e.net.Input)
	}
	if exp < 0 || exp > 7 {
		return fmt.Errorf("bias exponent %d is outside 0…7", exp)
	}
	for i, m := range mant {
		b.biasN[i] = shiftBias(m, exp)
	}
	return nil
}

// Step advances the network by one time step. in holds the input events of
// this step in file order ([C·H·W] or [N]): 0/1 spikes, or integer
// payloads for graded input. nil means no input, and bias-driven input
// neurons require it. Step returns the output layer's spikes, which stay
// valid until the next call.
func (e *Emulator) Step(in []int64) ([]int64, error) {
	var pre []int64
	first := 0
	if e.net.InputNeuron != nil {
		if in != nil {
			return nil, fmt.Errorf("step %d: the network is driven by input-neuron biases and takes no input events", e.step)
		}
		b := e.blocks[0]
		clear(b.pending)
		b.update(b.pending)
		pre = b.spikes
		first = 1
	} else {
		if in == nil {
			in = make([]int64, prod(e.net.Input))
		}
		if len(in) != prod(e.net.Input) {
			return nil, fmt.Errorf("step %d: input has %d values, want %d for shape %v", e.step, len(in), prod(e.net.Input), e.net.Input)
		}
		pre = in
	}
	for _, b := range e.blocks[first:] {
		var acc []int64
		if e.timing == TimingAligned {
			acc = b.synapse(pre)
			b.update(acc)
		} else {
			acc = b.pending
			next := b.synapse(pre)
			b.update(acc)
			b.pending = next
		}
		pre = b.spikes
	}
	e.step++
	return pre, nil
}

// synapse returns the synaptic sums of the block for the presynaptic
// events pre, and counts the synaptic operations.
func (b *block) synapse(pre []int64) []int64 {
	l := b.layer
	acc := make([]int64, b.n)
	if l.Kind == Dense {
		nIn := len(pre)
		active := int64(0)
		for i, s := range pre {
			if s == 0 {
				continue
			}
			active++
			for j := 0; j < b.n; j++ {
				acc[j] += b.weights[j*nIn+i] * s
			}
		}
		b.count.SynOps += active * int64(b.n)
		for j := range acc {
			// lava accumulates in int32 and shifts right (floor).
			acc[j] = int64(int32(acc[j])) >> b.wShift
		}
		return acc
	}
	b.count.SynOps += conv(acc, pre, l)
	for j := range acc {
		acc[j] = wrap24(acc[j])
	}
	return acc
}

// conv computes the PyTorch-style cross-correlation of pre ([C_in, H, W])
// with the layer's kernel into acc ([C_out, H_out, W_out]) and returns the
// number of synaptic operations (active input, output neuron pairs).
func conv(acc, pre []int64, l *Layer) int64 {
	cIn, h, w := l.InShape[0], l.InShape[1], l.InShape[2]
	cOut, ho, wo := l.Shape[0], l.Shape[1], l.Shape[2]
	kh, kw := l.Kernel[0], l.Kernel[1]
	cg := cIn / l.Groups
	og := cOut / l.Groups
	var ops int64
	for o := 0; o < cOut; o++ {
		g := o / og
		for y := 0; y < ho; y++ {
			for x := 0; x < wo; x++ {
				var sum int64
				for c := 0; c < cg; c++ {
					ci := g*cg + c
					for ky := 0; ky < kh; ky++ {
						iy := y*l.Stride[0] - l.Padding[0] + ky*l.Dilation[0]
						if iy < 0 || iy >= h {
							continue
						}
						for kx := 0; kx < kw; kx++ {
							ix := x*l.Stride[1] - l.Padding[1] + kx*l.Dilation[1]
							if ix < 0 || ix >= w {
								continue
							}
							s := pre[(ci*h+iy)*w+ix]
							if s == 0 {
								continue
							}
							ops++
							sum += l.Weight[((o*cg+c)*kh+ky)*kw+kx] * s
						}
					}
				}
				acc[(o*ho+y)*wo+x] = sum
			}
		}
	}
	return ops
}

// wrap24 wraps a sum to signed 24 bits (two's complement).
func wrap24(x int64) int64 {
	return ((x+stateMax)%(2*stateMax)+2*stateMax)%(2*stateMax) - stateMax
}

// decay multiplies x by (4096 − d)/4096 and rounds toward zero.
func decay(x int32, d int64) int32 {
	p := int64(x) * (decayUnity - d)
	if p < 0 {
		return int32(-((-p) >> decayShift))
	}
	return int32(p >> decayShift)
}

// update runs one step of the CUBA neuron dynamics with synaptic input aIn.
func (b *block) update(aIn []int64) {
	c := b.neuron
	vth := c.VThMant << msbShift
	var cnt Counters
	for j := 0; j < b.n; j++ {
		// Current: the decayed value and the shifted input add in int32,
		// then a single wrap brings values past ±2^23 back by 2^24.
		u := decay(b.u[j], c.IDecay) + int32(aIn[j])<<msbShift
		wrapped := u
		if u > stateMax {
			wrapped = u - 2*stateMax
		} else if u <= -stateMax {
			wrapped = u + 2*stateMax
		}
		if wrapped != u {
			cnt.UWraps++
		}
		b.u[j] = wrapped

		v := int64(decay(b.v[j], c.VDecay)) + int64(wrapped) + b.biasN[j]
		clamped := min(max(v, -vLimit), vLimit)
		if clamped != v {
			cnt.VSaturations++
		}
		b.spikes[j] = 0
		switch {
		case clamped > vth:
			b.spikes[j] = 1
			cnt.Spikes++
			clamped = 0
		case clamped == vth:
			cnt.ThresholdTies++
		}
		b.v[j] = int32(clamped)
	}
	cnt.NeuronUpdates = int64(b.n)
	b.count.add(cnt)
}

// State returns the current u, v and spikes of block i, in file order. The
// slices belong to the emulator and change on the next Step.
func (e *Emulator) State(i int) (u, v []int32, spikes []int64) {
	b := e.blocks[i]
	return b.u, b.v, b.spikes
}

// Counters returns the counts of block i since the last Reset.
func (e *Emulator) Counters(i int) Counters { return e.blocks[i].count }

// netxDenseWeights converts a dense weight matrix the way netx and lava's
// bit-accurate Dense do. They pick a sign mode and a weight exponent that
// fit the weights into an 8-bit mantissa, clip, drop the unused low bits,
// and shift every accumulated sum right by the exponent. It returns the
// effective weights and the right shift. For weights inside [−256, 254]
// (even for mixed signs) the result equals the plain product sum.
func netxDenseWeights(w []int64) ([]int64, uint, error) {
	lo, hi := int64(0), int64(0)
	for _, x := range w {
		lo, hi = min(lo, x), max(hi, x)
	}
	if lo == 0 && hi == 0 {
		return w, 0, nil
	}
	mixed := lo < 0 && hi > 0
	inhibitory := hi <= 0
	if lo < -256 || hi > 255 {
		return nil, 0, fmt.Errorf("dense weights span [%d, %d], outside the 8-bit range [−256, 255] netx accepts", lo, hi)
	}

	// Scale that fills the 8-bit mantissa, as lava computes it.
	var scale float64
	switch {
	case mixed:
		scale = math.Min(127/float64(hi), 128/float64(-lo))
	case inhibitory:
		// NOTE: lava releases differ here (255 or 256). No golden trace has
		// all-negative dense weights, so this case is unverified.
		scale = 256 / float64(-lo)
	default:
		scale = 255 / float64(hi)
	}
	scaleBits := int(math.Floor(math.Log2(scale)))
	if mixed {
		scaleBits++
	}
	if scaleBits < 0 {
		return nil, 0, fmt.Errorf("dense weights span [%d, %d]: netx would need a negative scale and drop bits; keep mixed-sign weights inside [−256, 254]", lo, hi)
	}

	// Low bits common to all weights (at most 8), one fewer for mixed signs.
	n := 8
	for n > 0 {
		ok := true
		for _, x := range w {
			if x%(1<<uint(n)) != 0 {
				ok = false
				break
			}
		}
		if ok {
			break
		}
		n--
	}
	mixedBit := 0
	if mixed {
		n--
		mixedBit = 1
	}
	numBits := 8 - scaleBits - n
	drop := max(8-numBits+mixedBit, 0)

	out := make([]int64, len(w))
	for i, x := range w {
		x <<= uint(scaleBits)
		if inhibitory {
			x = -x
		}
		// Clip to the 8-bit range of the sign mode.
		switch {
		case mixed:
			x = min(max(x, -256), 255)
		default:
			x = min(max(x, 0), 255)
		}
		x = (x >> uint(drop)) << uint(drop)
		if inhibitory {
			x = -x
		}
		out[i] = x
	}
	return out, uint(scaleBits), nil
}
