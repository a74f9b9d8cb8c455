// Command faulty is a neuron plugin whose neurons misbehave, one way each:
//
//   - "crash" runs as LIF until its first Backward call, where the process
//     dies of an unrecovered panic;
//   - "nan" writes NaN into element 5 of its output;
//   - "slow" sleeps for its option delay_s seconds in Forward;
//   - "wrongshape" returns one time step too few output elements.
package main

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/pluginhost/wire"
	"github.com/snnlab/snnlab/plugins/neurons/lif"
	"github.com/snnlab/snnlab/sdk/neuronplugin"
)

// faulty wraps a working LIF neuron and breaks it in one way.
type faulty struct {
	framework.Neuron
	kind  string
	delay time.Duration
}

func (f *faulty) Forward(call framework.NeuronCall, out []float32) error {
	switch f.kind {
	case "slow":
		time.Sleep(f.delay)
	case "nan":
		if err := f.Neuron.Forward(call, out); err != nil {
			return err
		}
		out[min(5, len(out)-1)] = float32(math.NaN())
		return nil
	}
	return f.Neuron.Forward(call, out)
}

func (f *faulty) Backward(call framework.NeuronCall, gradOut, gradIn []float32, gradParams [][]float32) error {
	if f.kind == "crash" {
		// A panic in another goroutine cannot be recovered: the process dies.
		go func() { panic("faulty plugin: simulated crash in Backward") }()
		time.Sleep(time.Minute)
	}
	return f.Neuron.Backward(call, gradOut, gradIn, gradParams)
}

// shrinker reports one time step too few output elements for the
// neurons created as "wrongshape".
type shrinker struct {
	wire.Handler
	mu    sync.Mutex
	wrong map[uint64]bool
}

func (s *shrinker) Create(ctx context.Context, req *wire.CreateRequest) (*wire.CreateResponse, error) {
	resp, err := s.Handler.Create(ctx, req)
	if err == nil && req.Neuron == "wrongshape" {
		s.mu.Lock()
		s.wrong[resp.Handle] = true
		s.mu.Unlock()
	}
	return resp, err
}

func (s *shrinker) Forward(ctx context.Context, req *wire.CallRequest) (*wire.CallResponse, error) {
	resp, err := s.Handler.Forward(ctx, req)
	s.mu.Lock()
	wrong := s.wrong[req.Handle]
	s.mu.Unlock()
	if err == nil && wrong && req.T > 0 {
		resp.Out[0].Len -= resp.Out[0].Len / req.T
	}
	return resp, err
}

func main() {
	var neurons []neuronplugin.Neuron
	for _, kind := range []string{"crash", "nan", "slow", "wrongshape"} {
		neurons = append(neurons, neuronplugin.Neuron{
			Spec: framework.Spec{Name: kind, Doc: "a LIF neuron that misbehaves: " + kind, Options: []framework.OptionSpec{
				framework.FloatOption("delay_s", 600, 0, 3600, "s", "how long the slow neuron sleeps in Forward"),
			}},
			New: func(o framework.Options) (framework.Neuron, error) {
				n, err := framework.NewNeuron(lif.Name, nil)
				if err != nil {
					return nil, err
				}
				return &faulty{Neuron: n, kind: kind, delay: time.Duration(o.Float("delay_s") * float64(time.Second))}, nil
			},
		})
	}
	h, err := neuronplugin.NewHandler(neuronplugin.Plugin{Name: "faulty", Version: "0.0.1", Neurons: neurons})
	if err != nil {
		panic(err)
	}
	wire.Serve(&shrinker{Handler: h, wrong: map[uint64]bool{}}, wire.ProtocolVersion)
}
