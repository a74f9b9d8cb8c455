package lab

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/snnlab/snnlab/framework/records"
	"github.com/snnlab/snnlab/framework/sweep"
)

// ExecutorEnv is the environment variable that chooses a sweep's executor
// when neither the script nor its flags do: "local" or "slurm".
const ExecutorEnv = "SNNLAB_EXECUTOR"

// Sweep is a grid or list of pretraining runs, each evaluated the same
// way, run by an executor chosen at run time. The same script runs its
// sweep in this process (executor "local") or as a Slurm job array
// (executor "slurm"). Either way Run reads the results from the run
// records, so the tables built from them come out the same.
//
// A run that already has a finished record, and the evaluations the sweep
// asks for, is not run again. A run that fails is reported in its SweepRun
// with the reason and never stops the rest of the sweep.
type Sweep struct {
	// Name names the sweep folder <runs>/sweeps/<Name> and the Slurm jobs.
	// Empty takes the script's file name without ".go".
	Name string

	Configs []Config // one per cell; Add and Grid append to it
	Seeds   []int64  // each config runs once per seed, added to its Seed; nil runs each once as written

	Linear *LinearOptions // linear evaluation of every run; nil skips it
	KNN    int            // k of a k-NN evaluation of every run; 0 skips it

	Exec ExecOptions
}

// ExecOptions choose and set up a sweep's executor. SweepFlags fills them
// from a script's command line.
type ExecOptions struct {
	Executor string // "local" or "slurm"; empty takes $SNNLAB_EXECUTOR, else "local"
	Workers  int    // local: runs at once in this process; 0 runs them one after another
	Slurm    SlurmOptions
}

// SlurmOptions set up the slurm executor: the resources each array task
// requests and how the array is run. Every task runs the snnlab binary
// with the task subcommand on one configuration, writing its run record
// into the runs folder, so the binary, the runs folder and the data folder
// must be on file systems that the compute nodes share.
type SlurmOptions struct {
	Partition string   // --partition; empty for the cluster's default
	CPUs      int      // --cpus-per-task; 0 for Slurm's default of one
	Memory    string   // --mem per task with a unit, such as "16G"
	Time      string   // --time per task, such as "4:00:00" or "1-00:00:00"
	GPUs      int      // --gres=gpu:N
	GPUType   string   // with GPUs, requests gpu:TYPE:N, such as "a100"
	Sbatch    []string // further sbatch options, one per element, such as "--account=lab"

	MaxRunning int           // array tasks running at once; 0 for no limit
	Retries    int           // resubmit a task that failed, timed out or ran out of memory at most this often
	Poll       time.Duration // time between squeue queries; 0 for 5 s
	Binary     string        // the snnlab binary tasks run; empty for the one running this script
}

// SweepFlags registers the executor flags on fs and returns the options
// they fill once fs is parsed: -executor, -workers, and -slurm-partition,
// -slurm-cpus, -slurm-mem, -slurm-time, -slurm-gpus, -slurm-gpu-type,
// -slurm-max-running, -slurm-retries, -slurm-poll and the repeatable
// -slurm-option. Assign the result to Sweep.Exec after fs.Parse.
func SweepFlags(fs *flag.FlagSet) *ExecOptions {
	o := &ExecOptions{}
	fs.StringVar(&o.Executor, "executor", os.Getenv(ExecutorEnv), "where the sweep's runs execute: local (in this process) or slurm (one Slurm array task per run); default $"+ExecutorEnv+", else local")
	fs.IntVar(&o.Workers, "workers", 0, "local executor: runs at once in this process (0: one after another)")
	fs.StringVar(&o.Slurm.Partition, "slurm-partition", "", "slurm executor: partition (default: the cluster's default partition)")
	fs.IntVar(&o.Slurm.CPUs, "slurm-cpus", 0, "slurm executor: CPUs per task (0: Slurm's default of one)")
	fs.StringVar(&o.Slurm.Memory, "slurm-mem", "", "slurm executor: memory per task with a unit, such as 16G")
	fs.StringVar(&o.Slurm.Time, "slurm-time", "", "slurm executor: time limit per task, such as 4:00:00")
	fs.IntVar(&o.Slurm.GPUs, "slurm-gpus", 0, "slurm executor: GPUs per task")
	fs.StringVar(&o.Slurm.GPUType, "slurm-gpu-type", "", "slurm executor: GPU type, such as a100 (with -slurm-gpus)")
	fs.IntVar(&o.Slurm.MaxRunning, "slurm-max-running", 0, "slurm executor: array tasks running at once (0: no limit)")
	fs.IntVar(&o.Slurm.Retries, "slurm-retries", 0, "slurm executor: resubmit a failed, timed-out or out-of-memory task at most this often")
	fs.DurationVar(&o.Slurm.Poll, "slurm-poll", 0, "slurm executor: time between status queries (0: 5s)")
	fs.Func("slurm-option", "slurm executor: one more sbatch option, such as --account=lab (repeatable)", func(v string) error {
		o.Slurm.Sbatch = append(o.Slurm.Sbatch, v)
		return nil
	})
	return o
}

