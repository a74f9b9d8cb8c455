package metrics_test

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/metrics"
	_ "github.com/snnlab/snnlab/plugins/backbones/resnet"
	_ "github.com/snnlab/snnlab/plugins/neurons/lif"
)

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Coverage counts, worked by hand from o·stride − pad ≤ i ≤ o·stride − pad + k − 1.
func TestCoverageByHand(t *testing.T) {
	cases := []struct {
		name                         string
		in, out, kernel, stride, pad int
		want                         []int
	}{
		// windows [-1,1] [0,2] [1,3] [2,4]: the border pixels lose the padded window
		{"3x3 pad 1", 4, 4, 3, 1, 1, []int{2, 3, 3, 2}},
		// windows [-1,1] [1,3] [3,5]
		{"3x3 stride 2 pad 1", 5, 3, 3, 2, 1, []int{1, 2, 1, 2, 1}},
		// windows [0] [2]: odd pixels are never read
		{"1x1 stride 2", 4, 2, 1, 2, 0, []int{1, 0, 1, 0}},
		// windows [-3,3] [-1,5] [1,7] [3,9]: pixel 3 is in all four, 6 and 7 in the last two
		{"7x7 stride 2 pad 3", 8, 4, 7, 2, 3, []int{2, 3, 3, 4, 3, 3, 2, 2}},
	}
	for _, c := range cases {
		if got := metrics.Coverage(c.in, c.out, c.kernel, c.stride, c.pad); !equalInts(got, c.want) {
			t.Errorf("%s: coverage %v, want %v", c.name, got, c.want)
		}
	}
}

// bruteTaps counts the (input, weight, output) triples of c that read an
// in-bounds input, by walking every output position and kernel tap.
func bruteTaps(c metrics.Conv) int64 {
	var n int64
	for oy := 0; oy < c.OutH; oy++ {
		for ox := 0; ox < c.OutW; ox++ {
			for ky := 0; ky < c.Kernel; ky++ {
				for kx := 0; kx < c.Kernel; kx++ {
					y, x := oy*c.Stride-c.Pad+ky, ox*c.Stride-c.Pad+kx
					if y >= 0 && y < c.InH && x >= 0 && x < c.InW {
						n += int64(c.In) * int64(c.Out)
					}
				}
			}
		}
	}
	return n
}

func TestFanOutMatchesTapCount(t *testing.T) {
	convs := []metrics.Conv{
		{Name: "3x3", In: 2, Out: 3, Kernel: 3, Stride: 1, Pad: 1, InH: 5, InW: 4, OutH: 5, OutW: 4},
		{Name: "3x3/2", In: 3, Out: 2, Kernel: 3, Stride: 2, Pad: 1, InH: 7, InW: 6, OutH: 4, OutW: 3},
		{Name: "1x1/2", In: 4, Out: 5, Kernel: 1, Stride: 2, Pad: 0, InH: 6, InW: 6, OutH: 3, OutW: 3},
		{Name: "7x7/2", In: 3, Out: 4, Kernel: 7, Stride: 2, Pad: 3, InH: 9, InW: 9, OutH: 5, OutW: 5},
	}
	for _, c := range convs {
		var sum int64
		for _, f := range metrics.FanOut(c) {
			sum += f
		}
		if got, want := sum*int64(c.In), bruteTaps(c); got != want {
			t.Errorf("%s: Σ fan-out × In = %d, brute-force in-bounds taps %d", c.Name, got, want)
		}
		if c.Pad > 0 && bruteTaps(c) >= c.MACs() {
			t.Errorf("%s: padded convolution has %d in-bounds taps, not fewer than its %d dense MACs", c.Name, bruteTaps(c), c.MACs())
		}
	}
	// A 3×3 pad-1 corner pixel reaches 2×2 outputs, the centre 3×3.
	f := metrics.FanOut(metrics.Conv{In: 1, Out: 2, Kernel: 3, Stride: 1, Pad: 1, InH: 3, InW: 3, OutH: 3, OutW: 3})
	if f[0] != 8 || f[4] != 18 || f[1] != 12 {
		t.Errorf("3×3 map fan-out corner %d, edge %d, centre %d; want 8, 12, 18", f[0], f[1], f[4])
	}
}

