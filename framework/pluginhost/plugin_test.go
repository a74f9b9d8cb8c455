package pluginhost_test

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/pluginhost"
)

// startManager loads every plugin in dir and closes them at the end of
// the test.
func startManager(t testing.TB, dir string, opts pluginhost.Options) *pluginhost.Manager {
	t.Helper()
	m, err := pluginhost.Start(context.Background(), []string{dir}, opts)
	t.Cleanup(func() { m.Close() })
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExamplePluginTrains builds the example plugin, discovers it, and
// trains a small network with its neuron by name.
func TestExamplePluginTrains(t *testing.T) {
	dir := pluginDir(t, adexBinary)
	m := startManager(t, dir, pluginhost.Options{})

	spec, err := framework.Lookup(framework.NeuronKind, "adex")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(spec.Source, "adex-neuron 0.1.0") || !strings.Contains(spec.Source, dir) {
		t.Errorf("spec source %q, want the plugin name, version and binary", spec.Source)
	}
	if len(spec.Options) != 10 || spec.Options[0].Name != "dt" || spec.Options[0].Unit != "ms" {
		t.Errorf("adex options %+v, want the 10 declared options starting with dt in ms", spec.Options)
	}
	prov, ok := m.Provenance("adex")
	if !ok || prov.Plugin != "adex-neuron" || prov.Version != "0.1.0" || len(prov.SHA256) != 64 || prov.Protocol != 1 {
		t.Errorf("Provenance(adex) = %+v, %v; want adex-neuron 0.1.0 with a sha256 digest", prov, ok)
	}

	step := newSmallStep(t, "adex", map[string]any{"b": 0.05}, framework.Continuous, 1)
	before := paramValues(step)
	losses, err := trainSteps(step, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !finite(losses) {
		t.Fatalf("losses %v are not finite", losses)
	}
	after := paramValues(step)
	changed := 0
	for name, v := range after {
		if strings.Contains(name, "k_logit") || strings.HasSuffix(name, ".b") {
			if v[0] != before[name][0] {
				changed++
			}
		}
	}
	if changed == 0 {
		t.Errorf("no neuron parameter (k_logit, b) changed in 3 steps: the plugin's parameter gradients do not reach the optimiser")
	}

	pid := m.Plugins()[0].Pid()
	m.Close()
	if _, err := framework.Lookup(framework.NeuronKind, "adex"); err == nil {
		t.Errorf("adex is still registered after Close")
	}
	if pid <= 0 {
		t.Errorf("plugin pid %d, want a process id", pid)
	}
	expectNoProcess(t, binary(t, adexBinary))
}

// TestExamplePluginGradients checks the plugin neuron's gradients: through
// the gorgonia adapter they equal a direct call bit for bit, and on the
// continuous path they match float32 finite differences.
func TestExamplePluginGradients(t *testing.T) {
	startManager(t, pluginDir(t, adexBinary), pluginhost.Options{})
	n, err := framework.NewNeuron("adex", map[string]any{"a": 0.3, "b": 0.2})
	if err != nil {
		t.Fatal(err)
	}
	params := [][]float32{{0.1}, {0.2}}
	for _, path := range []framework.Path{framework.Spiking, framework.Continuous} {
		checkNeuronNode(t, n, path, 3, 2, 5, params)
	}

	rng := rand.New(rand.NewPCG(3, 4))
	const T, N, eps = 4, 6, 1e-2
	call, g := smoothCall(t, n, rng, T, N, params, 0.1)
	gradIn := make([]float32, T*N)
	gradParams := [][]float32{{0}, {0}}
	if err := n.Backward(call, g, gradIn, gradParams); err != nil {
		t.Fatal(err)
	}
	loss := func(c framework.NeuronCall) float64 {
		out := make([]float32, T*N)
		if err := n.Forward(c, out); err != nil {
			t.Fatal(err)
		}
		var s float64
		for i := range out {
			s += float64(g[i]) * float64(out[i])
		}
		return s
	}
	diff := func(x *float32) float64 {
		v := *x
		*x = v + eps
		up := loss(call)
		*x = v - eps
		down := loss(call)
		*x = v
		return (up - down) / (2 * eps)
	}
	near := func(what string, got float32, fd float64) {
		if math.Abs(float64(got)-fd) > 3e-3+2e-2*math.Abs(fd) {
			t.Errorf("%s = %.6g, finite difference %.6g", what, got, fd)
		}
	}
	for i := range call.Input {
		near("∂L/∂I", gradIn[i], diff(&call.Input[i]))
	}
	near("∂L/∂k_logit", gradParams[0][0], diff(&call.Params[0][0]))
	near("∂L/∂b", gradParams[1][0], diff(&call.Params[1][0]))
}

// smoothCall draws continuous-path calls until every membrane value before
// the spike lies farther than margin from the threshold, where the
// output is smooth, judged from outputs σ(4(H − 1)) away from 1/2.
func smoothCall(t *testing.T, n framework.Neuron, rng *rand.Rand, T, N int, params [][]float32, margin float64) (framework.NeuronCall, []float32) {
	t.Helper()
	lo, hi := 1/(1+math.Exp(4*margin)), 1/(1+math.Exp(-4*margin))
	for range 1000 {
		call := framework.NeuronCall{Path: framework.Continuous, T: T, Input: make([]float32, T*N), Params: params}
		g := make([]float32, T*N)
		for i := range call.Input {
			call.Input[i] = float32(0.5 + 0.8*rng.NormFloat64())
			g[i] = float32(rng.NormFloat64())
		}
		out := make([]float32, T*N)
		if err := n.Forward(call, out); err != nil {
			t.Fatal(err)
		}
		ok := true
		for _, o := range out {
			ok = ok && (float64(o) < lo || float64(o) > hi)
		}
		if ok {
			return call, g
		}
	}
	t.Fatalf("no input of [T=%d, N=%d] kept clear of the threshold in 1000 draws", T, N)
	return framework.NeuronCall{}, nil
}

// TestBuiltinThroughPluginIsIdentical trains the same seeded network with a
// built-in neuron in process and through the plugin binary and compares
// losses and weights bit for bit.
func TestBuiltinThroughPluginIsIdentical(t *testing.T) {
	startManager(t, pluginDir(t, builtinBinary), pluginhost.Options{})
	cases := []struct {
		neuron string
		pathB  framework.Path
	}{
		{"lif", framework.Spiking},
		{"mixedlif", framework.Continuous},
		{"plif", framework.Spiking},
	}
	for _, c := range cases {
		t.Run(c.neuron, func(t *testing.T) {
			local := newSmallStep(t, c.neuron, nil, c.pathB, 5)
			remote := newSmallStep(t, "plugin-"+c.neuron, nil, c.pathB, 5)
			want, err := trainSteps(local, 2)
			if err != nil {
				t.Fatal(err)
			}
			got, err := trainSteps(remote, 2)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Errorf("step %d loss %v through the plugin, %v in process", i, got[i], want[i])
				}
			}
			wantParams, gotParams := paramValues(local), paramValues(remote)
			for name, w := range wantParams {
				name2 := strings.Replace(name, c.neuron, "plugin-"+c.neuron, 1)
				g, ok := gotParams[name]
				if !ok {
					g = gotParams[name2]
				}
				if len(g) != len(w) {
					t.Fatalf("parameter %s has %d values through the plugin, %d in process", name, len(g), len(w))
				}
				for i := range w {
					if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
						t.Fatalf("parameter %s[%d] = %v through the plugin, %v in process", name, i, g[i], w[i])
					}
				}
			}
		})
	}
}

