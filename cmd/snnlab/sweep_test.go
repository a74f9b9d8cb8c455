package main

// These tests drive sweeps through a real Slurm cluster on this machine.
// .ci/run starts a one-node cluster on localhost before the tests and stops
// it afterwards; without one the tests skip.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snnlab/snnlab/internal/slurmtest"
)

// requireSlurm skips the test unless a Slurm controller responds here.
func requireSlurm(t *testing.T) { slurmtest.Require(t) }

// runSnnlabEnv is runSnnlab with extra environment variables.
func runSnnlabEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
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

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// leftovers lists what a sweep left behind in Slurm and on this machine:
// tasks of its arrays that squeue still shows, and processes whose command
// line names its folder.
func leftovers(t *testing.T, sweepDir string) []string {
	t.Helper()
	var found []string
	if data, err := os.ReadFile(filepath.Join(sweepDir, "jobs")); err == nil {
		ids := strings.Join(strings.Fields(string(data)), ",")
		out, _ := exec.Command("squeue", "-h", "-r", "-j", ids, "-o", "%i %T %r").Output()
		if s := strings.TrimSpace(string(out)); s != "" {
			found = append(found, "queued: "+s)
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		cmdline, err := os.ReadFile(p)
		if err == nil && bytes.Contains(cmdline, []byte(sweepDir)) {
			found = append(found, "process: "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return found
}

// noLeftovers waits for the processes of ended tasks to exit, which can
// take a moment after Slurm reports the task ended, then fails the test on
// anything left.
func noLeftovers(t *testing.T, sweepDir string) {
	t.Helper()
	var left []string
	for range 60 {
		if left = leftovers(t, sweepDir); len(left) == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("the sweep left jobs or processes behind:\n%s", strings.Join(left, "\n"))
}

func TestSweepSlurmTableMatchesLocal(t *testing.T) {
	requireSlurm(t)
	data := sweepData(t)
	t.Parallel()
	ablation := script(t, "sweep_ablation.go")
	local, cluster := t.TempDir(), t.TempDir()

	// A run's numbers depend on the number of Go worker threads, so the
	// local run uses as many as each array task gets from -slurm-cpus.
	r := runSnnlabEnv(t, local, []string{"GOMAXPROCS=1"}, "run", "-data", data, ablation, "--", "-executor", "local")
	if r.code != 0 {
		t.Fatalf("local sweep: exit %d:\n%s", r.code, r.stderr)
	}
	r = runSnnlabEnv(t, cluster, []string{"SNNLAB_EXECUTOR=slurm"}, "run", "-data", data, ablation, "--",
		"-slurm-poll", "300ms", "-slurm-max-running", "2", "-slurm-cpus", "1", "-slurm-mem", "1G", "-slurm-time", "10")
	if r.code != 0 {
		t.Fatalf("slurm sweep: exit %d:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "submitted Slurm array") || !strings.Contains(r.stderr, "8 of 8 ended: 8 COMPLETED") {
		t.Errorf("the slurm sweep's log does not show the array and its progress:\n%s", r.stderr)
	}

	table := filepath.Join("runs", "sweep_ablation", "ablation")
	for _, ext := range []string{".md", ".csv"} {
		want := readFile(t, filepath.Join(local, table+ext))
		got := readFile(t, filepath.Join(cluster, table+ext))
		if got != want {
			t.Errorf("%s differs between executors.\nlocal:\n%s\nslurm:\n%s", ext, want, got)
		}
	}
	md := readFile(t, filepath.Join(cluster, table+".md"))
	if strings.Contains(md, "failed") || strings.Count(md, "(n=2)") != 8 {
		t.Errorf("want 4 rows with two metrics over 2 seeds each, got:\n%s", md)
	}
	sweepDir := filepath.Join(cluster, "runs", "sweeps", "ablation")
	noLeftovers(t, sweepDir)

	// Every run now has a finished record, so nothing is submitted again.
	again := runSnnlab(t, cluster, "run", "-data", data, ablation, "--", "-executor", "slurm")
	if again.code != 0 {
		t.Fatalf("second slurm sweep: exit %d:\n%s", again.code, again.stderr)
	}
	if strings.Contains(again.stderr, "submitted Slurm array") || strings.Count(again.stderr, "not submitting it again") != 8 {
		t.Errorf("the second sweep submitted finished runs again:\n%s", again.stderr)
	}
	if got := readFile(t, filepath.Join(cluster, table+".md")); got != md {
		t.Errorf("the table changed when the finished runs were collected again:\n%s", got)
	}
}

func TestSweepSlurmMarksFailedAndTimedOut(t *testing.T) {
	requireSlurm(t)
	data := sweepData(t)
	t.Parallel()
	dir := t.TempDir()
	// Slurm time limits are whole minutes and are enforced on a periodic
	// check, so the endless run is killed 60 to 90 s after it starts.
	r := runSnnlab(t, dir, "run", "-data", data, script(t, "sweep_ablation.go"), "--",
		"-executor", "slurm", "-name", "failures", "-with-failures", "-neurons", "lif", "-losses", "btl", "-seeds", "1",
		"-slurm-time", "1", "-slurm-poll", "500ms")
	if r.code != 0 {
		t.Fatalf("exit %d; a sweep with failed runs should still build its table:\n%s", r.code, r.stderr)
	}

	rows := map[string]string{}
	for _, line := range strings.Split(readFile(t, filepath.Join(dir, "runs", "sweep_ablation", "failures.md")), "\n") {
		if f := strings.Split(line, "|"); len(f) > 2 {
			rows[strings.TrimSpace(f[1])] = line
		}
	}
	if row := rows["abl-lif-btl"]; row == "" || strings.Contains(row, "failed") {
		t.Errorf("the healthy run has no result: %q", row)
	}
	if row := rows["broken"]; !strings.Contains(row, "failed: slurm: FAILED (NonZeroExitCode, exit code 1)") {
		t.Errorf("the failing run's row lacks Slurm's reason: %q", row)
	}
	if row := rows["endless"]; !strings.Contains(row, "failed: slurm: TIMEOUT (TimeLimit, time limit 00:01:00)") {
		t.Errorf("the timed-out run's row lacks Slurm's reason: %q", row)
	}

	if !strings.Contains(r.stderr, "imagefolder") {
		t.Errorf("the log does not carry the failed task's own error:\n%s", r.stderr)
	}
	noLeftovers(t, filepath.Join(dir, "runs", "sweeps", "failures"))
}

func TestSweepSlurmRejectsBadInput(t *testing.T) {
	requireSlurm(t)
	data := sweepData(t)
	t.Parallel()
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  []string
		runs string
		args []string
		want string
	}{
		{"sbatch missing", []string{"PATH=" + t.TempDir()}, "runs", nil, "sbatch, squeue, scontrol, scancel, sinfo not found in PATH"},
		{"unknown partition", nil, "runs", []string{"-slurm-partition", "no-such-partition"}, `partition "no-such-partition" does not exist`},
		{"unwritable runs folder", nil, filepath.Join(blocker, "runs"), nil, "the runs folder " + filepath.Join(blocker, "runs") + " cannot be created"},
		{"invalid memory", nil, "runs", []string{"-slurm-mem", "lots"}, "Slurm rejects the sweep's job request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"run", "-runs", c.runs, "-data", data, script(t, "sweep_ablation.go"), "--",
				"-executor", "slurm", "-name", "bad"}, c.args...)
			r := runSnnlabEnv(t, dir, c.env, args...)
			if r.code == 0 || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d; want an error containing %q:\n%s", r.code, c.want, r.stderr)
			}
			if strings.Contains(r.stderr, "submitted Slurm array") {
				t.Error("an array was submitted despite the error")
			}
			if _, err := os.Stat(filepath.Join(dir, "runs", "sweeps", "bad", "jobs")); err == nil {
				t.Error("the sweep folder lists a submitted array")
			}
		})
	}
}

func TestTaskCommandUsage(t *testing.T) {
	r := runSnnlab(t, t.TempDir(), "task")
	if r.code == 0 || !strings.Contains(r.stderr, "snnlab task --config FILE.json") {
		t.Errorf("task without --config: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runSnnlab(t, t.TempDir(), "task", "--config", "missing.json")
	if r.code != 1 || !strings.Contains(r.stderr, "missing.json") {
		t.Errorf("task with a missing file: exit %d, stderr %q", r.code, r.stderr)
	}
}

// sweepData returns the CIFAR-10 subset folder, skipping the test when the
// repository's test data is not beside it.
func sweepData(t *testing.T) string {
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

// TestAblationScriptSlurmMatchesLocal runs the Table 5 script itself at the
// smoke scale once in process and once with its pretraining as a Slurm job
// array, and compares the tables. Both sides use one Go thread, because a
// run's numbers depend on the thread count.
func TestAblationScriptSlurmMatchesLocal(t *testing.T) {
	requireSlurm(t)
	data := sweepData(t)
	t.Parallel()
	ablation, err := filepath.Abs(filepath.Join("..", "..", "scripts", "ablation.go"))
	if err != nil {
		t.Fatal(err)
	}
	local, cluster := t.TempDir(), t.TempDir()
	oneThread := []string{"GOMAXPROCS=1"}

	r := runSnnlabEnv(t, local, oneThread, "run", "-data", data, ablation, "--", "-scale", "smoke", "-executor", "local")
	if r.code != 0 {
		t.Fatalf("local ablation: exit %d:\n%s", r.code, r.stderr)
	}
	r = runSnnlabEnv(t, cluster, oneThread, "run", "-data", data, ablation, "--", "-scale", "smoke", "-executor", "slurm",
		"-slurm-poll", "300ms", "-slurm-cpus", "1", "-slurm-mem", "1G", "-slurm-time", "10")
	if r.code != 0 {
		t.Fatalf("slurm ablation: exit %d:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "submitted Slurm array") {
		t.Errorf("the ablation did not submit a Slurm array:\n%s", r.stderr)
	}
	table := filepath.Join("runs", "ablation", "table5.md")
	want, got := readFile(t, filepath.Join(local, table)), readFile(t, filepath.Join(cluster, table))
	if got != want {
		t.Errorf("Table 5 differs between executors.\nlocal:\n%s\nslurm:\n%s", want, got)
	}
	if strings.Contains(got, "failed") {
		t.Errorf("Table 5 has failed cells:\n%s", got)
	}
	noLeftovers(t, filepath.Join(cluster, "runs", "sweeps", "table5-smoke"))
}
