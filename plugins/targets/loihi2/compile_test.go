package loihi2

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/targets/nir"
)

func TestEmulatorHandCheckedNeuron(t *testing.T) {
	net := &Net{Input: []int{1}, Layers: []Layer{{
		Kind: Dense, Name: "n", InShape: []int{1}, Shape: []int{1}, Weight: []int64{1}, WeightShape: []int{1, 1},
		Bias: []int64{4}, BiasExp: 6, Neuron: CUBA{IDecay: 4096, VDecay: 410, VThMant: 80},
	}}}
	emu, err := NewEmulator(net, TimingAligned)
	if err != nil {
		t.Fatal(err)
	}
	a := []int64{37, 50, -29, -29, 90, 0}
	wantV := []int32{2624, 0, -1600, -3039, 3282, 3209}
	for step, x := range a {
		if _, err := emu.Step([]int64{x}); err != nil {
			t.Fatal(err)
		}
		_, v, s := emu.State(0)
		if v[0] != wantV[step] || (s[0] == 1) != (step == 1) {
			t.Errorf("step %d: v = %d, spike %d; want v = %d, spike %v", step, v[0], s[0], wantV[step], step == 1)
		}
	}
}

// testNetwork is conv2d → batch-norm → LIF → avgpool 2 → conv2d → IF →
// flatten → linear read-out on a 1×8×8 input.
func testNetwork(rng *rand.Rand) framework.Network {
	w := func(n int, s float64) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(rng.NormFloat64() * s)
		}
		return out
	}
	return framework.Network{Input: framework.InputShape{C: 1, H: 8, W: 8}, T: 6, Layers: []framework.Layer{
		{Name: "conv1", Kind: "conv2d", Weights: map[string][]float32{"weight": w(36, 0.6), "bias": w(4, 0.1)},
			Shapes: map[string][]int{"weight": {4, 1, 3, 3}}, Attrs: map[string]float64{"padding": 1}},
		{Name: "bn1", Kind: "batchnorm", Inputs: []string{"conv1"}, Weights: map[string][]float32{
			"weight": {1.2, 0.8, 1, 0.5}, "bias": {0.1, -0.1, 0.2, 0}, "running_mean": {0.05, -0.02, 0, 0.1}, "running_var": {0.5, 1.5, 1, 2}}},
		{Name: "lif1", Kind: "neuron", Inputs: []string{"bn1"}, Neuron: "lif", NeuronOptions: map[string]any{"decay": 0.75, "threshold": 0.5}},
		{Name: "pool1", Kind: "avgpool", Inputs: []string{"lif1"}, Attrs: map[string]float64{"kernel": 2, "stride": 2}},
		{Name: "conv2", Kind: "conv2d", Inputs: []string{"pool1"}, Weights: map[string][]float32{"weight": w(6*4*9, 0.8), "bias": w(6, 0.05)},
			Shapes: map[string][]int{"weight": {6, 4, 3, 3}}, Attrs: map[string]float64{"padding": 1}},
		{Name: "if2", Kind: "neuron", Inputs: []string{"conv2"}, Neuron: "if", Attrs: map[string]float64{"vth": 0.6}},
		{Name: "flat", Kind: "flatten", Inputs: []string{"if2"}},
		{Name: "fc3", Kind: "linear", Inputs: []string{"flat"}, Weights: map[string][]float32{"weight": w(4*96, 0.3), "bias": w(4, 0.05)},
			Shapes: map[string][]int{"weight": {4, 96}}},
	}}
}