// Add appends configurations to the sweep.
func (s *Sweep) Add(cfgs ...Config) { s.Configs = append(s.Configs, cfgs...) }

// Axis is one dimension of a grid: a Config field, named as in its JSON
// form ("neuron", "loss", "T", "backbone"), or a key inside one of its
// option maps written with a dot ("backbone_options.base_width"), and the
// values it takes.
type Axis struct {
	Field  string
	Values []any
}

// Grid appends one configuration per combination of the axes' values to
// the sweep, each a copy of base with those fields set, in row-major
// order: the last axis varies fastest. Each is named base.Name followed by
// its values, such as "ablation-lif-btl".
func (s *Sweep) Grid(base Config, axes ...Axis) error {
	sizes := make([]int, len(axes))
	for i, a := range axes {
		sizes[i] = len(a.Values)
	}
	combos, err := sweep.Product(sizes...)
	if err != nil {
		return fmt.Errorf("sweep grid: %w", err)
	}
	for _, combo := range combos {
		cfg := base
		name := base.Name
		for i, a := range axes {
			v := a.Values[combo[i]]
			if cfg, err = setField(cfg, a.Field, v); err != nil {
				return err
			}
			if name != "" {
				name += "-"
			}
			name += valueLabel(v)
		}
		cfg.Name = name
		s.Configs = append(s.Configs, cfg)
	}
	return nil
}

// setField returns cfg with the field named by its JSON key (or
// "map_field.key") set to v, going through the JSON form so that every
// field is reachable by the name a config file uses.
func setField(cfg Config, field string, v any) (Config, error) {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return cfg, fmt.Errorf("sweep grid: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return cfg, fmt.Errorf("sweep grid: %w", err)
	}
	top, key, nested := strings.Cut(field, ".")
	if _, ok := m[top]; !ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return cfg, fmt.Errorf("sweep grid: axis field %q is not a configuration field; use one of %s", field, strings.Join(keys, ", "))
	}
	if nested {
		inner, ok := m[top].(map[string]any)
		if !ok {
			if m[top] != nil {
				return cfg, fmt.Errorf("sweep grid: axis field %q: %s is not an option map", field, top)
			}
			inner = map[string]any{}
		}
		inner[key] = v
		m[top] = inner
	} else {
		m[top] = v
	}

	raw, err = json.Marshal(m)
	if err != nil {
		return cfg, fmt.Errorf("sweep grid: axis field %q: value %v: %w", field, v, err)
	}
	var out Config
	if err := json.Unmarshal(raw, &out); err != nil {
		return cfg, fmt.Errorf("sweep grid: axis field %q cannot take the value %v (%T): %w", field, v, v, err)
	}
	return out, nil
}

var unsafeLabel = regexp.MustCompile(`[^A-Za-z0-9._+]+`)

// valueLabel turns an axis value into a part of a run name.
func valueLabel(v any) string {
	label := strings.Trim(unsafeLabel.ReplaceAllString(fmt.Sprint(v), "_"), "_")
	if label == "" {
		label = "value"
	}
	return label
}