// passThrough outputs its input, so a test sets the spikes directly.
type passThrough struct{}

func (passThrough) Params() []framework.ParamSpec { return nil }
func (passThrough) Forward(c framework.NeuronCall, out []float32) error {
	copy(out, c.Input)
	return nil
}
func (passThrough) Backward(framework.NeuronCall, []float32, []float32, [][]float32) error {
	return nil
}

// One 1×3×3 neuron layer read by a 3×3 pad-1 convolution with 2 outputs
// and a 1×1 stride-2 convolution with 4 outputs.
func handNetwork() metrics.Network {
	return metrics.Network{
		Name:    "hand",
		Neurons: []metrics.NeuronLayer{{Name: "sn", C: 1, H: 3, W: 3}},
		Convs: []metrics.Conv{
			{Name: "a", In: 1, Out: 2, Kernel: 3, Stride: 1, Pad: 1, InH: 3, InW: 3, OutH: 3, OutW: 3, Source: 0},
			{Name: "b", In: 1, Out: 4, Kernel: 1, Stride: 2, Pad: 0, InH: 3, InW: 3, OutH: 2, OutW: 2, Source: 0},
		},
	}
}

func TestSynOpsByHand(t *testing.T) {
	c, err := metrics.NewSynOpCounter(handNetwork())
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Wrap(func() (framework.Neuron, error) { return passThrough{}, nil })()
	if err != nil {
		t.Fatal(err)
	}
	// T = 2, batch 2 (the second sample is padding), 9 neurons per sample.
	in := make([]float32, 2*2*9)
	in[0], in[4] = 1, 1 // step 1, sample 1: corner and centre
	in[2*9+8] = 1       // step 2, sample 1: opposite corner
	for i := 9; i < 18; i++ {
		in[i] = 1 // step 1, padding sample: must not count
	}

	out := make([]float32, len(in))
	if err := n.Forward(framework.NeuronCall{Path: framework.Continuous, T: 2, Input: in}, out); err != nil {
		t.Fatal(err)
	}
	if err := n.Forward(framework.NeuronCall{Path: framework.Spiking, T: 2, Input: in}, out); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(1); err != nil {
		t.Fatal(err)
	}

	res, err := c.Result()
	if err != nil {
		t.Fatal(err)
	}

	// Step 1: corner 2·2·2 + 4·1·1 = 12, centre 2·3·3 + 0 = 18.
	// Step 2: corner (2,2) is read by conv a at 2·2·2 = 8 and by the
	// stride-2 conv b at output (1,1): 4.
	l := res.Layers[0]
	if l.SynOps[0] != 30 || l.SynOps[1] != 12 {
		t.Errorf("synaptic operations per step %v, want [30 12]", l.SynOps)
	}
	if math.Abs(l.Rates[0]-2.0/9) > 1e-12 || math.Abs(l.Rates[1]-1.0/9) > 1e-12 {
		t.Errorf("rates %v, want [2/9 1/9]", l.Rates)
	}
	if res.Total() != 42 || res.Samples != 1 || res.T != 2 {
		t.Errorf("total %v over %d samples and %d steps, want 42, 1, 2", res.Total(), res.Samples, res.T)
	}
}

