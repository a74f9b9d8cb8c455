package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snnlab/snnlab/framework/records"
)

// binary is the snnlab command built once for all tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "snnlab-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "snnlab")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic("building snnlab: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cifarMini returns the CIFAR-10 subset folder, skipping the test when the
// repository's test data is not beside it.
func cifarMini(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "datasets", "cifar10-mini"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data_batch_1.bin")); err != nil {
		t.Skipf("CIFAR-10 subset not found at %s", dir)
	}
	return dir
}

type result struct {
	stdout, stderr string
	code           int
}

func runSnnlab(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running snnlab %v: %v", args, err)
	}
	return result{out.String(), errOut.String(), code}
}

func script(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHelpAndList(t *testing.T) {
	r := runSnnlab(t, t.TempDir(), "help")
	if r.code != 0 || !strings.Contains(r.stdout, "snnlab run SCRIPT.go") {
		t.Errorf("help: exit %d, output %q", r.code, r.stdout)
	}
	r = runSnnlab(t, t.TempDir(), "list")
	if r.code != 0 {
		t.Fatalf("list: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"mixedlif", "plif", "alif", "btl", "ctl", "ncl", "spiking-resnet18-cifar", "spikformer", "decay", "threshold"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list output lacks %q", want)
		}
	}
	r = runSnnlab(t, t.TempDir(), "list", "loss")
	if r.code != 0 || !strings.Contains(r.stdout, "Losses (4)") || strings.Contains(r.stdout, "Neurons") {
		t.Errorf("list loss: exit %d, output %q", r.code, r.stdout)
	}
	r = runSnnlab(t, t.TempDir(), "list", "bogus")
	if r.code != 1 || !strings.Contains(r.stderr, `unknown kind "bogus"`) {
		t.Errorf("list bogus: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runSnnlab(t, t.TempDir(), "run", "-h")
	if r.code != 2 || !strings.Contains(r.stderr, "-resume") {
		t.Errorf("run -h: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runSnnlab(t, t.TempDir(), "frobnicate")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestScriptErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		script string
		want   string // regular expression matched against stderr
	}{
		{"syntax_error.go", `syntax_error\.go:8: expected operand`},
		{"type_error.go", `type_error\.go:6: cannot convert "three" to int`},
		{"panic.go", `panic\.go:9: panic: .*index out of range`},
		{"switch_panic.go", `switch_panic\.go:12: panic: .*index out of range`},
		{"unknown_neuron.go", `unknown_neuron\.go:8: .*unknown neuron "quantum-lif"; known neurons: alif, if, lif, mixedlif, plif`},
	}
	for _, c := range cases {
		t.Run(c.script, func(t *testing.T) {
			r := runSnnlab(t, t.TempDir(), "run", script(t, c.script))
			if r.code == 0 {
				t.Fatalf("exit code 0; stderr %s", r.stderr)
			}
			if !regexp.MustCompile(c.want).MatchString(r.stderr) {
				t.Errorf("stderr does not match %q:\n%s", c.want, r.stderr)
			}
		})
	}
}

func TestPanicKeepsFinishedRun(t *testing.T) {
	data := cifarMini(t)
	dir := t.TempDir()
	r := runSnnlab(t, dir, "run", "-data", data, script(t, "after_run_panic.go"))
	if r.code == 0 || !strings.Contains(r.stderr, "after_run_panic.go:14: panic: deliberate failure") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "runs", "kept-*", records.ResultFile))
	if len(matches) != 1 {
		t.Fatalf("finished run record missing after the script failed: %v", matches)
	}
}

func TestTinyRunEndToEnd(t *testing.T) {
	data := cifarMini(t)
	dir := t.TempDir()
	r := runSnnlab(t, dir, "run", "-data", data, script(t, "tiny.go"))
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "top1=") || !strings.Contains(r.stdout, "reused=false") {
		t.Errorf("stdout %q lacks the result line", r.stdout)
	}
	for _, f := range []string{"tiny/tiny.md", "tiny/tiny.csv", "tiny/tiny-loss.png", "tiny/tiny-loss.svg"} {
		if _, err := os.Stat(filepath.Join(dir, "runs", f)); err != nil {
			t.Errorf("output %s missing: %v", f, err)
		}
	}
	runDirs, _ := filepath.Glob(filepath.Join(dir, "runs", "tiny-*"))
	if len(runDirs) != 1 {
		t.Fatalf("want one run folder, got %v", runDirs)
	}
	for _, f := range []string{"config.json", "metrics.jsonl", "run.log", "result.json", "final.ckpt", "loss.png"} {
		if _, err := os.Stat(filepath.Join(runDirs[0], f)); err != nil {
			t.Errorf("run record %s missing: %v", f, err)
		}
	}

	checkRunRecords(t, runDirs[0])

	// A second run of the same script reuses the finished run and its
	// evaluation instead of training again.
	again := runSnnlab(t, dir, "run", "-data", data, script(t, "tiny.go"))
	if again.code != 0 || !strings.Contains(again.stdout, "reused=true") {
		t.Errorf("second run: exit %d, stdout %q", again.code, again.stdout)
	}
	if topLine(r.stdout) != strings.Replace(topLine(again.stdout), "reused=true", "reused=false", 1) {
		t.Errorf("reused result %q differs from the first %q", topLine(again.stdout), topLine(r.stdout))
	}
}