// SweepRun is one run of a sweep: one configuration with one seed.
type SweepRun struct {
	Name   string // the configuration's Name
	Seed   int64  // the sweep seed, from Sweep.Seeds
	Config Config // the resolved configuration, its Seed including the sweep seed and --seed
	Dir    string // the run folder, "" when there is no finished record

	State  string // COMPLETED, SKIPPED (finished earlier), FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, or another Slurm state
	Reason string // cause of the missing result, such as "slurm: TIMEOUT (TimeLimit, time limit 00:01:00)"; "" when OK
	Detail string // the task's own last error line, when known
	JobID  string // the Slurm job ID, such as "12_3"

	// Metrics holds the run's numbers: final_loss and final_knn_top1 from
	// pretraining, linear_top1 and linear_top5 when the sweep requests a
	// linear evaluation, knn_top1 and knn_top5 when it requests k-NN.
	// Accuracies are fractions in [0, 1]. A value that was NaN is absent.
	Metrics map[string]float64
}

// OK reports whether the run has its results.
func (r *SweepRun) OK() bool { return r.Reason == "" }

// Load returns the run's trained model, for evaluations the sweep did not
// ask for, such as spike rates. It loads the finished run; it trains only
// when the run has no finished record.
func (r *SweepRun) Load() (*Model, error) {
	cfg := r.Config
	cfg.Seed -= settings.Seed // Pretrain adds it back
	return Pretrain(cfg)
}

// SweepResults are the runs of a sweep in the order of its configurations,
// seeds varying fastest.
type SweepResults struct {
	Runs []*SweepRun
}

