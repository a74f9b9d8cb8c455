package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// exportRuns pretrains the tiny MNIST runs of testdata/export_runs.go in
// dir and returns their folders by name.
func exportRuns(t *testing.T, dir string) map[string]string {
	t.Helper()
	r := runSnnlab(t, dir, "run", script(t, "export_runs.go"))
	if r.code != 0 {
		t.Fatalf("export_runs.go: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	runs := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^run (\S+) (\S+)$`).FindAllStringSubmatch(r.stdout, -1) {
		runs[m[1]] = filepath.Join(dir, m[2])
	}
	if len(runs) != 4 {
		t.Fatalf("want 4 runs, got %v from:\n%s", runs, r.stdout)
	}
	return runs
}

func TestExportLoihi2(t *testing.T) {
	dir := t.TempDir()
	runs := exportRuns(t, dir)
	out := filepath.Join(dir, "out")

	r := runSnnlab(t, dir, "export", "--target", "loihi2", "--checkpoint", runs["vgg-avg"], "--out", out,
		"--target-option", "energy=davies2018", "--linear-epochs", "20", "--linear-lr", "0.01")
	if r.code != 0 {
		t.Fatalf("export: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"classifier: trained now, 20 epochs",
		filepath.Join(out, "network.net"), filepath.Join(out, "network.nir"),
		"resources (estimate): 3 cores, 1 chip\n",
		"quantisation: stage1.0.conv conv:", "quantisation: stage2.0.conv conv:", "quantisation: classifier dense:",
		"mapping constants (estimate", "source: synaptic spike op 23.6 pJ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("export output lacks %q:\n%s", want, r.stdout)
		}
	}
	// Without a test set while training, the epoch lines carry no test accuracy.
	if strings.Contains(r.stderr, "test_top1") {
		t.Errorf("classifier training logs test_top1 without a test set:\n%s", r.stderr)
	}
	stored, _ := filepath.Glob(filepath.Join(runs["vgg-avg"], "deploy", "classifier-*.ckpt"))
	if len(stored) != 1 {
		t.Fatalf("want the trained classifier kept in the run folder, found %v", stored)
	}

	// A second export uses the stored classifier instead of training one,
	// and prints how to select another.
	again := runSnnlab(t, dir, "export", "--checkpoint", runs["vgg-avg"], "--out", filepath.Join(dir, "out2"))
	if again.code != 0 || !strings.Contains(again.stdout, "classifier: "+stored[0]+" (stored, 20 epochs") {
		t.Errorf("second export: exit %d, stdout:\n%s\nstderr:\n%s", again.code, again.stdout, again.stderr)
	}
	if !strings.Contains(again.stdout, "pass -linear-epochs or -linear-lr") {
		t.Errorf("second export does not say how to use other classifier settings:\n%s", again.stdout)
	}

	// Explicit classifier flags select the stored classifier with those
	// settings, or train a new one; they are never ignored.
	same := runSnnlab(t, dir, "export", "--checkpoint", runs["vgg-avg"], "--out", filepath.Join(dir, "out3"), "--linear-epochs", "20", "--linear-lr", "0.01")
	if same.code != 0 || !strings.Contains(same.stdout, "classifier: "+stored[0]+" (stored, trained earlier with 20 epochs, lr 0.01") {
		t.Errorf("export with the stored settings: exit %d, stdout:\n%s\nstderr:\n%s", same.code, same.stdout, same.stderr)
	}
	other := runSnnlab(t, dir, "export", "--checkpoint", runs["vgg-avg"], "--out", filepath.Join(dir, "out4"), "--linear-epochs", "3")
	if other.code != 0 || !strings.Contains(other.stdout, "classifier: trained now, 3 epochs") {
		t.Errorf("export with other settings: exit %d, stdout:\n%s\nstderr:\n%s", other.code, other.stdout, other.stderr)
	}
	if stored, _ = filepath.Glob(filepath.Join(runs["vgg-avg"], "deploy", "classifier-*.ckpt")); len(stored) != 2 {
		t.Errorf("want two stored classifiers after training one with other settings, found %v", stored)
	}
}

// storedClassifiers returns the classifier files in a run's deploy folder.
func storedClassifiers(t *testing.T, run string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(run, "deploy", "classifier-*.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func TestExportRejectsUndeployableRuns(t *testing.T) {
	dir := t.TempDir()
	runs := exportRuns(t, dir)
	cases := []struct {
		run  string
		want string
	}{
		{"vgg-max", `layer stage1.pool (maxpool): layer kind "maxpool" is not supported`},
		{"vgg-max", `a VGG trained with the backbone option "pool": "avg" can be exported`},
		{"vgg-soft", `layer stage1.0.sn (neuron): neuron "mixedlif" uses soft reset`},
	}
	for _, c := range cases {
		out := filepath.Join(dir, "out-"+c.run)
		r := runSnnlab(t, dir, "export", "--checkpoint", runs[c.run], "--out", out)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d, want 1 and an error containing %q; stderr:\n%s", c.run, r.code, c.want, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(out, "network.net")); err == nil {
			t.Errorf("%s: network.net was written for a rejected network", c.run)
		}
		// The layers are checked before a classifier is trained.
		if strings.Contains(r.stdout, "classifier:") || len(storedClassifiers(t, runs[c.run])) > 0 {
			t.Errorf("%s: a classifier was trained for a rejected network; stdout:\n%s", c.run, r.stdout)
		}
	}

	// A residual network is written to NIR only, and the output gives the
	// reason. -eval prints the float accuracy on all test images (40, fewer
	// than requested) and the reason the emulator does not run.
	out := filepath.Join(dir, "out-resnet")
	r := runSnnlab(t, dir, "export", "--checkpoint", runs["resnet"], "--out", out, "--linear-epochs", "3", "--eval", "1000")
	if r.code != 0 || !strings.Contains(r.stdout, "network.net not written: the network has residual additions") {
		t.Errorf("resnet: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"accuracy on 40 test images:", "-eval 1000 is more than the 40 images of the test split", "float probe (snnlab features)", "not measured: the Loihi 2 emulator runs chain networks only"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("resnet -eval output lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "network.nir")); err != nil {
		t.Errorf("resnet: network.nir missing: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "network.net")); err == nil {
		t.Error("resnet: network.net was written for a residual network")
	}

	r = runSnnlab(t, dir, "export", "--checkpoint", dir, "--out", out)
	if r.code != 1 || !strings.Contains(r.stderr, "is not a run folder (no config.json)") {
		t.Errorf("non-run folder: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = runSnnlab(t, dir, "export", "--out", out)
	if r.code != 1 || !strings.Contains(r.stderr, "want --checkpoint RUN_DIR and --out DIR") {
		t.Errorf("missing --checkpoint: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = runSnnlab(t, dir, "export", "--checkpoint", runs["vgg-avg"], "--out", out, "--target-option", "timing=later")
	if r.code != 1 || !strings.Contains(r.stderr, `value "later" is not valid; valid values are lava, aligned`) {
		t.Errorf("bad target option: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = runSnnlab(t, dir, "export", "--checkpoint", runs["vgg-avg"], "--out", out, "--target", "truenorth")
	if r.code != 1 || !strings.Contains(r.stderr, "--target truenorth") {
		t.Errorf("unknown target: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	// Neither bad target was found only after training a classifier.
	if stored := storedClassifiers(t, runs["vgg-avg"]); len(stored) > 0 {
		t.Errorf("a classifier was trained before the target was checked: %v", stored)
	}
}

// h5dumpDatasets parses `h5dump -H` output into dataset path → "dtype
// [shape]", with dtypes int64, float32, bool and S<n> for fixed strings.
func h5dumpDatasets(text string) map[string]string {
	opening := regexp.MustCompile(`^\s*(GROUP|DATASET) "([^"]*)" \{$`)
	dims := regexp.MustCompile(`SIMPLE \{ \( ([0-9, ]+) \)`)
	types := map[string]string{"H5T_STD_I64LE": "int64", "H5T_IEEE_F32LE": "float32", "H5T_ENUM": "bool", "H5T_STRING": "S"}
	out := map[string]string{}
	var path []string // one entry per open brace; "" for blocks that are not groups or datasets
	dtype := ""
	for _, line := range strings.Split(text, "\n") {
		trim := strings.TrimSpace(line)
		if m := opening.FindStringSubmatch(line); m != nil {
			path = append(path, m[2])
			continue
		}
		switch f := strings.Fields(trim); {
		case len(f) > 1 && f[0] == "DATATYPE":
			dtype = types[f[1]]
			if dtype == "" {
				dtype = f[1]
			}
		case len(f) > 1 && f[0] == "STRSIZE":
			dtype += strings.TrimSuffix(f[1], ";")
		case len(f) > 0 && f[0] == "DATASPACE":
			shape := "[]"
			if m := dims.FindStringSubmatch(trim); m != nil {
				shape = "[" + strings.ReplaceAll(m[1], ", ", " ") + "]"
			}
			out["/"+strings.Join(path[2:], "/")] = dtype + " " + shape
		}
		if strings.HasSuffix(trim, "{") && !opening.MatchString(line) {
			path = append(path, "")
		} else if trim == "}" && len(path) > 0 {
			path = path[:len(path)-1]
		}
	}
	return out
}

// The exported netx file of a trained network, read by libhdf5's h5dump,
// has the group and dataset layout, dtypes and shapes of the netx format:
// an input layer with bias-driven neurons (the host computes the first
// conv), the second conv with the average pool folded in (6×6 kernel,
// stride 2, padding 2 on the 28×28 map), a flatten, and the dense read-out
// with the global average pool folded in.
func TestExportNetxLayoutInH5dump(t *testing.T) {
	bin, err := exec.LookPath("h5dump")
	if err != nil {
		t.Skip("h5dump not installed (Debian package hdf5-tools); the exported file is checked only by snnlab's own reader")
	}
	dir := t.TempDir()
	runs := exportRuns(t, dir)
	out := filepath.Join(dir, "out")
	if r := runSnnlab(t, dir, "export", "--checkpoint", runs["vgg-avg"], "--out", out, "--linear-epochs", "5"); r.code != 0 {
		t.Fatalf("export: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	path := filepath.Join(out, "network.net")
	text, err := exec.Command(bin, "-H", path).CombinedOutput()
	if err != nil {
		t.Fatalf("h5dump -H: %v\n%s", err, text)
	}
	neuron := func(layer string, want map[string]string) {
		for k, v := range map[string]string{"type": "S4 []", "iDecay": "int64 []", "vDecay": "int64 []", "vThMant": "int64 []", "refDelay": "int64 []", "gradedSpike": "bool []"} {
			want["/layer/"+layer+"/neuron/"+k] = v
		}
	}
	want := map[string]string{
		"/layer/0/type": "S10 [1]", "/layer/0/shape": "int64 [3]",
		"/layer/1/type": "S10 [1]", "/layer/1/shape": "int64 [3]", "/layer/1/inChannels": "int64 []", "/layer/1/outChannels": "int64 []",
		"/layer/1/kernelSize": "int64 [2]", "/layer/1/stride": "int64 [2]", "/layer/1/padding": "int64 [2]", "/layer/1/dilation": "int64 [2]",
		"/layer/1/groups": "int64 []", "/layer/1/weight": "float32 [8 4 6 6]", "/layer/1/bias": "float32 [8]",
		"/layer/2/type": "S10 [1]", "/layer/2/shape": "int64 [3]",
		"/layer/3/type": "S10 [1]", "/layer/3/shape": "int64 [1]", "/layer/3/inFeatures": "int64 []", "/layer/3/outFeatures": "int64 []",
		"/layer/3/weight": "float32 [10 1568]", "/layer/3/bias": "float32 [10]",
		"/simulation/Ts": "int64 []", "/simulation/tSample": "int64 []",
	}
	neuron("0", want)
	neuron("1", want)
	neuron("3", want)
	got := h5dumpDatasets(string(text))
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: h5dump shows %q, want %q", p, got[p], w)
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("unexpected dataset %s (%s)", p, g)
		}
	}

	values, err := exec.Command(bin, "-d", "/layer/0/type", "-d", "/layer/0/shape", "-d", "/layer/1/type", "-d", "/layer/1/shape",
		"-d", "/layer/1/kernelSize", "-d", "/layer/1/stride", "-d", "/layer/1/padding", "-d", "/layer/2/type",
		"-d", "/layer/3/type", "-d", "/layer/3/inFeatures", "-d", "/layer/3/neuron/vDecay", "-d", "/simulation/tSample", path).CombinedOutput()
	if err != nil {
		t.Fatalf("h5dump -d: %v\n%s", err, values)
	}
	// Values in the order requested; the read-out integrates without leak
	// (vDecay 0) and the sample has T = 2 steps.
	// Fixed-length strings are NUL-padded, so only their start is matched.
	order := []string{`(0): "input`, "(0): 4, 28, 28", `(0): "conv`, "(0): 8, 14, 14", "(0): 6, 6", "(0): 2, 2", "(0): 2, 2",
		`(0): "flatten`, `(0): "dense`, "(0): 1568", "(0): 0", "(0): 2"}
	rest := string(values)
	for _, w := range order {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("h5dump values lack %s after the earlier ones:\n%s", w, values)
		}
		rest = rest[i+len(w):]
	}
}
