package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalysisScriptsSmoke runs every cost and analysis script at the
// smoke scale through the built command, in one runs folder so that later
// scripts reuse the pretraining runs of earlier ones, and checks that each
// writes its tables and figures.
func TestAnalysisScriptsSmoke(t *testing.T) {
	data := cifarMini(t)
	dir := t.TempDir()
	cases := []struct {
		script string
		args   []string
		files  []string
		table  string // CSV whose data rows are counted
		rows   int
	}{
		{"spikerates.go", nil, []string{"figure5.md", "figure5.csv", "figure5-resnet.png", "figure5-resnet.svg"}, "figure5.csv", 16},
		{"energy.go", []string{"-ac-pj", "0.2"}, []string{"table9.md", "table9-layers.csv", "table9.png", "table9.svg"}, "table9.csv", 3},
		{"kl.go", nil, []string{"table11.md", "table11.png", "table11.svg"}, "table11.csv", 2},
		{"tsne.go", []string{"-limit", "60", "-iterations", "300"}, []string{"figure6.md", "figure6-mixedlif-btl-t1.png", "figure6-lif-ncl-t2.svg"}, "figure6.csv", 10},
		{"timesteps.go", []string{"-reps", "2"}, []string{"figure3.md", "figure3-accuracy.png", "figure3-latency.svg"}, "figure3.csv", 4},
		{"loss_cost.go", []string{"-reps", "2"}, []string{"table13.md", "figure4.png", "figure4-split.svg"}, "table13.csv", 8},
		{"memory.go", []string{"-reps", "2", "-archs", "resnet"}, []string{"table10.md", "table8.md", "table10.png", "table8.svg"}, "table8.csv", 3},
	}
	for _, c := range cases {
		t.Run(c.script, func(t *testing.T) {
			path, err := filepath.Abs(filepath.Join("..", "..", "scripts", c.script))
			if err != nil {
				t.Fatal(err)
			}
			args := append([]string{"run", "-data", data, path, "--", "-scale", "smoke"}, c.args...)
			r := runSnnlab(t, dir, args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			out := filepath.Join(dir, "runs", strings.TrimSuffix(c.script, ".go"))
			for _, f := range c.files {
				if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
					t.Errorf("output %s missing or empty: %v", f, err)
				}
			}
			if n := csvRows(t, filepath.Join(out, c.table)); n != c.rows {
				t.Errorf("%s has %d data rows, want %d", c.table, n, c.rows)
			}
		})
	}

	// The energy option reaches the table: the caption names 0.20 pJ.
	b, err := os.ReadFile(filepath.Join(dir, "runs", "energy", "table9.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "0.20 pJ per AC") {
		t.Errorf("table9.md does not mention the 0.20 pJ AC energy given with -ac-pj:\n%s", b)
	}
	// Scripts share runs of the same configuration instead of training it
	// again: six neuron × loss settings at the scale's T = 2, plus the
	// T = 1, 4 and 6 runs of the time-step script.
	runs, _ := filepath.Glob(filepath.Join(dir, "runs", "smoke-resnet-*"))
	if len(runs) != 9 {
		t.Errorf("%d pretraining runs, want 9 (6 settings + T = 1, 4, 6): %v", len(runs), runs)
	}
}

// csvRows returns the number of data rows of a table CSV, header excluded.
func csvRows(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return len(records) - 1
}