// TestTransportsAgree runs the same calls through shared memory and through
// messages and compares the results bit for bit with the in-process neuron.
func TestTransportsAgree(t *testing.T) {
	local, err := framework.NewNeuron("plif", nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	call := framework.NeuronCall{Path: framework.Spiking, T: 5, Input: make([]float32, 5*300), Params: [][]float32{{0.4}}}
	g := make([]float32, len(call.Input))
	for i := range call.Input {
		call.Input[i] = float32(0.7 + rng.NormFloat64())
		g[i] = float32(rng.NormFloat64())
	}
	wantOut, wantIn, wantW := runNeuron(t, local, call, g)

	for _, tr := range []pluginhost.Transport{pluginhost.SharedMemory, pluginhost.Messages} {
		t.Run(tr.String(), func(t *testing.T) {
			startManager(t, pluginDir(t, builtinBinary), pluginhost.Options{Transport: tr})
			remote, err := framework.NewNeuron("plugin-plif", nil)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 { // reuses the shared-memory region after the first call
				out, gin, gw := runNeuron(t, remote, call, g)
				sameBits(t, "output", out, wantOut)
				sameBits(t, "input gradient", gin, wantIn)
				sameBits(t, "w gradient", gw, wantW)
			}
		})
	}
}

// TestSharedMemoryTooSmall checks the error when a call does not fit in
// shared memory, and the fallback to messages in the default mode.
func TestSharedMemoryTooSmall(t *testing.T) {
	call := framework.NeuronCall{Path: framework.Spiking, T: 4, Input: make([]float32, 4*1000)}
	for i := range call.Input {
		call.Input[i] = float32(i%7) / 4
	}

	t.Run("shm only", func(t *testing.T) {
		startManager(t, pluginDir(t, builtinBinary), pluginhost.Options{Transport: pluginhost.SharedMemory, SharedMemoryLimit: 4096})
		n, err := framework.NewNeuron("plugin-lif", nil)
		if err != nil {
			t.Fatal(err)
		}
		err = n.Forward(call, make([]float32, len(call.Input)))
		if err == nil {
			t.Fatal("Forward of a 32 KB call with a 4 KB shared-memory limit returned no error")
		}
		for _, want := range []string{"does not fit", "shm-size", builtinBinary} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
	})

	t.Run("auto falls back", func(t *testing.T) {
		var logged bytes.Buffer
		log := zerolog.New(&logged)
		startManager(t, pluginDir(t, builtinBinary), pluginhost.Options{SharedMemoryLimit: 4096, Log: &log})
		n, err := framework.NewNeuron("plugin-lif", nil)
		if err != nil {
			t.Fatal(err)
		}
		local, _ := framework.NewNeuron("lif", nil)
		want := make([]float32, len(call.Input))
		if err := local.Forward(call, want); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			got := make([]float32, len(call.Input))
			if err := n.Forward(call, got); err != nil {
				t.Fatal(err)
			}
			sameBits(t, "output", got, want)
		}
		if strings.Count(logged.String(), "shm-size") != 1 {
			t.Errorf("log %q, want one warning about the shared-memory size", logged.String())
		}
	})
}

