package sweep

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/internal/slurmtest"
)

// requireSlurm skips the test unless a Slurm controller responds here.
func requireSlurm(t *testing.T) { slurmtest.Require(t) }

// shellTasks returns a Slurm executor whose tasks are bash scripts: each
// task's Spec is the script text.
func shellTasks(t *testing.T, log *bytes.Buffer) *Slurm {
	t.Helper()
	w := zerolog.Nop()
	if log != nil {
		w = zerolog.New(&lockedWriter{w: log})
	}
	return &Slurm{
		Dir:     t.TempDir(),
		Command: []string{"/bin/bash", TaskPlaceholder},
		JobName: "sweep-test-" + strings.ReplaceAll(t.Name(), "/", "-"),
		Poll:    300 * time.Millisecond,
		Log:     w,
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// queuedJobs lists the array job IDs in dir's job list that squeue still
// shows.
func queuedJobs(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "jobs"))
	if err != nil {
		return ""
	}
	ids := strings.Join(strings.Fields(string(data)), ",")
	out, _ := exec.Command("squeue", "-h", "-r", "-j", ids, "-o", "%i %T %r").Output()
	return strings.TrimSpace(string(out))
}

func TestSlurmArrayOutcomes(t *testing.T) {
	requireSlurm(t)
	s := shellTasks(t, nil)
	tasks := []Task{
		{Name: "ok", Spec: []byte("echo fine")},
		{Name: "exit3", Spec: []byte("echo 'snnlab: deliberate failure' >&2; exit 3")},
		{Name: "done", Spec: []byte("exit 9"), Done: true},
		{Name: "slow", Spec: []byte("sleep 1")},
	}
	out, err := s.Execute(context.Background(), tasks)
	if err != nil {
		t.Fatal(err)
	}

	want := []State{Completed, Failed, Skipped, Completed}
	for i, w := range want {
		if out[i].State != w {
			t.Errorf("task %s: state %s (%s), want %s", tasks[i].Name, out[i].State, out[i].Reason, w)
		}
	}
	if got := out[1].Reason; got != "slurm: FAILED (NonZeroExitCode, exit code 3)" {
		t.Errorf("failed task reason %q", got)
	}
	if got := out[1].Detail; got != "snnlab: deliberate failure" {
		t.Errorf("failed task detail %q, want the task's error line", got)
	}

	if _, err := os.Stat(out[1].Output); err != nil {
		t.Errorf("failed task output file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "tasks", "2.json")); err == nil {
		t.Error("a task file was written for the done task")
	}
	if q := queuedJobs(t, s.Dir); q != "" {
		t.Errorf("jobs still queued after Execute returned: %s", q)
	}
}

func TestSlurmResubmitsFailedTask(t *testing.T) {
	requireSlurm(t)
	var log bytes.Buffer
	s := shellTasks(t, &log)
	s.Retries = 2
	marker := filepath.Join(t.TempDir(), "first-attempt")
	// Fails on its first attempt only.
	script := "if [ -e " + shellQuote(marker) + " ]; then exit 0; fi; touch " + shellQuote(marker) + "; exit 1"
	tasks := []Task{{Name: "flaky", Spec: []byte(script)}, {Name: "broken", Spec: []byte("exit 4")}}
	out, err := s.Execute(context.Background(), tasks)
	if err != nil {
		t.Fatal(err)
	}

	if out[0].State != Completed || out[0].Attempts != 2 {
		t.Errorf("flaky task: %+v; want COMPLETED after 2 attempts", out[0])
	}
	if out[1].State != Failed || out[1].Attempts != 3 || out[1].Reason != "slurm: FAILED (NonZeroExitCode, exit code 4)" {
		t.Errorf("broken task: %+v; want FAILED with exit code 4 after 3 attempts", out[1])
	}
	if !strings.Contains(log.String(), "resubmitting") {
		t.Errorf("the log does not report the resubmission:\n%s", log.String())
	}
	data, _ := os.ReadFile(filepath.Join(s.Dir, "jobs"))
	if n := len(strings.Fields(string(data))); n != 3 {
		t.Errorf("job list has %d arrays, want 3 (first submission and two resubmissions)", n)
	}
}

func TestSlurmFailedDependencyCancelsTasks(t *testing.T) {
	requireSlurm(t)
	failing, err := exec.Command("sbatch", "--parsable", "--job-name=sweep-test-dependency", "-o", "/dev/null", "--wrap", "exit 1").Output()
	if err != nil {
		t.Fatalf("submitting the failing job: %v", err)
	}
	s := shellTasks(t, nil)
	s.Resources.Sbatch = []string{"--dependency=afterok:" + strings.TrimSpace(string(failing))}
	out, err := s.Execute(context.Background(), []Task{{Name: "a", Spec: []byte("exit 0")}, {Name: "b", Spec: []byte("exit 0")}})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if o.State != Cancelled || !strings.Contains(o.Reason, "Dependency") {
			t.Errorf("task %d: %s (%s); want CANCELLED naming the dependency", i, o.State, o.Reason)
		}
	}
	if q := queuedJobs(t, s.Dir); q != "" {
		t.Errorf("tasks left pending: %s", q)
	}
}

