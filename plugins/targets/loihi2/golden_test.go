package loihi2

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// loihiVectors returns the folder of lava golden traces: SNNLAB_LOIHI_VECTORS
// when set, else the project's shared vectors. It skips the test when the
// folder is absent.
func loihiVectors(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SNNLAB_LOIHI_VECTORS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "vectors", "loihi")
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		t.Skipf("lava golden traces not found in %s (set SNNLAB_LOIHI_VECTORS): %v", dir, err)
	}
	return dir
}

type goldenIndex struct {
	Cases []struct {
		Name           string   `json:"name"`
		Net            string   `json:"net"`
		Input          string   `json:"input"`
		Trace          string   `json:"trace"`
		Features       []string `json:"features"`
		Steps          int      `json:"steps"`
		SpikeCounts    []int64  `json:"spike_counts"`
		OverflowCounts []struct {
			UWraps        int64 `json:"u_wraps"`
			VSaturations  int64 `json:"v_saturations"`
			ThresholdTies int64 `json:"threshold_ties"`
		} `json:"overflow_counts"`
	} `json:"cases"`
}

type goldenInput struct {
	Encoding    string `json:"encoding"`
	MessageBits int    `json:"message_bits"`
	Shape       []int  `json:"shape"`
	InputSteps  int    `json:"input_steps"`
	Steps       int    `json:"steps"`
	Spikes      any    `json:"spikes"`
	BiasMant    any    `json:"bias_mant"`
}

type goldenTrace struct {
	Steps  int `json:"steps"`
	Layers []struct {
		Block     int    `json:"block"`
		NetxLayer int    `json:"netx_layer"`
		Type      string `json:"type"`
		Shape     []int  `json:"shape"`
		Spikes    any    `json:"spikes"`
		U         any    `json:"u"`
		V         any    `json:"v"`
	} `json:"layers"`
}

// flatten turns a nested JSON array of numbers into a row-major slice.
func flatten(v any) []int64 {
	var out []int64
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case []any:
			for _, y := range x {
				walk(y)
			}
		case float64:
			out = append(out, int64(x))
		}
	}
	walk(v)
	return out
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestEmulatorMatchesLavaTraces(t *testing.T) {
	dir := loihiVectors(t)
	var idx goldenIndex
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	if len(idx.Cases) == 0 {
		t.Fatal("index.json lists no cases")
	}
	for _, c := range idx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			net, err := ReadNetx(filepath.Join(dir, c.Net))
			if err != nil {
				t.Fatal(err)
			}
			var in goldenInput
			readJSON(t, filepath.Join(dir, c.Input), &in)
			var tr goldenTrace
			readJSON(t, filepath.Join(dir, c.Trace), &tr)

			emu, err := NewEmulator(net, TimingLava)
			if err != nil {
				t.Fatal(err)
			}
			if emu.Blocks() != len(tr.Layers) {
				t.Fatalf("emulator has %d blocks, trace has %d", emu.Blocks(), len(tr.Layers))
			}
			var events []int64
			per := prod(in.Shape)
			if in.Encoding == "bias" {
				if err := emu.SetInputBias(flatten(in.BiasMant), 6); err != nil {
					t.Fatal(err)
				}
			} else {
				events = flatten(in.Spikes)
				if len(events) != in.InputSteps*per {
					t.Fatalf("input has %d values, want %d steps × %d", len(events), in.InputSteps, per)
				}
			}
			traces := make([][3][]int64, len(tr.Layers))
			for i, l := range tr.Layers {
				traces[i] = [3][]int64{flatten(l.Spikes), flatten(l.U), flatten(l.V)}
			}
			mismatches := 0
			for step := 0; step < tr.Steps; step++ {
				var x []int64
				if in.Encoding != "bias" {
					x = make([]int64, per)
					if step < in.InputSteps {
						x = events[step*per : (step+1)*per]
					}
				}
				if _, err := emu.Step(x); err != nil {
					t.Fatal(err)
				}
				for b := range tr.Layers {
					u, v, s := emu.State(b)
					n := len(u)
					for j := 0; j < n && mismatches < 10; j++ {
						ws, wu, wv := traces[b][0][step*n+j], traces[b][1][step*n+j], traces[b][2][step*n+j]
						if s[j] != ws || int64(u[j]) != wu || int64(v[j]) != wv {
							mismatches++
							t.Errorf("step %d block %d neuron %d: got s=%d u=%d v=%d, want s=%d u=%d v=%d", step, b, j, s[j], u[j], v[j], ws, wu, wv)
						}
					}
				}
			}
			for b := range tr.Layers {
				got := emu.Counters(b)
				if b < len(c.SpikeCounts) && got.Spikes != c.SpikeCounts[b] {
					t.Errorf("block %d: %d spikes, want %d", b, got.Spikes, c.SpikeCounts[b])
				}
				if b < len(c.OverflowCounts) {
					w := c.OverflowCounts[b]
					if got.UWraps != w.UWraps || got.VSaturations != w.VSaturations || got.ThresholdTies != w.ThresholdTies {
						t.Errorf("block %d counters: got %s, want wraps %d saturations %d ties %d", b, fmtCounters(got), w.UWraps, w.VSaturations, w.ThresholdTies)
					}
				}
			}
		})
	}
}

func fmtCounters(c Counters) string {
	return fmt.Sprintf("wraps %d saturations %d ties %d", c.UWraps, c.VSaturations, c.ThresholdTies)
}
