package lab

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework/records"
)

// sweepData returns the CIFAR-10 subset folder beside the repository,
// skipping the test when it is absent.
func sweepData(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "datasets", "cifar10-mini"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data_batch_1.bin")); err != nil {
		t.Skipf("CIFAR-10 subset not found at %s", dir)
	}
	return dir
}

// sweepConfig trains in about a second on the CIFAR-10 subset.
func sweepConfig(name string) Config {
	return Config{
		Name:            name,
		Dataset:         "cifar10",
		TrainLimit:      64,
		TestLimit:       20,
		Backbone:        "spiking-resnet18-cifar",
		BackboneOptions: map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1},
		HeadWidths:      []int{16, 16},
		T:               2,
		Batch:           16,
		Epochs:          1,
		LR:              0.02,
	}
}

func configureForTest(t *testing.T, data string) string {
	t.Helper()
	runs := filepath.Join(t.TempDir(), "runs")
	Configure(Settings{RunsDir: runs, DataDir: data, Script: "sweep_test.go"})
	t.Cleanup(func() { Configure(Settings{RunsDir: "runs"}) })
	return runs
}

func TestGridSetsFieldsInRowMajorOrder(t *testing.T) {
	var s Sweep
	err := s.Grid(sweepConfig("g"),
		Axis{Field: "neuron", Values: []any{"lif", "plif"}},
		Axis{Field: "backbone_options.base_width", Values: []any{4, 8}},
		Axis{Field: "T", Values: []any{3}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range s.Configs {
		names = append(names, c.Name)
	}
	want := []string{"g-lif-4-3", "g-lif-8-3", "g-plif-4-3", "g-plif-8-3"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names %v, want %v", names, want)
	}
	c := s.Configs[3]
	if c.Neuron != "plif" || c.T != 3 || c.BackboneOptions["base_width"] != float64(8) || c.BackboneOptions["stages"] != float64(2) {
		t.Errorf("config %s: neuron %s, T %d, backbone options %v", c.Name, c.Neuron, c.T, c.BackboneOptions)
	}
	if c.Loss != "" || c.Batch != 16 {
		t.Errorf("config %s lost base fields: loss %q, batch %d", c.Name, c.Loss, c.Batch)
	}
}

func TestGridRejectsBadAxes(t *testing.T) {
	cases := []struct {
		axis Axis
		want string
	}{
		{Axis{Field: "nueron", Values: []any{"lif"}}, `axis field "nueron" is not a configuration field`},
		{Axis{Field: "T", Values: []any{"four"}}, `axis field "T" cannot take the value four`},
		{Axis{Field: "name.x", Values: []any{1}}, "is not an option map"},
		{Axis{Field: "loss", Values: nil}, "every axis needs at least one"},
	}
	for _, c := range cases {
		var s Sweep
		err := s.Grid(sweepConfig("g"), c.axis)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Grid(%+v) error = %v; want %q", c.axis, err, c.want)
		}
	}
}

// The task subcommand resolves the stored configuration again; the run
// must keep the hash the driving script looks it up by.
func TestResolvedConfigKeepsItsHash(t *testing.T) {
	for _, neuron := range []string{"lif", "mixedlif", "plif", "alif", "if"} {
		cfg := sweepConfig("h")
		cfg.Neuron = neuron
		cfg.Optimizer = "adamw"
		once, err := cfg.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(taskSpec{Config: once})
		if err != nil {
			t.Fatal(err)
		}
		var back taskSpec
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		twice, err := back.Config.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		h1, _ := records.ConfigHash(once)
		h2, _ := records.ConfigHash(twice)
		if h1 != h2 {
			t.Errorf("%s: hash changes from %s to %s when the resolved config goes through JSON and Resolve again", neuron, h1[:12], h2[:12])
		}
	}
}

func TestSweepRejectsDuplicateRuns(t *testing.T) {
	configureForTest(t, "")
	s := &Sweep{Configs: []Config{sweepConfig("d")}, Seeds: []int64{1, 1}}
	if _, err := s.Run(); err == nil || !strings.Contains(err.Error(), "are the same run") {
		t.Errorf("Run error = %v; want duplicate runs rejected", err)
	}
	s = &Sweep{}
	if _, err := s.Run(); err == nil || !strings.Contains(err.Error(), "no configurations") {
		t.Errorf("empty sweep: error = %v", err)
	}
	s = &Sweep{Configs: []Config{{Neuron: "quantum"}}}
	if _, err := s.Run(); err == nil || !strings.Contains(err.Error(), `unknown neuron "quantum"`) {
		t.Errorf("unresolvable config: error = %v", err)
	}
}

func TestSweepRejectsBadExecutors(t *testing.T) {
	runs := configureForTest(t, "")
	s := &Sweep{Name: "x", Configs: []Config{sweepConfig("e")}, Exec: ExecOptions{Executor: "kubernetes"}}
	if _, err := s.Run(); err == nil || !strings.Contains(err.Error(), `executor "kubernetes" is unknown; use local or slurm`) {
		t.Errorf("unknown executor: error = %v", err)
	}

	t.Setenv("PATH", t.TempDir())
	s.Exec = ExecOptions{Executor: "slurm", Slurm: SlurmOptions{Binary: os.Args[0]}}
	if _, err := s.Run(); err == nil || !strings.Contains(err.Error(), "sbatch") {
		t.Errorf("slurm without sbatch: error = %v", err)
	}
	if _, err := os.Stat(filepath.Join(runs, "sweeps", "x", "tasks")); err == nil {
		t.Error("task files were written although the executor could not run")
	}

	s.Exec = ExecOptions{Executor: "slurm", Slurm: SlurmOptions{Binary: filepath.Join(t.TempDir(), "missing")}}
	if _, err := s.Run(); err == nil || !strings.Contains(err.Error(), "snnlab binary") {
		t.Errorf("missing binary: error = %v", err)
	}
}

func TestSweepFlagsFillOptions(t *testing.T) {
	t.Setenv(ExecutorEnv, "slurm")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o := SweepFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if o.Executor != "slurm" {
		t.Errorf("executor default %q, want the %s value slurm", o.Executor, ExecutorEnv)
	}
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	o = SweepFlags(fs)
	err := fs.Parse([]string{"-executor", "local", "-workers", "2", "-slurm-time", "1:00:00", "-slurm-gpus", "1",
		"-slurm-option", "--account=lab", "-slurm-option", "--qos=long", "-slurm-retries", "2"})
	if err != nil {
		t.Fatal(err)
	}
	want := ExecOptions{Executor: "local", Workers: 2, Slurm: SlurmOptions{Time: "1:00:00", GPUs: 1, Retries: 2, Sbatch: []string{"--account=lab", "--qos=long"}}}
	if !reflect.DeepEqual(*o, want) {
		t.Errorf("options %+v, want %+v", *o, want)
	}
}

func TestSweepLocalRunsReusesAndMarksFailures(t *testing.T) {
	data := sweepData(t)
	runs := configureForTest(t, data)
	broken := sweepConfig("broken")
	broken.Dataset = "imagefolder" // the CIFAR-10 folder has no train/ class folders
	linear := DefaultLinear()
	linear.Epochs = 2
	s := &Sweep{Name: "local", Seeds: []int64{0, 1}, Linear: &linear, KNN: 5}
	if err := s.Grid(sweepConfig("t"), Axis{Field: "neuron", Values: []any{"lif", "plif"}}); err != nil {
		t.Fatal(err)
	}
	s.Add(broken)

	first, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Runs) != 6 {
		t.Fatalf("%d runs, want 3 configs × 2 seeds", len(first.Runs))
	}
	for _, r := range first.Runs {
		if r.Name == "broken" {
			if r.OK() || r.State != "FAILED" || !strings.Contains(r.Reason, "imagefolder") {
				t.Errorf("broken run: state %s, reason %q", r.State, r.Reason)
			}
			continue
		}
		if !r.OK() || r.State != "COMPLETED" {
			t.Errorf("run %s seed %d: state %s, reason %q", r.Name, r.Seed, r.State, r.Reason)
		}
		for _, m := range []string{"final_loss", "linear_top1", "linear_top5", "knn_top1", "knn_top5"} {
			if _, ok := r.Metrics[m]; !ok {
				t.Errorf("run %s seed %d has no %s: %v", r.Name, r.Seed, m, r.Metrics)
			}
		}
		if r.Config.Seed != r.Seed || !strings.HasPrefix(filepath.Base(r.Dir), r.Name+"-") {
			t.Errorf("run %s: config seed %d, sweep seed %d, folder %s", r.Name, r.Config.Seed, r.Seed, r.Dir)
		}
	}
	if cell := first.PercentCell("broken", "linear_top1"); !strings.Contains(cell.String(), "imagefolder") {
		t.Errorf("failure cell %q does not give the reason", cell.String())
	}
	if cell := first.PercentCell("t-lif", "linear_top1"); cell.N() != 2 {
		t.Errorf("cell over two seeds holds %d values", cell.N())
	}

	// The finished runs are not trained again, and give the same numbers.
	second, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range second.Runs {
		if r.Name == "broken" {
			continue
		}
		if r.State != "SKIPPED" {
			t.Errorf("run %s seed %d ran again (state %s)", r.Name, r.Seed, r.State)
		}
		if !reflect.DeepEqual(r.Metrics, first.Runs[i].Metrics) {
			t.Errorf("run %s seed %d: metrics %v, first time %v", r.Name, r.Seed, r.Metrics, first.Runs[i].Metrics)
		}
	}
	entries, _ := filepath.Glob(filepath.Join(runs, "t-*"))
	if len(entries) != 4 {
		t.Errorf("%d run folders for t-*, want 4: %v", len(entries), entries)
	}

	m, err := second.Of("t-plif")[1].Load()
	if err != nil {
		t.Fatal(err)
	}
	if !m.Reused || m.Config.Seed != 1 {
		t.Errorf("Load: reused %v, seed %d; want the finished seed-1 run", m.Reused, m.Config.Seed)
	}
}

func TestRunSweepTaskRejectsBadFiles(t *testing.T) {
	configureForTest(t, "")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"config": {"neuron": "lif"}, "lienar": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := RunSweepTask(bad); err == nil || !strings.Contains(err.Error(), "not a valid task file") {
		t.Errorf("misspelt field: error = %v", err)
	}
	if err := RunSweepTask(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: no error")
	}
}
