package loihi2

import (
	"math"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/targets/nir"
)

// residualNetwork is conv → batch-norm → LIF, then a block conv →
// batch-norm → add (with the first LIF's spikes) → LIF, then a global
// average pool, flatten and a linear read-out, on a 1×4×4 input.
func residualNetwork(rng *rand.Rand) framework.Network {
	w := func(n int, s float64) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(rng.NormFloat64() * s)
		}
		return out
	}
	bn := func(name, input string) framework.Layer {
		return framework.Layer{Name: name, Kind: "batchnorm", Inputs: []string{input}, Weights: map[string][]float32{
			"weight": {1.1, 0.9}, "bias": {0.1, 0}, "running_mean": {0, 0.1}, "running_var": {1, 0.5}}}
	}
	lif := map[string]any{"decay": 0.5, "threshold": 1.0}
	return framework.Network{Input: framework.InputShape{C: 1, H: 4, W: 4}, T: 3, Layers: []framework.Layer{
		{Name: "stem.conv", Kind: "conv2d", Weights: map[string][]float32{"weight": w(18, 0.7)},
			Shapes: map[string][]int{"weight": {2, 1, 3, 3}}, Attrs: map[string]float64{"padding": 1}},
		bn("stem.bn", "stem.conv"),
		{Name: "stem.sn", Kind: "neuron", Inputs: []string{"stem.bn"}, Neuron: "lif", NeuronOptions: lif},
		{Name: "b1.conv", Kind: "conv2d", Inputs: []string{"stem.sn"}, Weights: map[string][]float32{"weight": w(36, 0.5)},
			Shapes: map[string][]int{"weight": {2, 2, 3, 3}}, Attrs: map[string]float64{"padding": 1}},
		bn("b1.bn", "b1.conv"),
		{Name: "b1.add", Kind: "add", Inputs: []string{"b1.bn", "stem.sn"}},
		{Name: "b1.sn", Kind: "neuron", Inputs: []string{"b1.add"}, Neuron: "lif", NeuronOptions: lif},
		{Name: "avgpool", Kind: "avgpool", Inputs: []string{"b1.sn"}, Attrs: map[string]float64{"kernel_h": 4, "kernel_w": 4, "stride_h": 4, "stride_w": 4}},
		{Name: "flatten", Kind: "flatten", Inputs: []string{"avgpool"}},
		{Name: "classifier", Kind: "linear", Inputs: []string{"flatten"}, Weights: map[string][]float32{"weight": w(6, 1), "bias": w(3, 0.1)},
			Shapes: map[string][]int{"weight": {3, 2}}},
	}}
}

func TestIsResidual(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	if IsResidual(testNetwork(rng)) {
		t.Error("the chain test network is reported as residual")
	}
	if !IsResidual(residualNetwork(rng)) {
		t.Error("the residual network is not reported as residual")
	}
}

func TestExportNIRNetworkResidualEdges(t *testing.T) {
	g, err := ExportNIRNetwork(residualNetwork(rand.New(rand.NewSource(2))), DefaultNIROptions())
	if err != nil {
		t.Fatal(err)
	}
	var into []string
	for _, e := range g.Edges {
		if e[1] == "b1.sn" {
			into = append(into, e[0])
		}
	}
	slices.Sort(into)
	if !slices.Equal(into, []string{"b1.conv", "stem.sn"}) {
		t.Errorf("edges into the block's neuron come from %v, want the block conv and the stem neuron", into)
	}
	for name, typ := range map[string]string{"stem.conv": "Conv2d", "stem.sn": "LIF", "avgpool": "AvgPool2d", "classifier": "Affine", "classifier.readout": "IF"} {
		if n := g.Nodes[name]; n == nil || n.Type != typ {
			t.Errorf("node %s: got %+v, want type %s", name, n, typ)
		}
	}
	if _, ok := g.Nodes["stem.bn"]; ok {
		t.Error("batch-norm was written as a node instead of being folded")
	}

	path := filepath.Join(t.TempDir(), "residual.nir")
	if err := nir.WriteFile(path, g); err != nil {
		t.Fatal(err)
	}
	back, err := nir.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Nodes) != len(g.Nodes) || len(back.Edges) != len(g.Edges) {
		t.Errorf("read back %d nodes and %d edges, wrote %d and %d", len(back.Nodes), len(back.Edges), len(g.Nodes), len(g.Edges))
	}
}