func TestSlurmInterruptCancelsArray(t *testing.T) {
	requireSlurm(t)
	var log bytes.Buffer
	s := shellTasks(t, &log)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once Slurm reports a task running, as Ctrl-C would.
	s.Log = zerolog.New(writerFunc(func(p []byte) (int, error) {
		if bytes.Contains(p, []byte("RUNNING")) {
			cancel()
		}
		return len(p), nil
	}))
	tasks := []Task{{Name: "a", Spec: []byte("sleep 300")}, {Name: "b", Spec: []byte("sleep 300")}, {Name: "c", Spec: []byte("sleep 300")}}
	s.MaxRunning = 1
	out, err := s.Execute(ctx, tasks)
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Execute error = %v; want an interruption", err)
	}
	for i, o := range out {
		if o.State != Cancelled {
			t.Errorf("task %d: %s (%s); want CANCELLED", i, o.State, o.Reason)
		}
	}
	if q := queuedJobs(t, s.Dir); q != "" {
		t.Errorf("jobs left after the interruption: %s", q)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestSlurmRejectsBadInputBeforeSubmitting(t *testing.T) {
	requireSlurm(t)
	tasks := []Task{{Name: "a", Spec: []byte("exit 0")}}
	fileInTheWay := filepath.Join(t.TempDir(), "runs")
	if err := os.WriteFile(fileInTheWay, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, s *Slurm)
		want  string
	}{
		{"sbatch missing", func(t *testing.T, s *Slurm) { t.Setenv("PATH", t.TempDir()) }, "sbatch, squeue, scontrol, scancel, sinfo not found in PATH"},
		{"unknown partition", func(t *testing.T, s *Slurm) { s.Resources.Partition = "no-such-partition" }, `partition "no-such-partition" does not exist; this cluster has`},
		{"unwritable folder", func(t *testing.T, s *Slurm) { s.Dir = filepath.Join(fileInTheWay, "sweeps", "x") }, "cannot be created"},
		{"invalid time", func(t *testing.T, s *Slurm) { s.Resources.Time = "soon" }, "Slurm rejects the sweep's job request"},
		{"negative retries", func(t *testing.T, s *Slurm) { s.Retries = -1 }, "must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := shellTasks(t, nil)
			c.setup(t, s)
			out, err := s.Execute(context.Background(), tasks)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Execute error = %v; want one containing %q", err, c.want)
			}
			if out != nil {
				t.Errorf("outcomes %v returned with a setup error", out)
			}
			if _, err := os.Stat(filepath.Join(s.Dir, "jobs")); err == nil {
				t.Error("an array was submitted despite the error")
			}
		})
	}
}

func TestSlurmRefusesWhileEarlierArrayRuns(t *testing.T) {
	requireSlurm(t)
	s := shellTasks(t, nil)
	running, err := exec.Command("sbatch", "--parsable", "--job-name=sweep-test-earlier", "--array=0", "-o", "/dev/null", "--wrap", "sleep 120").Output()
	if err != nil {
		t.Fatalf("submitting the earlier job: %v", err)
	}
	id := strings.TrimSpace(string(running))
	t.Cleanup(func() { exec.Command("scancel", id).Run() })
	if err := os.WriteFile(filepath.Join(s.Dir, "jobs"), []byte(id+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = s.Execute(context.Background(), []Task{{Name: "a", Spec: []byte("exit 0")}})
	if err == nil || !strings.Contains(err.Error(), "scancel "+id) {
		t.Fatalf("Execute error = %v; want one that says how to cancel array %s", err, id)
	}
}
