package metrics_test

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/infer"
	"github.com/snnlab/snnlab/framework/metrics"
)

// The engine's measured accumulates must equal the fan-out count that
// SynOpCounter derives from the graph's spikes on the same images.
func TestMeasuredSynOpsMatchesCounter(t *testing.T) {
	const T, B = 2, 4
	name, options := "spiking-resnet18-cifar", map[string]any{"base_width": 8, "stages": 2, "blocks_per_stage": 1}
	in := framework.InputShape{C: 3, H: 16, W: 16}
	desc, err := metrics.DescribeResNet(name, options, in)
	if err != nil {
		t.Fatal(err)
	}
	counter, err := metrics.NewSynOpCounter(desc)
	if err != nil {
		t.Fatal(err)
	}
	backbone, err := framework.NewBackbone(name, options, framework.BackboneConfig{Input: in, RNG: rand.New(rand.NewSource(5)),
		NewNeuron: counter.Wrap(func() (framework.Neuron, error) { return framework.NewNeuron("lif", nil) })})
	if err != nil {
		t.Fatal(err)
	}
	// Lower running variances so that every layer spikes.
	for _, p := range backbone.Params() {
		if strings.HasSuffix(p.Name, "running_var") {
			for i := range p.Data() {
				p.Data()[i] = 0.3
			}
		}
	}
	rng := rand.New(rand.NewSource(6))
	images := make([]float32, B*in.C*in.H*in.W)
	for i := range images {
		images[i] = float32(rng.NormFloat64())
	}

	g := gorgonia.NewGraph()
	data := append(append([]float32(nil), images...), images...)
	shape := []int{T * B, in.C, in.H, in.W}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
	if _, err := backbone.Forward(x, framework.Pass{Path: framework.Spiking, T: T}); err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	if err := counter.Commit(B); err != nil {
		t.Fatal(err)
	}
	want, err := counter.Result()
	if err != nil {
		t.Fatal(err)
	}

	net, err := framework.DescribeBackbone(backbone, "lif", nil, T)
	if err != nil {
		t.Fatal(err)
	}
	e, err := infer.Compile(net)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(images, B, make([]float32, T*B*e.FeatureDim())); err != nil {
		t.Fatal(err)
	}
	got, err := metrics.MeasuredSynOps(e.Counts())
	if err != nil {
		t.Fatal(err)
	}

	if got.Samples != B || got.T != T || len(got.Layers) != len(want.Layers) {
		t.Fatalf("measured %d samples, T = %d, %d layers; counter %d, %d, %d", got.Samples, got.T, len(got.Layers), want.Samples, want.T, len(want.Layers))
	}
	if got.InputMACs != want.InputMACs || got.DenseMACs != want.DenseMACs {
		t.Errorf("measured input MACs %d, dense MACs %d; counter %d, %d", got.InputMACs, got.DenseMACs, want.InputMACs, want.DenseMACs)
	}
	for i, l := range got.Layers {
		w := want.Layers[i]
		for s := 0; s < T; s++ {
			if math.Abs(l.Rates[s]-w.Rates[s]) > 1e-12 {
				t.Errorf("layer %s step %d: measured rate %v, counter %v", l.Name, s, l.Rates[s], w.Rates[s])
			}
			if math.Abs(l.SynOps[s]-w.SynOps[s]) > 1e-9*math.Max(1, w.SynOps[s]) {
				t.Errorf("layer %s step %d: measured %v synaptic operations, counter %v", l.Name, s, l.SynOps[s], w.SynOps[s])
			}
		}
	}
	if got.Total() == 0 {
		t.Error("no synaptic operations were measured: the test network does not spike")
	}
	if _, err := metrics.MeasuredSynOps(infer.Counts{}); err == nil {
		t.Error("counts of zero images were accepted")
	}
}
