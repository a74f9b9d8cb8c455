package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchInferenceCheckpoint times the event-driven engine on a trained
// run's backbone and real test images, and checks the flag errors.
func TestBenchInferenceCheckpoint(t *testing.T) {
	data := cifarMini(t)
	dir := t.TempDir()
	if r := runSnnlab(t, dir, "run", "-data", data, script(t, "tiny.go")); r.code != 0 {
		t.Fatalf("training run: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	runDirs, _ := filepath.Glob(filepath.Join(dir, "runs", "tiny-*"))
	if len(runDirs) != 1 {
		t.Fatalf("want one run folder, got %v", runDirs)
	}

	r := runSnnlab(t, dir, "bench", "-inference", "-steps", "1", "-warmup", "0", "-batch", "8",
		"-checkpoint", runDirs[0], "-data", data)
	if r.code != 0 {
		t.Fatalf("bench: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	// The run's own network (base width 4, 2 stages, T = 2), not the
	// reference configuration.
	for _, want := range []string{"T=2", "base_width:4", "engine:         event", "input:          first 8 test images of cifar10", "layer2.0.sn2", "rate "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("bench output lacks %q:\n%s", want, r.stdout)
		}
	}

	bad := []struct {
		args []string
		want string
	}{
		{[]string{"bench", "-checkpoint", runDirs[0]}, "add -inference"},
		{[]string{"bench", "-inference", "-data", data}, "-data needs -checkpoint"},
		{[]string{"bench", "-inference", "-checkpoint", filepath.Join(dir, "missing")}, "missing"},
		{[]string{"bench", "-inference", "-checkpoint", runDirs[0], "-T", "8"}, "-T cannot be combined with -checkpoint"},
		{[]string{"bench", "-inference", "-checkpoint", runDirs[0], "-neuron", "lif"}, "-neuron cannot be combined with -checkpoint"},
		{[]string{"bench", "-inference", "-checkpoint", runDirs[0], "-loss", "ctl"}, "-loss cannot be combined with -checkpoint"},
	}
	for _, c := range bad {
		r := runSnnlab(t, dir, c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a failure naming %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// Flags bench would ignore or override, stray arguments and an empty run
// are rejected before anything is timed.
func TestBenchRejectsIgnoredFlags(t *testing.T) {
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"bench", "-engine", "graph"}, "-engine selects the inference engine; add -inference"},
		{[]string{"bench", "-inference", "extra"}, `unexpected argument "extra"`},
		{[]string{"bench", "-inference", "-T", "0"}, "-T 0: want at least 1 time step"},
		{[]string{"bench", "-steps", "0"}, "-steps 0: want at least 1 timed step"},
	}
	for _, c := range bad {
		r := runSnnlab(t, t.TempDir(), c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and an error naming %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// Untrained inference prints that its input is noise, and the help text
// names the convolutions that run dense.
func TestBenchInferenceNoiseInput(t *testing.T) {
	r := runSnnlab(t, t.TempDir(), "bench", "-inference", "-steps", "1", "-warmup", "0", "-batch", "2", "-T", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "input:          standard normal noise") {
		t.Errorf("bench -inference: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	h := runSnnlab(t, t.TempDir(), "bench", "-h")
	if !strings.Contains(h.stderr, "rates after an average pool") || strings.Contains(h.stderr, "after the first add one weight row") {
		t.Errorf("bench -h does not say that a convolution after an average pool runs dense:\n%s", h.stderr)
	}
}