// checkRunRecords checks that the training metrics count steps from 1 up
// and that no run.log line repeats a key.
func checkRunRecords(t *testing.T, dir string) {
	t.Helper()
	m, err := records.ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var steps []int64
	for _, r := range m.Records {
		if r.Event == "train" {
			steps = append(steps, r.Step)
		}
	}
	if len(steps) == 0 {
		t.Fatalf("metrics.jsonl has no train events")
	}
	for i, s := range steps {
		if s != int64(i+1) {
			t.Fatalf("train event %d has step %d, want %d (all: %v)", i, s, i+1, steps)
		}
	}

	log, err := os.ReadFile(filepath.Join(dir, "run.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		if strings.Count(line, `"run":`) > 1 {
			t.Errorf("run.log line repeats the run key: %s", line)
		}
	}
}

func topLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "top1=") {
			return l
		}
	}
	return ""
}

// TestInterruptedRunResumesToSameResult kills a run after its first
// checkpoint, resumes it, and compares the final weights with an
// uninterrupted run of the same configuration.
func TestInterruptedRunResumesToSameResult(t *testing.T) {
	data := cifarMini(t)
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			whole, cut := t.TempDir(), t.TempDir()
			args := []string{"run", "-data", data, script(t, "tiny.go"), "--", "-epochs", "5", "-neuron", "plif"}

			if r := runSnnlab(t, whole, args...); r.code != 0 {
				t.Fatalf("uninterrupted run: exit %d:\n%s", r.code, r.stderr)
			}

			cmd := exec.Command(binary, args...)
			cmd.Dir = cut
			var errOut bytes.Buffer
			cmd.Stderr = &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(3 * time.Minute)
			for {
				found, _ := filepath.Glob(filepath.Join(cut, "runs", "tiny-*", "last.ckpt"))
				if len(found) > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if err == nil {
				t.Skip("the run finished before the signal arrived; nothing to resume")
			}
			if sig == syscall.SIGINT && !strings.Contains(errOut.String(), "--resume") {
				t.Errorf("interrupt message does not say how to resume:\n%s", errOut.String())
			}

			r := runSnnlab(t, cut, args...)
			if r.code == 0 || !strings.Contains(r.stderr, "--resume") {
				t.Errorf("rerun without --resume: exit %d, stderr %s", r.code, r.stderr)
			}
			resumeArgs := append([]string{"run", "-resume"}, args[1:]...)
			if r := runSnnlab(t, cut, resumeArgs...); r.code != 0 {
				t.Fatalf("resumed run: exit %d:\n%s", r.code, r.stderr)
			}

			a, b := finalParams(t, whole), finalParams(t, cut)
			if len(a) == 0 || len(a) != len(b) {
				t.Fatalf("final checkpoints have %d and %d parameters", len(a), len(b))
			}
			for name, ta := range a {
				tb := b[name]
				for i := range ta.Data {
					if ta.Data[i] != tb.Data[i] {
						t.Fatalf("parameter %s[%d]: %v uninterrupted, %v resumed", name, i, ta.Data[i], tb.Data[i])
					}
				}
			}
		})
	}
}