func TestPrepareFoldsBatchNormAndPooling(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	net := testNetwork(rng)
	fn, err := Prepare(net)
	if err != nil {
		t.Fatal(err)
	}
	if len(fn.Layers) != 3 || !fn.Layers[2].ReadOut {
		t.Fatalf("prepared %d layers (read-out %v), want 3 ending in a read-out", len(fn.Layers), fn.Layers[len(fn.Layers)-1].ReadOut)
	}

	// Batch-norm: W' = k·W, b' = k·(b − μ) + β with k = γ/sqrt(σ² + ε).
	l0, conv1, bn := fn.Layers[0], net.Layers[0], net.Layers[1]
	for o := 0; o < 4; o++ {
		k := float64(bn.Weights["weight"][o]) / math.Sqrt(float64(bn.Weights["running_var"][o])+1e-5)
		wantB := k*(float64(conv1.Weights["bias"][o])-float64(bn.Weights["running_mean"][o])) + float64(bn.Weights["bias"][o])
		if math.Abs(l0.Bias[o]-wantB) > 1e-6 || math.Abs(l0.Weight[o*9]-k*float64(conv1.Weights["weight"][o*9])) > 1e-6 {
			t.Errorf("channel %d: folded bias %v weight %v, want %v %v", o, l0.Bias[o], l0.Weight[o*9], wantB, k*float64(conv1.Weights["weight"][o*9]))
		}
	}
	if l0.Beta != 0.75 || l0.Theta != 0.5 || fn.Layers[1].Beta != 1 || fn.Layers[1].Theta != 0.6 {
		t.Errorf("neuron parameters %v/%v and %v/%v", l0.Beta, l0.Theta, fn.Layers[1].Beta, fn.Layers[1].Theta)
	}

	// Pooling: the folded conv on unpooled spikes equals conv(avgpool(spikes)).
	folded := fn.Layers[1]
	if folded.Kernel != [2]int{6, 6} || folded.Stride != [2]int{2, 2} || folded.Padding != [2]int{2, 2} {
		t.Fatalf("folded geometry kernel %v stride %v padding %v, want 6, 2, 2", folded.Kernel, folded.Stride, folded.Padding)
	}
	orig := FloatLayer{Kind: Conv, InShape: []int{4, 4, 4}, Shape: []int{6, 4, 4}, Weight: f64(net.Layers[4].Weights["weight"]),
		WeightShape: []int{6, 4, 3, 3}, Bias: f64(net.Layers[4].Weights["bias"]), Kernel: [2]int{3, 3}, Stride: [2]int{1, 1},
		Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}, Groups: 1}
	s := make([]float64, 4*8*8)
	for i := range s {
		s[i] = float64(rng.Intn(2))
	}
	pooled := make([]float64, 4*4*4)
	for c := 0; c < 4; c++ {
		for y := 0; y < 8; y++ {
			for x := 0; x < 8; x++ {
				pooled[(c*4+y/2)*4+x/2] += s[(c*8+y)*8+x] / 4
			}
		}
	}
	want, got := forwardLayer(&orig, pooled), forwardLayer(&folded, s)
	for i := range want {
		if math.Abs(want[i]-got[i]) > 1e-9 {
			t.Fatalf("output %d: folded %v, want %v", i, got[i], want[i])
		}
	}
}

