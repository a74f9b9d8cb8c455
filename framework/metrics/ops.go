package metrics

import (
	"fmt"
	"sync"

	"github.com/snnlab/snnlab/framework"
)

// Coverage returns, for every input coordinate i in [0, in), the number of
// output positions along one axis whose window reads it. These are the o
// in [0, out) with o·stride − pad ≤ i ≤ o·stride − pad + kernel − 1.
// Padded positions lie outside [0, in), so they are never counted.
func Coverage(in, out, kernel, stride, pad int) []int {
	cover := make([]int, in)
	for o := 0; o < out; o++ {
		lo := o*stride - pad
		for i := lo; i < lo+kernel; i++ {
			if i >= 0 && i < in {
				cover[i]++
			}
		}
	}
	return cover
}

// FanOut returns the synaptic fan-out of each input position of c,
// [InH·InW] row-major: the number of (output channel, output position)
// pairs one spike at that position reaches, Out·coverY·coverX. It does not
// depend on the input channel. The sum of FanOut over positions times In is
// c.MACs() less the taps that read padding.
func FanOut(c Conv) []int64 {
	cy := Coverage(c.InH, c.OutH, c.Kernel, c.Stride, c.Pad)
	cx := Coverage(c.InW, c.OutW, c.Kernel, c.Stride, c.Pad)
	f := make([]int64, c.InH*c.InW)
	for y := range cy {
		for x := range cx {
			f[y*c.InW+x] = int64(c.Out) * int64(cy[y]) * int64(cx[x])
		}
	}
	return f
}

// LayerOps is the spike rate and synaptic-operation count of one neuron
// layer, as SynOpCounter measured them.
type LayerOps struct {
	Name    string
	Neurons int       // neurons per sample, C·H·W
	Rates   []float64 // [T] mean spikes per neuron at each step
	SynOps  []float64 // [T] per sample: spikes times their fan-out into every convolution that reads the layer
}

// SynOps is the synaptic-operation count of a spiking network on a set of
// samples, per sample.
type SynOps struct {
	Samples   int
	T         int
	Layers    []LayerOps
	InputMACs int64 // multiply-accumulates of the layers reading the image, per sample and step
	DenseMACs int64 // every convolution run densely, per sample and step
}

// Total returns the synaptic operations per sample, summed over layers and
// time steps. The input layers' MACs are not included.
func (s SynOps) Total() float64 {
	var t float64
	for _, l := range s.Layers {
		for _, v := range l.SynOps {
			t += v
		}
	}
	return t
}

// MeanRate returns the fraction of neuron-steps that spiked: total spikes
// over neurons × steps, so large layers weigh more.
func (s SynOps) MeanRate() float64 {
	var spikes, count float64
	for _, l := range s.Layers {
		for _, r := range l.Rates {
			spikes += r * float64(l.Neurons)
			count += float64(l.Neurons)
		}
	}
	if count == 0 {
		return 0
	}
	return spikes / count
}

// SynOpCounter records the spikes of every neuron layer of a backbone and
// weighs each spike by its fan-out, giving the standard synaptic-operation
// count: Σ over layers and steps of incoming spikes × fan-out, exact at
// image borders and for strided convolutions.
//
// Pass Wrap(newNeuron) as framework.BackboneConfig.NewNeuron when building
// the backbone; the k-th neuron built is Network.Neurons[k]. The batch size
// B of a forward call is N divided by the layer's C·H·W, the batch being
// the outer factor of N. The counter keeps the last call's per-sample sums
// until Commit gives how many of its samples are real (the rest are
// padding). Only the spiking path is counted. A SynOpCounter is safe for
// concurrent use.
type SynOpCounter struct {
	net   Network
	batch int // samples in the last forward call

	mu      sync.Mutex
	weight  [][]float64 // per neuron layer, [H·W] summed fan-out of its consumers
	made    int         // neurons built so far
	pending [][]float64 // per layer, [T·2·batch]: spikes and weighted spikes of the last call
	T       int
	spikes  [][]float64 // per layer, [T] committed spikes
	ops     [][]float64 // per layer, [T] committed synaptic operations
	samples int
	err     error
}

// NewSynOpCounter returns a counter for a backbone with net's structure.
func NewSynOpCounter(net Network) (*SynOpCounter, error) {
	if len(net.Neurons) == 0 {
		return nil, fmt.Errorf("synaptic operations: network %q has no neuron layers", net.Name)
	}
	c := &SynOpCounter{net: net}
	c.weight = make([][]float64, len(net.Neurons))
	for k, l := range net.Neurons {
		c.weight[k] = make([]float64, l.H*l.W)
	}
	for _, conv := range net.Convs {
		if conv.Source < 0 {
			continue
		}
		if conv.Source >= len(net.Neurons) {
			return nil, fmt.Errorf("synaptic operations: convolution %s reads neuron layer %d of %d", conv.Name, conv.Source, len(net.Neurons))
		}
		l := net.Neurons[conv.Source]
		if l.C != conv.In || l.H != conv.InH || l.W != conv.InW {
			return nil, fmt.Errorf("synaptic operations: convolution %s reads %d×%d×%d, but its source layer %s is %d×%d×%d",
				conv.Name, conv.In, conv.InH, conv.InW, l.Name, l.C, l.H, l.W)
		}
		for i, f := range FanOut(conv) {
			c.weight[conv.Source][i] += float64(f)
		}
	}
	c.pending = make([][]float64, len(net.Neurons))
	c.spikes = make([][]float64, len(net.Neurons))
	c.ops = make([][]float64, len(net.Neurons))
	return c, nil
}

