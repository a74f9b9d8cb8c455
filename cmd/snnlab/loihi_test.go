package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestLoihiScriptSmoke(t *testing.T) {
	data := cifarMini(t)
	dir := t.TempDir()
	r := runSnnlab(t, dir, "run", "-data", data, reproScript(t, "loihi.go"), "--", "-scale", "smoke")
	if r.code != 0 {
		t.Fatalf("loihi: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "runs", "loihi")
	for _, name := range []string{"table7.md", "table7.csv"} {
		if info, err := os.Stat(filepath.Join(out, name)); err != nil || info.Size() == 0 {
			t.Errorf("output %s missing or empty: %v", name, err)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "table7.md"))
	if err != nil {
		t.Fatal(err)
	}

	// Our row: model, T, images, then float, folded reference, aligned and
	// lava-timing emulated accuracy, all measured percentages.
	row := regexp.MustCompile(`\| Spiking-VGG11 [^|]*average pooling \| 2 \| 200 \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \| (\d+) \| (\d+) \|`).FindStringSubmatch(string(md))
	if row == nil {
		t.Fatalf("table7.md has no measured VGG row:\n%s", md)
	}
	for i, name := range []string{"float", "folded reference", "emulated aligned", "emulated lava"} {
		v, err := strconv.ParseFloat(row[i+1], 64)
		if err != nil || v < 0 || v > 100 {
			t.Errorf("%s accuracy %q is not a percentage", name, row[i+1])
		}
	}
	if cores, _ := strconv.Atoi(row[5]); cores < 1 {
		t.Errorf("cores %s, want at least 1", row[5])
	}
	for _, want := range []string{"| 85.6 | 84.9 |", "| 84.9 | 84.2 |", "residual additions cannot be held by a netx file", "self-attention"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("table7.md lacks %q", want)
		}
	}
	nets, _ := filepath.Glob(filepath.Join(out, "loihi2-*", "network.net"))
	nirs, _ := filepath.Glob(filepath.Join(out, "loihi2-*", "network.nir"))
	if len(nets) != 1 || len(nirs) != 1 {
		t.Errorf("exported files: %v and %v, want one network.net and one network.nir", nets, nirs)
	}

	// The script's run, without its classifier and without the data, cannot
	// be exported; the error says what to pass.
	runDirs, _ := filepath.Glob(filepath.Join(dir, "runs", "smoke-vgg-*avgpool-*"))
	if len(runDirs) != 1 {
		t.Fatalf("want one run folder, got %v", runDirs)
	}
	if err := os.RemoveAll(filepath.Join(runDirs[0], "deploy")); err != nil {
		t.Fatal(err)
	}
	r = runSnnlab(t, dir, "export", "--checkpoint", runDirs[0], "--out", filepath.Join(dir, "export"))
	if r.code != 1 || !strings.Contains(r.stderr, "has no trained linear classifier") || !strings.Contains(r.stderr, "pass -data with the run's cifar10 folder") {
		t.Errorf("export without classifier or data: exit %d, stderr:\n%s", r.code, r.stderr)
	}

	// With the data, export trains the classifier and measures both models.
	r = runSnnlab(t, dir, "export", "--checkpoint", runDirs[0], "--out", filepath.Join(dir, "export"), "-data", data,
		"--linear-epochs", "10", "--linear-lr", "0.01", "--eval", "40")
	if r.code != 0 {
		t.Fatalf("export -eval: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"classifier: trained now, 10 epochs", "accuracy on 40 test images:", "float probe (snnlab features)", "emulated, aligned", "emulated, lava", "synaptic ops"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("export -eval output lacks %q:\n%s", want, r.stdout)
		}
	}
}