func TestPrepareRejectsUndeployableLayers(t *testing.T) {
	cases := []struct {
		name   string
		change func(*framework.Network)
		want   string
	}{
		{"soft reset", func(n *framework.Network) { n.Layers[2].NeuronOptions["reset_mode"] = "soft" }, "layer lif1 (neuron): neuron \"lif\" uses soft reset"},
		{"reset value", func(n *framework.Network) { n.Layers[2].NeuronOptions["reset"] = 0.2 }, "resets to 0.2"},
		{"alif", func(n *framework.Network) { n.Layers[2].Neuron = "alif" }, "adaptive threshold"},
		{"continuous", func(n *framework.Network) { n.Layers[2].Attrs = map[string]float64{"path": 1} }, "continuous path"},
		{"current decay", func(n *framework.Network) { n.Layers[2].NeuronOptions["tau_syn"] = 0.5 }, "synaptic current decay"},
		{"residual", func(n *framework.Network) { n.Layers[4].Inputs = []string{"pool1", "lif1"} }, "layer conv2 (conv2d) reads [pool1 lif1]"},
		{"add", func(n *framework.Network) { n.Layers[6].Kind = "add" }, "layer flat (add): residual addition"},
		{"unknown", func(n *framework.Network) { n.Layers[6].Kind = "dropout" }, `layer kind "dropout" is not supported`},
		{"bn after neuron", func(n *framework.Network) {
			n.Layers[3] = framework.Layer{Name: "bn2", Kind: "batchnorm", Inputs: []string{"lif1"}}
		}, "layer bn2 (batchnorm): batch-norm does not directly follow"},
		{"pool padding", func(n *framework.Network) { n.Layers[3].Attrs["padding"] = 1 }, "cannot be folded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			net := testNetwork(rand.New(rand.NewSource(1)))
			c.change(&net)
			_, err := Prepare(net)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestQuantizeRanges(t *testing.T) {
	fn, err := Prepare(testNetwork(rand.New(rand.NewSource(5))))
	if err != nil {
		t.Fatal(err)
	}
	net, report, s1, err := Quantize(fn, DefaultQuantOptions())
	if err != nil {
		t.Fatal(err)
	}
	if s1 != 4000/0.5 || net.InputNeuron == nil || net.InputNeuron.VThMant != 4000 || net.InputNeuron.VDecay != 1024 {
		t.Errorf("first layer: scale %v, input neurons %+v; want 8000, vThMant 4000, vDecay 1024", s1, net.InputNeuron)
	}
	for i, l := range net.Layers {
		q := report[i+1]
		for _, w := range l.Weight {
			if w%2 != 0 || w < -256 || w > 254 {
				t.Fatalf("layer %s: weight %d is not an even value in [-256, 254]", l.Name, w)
			}
		}
		if q.WeightMaxErr > 1/q.Scale+1e-12 || q.WeightsClipped != 0 {
			t.Errorf("layer %s: max weight error %v exceeds one step 1/S = %v, %d clipped", l.Name, q.WeightMaxErr, 1/q.Scale, q.WeightsClipped)
		}
		t.Log(q)
	}
	if last := net.Layers[len(net.Layers)-1].Neuron; last.VDecay != 0 || last.VThMant != 131071 {
		t.Errorf("read-out neuron %+v, want vDecay 0 and vThMant 131071", last)
	}
}

// agreement compiles the test network and returns how often the float and
// emulated models pick the same class on random inputs.
func agreement(t *testing.T, o Options, samples int) (*Evaluation, *Model) {
	t.Helper()
	rng := rand.New(rand.NewSource(11))
	m, err := Compile(testNetwork(rand.New(rand.NewSource(5))), o)
	if err != nil {
		t.Fatal(err)
	}
	xs := make([][]float32, samples)
	labels := make([]int, samples)
	for i := range xs {
		xs[i] = make([]float32, 64)
		for j := range xs[i] {
			xs[i][j] = float32(rng.Float64())
		}
		f, err := m.RunFloat(xs[i])
		if err != nil {
			t.Fatal(err)
		}
		labels[i] = Argmax(f) // the float model's decision is the reference
	}
	target := &Target{Options: o, NIR: DefaultNIROptions(), Mapping: DefaultMapping(), Energy: EnergySets["sanafe-loihi1"]}
	ev, err := target.Evaluate(m, xs, labels)
	if err != nil {
		t.Fatal(err)
	}
	return ev, m
}

func TestEmulatedModelAgreesWithFloat(t *testing.T) {
	for _, timing := range []Timing{TimingAligned, TimingLava} {
		o := DefaultOptions()
		o.Timing = timing
		ev, _ := agreement(t, o, 40)
		t.Logf("timing %s: float accuracy %.3f, emulated %.3f, agreement %.3f; %d synops, %d updates, %d spikes per inference; %.3g J",
			timing, ev.FloatAccuracy, ev.EmulatedAccuracy, ev.Agreement, ev.Energy.SynOps, ev.Energy.NeuronUpdates, ev.Energy.Spikes, ev.Energy.TotalJ)
		if ev.FloatAccuracy != 1 {
			t.Fatalf("float accuracy %v against its own decisions, want 1", ev.FloatAccuracy)
		}
		if timing == TimingAligned && ev.Agreement < 0.9 {
			t.Errorf("aligned timing: float and emulated models agree on %.2f of samples, want at least 0.9", ev.Agreement)
		}
		if ev.Energy.SynOps == 0 || ev.Energy.TotalJ <= ev.Energy.StaticJ {
			t.Errorf("energy %+v: want synaptic operations and dynamic energy", ev.Energy)
		}
	}
}

func TestNIRExportImportRoundTrip(t *testing.T) {
	fn, err := Prepare(testNetwork(rand.New(rand.NewSource(5))))
	if err != nil {
		t.Fatal(err)
	}
	g, err := ExportNIR(fn, DefaultNIROptions())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "net.nir")
	if err := nir.WriteFile(path, g); err != nil {
		t.Fatal(err)
	}
	back, err := nir.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != nir.Version {
		t.Errorf("version %q, want %q", back.Version, nir.Version)
	}
	if d := back.Metadata["dt"]; d == nil || d.Floats[0] != 1e-4 {
		t.Errorf("metadata dt = %+v, want 1e-4", d)
	}
	got, err := ImportNIR(back, fn.T, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Layers) != len(fn.Layers) {
		t.Fatalf("%d layers after the round trip, want %d", len(got.Layers), len(fn.Layers))
	}
	for i := range fn.Layers {
		a, b := fn.Layers[i], got.Layers[i]
		if a.Beta != b.Beta || float32(a.Theta) != float32(b.Theta) && !a.ReadOut || a.ReadOut != b.ReadOut ||
			a.Kernel != b.Kernel || a.Stride != b.Stride || a.Padding != b.Padding || !slices.Equal(a.Shape, b.Shape) {
			t.Errorf("layer %d: β %v θ %v read-out %v kernel %v, want β %v θ %v read-out %v kernel %v", i, b.Beta, b.Theta, b.ReadOut, b.Kernel, a.Beta, a.Theta, a.ReadOut, a.Kernel)
		}
		for j := range a.Weight {
			if float32(a.Weight[j]) != float32(b.Weight[j]) {
				t.Fatalf("layer %d weight %d: %v, want %v", i, j, b.Weight[j], a.Weight[j])
			}
		}
	}

	legacy := DefaultNIROptions()
	legacy.Legacy = true
	lg, err := ExportNIR(fn, legacy)
	if err != nil {
		t.Fatal(err)
	}
	if lg.Nodes["lif1"].Params["v_reset"] != nil {
		t.Error("legacy export wrote v_reset")
	}
}

func TestImportNIRRejectsPerNeuronThresholds(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "vectors", "nir")
	if v := os.Getenv("SNNLAB_NIR_VECTORS"); v != "" {
		dir = v
	}
	g, err := nir.ReadFile(filepath.Join(dir, "conv_lif_pool_affine_lif.nir"))
	if os.IsNotExist(err) || err != nil && strings.Contains(err.Error(), "no such file") {
		t.Skipf("NIR vectors not found in %s", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	_, err = ImportNIR(g, 4, 1e-4)
	if err == nil || !strings.Contains(err.Error(), "node lif1: v_threshold varies per neuron") {
		t.Errorf("got %v, want a per-neuron threshold error naming lif1", err)
	}
}

func TestRegisteredTargetExports(t *testing.T) {
	target, err := framework.NewTarget(Name, map[string]any{"timing": "aligned"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rep, err := target.Export(testNetwork(rand.New(rand.NewSource(5))), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 2 {
		t.Fatalf("files %v, want network.net and network.nir", rep.Files)
	}
	for _, f := range rep.Files {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	if rep.Resources["cores"] < 1 || rep.Resources["chips"] != 1 {
		t.Errorf("resources %v, want at least one core on one chip", rep.Resources)
	}
	joined := strings.Join(rep.Notes, "\n")
	for _, want := range []string{"SANA-FE", "PilotNet", "quantisation: fc3"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
	back, err := ReadNetx(rep.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	if back.InputNeuron == nil || len(back.Layers) != 2 {
		t.Errorf("exported netx: input neurons %v, %d layers; want bias-driven input and 2 layers", back.InputNeuron, len(back.Layers))
	}
	if _, err := framework.NewTarget(Name, map[string]any{"encoding": "rate"}); err == nil {
		t.Error("invalid encoding accepted")
	}
}

func TestEstimateResourcesPilotNet(t *testing.T) {
	conv := func(in, out []int, k, s int) Layer {
		return Layer{Kind: Conv, InShape: in, Shape: out, Weight: make([]int64, out[0]*in[0]*k*k), WeightShape: []int{out[0], in[0], k, k},
			Kernel: [2]int{k, k}, Stride: [2]int{s, s}, Dilation: [2]int{1, 1}, Groups: 1, BiasExp: 6}
	}
	dense := func(nIn, nOut int) Layer {
		return Layer{Kind: Dense, InShape: []int{nIn}, Shape: []int{nOut}, Weight: make([]int64, nIn*nOut), WeightShape: []int{nOut, nIn}, BiasExp: 6}
	}
	net := &Net{Input: []int{3, 66, 200}, Layers: []Layer{
		conv([]int{3, 66, 200}, []int{24, 32, 99}, 3, 2),
		conv([]int{24, 32, 99}, []int{36, 15, 49}, 3, 2),
		conv([]int{36, 15, 49}, []int{48, 7, 24}, 3, 2),
		conv([]int{48, 7, 24}, []int{64, 4, 22}, 3, 1),
		conv([]int{64, 4, 22}, []int{64, 2, 20}, 3, 1),
		dense(2560, 100), dense(100, 50), dense(50, 10), dense(10, 1),
	}}
	r, err := EstimateResources(net, DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	var cores []int
	for _, l := range r.Layers {
		cores = append(cores, l.Cores)
	}
	// The compiler used 13, 25, 13, 3, 3, 2, 12, 1, 1, 1 = 74 cores; the
	// fit predicts 13 for the 2560→100 layer.
	if want := []int{13, 25, 13, 3, 3, 2, 13, 1, 1, 1}; !slices.Equal(cores, want) || r.Cores != 75 || r.Chips != 1 {
		t.Errorf("cores %v (total %d, chips %d), want %v (75, 1)", cores, r.Cores, r.Chips, want)
	}
}