func TestSynOpCounterRejectsMismatch(t *testing.T) {
	c, _ := metrics.NewSynOpCounter(handNetwork())
	factory := c.Wrap(func() (framework.Neuron, error) { return passThrough{}, nil })
	n, _ := factory()
	if _, err := factory(); err == nil || !strings.Contains(err.Error(), "more than the 1 neuron layers") {
		t.Errorf("second neuron: error %v", err)
	}
	_ = n.Forward(framework.NeuronCall{T: 1, Input: make([]float32, 10)}, make([]float32, 10))
	_ = c.Commit(2)
	if _, err := c.Result(); err == nil || !strings.Contains(err.Error(), "does not match the backbone") {
		t.Errorf("wrong layer size: error %v", err)
	}
	if err := c.Commit(3); err == nil {
		t.Error("3 valid samples in a batch of 2 accepted")
	}
	bad := handNetwork()
	bad.Convs[0].In = 2
	if _, err := metrics.NewSynOpCounter(bad); err == nil || !strings.Contains(err.Error(), "source layer") {
		t.Errorf("channel mismatch: error %v", err)
	}
}

var referenceOptions = map[string]any{"base_width": 16, "stages": 3, "blocks_per_stage": 1}

func TestDescribeResNetReferenceMACs(t *testing.T) {
	net, err := metrics.DescribeResNet("spiking-resnet18-cifar", referenceOptions, framework.InputShape{C: 3, H: 32, W: 32})
	if err != nil {
		t.Fatal(err)
	}
	// k²·in·out·H·W per convolution, from the layer list:
	want := int64(9*3*16*32*32) + // stem
		2*9*16*16*32*32 + // layer1.0 conv1, conv2
		9*16*32*16*16 + 9*32*32*16*16 + 16*32*16*16 + // layer2.0 conv1 (stride 2), conv2, downsample
		9*32*64*8*8 + 9*64*64*8*8 + 32*64*8*8 // layer3.0
	if got := net.MACs(); got != want {
		t.Errorf("dense MACs %d, want %d", got, want)
	}
	if got := net.InputMACs(); got != 9*3*16*32*32 {
		t.Errorf("input MACs %d, want %d", got, 9*3*16*32*32)
	}
	names := []string{"sn1", "layer1.0.sn1", "layer1.0.sn2", "layer2.0.sn1", "layer2.0.sn2", "layer3.0.sn1", "layer3.0.sn2"}
	if len(net.Neurons) != len(names) {
		t.Fatalf("%d neuron layers, want %d", len(net.Neurons), len(names))
	}
	for i, n := range names {
		if net.Neurons[i].Name != n {
			t.Errorf("neuron layer %d is %s, want %s", i, net.Neurons[i].Name, n)
		}
	}
	if l := net.Neurons[6]; l.C != 64 || l.H != 8 || l.W != 8 {
		t.Errorf("last layer %d×%d×%d, want 64×8×8", l.C, l.H, l.W)
	}
}

func TestDescribeResNetStandardMACs(t *testing.T) {
	// torchvision's ResNet-18 at 224×224 runs 1.814 GMACs, of which the
	// 512×1000 classifier is 0.000512 G; ResNet-50 runs 4.09 G.
	cases := []struct {
		name    string
		lo, hi  float64 // GMACs
		neurons int
	}{
		{"spiking-resnet18", 1.812, 1.815, 17},
		{"spiking-resnet50", 4.08, 4.11, 49},
	}
	for _, c := range cases {
		net, err := metrics.DescribeResNet(c.name, nil, framework.InputShape{C: 3, H: 224, W: 224})
		if err != nil {
			t.Fatal(err)
		}
		g := float64(net.MACs()) / 1e9
		if g < c.lo || g > c.hi {
			t.Errorf("%s: %.4f GMACs, want within [%v, %v]", c.name, g, c.lo, c.hi)
		}
		if len(net.Neurons) != c.neurons {
			t.Errorf("%s: %d neuron layers, want %d", c.name, len(net.Neurons), c.neurons)
		}
	}
	if _, err := metrics.DescribeResNet("spikformer", nil, framework.InputShape{C: 3, H: 32, W: 32}); err == nil || !strings.Contains(err.Error(), "no layer description") {
		t.Errorf("spikformer: error %v", err)
	}
	if _, err := metrics.DescribeResNet("spiking-resnet18-cifar", map[string]any{"stages": 9}, framework.InputShape{C: 3, H: 32, W: 32}); err == nil {
		t.Error("stages 9 accepted")
	}
}

