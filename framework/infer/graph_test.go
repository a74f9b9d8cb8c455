package infer

import (
	"math"
	"math/rand"
	"strings"
	"sync"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
)

// countingNeuron counts the spikes a graph neuron emits on the spiking path.
type countingNeuron struct {
	framework.Neuron
	mu     *sync.Mutex
	spikes *int
}

func (n countingNeuron) Forward(call framework.NeuronCall, out []float32) error {
	if err := n.Neuron.Forward(call, out); err != nil {
		return err
	}
	if call.Path == framework.Spiking {
		c := 0
		for _, s := range out {
			if s != 0 {
				c++
			}
		}
		n.mu.Lock()
		*n.spikes += c
		n.mu.Unlock()
	}
	return nil
}

// TestEngineMatchesGraph runs the reference ResNet (spiking-resnet18-cifar,
// base width 16, 3 stages of 1 block, MixedLIF, T = 4) through its
// gorgonia graph in evaluation mode and through the engine. The running
// variances are lowered so that every layer spikes at rates like a trained
// network's. Currents differ by float32 rounding (another summation order,
// batch-norm folded). So a neuron within rounding of the threshold may
// spike in one and not the other, and the difference then spreads. The
// test bounds both the feature and the spike count differences.
func TestEngineMatchesGraph(t *testing.T) {
	const T, B = 4, 8
	in := framework.InputShape{C: 3, H: 32, W: 32}
	var mu sync.Mutex
	var graphSpikes []*int
	backbone, err := framework.NewBackbone("spiking-resnet18-cifar", map[string]any{"base_width": 16, "stages": 3, "blocks_per_stage": 1},
		framework.BackboneConfig{Input: in, RNG: rand.New(rand.NewSource(2)), NewNeuron: func() (framework.Neuron, error) {
			n, err := framework.NewNeuron("mixedlif", nil)
			if err != nil {
				return nil, err
			}
			c := new(int)
			graphSpikes = append(graphSpikes, c)
			return countingNeuron{Neuron: n, mu: &mu, spikes: c}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range backbone.Params() {
		if strings.HasSuffix(p.Name, "running_var") {
			for i := range p.Data() {
				p.Data()[i] = 0.3
			}
		}
	}

	rng := rand.New(rand.NewSource(3))
	images := randomImages(rng, B*in.C*in.H*in.W, false)
	g := gorgonia.NewGraph()
	data := make([]float32, T*len(images))
	for s := 0; s < T; s++ {
		copy(data[s*len(images):], images)
	}
	shape := []int{T * B, in.C, in.H, in.W}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
	y, err := backbone.Forward(x, framework.Pass{Path: framework.Spiking, T: T, Train: false})
	if err != nil {
		t.Fatal(err)
	}
	var read gorgonia.Value
	gorgonia.Read(y, &read)
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	want := read.Data().([]float32)

	net, err := framework.DescribeBackbone(backbone, "mixedlif", nil, T)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(net)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, T*B*e.FeatureDim())
	if err := e.Run(images, B, got); err != nil {
		t.Fatal(err)
	}

	// Features are spike counts over the last map divided by its 64
	// pixels, so one flipped spike moves a feature by 1/64.
	maxDiff, sumDiff := 0.0, 0.0
	for i := range want {
		d := math.Abs(float64(got[i] - want[i]))
		maxDiff = math.Max(maxDiff, d)
		sumDiff += d
	}
	meanDiff := sumDiff / float64(len(want))
	counts := e.Counts()
	var neurons int
	var layers []LayerCounts
	for _, l := range counts.Layers {
		if l.Kind == "neuron" {
			layers = append(layers, l)
		}
	}
	if len(layers) != len(graphSpikes) {
		t.Fatalf("engine has %d neuron layers, the graph built %d", len(layers), len(graphSpikes))
	}
	flipped := 0
	for i, l := range layers {
		neurons += l.Neurons * T * B
		d := int(l.Spikes) - *graphSpikes[i]
		if d < 0 {
			d = -d
		}
		flipped += d
		rate := float64(l.Spikes) / float64(l.Neurons*T*B)
		t.Logf("%-22s rate %.3f  engine %7d  graph %7d spikes", l.Name, rate, l.Spikes, *graphSpikes[i])
		if rate < 0.02 || rate > 0.6 {
			t.Errorf("layer %s spikes at rate %.3f; the test wants rates like a trained network's", l.Name, rate)
		}
	}
	t.Logf("features: max |Δ| %.4g, mean |Δ| %.3g; spike count difference %d of %d neuron-steps", maxDiff, meanDiff, flipped, neurons)
	if meanDiff > 2e-3 {
		t.Errorf("mean feature difference %.3g, want at most 2e-3", meanDiff)
	}
	if maxDiff > 0.1 {
		t.Errorf("max feature difference %.3g, want at most 0.1", maxDiff)
	}
	if float64(flipped) > 1e-3*float64(neurons) {
		t.Errorf("spike counts differ by %d of %d neuron-steps, want at most 0.1 %%", flipped, neurons)
	}
}