// A chain exported by ExportNIRNetwork and imported again must compute
// what the prepared chain computes: folding and pooling agree with
// Prepare.
func TestExportNIRNetworkChainMatchesPrepare(t *testing.T) {
	net := testNetwork(rand.New(rand.NewSource(4)))
	fn, err := Prepare(net)
	if err != nil {
		t.Fatal(err)
	}
	g, err := ExportNIRNetwork(net, DefaultNIROptions())
	if err != nil {
		t.Fatal(err)
	}
	back, err := ImportNIR(g, net.T, 1e-4)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(5))
	for sample := 0; sample < 5; sample++ {
		x := make([]float64, 64)
		for i := range x {
			x[i] = rng.Float64()*2 - 0.5
		}
		want, got := RunFloat(fn, x, false), RunFloat(back, x, false)
		for j := range want {
			if math.Abs(want[j]-got[j]) > 1e-4*(1+math.Abs(want[j])) {
				t.Fatalf("sample %d output %d: NIR round trip gives %v, Prepare %v", sample, j, got[j], want[j])
			}
		}
	}
}

func TestExportNIRNetworkRejects(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	cases := []struct {
		name string
		edit func(*framework.Network)
		want string
	}{
		{"max-pool", func(n *framework.Network) { n.Layers[7].Kind = "maxpool" }, "layer avgpool (maxpool): NIR 1.0.7 has no max-pool primitive"},
		{"soft reset", func(n *framework.Network) { n.Layers[6].NeuronOptions = map[string]any{"reset_mode": "soft"} },
			"layer b1.sn (neuron): neuron \"lif\" uses soft reset"},
		{"ALIF", func(n *framework.Network) { n.Layers[2].Neuron = "alif" }, "layer stem.sn (neuron): neuron \"alif\" has an adaptive threshold"},
		{"unknown input", func(n *framework.Network) { n.Layers[5].Inputs = []string{"b1.bn", "nowhere"} }, `reads "nowhere", which no earlier layer produces`},
		{"batch-norm after neuron", func(n *framework.Network) { n.Layers[4].Inputs = []string{"stem.sn"} }, "does not directly follow a conv or linear layer"},
	}
	for _, c := range cases {
		net := residualNetwork(rng)
		c.edit(&net)
		_, err := ExportNIRNetwork(net, DefaultNIROptions())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestExportNIROnlyWritesNIR(t *testing.T) {
	tg, err := New(mustOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rep, err := tg.(*Target).ExportNIROnly(residualNetwork(rand.New(rand.NewSource(7))), dir, "residual additions")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || filepath.Base(rep.Files[0]) != "network.nir" {
		t.Errorf("files %v, want network.nir only", rep.Files)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "network.net not written: residual additions") {
		t.Errorf("notes %q do not say why network.net is missing", rep.Notes)
	}
}

func mustOptions(t *testing.T) framework.Options {
	t.Helper()
	o, err := framework.ResolveOptions("target loihi2", OptionSpecs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestEvaluateParallelMatchesEvaluate(t *testing.T) {
	net := testNetwork(rand.New(rand.NewSource(8)))
	fn, err := Prepare(net)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := New(mustOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	target := tg.(*Target)
	target.Options.Timing = TimingAligned
	rng := rand.New(rand.NewSource(9))
	var xs [][]float32
	var labels []int
	for i := 0; i < 13; i++ {
		x := make([]float32, 64)
		for j := range x {
			x[j] = float32(rng.Float64()*2 - 0.5)
		}
		xs = append(xs, x)
		labels = append(labels, rng.Intn(4))
	}
	m, err := CompileFloat(fn, target.Options)
	if err != nil {
		t.Fatal(err)
	}
	want, err := target.Evaluate(m, xs, labels)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 3, 20} {
		got, err := target.EvaluateParallel(fn, xs, labels, workers)
		if err != nil {
			t.Fatal(err)
		}
		if got.FloatAccuracy != want.FloatAccuracy || got.EmulatedAccuracy != want.EmulatedAccuracy || got.Agreement != want.Agreement ||
			!slices.Equal(got.PerInference, want.PerInference) || got.Energy.TotalJ != want.Energy.TotalJ || got.Resources.Cores != want.Resources.Cores {
			t.Errorf("%d workers: %+v\nwant %+v", workers, got, want)
		}
	}
	if _, err := target.EvaluateParallel(fn, xs, labels[:3], 2); err == nil {
		t.Error("mismatched labels were accepted")
	}
}
