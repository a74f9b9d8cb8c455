package infer

import (
	"math"
	"math/rand"
	"testing"

	"github.com/snnlab/snnlab/framework"
	_ "github.com/snnlab/snnlab/plugins/all"
)

// builder appends layers to a hand-made network. With dyadic set, every
// weight, input and batch-norm constant is a multiple of a small power of
// two, so float32 and float64 arithmetic give the same currents and the
// engine must match the float64 reference exactly, ties at the threshold
// included.
type builder struct {
	net     framework.Network
	rng     *rand.Rand
	dyadic  bool
	neuron  string
	options map[string]any
}

func (b *builder) round(x float64, q float64) float32 {
	if b.dyadic {
		return float32(math.Round(x*q) / q)
	}
	return float32(x)
}

func (b *builder) add(l framework.Layer) string {
	b.net.Layers = append(b.net.Layers, l)
	return l.Name
}

func inputsOf(in string) []string {
	if in == "" {
		return nil
	}
	return []string{in}
}

// convBN adds a convolution and its batch-norm; gain scales the weights'
// standard deviation relative to 1/sqrt(fan-in).
func (b *builder) convBN(name, in string, cin, cout, k, stride, pad int, gain float64) string {
	w := make([]float32, cout*cin*k*k)
	sd := gain / math.Sqrt(float64(cin*k*k))
	for i := range w {
		w[i] = b.round(b.rng.NormFloat64()*sd, 64)
	}
	b.add(framework.Layer{Name: name, Kind: "conv2d", Inputs: inputsOf(in),
		Weights: map[string][]float32{"weight": w}, Shapes: map[string][]int{"weight": {cout, cin, k, k}},
		Attrs: map[string]float64{"kernel": float64(k), "stride": float64(stride), "padding": float64(pad)}})
	g, be, m, v := make([]float32, cout), make([]float32, cout), make([]float32, cout), make([]float32, cout)
	eps := 1e-5
	for c := 0; c < cout; c++ {
		if b.dyadic {
			g[c], v[c] = float32([]float64{1, 2, 4}[b.rng.Intn(3)]), 4
			eps = 0
		} else {
			g[c], v[c] = float32(0.5+b.rng.Float64()*1.5), float32(0.2+b.rng.Float64())
		}
		be[c] = b.round(b.rng.NormFloat64()*0.5, 8)
		m[c] = b.round(b.rng.NormFloat64()*0.2, 8)
	}
	return b.add(framework.Layer{Name: name + ".bn", Kind: "batchnorm", Inputs: []string{name},
		Weights: map[string][]float32{"weight": g, "bias": be, "running_mean": m, "running_var": v},
		Attrs:   map[string]float64{"eps": eps}})
}

func (b *builder) spike(name, in string) string {
	l := framework.Layer{Name: name, Kind: "neuron", Inputs: []string{in}, Neuron: b.neuron,
		NeuronOptions: b.options, Weights: map[string][]float32{}}
	if b.neuron == "plif" {
		l.Weights["w"] = []float32{0}
	}
	return b.add(l)
}

func (b *builder) pool(name, kind, in string, k, stride, pad int) string {
	return b.add(framework.Layer{Name: name, Kind: kind, Inputs: []string{in},
		Attrs: map[string]float64{"kernel": float64(k), "stride": float64(stride), "padding": float64(pad)}})
}

// testNetwork builds a small residual network on 3×16×16 input that uses
// every layer kind and every kernel path: a stem on the analog input, an
// identity and a projection residual block, a padded max-pool, output
// widths 8, 32 and 76 (vector chunks of 64 and 8 plus a Go tail of 4), an
// average pool feeding a convolution on non-binary input, and the final
// global pool.
func testNetwork(T int, neuron string, options map[string]any, dyadic bool, seed int64) framework.Network {
	b := &builder{rng: rand.New(rand.NewSource(seed)), dyadic: dyadic, neuron: neuron, options: options}
	b.net.Input = framework.InputShape{C: 3, H: 16, W: 16}
	b.net.T = T
	x := b.spike("stem.sn", b.convBN("stem", "", 3, 8, 3, 1, 1, 2))

	y := b.spike("b1.sn1", b.convBN("b1.conv1", x, 8, 8, 3, 1, 1, 3))
	y = b.convBN("b1.conv2", y, 8, 8, 3, 1, 1, 3)
	x = b.spike("b1.sn2", b.add(framework.Layer{Name: "b1.add", Kind: "add", Inputs: []string{y, x}}))

	y = b.spike("b2.sn1", b.convBN("b2.conv1", x, 8, 32, 3, 2, 1, 3))
	y = b.convBN("b2.conv2", y, 32, 32, 3, 1, 1, 3)
	s := b.convBN("b2.down", x, 8, 32, 1, 2, 0, 2)
	x = b.spike("b2.sn2", b.add(framework.Layer{Name: "b2.add", Kind: "add", Inputs: []string{y, s}}))

	x = b.pool("maxpool", "maxpool", x, 3, 2, 1)
	x = b.spike("c3.sn", b.convBN("c3", x, 32, 76, 3, 1, 1, 3))
	x = b.pool("avgpool2", "avgpool", x, 2, 2, 0)
	x = b.spike("c4.sn", b.convBN("c4", x, 76, 16, 3, 1, 1, 3))
	b.add(framework.Layer{Name: "avgpool", Kind: "avgpool", Inputs: []string{x},
		Attrs: map[string]float64{"kernel_h": 2, "kernel_w": 2, "stride_h": 2, "stride_w": 2, "padding": 0}})
	return b.net
}