// TestSynOpsMatchBruteForce runs a real spiking ResNet, keeps every layer's
// spike map, and counts the synaptic operations by walking every
// convolution's output positions and kernel taps.
func TestSynOpsMatchBruteForce(t *testing.T) {
	const T, B = 2, 3
	in := framework.InputShape{C: 3, H: 8, W: 8}
	opts := map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1}
	net, err := metrics.DescribeResNet("spiking-resnet18-cifar", opts, in)
	if err != nil {
		t.Fatal(err)
	}
	counter, err := metrics.NewSynOpCounter(net)
	if err != nil {
		t.Fatal(err)
	}
	maps := make([][]float32, len(net.Neurons))
	layer := 0
	keep := func() (framework.Neuron, error) {
		n, err := framework.NewNeuron("lif", map[string]any{"threshold": 0.5})
		k := layer
		layer++
		return &keeper{Neuron: n, store: func(out []float32) { maps[k] = append([]float32(nil), out...) }}, err
	}
	bb, err := framework.NewBackbone("spiking-resnet18-cifar", opts, framework.BackboneConfig{
		Input: in, NewNeuron: counter.Wrap(keep), RNG: rand.New(rand.NewSource(3)),
	})
	if err != nil {
		t.Fatal(err)
	}
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewSource(4))
	data := make([]float32, T*B*in.C*in.H*in.W)
	for i := range data {
		data[i] = float32(2 * rng.NormFloat64())
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(T*B, in.C, in.H, in.W), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(T*B, in.C, in.H, in.W), tensor.WithBacking(data))))
	if _, err := bb.Forward(x, framework.Pass{Path: framework.Spiking, T: T, Train: true}); err != nil {
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
	res, err := counter.Result()
	if err != nil {
		t.Fatal(err)
	}

	want := make([]float64, len(net.Neurons))
	var spikes float64
	for _, c := range net.Convs {
		if c.Source < 0 {
			continue
		}
		s := maps[c.Source]
		N := B * c.In * c.InH * c.InW
		for ts := 0; ts < T; ts++ {
			for b := 0; b < B; b++ {
				for ci := 0; ci < c.In; ci++ {
					for oy := 0; oy < c.OutH; oy++ {
						for ox := 0; ox < c.OutW; ox++ {
							for ky := 0; ky < c.Kernel; ky++ {
								for kx := 0; kx < c.Kernel; kx++ {
									y, xx := oy*c.Stride-c.Pad+ky, ox*c.Stride-c.Pad+kx
									if y < 0 || y >= c.InH || xx < 0 || xx >= c.InW {
										continue
									}
									v := s[ts*N+((b*c.In+ci)*c.InH+y)*c.InW+xx]
									want[c.Source] += float64(v) * float64(c.Out)
								}
							}
						}
					}
				}
			}
		}
	}
	for _, s := range maps {
		for _, v := range s {
			spikes += float64(v)
		}
	}
	if spikes == 0 {
		t.Fatal("the network never spiked; the comparison would be empty")
	}
	for k, l := range res.Layers {
		var got float64
		for _, v := range l.SynOps {
			got += v * B
		}
		if math.Abs(got-want[k]) > 1e-6*math.Max(1, want[k]) {
			t.Errorf("layer %s: %v synaptic operations, brute force %v", l.Name, got, want[k])
		}
	}
}

// keeper passes calls to the LIF neuron and keeps the spiking output.
type keeper struct {
	framework.Neuron
	store func([]float32)
}

func (k *keeper) Forward(c framework.NeuronCall, out []float32) error {
	if err := k.Neuron.Forward(c, out); err != nil {
		return err
	}
	if c.Path == framework.Spiking {
		k.store(out)
	}
	return nil
}