// Of returns the runs of the configuration named name, one per seed.
func (s *SweepResults) Of(name string) []*SweepRun {
	var out []*SweepRun
	for _, r := range s.Runs {
		if r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// Failed returns the runs without results.
func (s *SweepResults) Failed() []*SweepRun {
	var out []*SweepRun
	for _, r := range s.Runs {
		if !r.OK() {
			out = append(out, r)
		}
	}
	return out
}

// Cell returns a table cell for one metric of the configuration named
// name over its seeds: the value for one seed, mean ± standard deviation
// for several, shown with digits decimals and multiplied by scale (100 for
// accuracies in percent). A failed run gives a failure cell with its
// reason, a missing metric one that names it.
func (s *SweepResults) Cell(name, metric string, scale float64, digits int) Cell {
	runs := s.Of(name)
	if len(runs) == 0 {
		return Fail(fmt.Sprintf("no run named %q in the sweep", name))
	}
	values := make([]float64, 0, len(runs))
	for _, r := range runs {
		if !r.OK() {
			return Fail(r.Reason)
		}
		v, ok := r.Metrics[metric]
		if !ok {
			return Fail(fmt.Sprintf("run %s has no %s", r.Name, metric))
		}
		values = append(values, scale*v)
	}
	if len(values) == 1 {
		return Num(values[0], digits)
	}
	return Seeds(values, digits)
}

// PercentCell is Cell for an accuracy metric, in percent with one decimal.
func (s *SweepResults) PercentCell(name, metric string) Cell { return s.Cell(name, metric, 100, 1) }

// taskSpec is what one sweep task runs: the file `snnlab task` reads.
type taskSpec struct {
	Config Config      `json:"config"` // resolved, seeds included
	Linear *linearSpec `json:"linear,omitempty"`
	KNN    int         `json:"knn,omitempty"`
}

// linearSpec is LinearOptions without its logger, as JSON.
type linearSpec struct {
	Epochs      int     `json:"epochs"`
	Batch       int     `json:"batch"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
	Standardize bool    `json:"standardize"`
	NumClasses  int     `json:"num_classes"`
	Seed        int64   `json:"seed"`
}

func (l *linearSpec) options() LinearOptions {
	o := DefaultLinear()
	o.Epochs, o.Batch, o.LR, o.WeightDecay = l.Epochs, l.Batch, l.LR, l.WeightDecay
	o.Standardize, o.NumClasses, o.Seed = l.Standardize, l.NumClasses, l.Seed
	return o
}

func (l *linearSpec) key() linearKey {
	return linearKey{l.Epochs, l.Batch, l.LR, l.WeightDecay, l.Standardize, l.Seed}
}

// Run runs every configuration with every seed that has no finished record
// yet, through the executor Exec chooses, then reads every run's results
// from its record. An invalid sweep or executor setup is an error before
// anything runs: an unknown executor, a configuration that does not
// resolve, sbatch missing, a partition that does not exist, or a runs
// folder that cannot be written. An interrupted script is an error too.
// Failed runs are not errors but SweepRuns with a Reason.
func (s *Sweep) Run() (*SweepResults, error) {
	name, err := s.folderName()
	if err != nil {
		return nil, err
	}
	specs, runs, err := s.expand()
	if err != nil {
		return nil, err
	}
	if err := checkRunsFolder(); err != nil {
		return nil, err
	}
	tasks := make([]sweep.Task, len(specs))
	for i, spec := range specs {
		data, err := json.MarshalIndent(spec, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("sweep %s: run %s: %w", name, runs[i].Name, err)
		}
		done, err := spec.done(settings.RunsDir)
		if err != nil {
			return nil, fmt.Errorf("sweep %s: %w", name, err)
		}
		tasks[i] = sweep.Task{Name: fmt.Sprintf("%s seed %d", runs[i].Name, runs[i].Config.Seed), Spec: data, Done: done}
	}

	exec, kind, err := s.executor(name, specs)
	if err != nil {
		return nil, err
	}
	log := settings.Log.With().Str("sweep", name).Logger()
	log.Info().Str("executor", kind).Int("runs", len(tasks)).Msg("running sweep")
	outcomes, err := exec.Execute(settings.Context, tasks)
	if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", name, err)
	}

	for i, o := range outcomes {
		runs[i].collect(specs[i], o)
	}
	res := &SweepResults{Runs: runs}
	if failed := res.Failed(); len(failed) > 0 {
		for _, r := range failed {
			log.Warn().Str("run", r.Name).Int64("seed", r.Seed).Str("reason", r.Reason).Str("detail", r.Detail).Msg("run has no result")
		}
	}
	log.Info().Int("runs", len(runs)).Int("failed", len(res.Failed())).Msg("sweep done")
	return res, nil
}

// checkRunsFolder fails unless the runs folder exists or can be created,
// and a file can be written in it.
func checkRunsFolder() error {
	dir := settings.RunsDir
	fix := "pass a writable folder with --runs; for the slurm executor it must be on a file system the compute nodes share"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sweep: the runs folder %s cannot be created: %w; %s", dir, err, fix)
	}
	probe, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return fmt.Errorf("sweep: the runs folder %s is not writable: %w; %s", dir, err, fix)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// folderName returns the sweep's name, checked as a folder name.
func (s *Sweep) folderName() (string, error) {
	name := s.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(settings.Script), ".go")
	}
	if name == "" || name == "." || strings.ContainsAny(name, `/\ `) || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("sweep name %q must be a plain folder name without slashes, spaces or a leading dot", name)
	}
	return name, nil
}

// expand resolves every configuration with every seed.
func (s *Sweep) expand() ([]taskSpec, []*SweepRun, error) {
	if len(s.Configs) == 0 {
		return nil, nil, errors.New("sweep has no configurations; add them with Add or Grid")
	}
	seeds := s.Seeds
	if len(seeds) == 0 {
		seeds = []int64{0}
	}
	var lin *linearSpec
	if o := s.Linear; o != nil {
		lin = &linearSpec{o.Epochs, o.Batch, o.LR, o.WeightDecay, o.Standardize, o.NumClasses, o.Seed}
	}
	if s.KNN < 0 {
		return nil, nil, fmt.Errorf("sweep KNN = %d; want k ≥ 1, or 0 to skip k-NN", s.KNN)
	}

	var specs []taskSpec
	var runs []*SweepRun
	seen := map[string]string{}
	for _, cfg := range s.Configs {
		for _, seed := range seeds {
			c := cfg
			c.Seed += seed + settings.Seed
			resolved, err := c.Resolve()
			if err != nil {
				return nil, nil, fmt.Errorf("sweep: %w", err)
			}
			hash, err := records.ConfigHash(resolved)
			if err != nil {
				return nil, nil, err
			}
			label := fmt.Sprintf("%s seed %d", resolved.Name, resolved.Seed)
			if other, dup := seen[hash]; dup {
				return nil, nil, fmt.Errorf("sweep: %s and %s are the same run after resolving; give them different settings or seeds", other, label)
			}
			seen[hash] = label
			specs = append(specs, taskSpec{Config: resolved, Linear: lin, KNN: s.KNN})
			runs = append(runs, &SweepRun{Name: resolved.Name, Seed: seed, Config: resolved})
		}
	}
	return specs, runs, nil
}

// executor builds the executor Exec names.
func (s *Sweep) executor(name string, specs []taskSpec) (sweep.Executor, string, error) {
	kind := s.Exec.Executor
	if kind == "" {
		kind = os.Getenv(ExecutorEnv)
	}
	if kind == "" {
		kind = "local"
	}
	log := settings.Log.With().Str("sweep", name).Logger()
	switch kind {
	case "local":
		return &sweep.Local{
			Workers: s.Exec.Workers,
			Log:     log,
			Run: func(ctx context.Context, i int, _ []byte) error {
				return runTask(specs[i])
			},
		}, kind, nil
	case "slurm":
		cmd, err := s.taskCommand()
		if err != nil {
			return nil, kind, err
		}
		o := s.Exec.Slurm
		return &sweep.Slurm{
			Dir:     filepath.Join(cmd.runs, "sweeps", name),
			Command: cmd.argv,
			JobName: "snnlab-" + name,
			Resources: sweep.Resources{
				Partition: o.Partition, CPUs: o.CPUs, Memory: o.Memory, Time: o.Time,
				GPUs: o.GPUs, GPUType: o.GPUType, Sbatch: o.Sbatch,
			},
			MaxRunning: o.MaxRunning,
			Retries:    o.Retries,
			Poll:       o.Poll,
			Log:        log,
		}, kind, nil
	}
	return nil, kind, fmt.Errorf("sweep executor %q is unknown; use local or slurm (flag -executor or $%s)", kind, ExecutorEnv)
}

type taskCommand struct {
	runs string
	argv []string
}

// taskCommand returns the command line each Slurm array task runs, with
// absolute paths because tasks start in another working folder.
func (s *Sweep) taskCommand() (taskCommand, error) {
	bin := s.Exec.Slurm.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return taskCommand{}, fmt.Errorf("sweep: cannot find the snnlab binary for the Slurm tasks: %w; set SlurmOptions.Binary", err)
		}
		bin = exe
	}
	if _, err := os.Stat(bin); err != nil {
		return taskCommand{}, fmt.Errorf("sweep: the snnlab binary for the Slurm tasks: %w", err)
	}
	runs, err := filepath.Abs(settings.RunsDir)
	if err != nil {
		return taskCommand{}, fmt.Errorf("sweep: runs folder %s: %w", settings.RunsDir, err)
	}
	argv := []string{bin, "task", "--config", sweep.TaskPlaceholder, "--runs", runs, "--log", settings.LogLevel.String()}
	if settings.DataDir != "" {
		data, err := filepath.Abs(settings.DataDir)
		if err != nil {
			return taskCommand{}, fmt.Errorf("sweep: data folder %s: %w", settings.DataDir, err)
		}
		argv = append(argv, "--data", data)
	}
	return taskCommand{runs: runs, argv: argv}, nil
}

// RunSweepTask runs the sweep task described by the file at path. The
// snnlab task subcommand calls it in each Slurm array task. It pretrains
// the configuration, or continues its interrupted run when Configure set
// Resume, and runs the evaluations the sweep requests, all recorded in the
// run folder. Scripts do not call it.
func RunSweepTask(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("sweep task: %w", err)
	}
	var spec taskSpec
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return fmt.Errorf("sweep task %s is not a valid task file: %w", path, err)
	}
	return runTask(spec)
}

// runTask pretrains and evaluates one run of a sweep.
func runTask(spec taskSpec) error {
	cfg := spec.Config
	cfg.Seed -= settings.Seed // Pretrain adds it back
	m, err := Pretrain(cfg)
	if err != nil {
		return err
	}
	defer m.run.Close()
	if spec.Linear != nil {
		if _, err := m.LinearEval(spec.Linear.options()); err != nil {
			return err
		}
	}
	if spec.KNN > 0 {
		if _, err := m.KNN(spec.KNN); err != nil {
			return err
		}
	}
	return nil
}

// done reports whether the run has a finished record with every
// evaluation the sweep asks for, looking without changing anything, since
// a task of an earlier sweep may still be writing there.
func (spec taskSpec) done(runsDir string) (bool, error) {
	dir, err := findRunDir(runsDir, spec.Config)
	if err != nil || dir == "" {
		return false, err
	}
	for _, f := range spec.files(dir) {
		if _, err := os.Stat(f); err != nil {
			return false, nil
		}
	}
	return true, nil
}

// files lists the files a finished task leaves in its run folder dir.
func (spec taskSpec) files(dir string) map[string]string {
	files := map[string]string{"result": filepath.Join(dir, records.ResultFile)}
	if spec.Linear != nil {
		files["linear"] = evalFile(dir, "linear", spec.Linear.key())
	}
	if spec.KNN > 0 {
		files["knn"] = evalFile(dir, "knn", map[string]int{"k": spec.KNN})
	}
	return files
}

// evalFile returns the path where Model.cached keeps an evaluation result.
func evalFile(dir, kind string, options any) string {
	hash, err := records.ConfigHash(options)
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "eval", fmt.Sprintf("%s-%s.json", kind, hash[:records.ShortHashLen]))
}

// findRunDir returns the folder in runsDir whose config.json has cfg's
// hash, or "" when there is none. It reads only, unlike records.Find,
// which opens the run for writing.
func findRunDir(runsDir string, cfg Config) (string, error) {
	hash, err := records.ConfigHash(cfg)
	if err != nil {
		return "", err
	}
	entries, err := os.ReadDir(runsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the runs folder: %w", err)
	}
	suffix := "-" + hash[:records.ShortHashLen]
	sort.SliceStable(entries, func(i, j int) bool {
		return strings.HasSuffix(entries[i].Name(), suffix) && !strings.HasSuffix(entries[j].Name(), suffix)
	})
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(runsDir, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, records.ConfigFile))
		if err != nil {
			continue
		}
		if h, err := records.ConfigHash(json.RawMessage(data)); err == nil && h == hash {
			return dir, nil
		}
	}
	return "", nil
}

// collect fills the run from its executor outcome and its record.
func (r *SweepRun) collect(spec taskSpec, o sweep.Outcome) {
	r.State, r.Reason, r.Detail, r.JobID = string(o.State), o.Reason, o.Detail, o.JobID
	if !o.OK() {
		if r.Reason == "" {
			r.Reason = strings.ToLower(r.State)
		}
		return
	}
	dir, err := findRunDir(settings.RunsDir, spec.Config)
	if err != nil || dir == "" {
		r.Reason = "the task ended without a run record"
		if err != nil {
			r.Reason += ": " + err.Error()
		}
		return
	}
	r.Dir = dir
	r.Metrics = map[string]float64{}
	files := spec.files(dir)
	var result map[string]any
	if err := readJSON(files["result"], &result); err != nil {
		r.Reason = "the run record has no readable result: " + err.Error()
		return
	}
	for _, k := range []string{"final_loss", "final_knn_top1"} {
		if v, ok := result[k].(float64); ok && !math.IsNaN(v) {
			r.Metrics[k] = v
		}
	}
	for _, kind := range []string{"linear", "knn"} {
		path, ok := files[kind]
		if !ok {
			continue
		}
		var res Result
		if err := readJSON(path, &res); err != nil {
			r.Reason = fmt.Sprintf("the run has no %s evaluation result: %v", kind, err)
			return
		}
		r.Metrics[kind+"_top1"], r.Metrics[kind+"_top5"] = res.Top1, res.Top5
	}
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