func runNeuron(t *testing.T, n framework.Neuron, call framework.NeuronCall, g []float32) (out, gradIn, gradW []float32) {
	t.Helper()
	out, gradIn, gradW = make([]float32, len(call.Input)), make([]float32, len(call.Input)), make([]float32, 1)
	if err := n.Forward(call, out); err != nil {
		t.Fatal(err)
	}
	if err := n.Backward(call, g, gradIn, [][]float32{gradW}); err != nil {
		t.Fatal(err)
	}
	return out, gradIn, gradW
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d elements, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestDuplicateNeuronRejected loads the same plugin twice: the second load
// fails on the name clash and leaves the first working.
func TestDuplicateNeuronRejected(t *testing.T) {
	dir := pluginDir(t, builtinBinary)
	m := startManager(t, dir, pluginhost.Options{})
	bins, err := pluginhost.Discover([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Load(context.Background(), bins[0])
	if err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Fatalf("second Load error = %v, want a name clash", err)
	}
	if len(m.Plugins()) != 1 {
		t.Fatalf("%d plugins loaded, want 1", len(m.Plugins()))
	}
	if pids := processesOf(t, bins[0].Path); len(pids) != 1 {
		t.Errorf("%d processes of %s run, want only the first plugin's", len(pids), bins[0].Path)
	}
	if _, err := framework.NewNeuron("plugin-lif", nil); err != nil {
		t.Errorf("the first plugin stopped working: %v", err)
	}
}