// Wrap returns a neuron factory that builds neurons with newNeuron and
// records their spikes.
func (c *SynOpCounter) Wrap(newNeuron func() (framework.Neuron, error)) func() (framework.Neuron, error) {
	return func() (framework.Neuron, error) {
		if newNeuron == nil {
			return nil, fmt.Errorf("synaptic operations: nil neuron factory")
		}
		n, err := newNeuron()
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.made >= len(c.net.Neurons) {
			return nil, fmt.Errorf("synaptic operations: the backbone builds more than the %d neuron layers network %q describes", len(c.net.Neurons), c.net.Name)
		}
		c.made++
		return &countingNeuron{Neuron: n, counter: c, layer: c.made - 1}, nil
	}
}

// record sums one forward call's output [T, N] per step and sample.
func (c *SynOpCounter) record(k int, call framework.NeuronCall, out []float32) {
	if call.Path != framework.Spiking {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.net.Neurons[k]
	N, per := call.N(), l.Size()
	if N%per != 0 || (c.batch > 0 && N != c.batch*per) {
		c.fail(fmt.Errorf("synaptic operations: layer %s got %d neurons per step, want a batch of %d×%d×%d maps (%d samples in earlier layers); the network description does not match the backbone",
			l.Name, N, l.C, l.H, l.W, c.batch))
		return
	}
	c.batch = N / per

	if c.T == 0 {
		c.T = call.T
	}
	if call.T != c.T {
		c.fail(fmt.Errorf("synaptic operations: layer %s ran %d steps, earlier layers %d", l.Name, call.T, c.T))
		return
	}
	if len(c.pending[k]) != 2*call.T*c.batch {
		c.pending[k] = make([]float64, 2*call.T*c.batch)
	}

	p, w, hw := c.pending[k], c.weight[k], l.H*l.W
	for t := 0; t < call.T; t++ {
		for b := 0; b < c.batch; b++ {
			var spikes, ops float64
			sample := out[t*N+b*per : t*N+(b+1)*per]
			for i, v := range sample {
				if v != 0 {
					spikes += float64(v)
					ops += float64(v) * w[i%hw]
				}
			}
			p[(t*c.batch+b)*2], p[(t*c.batch+b)*2+1] = spikes, ops
		}
	}
}

func (c *SynOpCounter) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Commit adds the first valid samples of the last forward call to the
// totals and clears it.
func (c *SynOpCounter) Commit(valid int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if valid < 0 || valid > c.batch {
		return fmt.Errorf("synaptic operations: %d valid samples in a batch of %d", valid, c.batch)
	}
	for k, p := range c.pending {
		if p == nil {
			continue
		}
		if len(p) != 2*c.T*c.batch {
			return fmt.Errorf("synaptic operations: layer %s ran a batch of %d samples, earlier layers %d", c.net.Neurons[k].Name, len(p)/(2*c.T), c.batch)
		}
		if c.spikes[k] == nil {
			c.spikes[k], c.ops[k] = make([]float64, c.T), make([]float64, c.T)
		}
		for t := 0; t < c.T; t++ {
			for b := 0; b < valid; b++ {
				c.spikes[k][t] += p[(t*c.batch+b)*2]
				c.ops[k][t] += p[(t*c.batch+b)*2+1]
			}
		}
		c.pending[k] = nil
	}
	c.samples += valid
	c.batch = 0
	return nil
}

// Result returns the per-sample counts over every committed sample.
func (c *SynOpCounter) Result() (SynOps, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return SynOps{}, c.err
	}
	if c.samples == 0 {
		return SynOps{}, fmt.Errorf("synaptic operations: no samples committed; run the spiking path and call Commit after each batch")
	}
	if c.made != len(c.net.Neurons) {
		return SynOps{}, fmt.Errorf("synaptic operations: the backbone built %d neuron layers, network %q describes %d", c.made, c.net.Name, len(c.net.Neurons))
	}
	res := SynOps{Samples: c.samples, T: c.T, InputMACs: c.net.InputMACs(), DenseMACs: c.net.MACs()}
	n := float64(c.samples)
	for k, l := range c.net.Neurons {
		lo := LayerOps{Name: l.Name, Neurons: l.Size(), Rates: make([]float64, c.T), SynOps: make([]float64, c.T)}
		if c.spikes[k] == nil {
			return SynOps{}, fmt.Errorf("synaptic operations: layer %s never ran on the spiking path", l.Name)
		}
		for t := 0; t < c.T; t++ {
			lo.Rates[t] = c.spikes[k][t] / (n * float64(l.Size()))
			lo.SynOps[t] = c.ops[k][t] / n
		}
		res.Layers = append(res.Layers, lo)
	}
	return res, nil
}

// countingNeuron passes every call to the wrapped neuron and reports the
// forward output to the counter.
type countingNeuron struct {
	framework.Neuron
	counter *SynOpCounter
	layer   int
}

func (n *countingNeuron) Forward(call framework.NeuronCall, out []float32) error {
	if err := n.Neuron.Forward(call, out); err != nil {
		return err
	}
	n.counter.record(n.layer, call, out)
	return nil
}
