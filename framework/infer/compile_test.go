package infer

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
)

func TestCompileRejects(t *testing.T) {
	base := func() framework.Network { return testNetwork(2, "lif", nil, false, 1) }
	cases := []struct {
		name   string
		change func(*framework.Network)
		want   string
	}{
		{"adaptive neuron", func(n *framework.Network) { setNeuron(n, "alif") }, `neuron "alif" is not supported`},
		{"unknown neuron", func(n *framework.Network) { setNeuron(n, "nope") }, `neuron "nope" is not supported`},
		{"missing neuron name", func(n *framework.Network) { setNeuron(n, "") }, "has no neuron name"},
		{"bad neuron option", func(n *framework.Network) {
			for i := range n.Layers {
				if n.Layers[i].Kind == "neuron" {
					n.Layers[i].NeuronOptions = map[string]any{"threshold": -1.0}
				}
			}
		}, "threshold"},
		{"linear layer", func(n *framework.Network) {
			n.Layers = append(n.Layers[:len(n.Layers)-1], framework.Layer{Name: "fc", Kind: "linear", Inputs: []string{n.Layers[len(n.Layers)-2].Name}})
		}, `kind "linear" is not supported`},
		{"no global pool", func(n *framework.Network) { n.Layers = n.Layers[:len(n.Layers)-1] }, "not a global average pool"},
		{"unknown input", func(n *framework.Network) { n.Layers[3].Inputs = []string{"nowhere"} }, `reads "nowhere"`},
		{"repeated name", func(n *framework.Network) { n.Layers[3].Name = n.Layers[0].Name }, "repeated name"},
		{"weight shape", func(n *framework.Network) { n.Layers[0].Shapes["weight"] = []int{8, 4, 3, 3} }, "weight shape"},
		{"short weights", func(n *framework.Network) { n.Layers[0].Weights["weight"] = n.Layers[0].Weights["weight"][:10] }, "weight has 10 values"},
		{"missing eps", func(n *framework.Network) { delete(n.Layers[1].Attrs, "eps") }, `"eps" is missing`},
		{"add shapes", func(n *framework.Network) {
			for i := range n.Layers {
				if n.Layers[i].Name == "b2.add" {
					n.Layers[i].Inputs[1] = "stem.sn"
				}
			}
		}, "differ in shape"},
		{"zero T", func(n *framework.Network) { n.T = 0 }, "T = 0"},
		{"empty input", func(n *framework.Network) { n.Input.C = 0 }, "empty axis"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := base()
			tc.change(&n)
			_, err := Compile(n)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func setNeuron(n *framework.Network, name string) {
	for i := range n.Layers {
		if n.Layers[i].Kind == "neuron" {
			n.Layers[i].Neuron = name
		}
	}
}

func TestRunRejectsBadShapes(t *testing.T) {
	e, err := Compile(testNetwork(2, "lif", nil, false, 1))
	if err != nil {
		t.Fatal(err)
	}
	F := e.FeatureDim()
	x := make([]float32, 2*3*16*16)
	if err := e.Run(x, 2, make([]float32, 2*2*F+1)); err == nil {
		t.Error("an output of the wrong size was accepted")
	}
	if err := e.Run(x[:10], 2, make([]float32, 2*2*F)); err == nil {
		t.Error("an input of the wrong size was accepted")
	}
	if err := e.Run(nil, 0, nil); err == nil {
		t.Error("an empty batch was accepted")
	}
	if err := e.RunFrames(x, 2, make([]float32, 2*2*F)); err == nil {
		t.Error("one frame per image was accepted by RunFrames with T = 2")
	}
}

// Steady-state runs reuse the workers' buffers; only starting the
// goroutines may allocate.
func TestRunAllocations(t *testing.T) {
	e, err := Compile(testNetwork(4, "mixedlif", nil, false, 1))
	if err != nil {
		t.Fatal(err)
	}
	const B = 8
	x := randomImages(rand.New(rand.NewSource(1)), B*3*16*16, false)
	out := make([]float32, 4*B*e.FeatureDim())
	allocs := testing.AllocsPerRun(5, func() {
		if err := e.Run(x, B, out); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 4 {
		t.Errorf("Run allocates %v times per call, want at most 4", allocs)
	}
}

// BenchmarkEngineReference times the engine on a network of the reference
// shape (stem 3→16, stages of 16, 32 and 64 channels, 32×32 input, T = 4,
// batch 64) with random weights that spike at about 25–45 %, the upper end of a
// trained network's rates.
func BenchmarkEngineReference(b *testing.B) {
	bld := &builder{rng: rand.New(rand.NewSource(1)), neuron: "mixedlif"}
	bld.net.Input = framework.InputShape{C: 3, H: 32, W: 32}
	bld.net.T = 4
	x := bld.spike("sn1", bld.convBN("conv1", "", 3, 16, 3, 1, 1, 2))
	for _, st := range []struct{ cin, cout, stride int }{{16, 16, 1}, {16, 32, 2}, {32, 64, 2}} {
		p := "stage" + string(rune('0'+st.cout/16))
		y := bld.spike(p+".sn1", bld.convBN(p+".conv1", x, st.cin, st.cout, 3, st.stride, 1, 3))
		y = bld.convBN(p+".conv2", y, st.cout, st.cout, 3, 1, 1, 3)
		s := x
		if st.stride != 1 {
			s = bld.convBN(p+".down", x, st.cin, st.cout, 1, st.stride, 0, 2)
		}
		x = bld.spike(p+".sn2", bld.add(framework.Layer{Name: p + ".add", Kind: "add", Inputs: []string{y, s}}))
	}
	h := 32 / 4
	bld.add(framework.Layer{Name: "avgpool", Kind: "avgpool", Inputs: []string{x},
		Attrs: map[string]float64{"kernel_h": float64(h), "kernel_w": float64(h), "stride_h": float64(h), "stride_w": float64(h)}})
	e, err := Compile(bld.net)
	if err != nil {
		b.Fatal(err)
	}
	const B = 64
	images := randomImages(rand.New(rand.NewSource(2)), B*3*32*32, false)
	out := make([]float32, 4*B*e.FeatureDim())
	if err := e.Run(images, B, out); err != nil {
		b.Fatal(err)
	}
	e.ResetCounts()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.Run(images, B, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(B*b.N)/b.Elapsed().Seconds(), "images/s")
	c := e.Counts()
	for i, l := range c.Layers {
		if l.Kind == "neuron" {
			b.ReportMetric(c.SpikeRate(i), "rate-"+l.Name)
		}
	}
}