func finalParams(t *testing.T, dir string) map[string]records.Tensor {
	t.Helper()
	found, _ := filepath.Glob(filepath.Join(dir, "runs", "tiny-*", "final.ckpt"))
	if len(found) != 1 {
		t.Fatalf("want one final checkpoint under %s, got %v", dir, found)
	}
	ck, err := records.ReadCheckpoint(found[0])
	if err != nil {
		t.Fatal(err)
	}
	return ck.Params
}

func TestScriptHelpExitsCleanly(t *testing.T) {
	r := runSnnlab(t, t.TempDir(), "run", script(t, "tiny.go"), "--", "-h")
	if r.code != 0 {
		t.Errorf("script -h: exit %d, stderr %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "-epochs") {
		t.Errorf("script -h did not print the script's flags:\n%s", r.stderr)
	}
}

func TestDivergedRunIsRecordedAsFailed(t *testing.T) {
	data := cifarMini(t)
	dir := t.TempDir()
	first := runSnnlab(t, dir, "run", "-data", data, script(t, "diverge.go"))
	if first.code != 0 || !strings.Contains(first.stdout, "failed:") || !strings.Contains(first.stdout, "diverged") {
		t.Fatalf("diverging run: exit %d, stdout %q, stderr %s", first.code, first.stdout, first.stderr)
	}
	// Running the script again reports the recorded failure without
	// training again.
	second := runSnnlab(t, dir, "run", "-data", data, script(t, "diverge.go"))
	if !strings.Contains(second.stdout, "failed earlier") || !strings.Contains(second.stdout, "diverged") {
		t.Errorf("second run: stdout %q", second.stdout)
	}
}

// TestPluginNeuronFromScript builds the example plugin from its own module,
// lists it, trains with it from a script and checks that the checkpoint
// names the plugin binary.
func TestPluginNeuronFromScript(t *testing.T) {
	data := cifarMini(t)
	plugins := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(plugins, "adex-neuron"), ".")
	build.Dir = filepath.Join("..", "..", "examples", "adex-neuron")
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the example plugin: %v\n%s", err, out)
	}

	dir := t.TempDir()
	r := runSnnlab(t, dir, "list", "-plugins", plugins, "neuron")
	if r.code != 0 || !strings.Contains(r.stdout, "adex") || !strings.Contains(r.stdout, "plugin") {
		t.Fatalf("list with the plugin: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}

	r = runSnnlab(t, dir, "run", "-plugins", plugins, "-data", data, script(t, "tiny.go"), "--", "-neuron", "adex")
	if r.code != 0 {
		t.Fatalf("training with the plugin neuron: exit %d:\n%s", r.code, r.stderr)
	}
	found, _ := filepath.Glob(filepath.Join(dir, "runs", "tiny-*", "final.ckpt"))
	if len(found) != 1 {
		t.Fatalf("want one final checkpoint, got %v", found)
	}
	ck, err := records.ReadCheckpoint(found[0])
	if err != nil {
		t.Fatal(err)
	}
	prov := ck.Metadata["neuron_plugin"]
	if !strings.Contains(prov, "adex-neuron") || !strings.Contains(prov, "sha256") {
		t.Errorf("checkpoint metadata does not name the plugin binary: %q", prov)
	}
}