func randomImages(rng *rand.Rand, n int, dyadic bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		v := rng.NormFloat64()
		if dyadic {
			v = math.Round(v*16) / 16
		}
		x[i] = float32(v)
	}
	return x
}

// withVector runs f with the vector kernels on and, where the CPU has them,
// off.
func withVector(t *testing.T, f func(t *testing.T)) {
	saved := useVector
	defer func() { useVector = saved }()
	modes := []bool{false}
	if saved {
		modes = append(modes, true)
	}
	for _, on := range modes {
		useVector = on
		name := "go"
		if on {
			name = "vector"
		}
		t.Run(name, f)
	}
}

func TestEngineMatchesReference(t *testing.T) {
	cases := []struct {
		name    string
		neuron  string
		options map[string]any
	}{
		{"lif hard reset", "lif", map[string]any{"decay": 0.5}},
		{"lif soft reset", "lif", map[string]any{"decay": 0.75, "reset_mode": "soft", "threshold": 0.5}},
		{"mixedlif defaults", "mixedlif", nil},
		{"if reset 0.25", "if", map[string]any{"reset": 0.25}},
		{"plif", "plif", nil},
	}
	const T, B = 4, 5
	for ci, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			net := testNetwork(T, tc.neuron, tc.options, true, int64(ci+1))
			for _, frames := range []int{1, T} {
				rng := rand.New(rand.NewSource(int64(10 + ci)))
				x := randomImages(rng, B*frames*3*16*16, true)
				withVector(t, func(t *testing.T) {
					checkAgainstReference(t, net, x, B, frames)
				})
			}
		})
	}
}

func checkAgainstReference(t *testing.T, net framework.Network, x []float32, B, frames int) {
	t.Helper()
	e, err := Compile(net)
	if err != nil {
		t.Fatal(err)
	}
	F := e.FeatureDim()
	out := make([]float32, net.T*B*F)
	if frames == 1 {
		err = e.Run(x, B, out)
	} else {
		err = e.RunFrames(x, B, out)
	}
	if err != nil {
		t.Fatal(err)
	}
	size := frames * 3 * 16 * 16
	wantSpikes, wantOps := map[string]int{}, map[string]int{}
	for b := 0; b < B; b++ {
		feats, spikes, ops, err := reference(net, x[b*size:(b+1)*size], frames)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range spikes {
			wantSpikes[k] += v
		}
		for k, v := range ops {
			wantOps[k] += v
		}
		for step := 0; step < net.T; step++ {
			for f := 0; f < F; f++ {
				got := out[(step*B+b)*F+f]
				if float64(got) != feats[step][f] {
					t.Fatalf("frames %d: image %d step %d feature %d = %v, reference %v", frames, b, step, f, got, feats[step][f])
				}
			}
		}
	}
	counts := e.Counts()
	if counts.Images != int64(B) {
		t.Errorf("counted %d images, want %d", counts.Images, B)
	}
	anySpikes := false
	for i, l := range counts.Layers {
		switch l.Kind {
		case "neuron":
			if int(l.Spikes) != wantSpikes[l.Name] {
				t.Errorf("frames %d: layer %s: %d spikes, reference %d", frames, l.Name, l.Spikes, wantSpikes[l.Name])
			}
			if r := counts.SpikeRate(i); r > 0 && r < 1 {
				anySpikes = true
			}
		case "conv2d":
			want := wantOps[l.Name]
			if l.Name == "stem" && frames == 1 {
				want /= net.T // the stem of a static image runs once
			}
			if int(l.Ops) != want {
				t.Errorf("frames %d: layer %s: %d operations, reference %d", frames, l.Name, l.Ops, want)
			}
		}
	}
	if !anySpikes {
		t.Errorf("no layer has a spike rate strictly between 0 and 1: the test network does not exercise the kernels")
	}
}
