package eval

import (
	"fmt"
	"sync"

	"github.com/snnlab/snnlab/framework"
)

// SpikeRecorder measures the spike rate of neuron layers per time step.
//
// The Backbone interface does not expose its neurons, so the recorder wraps
// them where they are made: pass Wrap(newNeuron) as
// framework.BackboneConfig.NewNeuron when building the backbone. Layer k is
// the k-th neuron the backbone's factory created, in construction order.
// The wrapped neurons compute exactly what the originals compute. They count
// spikes only on the spiking path and only while Extract runs with this
// recorder in ExtractOptions.Spikes, so training passes through the same
// backbone are not counted. A SpikeRecorder is safe for concurrent use.
type SpikeRecorder struct {
	mu     sync.Mutex
	layers []*layerCounts
	active bool
	batch  int // samples per graph batch
	valid  int // samples of the current batch that are real, not padding
}

// layerCounts sums the outputs of one neuron layer per time step.
type layerCounts struct {
	sum   []float64 // [T] summed spikes
	count []float64 // [T] neurons counted
}

// LayerRates is the spike rate of one neuron layer.
type LayerRates struct {
	Layer int       // construction order, 0-based
	Name  string    // "neuron<Layer>"
	Rates []float64 // [T] mean spikes per neuron per step, in [0, 1]; nil if never run
	Mean  float64   // mean over the steps
}

// NewSpikeRecorder returns an empty recorder.
func NewSpikeRecorder() *SpikeRecorder { return &SpikeRecorder{} }

// Wrap returns a neuron factory that builds neurons with newNeuron and
// records their spikes.
func (r *SpikeRecorder) Wrap(newNeuron func() (framework.Neuron, error)) func() (framework.Neuron, error) {
	return func() (framework.Neuron, error) {
		if newNeuron == nil {
			return nil, fmt.Errorf("spike recorder: nil neuron factory")
		}
		n, err := newNeuron()
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.layers = append(r.layers, &layerCounts{})
		return &recordingNeuron{Neuron: n, rec: r, layer: len(r.layers) - 1}, nil
	}
}

// Reset clears the counts and keeps the wrapped layers.
func (r *SpikeRecorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.layers {
		l.sum, l.count = nil, nil
	}
}

// Rates returns the rates of every wrapped layer, in construction order.
func (r *SpikeRecorder) Rates() []LayerRates {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]LayerRates, len(r.layers))
	for k, l := range r.layers {
		out[k] = LayerRates{Layer: k, Name: fmt.Sprintf("neuron%d", k)}
		if l.sum == nil {
			continue
		}
		out[k].Rates = make([]float64, len(l.sum))
		for t := range l.sum {
			if l.count[t] > 0 {
				out[k].Rates[t] = l.sum[t] / l.count[t]
			}
			out[k].Mean += out[k].Rates[t]
		}
		out[k].Mean /= float64(len(l.sum))
	}
	return out
}

func (r *SpikeRecorder) start(batch int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.active, r.batch, r.valid = true, batch, batch
}

func (r *SpikeRecorder) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.active = false
}

func (r *SpikeRecorder) setValid(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.valid = n
}

// record adds one forward call's output [T, N] to layer k. N contains the
// batch as its outer factor (N = B·inner), so the first valid·inner values
// of each step belong to real samples.
func (r *SpikeRecorder) record(k int, call framework.NeuronCall, out []float32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.active || call.Path != framework.Spiking {
		return
	}
	N := call.N()
	counted := N
	if r.batch > 0 && N%r.batch == 0 {
		counted = r.valid * (N / r.batch)
	}
	l := r.layers[k]
	if len(l.sum) != call.T {
		l.sum, l.count = make([]float64, call.T), make([]float64, call.T)
	}
	for t := 0; t < call.T; t++ {
		var s float64
		for _, v := range out[t*N : t*N+counted] {
			s += float64(v)
		}
		l.sum[t] += s
		l.count[t] += float64(counted)
	}
}

// recordingNeuron passes every call to the wrapped neuron and reports the
// forward output to the recorder.
type recordingNeuron struct {
	framework.Neuron
	rec   *SpikeRecorder
	layer int
}

func (n *recordingNeuron) Forward(call framework.NeuronCall, out []float32) error {
	if err := n.Neuron.Forward(call, out); err != nil {
		return err
	}
	n.rec.record(n.layer, call, out)
	return nil
}

// Trace passes the call to the wrapped neuron when it is a framework.Tracer.
func (n *recordingNeuron) Trace(call framework.NeuronCall) (framework.Trace, error) {
	tr, ok := n.Neuron.(framework.Tracer)
	if !ok {
		return framework.Trace{}, fmt.Errorf("spike recorder: neuron %T does not report a membrane trace", n.Neuron)
	}
	return tr.Trace(call)
}
