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
	for _, want := range []string{"T=2", "base_width:4", "engine:         event", "layer2.0.sn2", "rate "} {
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
	}
	for _, c := range bad {
		r := runSnnlab(t, dir, c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a failure naming %q", c.args, r.code, r.stderr, c.want)
		}
	}
}
