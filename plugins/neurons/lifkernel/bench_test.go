package lifkernel_test

import (
	"math/rand/v2"
	"testing"

	"github.com/snnlab/snnlab/framework"
	_ "github.com/snnlab/snnlab/plugins/neurons/alif"
	_ "github.com/snnlab/snnlab/plugins/neurons/if"
	_ "github.com/snnlab/snnlab/plugins/neurons/lif"
	_ "github.com/snnlab/snnlab/plugins/neurons/mixedlif"
	_ "github.com/snnlab/snnlab/plugins/neurons/plif"
)

// Benchmark layer: T = 4 steps of a conv activation [B=64, C=16, 32, 32].
const benchT, benchN = 4, 64 * 16 * 32 * 32

var benchNeurons = []struct {
	name, neuron string
	path         framework.Path
}{
	{"lif", "lif", framework.Spiking},
	{"if", "if", framework.Spiking},
	{"plif", "plif", framework.Spiking},
	{"alif", "alif", framework.Spiking},
	{"mixedlif-A", "mixedlif", framework.Spiking},
	{"mixedlif-B", "mixedlif", framework.Continuous},
}

func benchCall(b *testing.B, neuron string, path framework.Path) (framework.Neuron, framework.NeuronCall, []float32) {
	n, err := framework.NewNeuron(neuron, nil)
	if err != nil {
		b.Fatal(err)
	}
	params := make([][]float32, len(n.Params()))
	for k, s := range n.Params() {
		params[k] = make([]float32, s.Size)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	in := make([]float32, benchT*benchN)
	g := make([]float32, len(in))
	for i := range in {
		in[i] = float32(0.6 + rng.NormFloat64())
		g[i] = float32(rng.NormFloat64())
	}
	return n, framework.NeuronCall{Path: path, T: benchT, Input: in, Params: params}, g
}

// BenchmarkForward reports ns per element (T·N) of one multi-step forward call.
func BenchmarkForward(b *testing.B) {
	for _, bn := range benchNeurons {
		b.Run(bn.name, func(b *testing.B) {
			n, call, _ := benchCall(b, bn.neuron, bn.path)
			out := make([]float32, len(call.Input))
			b.ResetTimer()
			for b.Loop() {
				if err := n.Forward(call, out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(call.Input)), "ns/elem")
		})
	}
}

// BenchmarkBackward reports ns per element (T·N) of one backward call,
// which recomputes the forward trace and runs BPTT.
func BenchmarkBackward(b *testing.B) {
	for _, bn := range benchNeurons {
		b.Run(bn.name, func(b *testing.B) {
			n, call, g := benchCall(b, bn.neuron, bn.path)
			gradIn := make([]float32, len(call.Input))
			gradParams := make([][]float32, len(call.Params))
			for k := range gradParams {
				gradParams[k] = make([]float32, len(call.Params[k]))
			}
			b.ResetTimer()
			for b.Loop() {
				if err := n.Backward(call, g, gradIn, gradParams); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(call.Input)), "ns/elem")
		})
	}
}
