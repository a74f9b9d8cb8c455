package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// reproScript returns the path of a script in the repository's scripts
// folder.
func reproScript(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "scripts", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cellPattern matches a measured cell ("15.5 (n=1)", "15.5 ± 0.4 (n=3)")
// or a failed one ("failed: ...").
var cellPattern = regexp.MustCompile(`\| (\d+\.\d+( ± \d+\.\d+)? \(n=\d+\)|failed: [^|]+) \|`)

// checkTableOutputs checks that a script wrote its table as Markdown and
// CSV, its figure as PNG and SVG and its run index, and returns the
// Markdown.
func checkTableOutputs(t *testing.T, dir, table string, figures ...string) string {
	t.Helper()
	for _, name := range append([]string{table + ".md", table + ".csv", table + "-runs.csv"}, figures...) {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("output %s missing: %v", name, err)
			continue
		}
		if info.Size() == 0 {
			t.Errorf("output %s is empty", name)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, table+".md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(md)
}

func TestAblationAndNeuronsSmoke(t *testing.T) {
	data := cifarMini(t)
	dir := t.TempDir()

	r := runSnnlab(t, dir, "run", "-data", data, reproScript(t, "ablation.go"), "--", "-scale", "smoke")
	if r.code != 0 {
		t.Fatalf("ablation: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "runs", "ablation")
	md := checkTableOutputs(t, out, "table5", "table5-resnet.png", "table5-resnet.svg")
	for _, want := range []string{"Paper acc. (%)", "Scale preset: smoke", "MixedLIF + Boundary Temp Loss", "LIF + Non-Cross Temp Loss", "Random initialisation"} {
		if !strings.Contains(md, want) {
			t.Errorf("table5.md lacks %q:\n%s", want, md)
		}
	}
	for _, paperValue := range []string{"| 85.6 |", "| 85.2 |", "| 82.5 |", "| 83.0 |", "| 84.1 |", "| 82.9 |"} {
		if !strings.Contains(md, paperValue) {
			t.Errorf("table5.md lacks the paper value %s", paperValue)
		}
	}
	if got := len(cellPattern.FindAllString(md, -1)); got != 7 {
		t.Errorf("table5.md has %d measured or failed cells, want 7 (six cells and the floor):\n%s", got, md)
	}
	runs, err := os.ReadFile(filepath.Join(out, "table5-runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(strings.TrimSpace(string(runs)), "\n"); lines != 7 {
		t.Errorf("table5-runs.csv has %d runs, want 7:\n%s", lines, runs)
	}

	// Table 14 shares its MixedLIF and LIF rows with Table 5: both runs
	// are reused, the three other neurons are trained.
	r = runSnnlab(t, dir, "run", "-data", data, reproScript(t, "neurons.go"), "--", "-scale", "smoke")
	if r.code != 0 {
		t.Fatalf("neurons: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, name := range []string{"smoke-resnet-mixedlif-btl-s1", "smoke-resnet-lif-btl-s1", "smoke-resnet-mixedlif-random-s1"} {
		if !strings.Contains(r.stdout, name+": reusing finished run") {
			t.Errorf("neurons did not reuse %s; stdout:\n%s", name, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "smoke-resnet-plif-btl-s1: reusing") {
		t.Errorf("neurons reused a PLIF run that no script trained before")
	}
	md = checkTableOutputs(t, filepath.Join(dir, "runs", "neurons"), "table14", "table14.png", "table14.svg")
	for _, want := range []string{"| PLIF |", "| 83.4 |", "| ALIF |", "| 82.9 |", "| IF |", "| 81.3 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("table14.md lacks %q:\n%s", want, md)
		}
	}
	if got := len(cellPattern.FindAllString(md, -1)); got != 6 {
		t.Errorf("table14.md has %d measured or failed cells, want 6:\n%s", got, md)
	}
}

func TestResetSmoke(t *testing.T) {
	data := cifarMini(t)
	dir := t.TempDir()
	r := runSnnlab(t, dir, "run", "-data", data, reproScript(t, "reset.go"), "--", "-scale", "smoke")
	if r.code != 0 {
		t.Fatalf("reset: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	md := checkTableOutputs(t, filepath.Join(dir, "runs", "reset"), "table15", "table15.png", "table15.svg")
	// The soft-reset row is the reference, so its ratios are exactly 1.
	if !regexp.MustCompile(`\| Soft reset \| 1\.00 \(n=1\) \| 1\.00 \(n=1\) \|`).MatchString(md) {
		t.Errorf("soft-reset row is not the 1.00 reference:\n%s", md)
	}
	for _, want := range []string{"| Hard reset |", "| 0.70 |", "| 0.78 |", "| 81.9 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("table15.md lacks %q:\n%s", want, md)
		}
	}
}

func TestScriptRejectsUnknownScale(t *testing.T) {
	r := runSnnlab(t, t.TempDir(), "run", reproScript(t, "ablation.go"), "--", "-scale", "huge")
	if r.code == 0 || !strings.Contains(r.stderr, `scale "huge" is unknown; use one of smoke, laptop, paper`) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
