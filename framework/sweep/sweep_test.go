package sweep

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"
)

func TestProductRowMajor(t *testing.T) {
	got, err := Product(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Product(2, 3) = %v, want %v", got, want)
	}
	if got, _ := Product(); len(got) != 1 || len(got[0]) != 0 {
		t.Errorf("Product() = %v, want one empty combination", got)
	}
	if _, err := Product(2, 0); err == nil {
		t.Error("Product(2, 0): want an error for an empty axis")
	}
}

func TestIndexSets(t *testing.T) {
	cases := []struct {
		expr string
		want []int
	}{
		{"3", []int{3}},
		{"0-4", []int{0, 1, 2, 3, 4}},
		{"1,3,5-7", []int{1, 3, 5, 6, 7}},
		{"2-5%2", []int{2, 3, 4, 5}},
		{"0-8:4", []int{0, 4, 8}},
	}
	for _, c := range cases {
		got, err := parseIndexSet(c.expr)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseIndexSet(%q) = %v, %v; want %v", c.expr, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "N/A", "5-2", "1-x", "0-8:0"} {
		if got, err := parseIndexSet(bad); err == nil {
			t.Errorf("parseIndexSet(%q) = %v; want an error", bad, got)
		}
	}
	if got := formatIndexSet([]int{0, 1, 2, 5, 7, 8}); got != "0-2,5,7-8" {
		t.Errorf("formatIndexSet = %q, want 0-2,5,7-8", got)
	}
	if got := formatIndexSet([]int{4}); got != "4" {
		t.Errorf("formatIndexSet([4]) = %q", got)
	}
}

func TestParseQueueExpandsTasks(t *testing.T) {
	out := "4|0|RUNNING|None\n4|5|PENDING|JobArrayTaskLimit\n4|6-7%2|PENDING|JobArrayTaskLimit\n9|N/A|RUNNING|None\n"
	got := parseQueue(out)
	if len(got) != 1 || len(got["4"]) != 4 {
		t.Fatalf("parseQueue = %v; want array 4 with indices 0, 5, 6, 7", got)
	}
	if r := got["4"][5]; r.State != "PENDING" || r.Reason != "JobArrayTaskLimit" {
		t.Errorf("task 5 = %+v", r)
	}
	if r := got["4"][0]; r.State != "RUNNING" || r.Reason != "" {
		t.Errorf("task 0 = %+v; want RUNNING with no reason", r)
	}
}

// showJobOutput is `scontrol -o show job 4` from Slurm 22.05, cut to the
// fields that matter, with a pending remainder record first.
const showJobOutput = `JobId=4 ArrayJobId=4 ArrayTaskId=6-7%2 JobName=wrap JobState=PENDING Reason=JobArrayTaskLimit Dependency=(null) ExitCode=0:0 TimeLimit=00:01:00
JobId=6 ArrayJobId=4 ArrayTaskId=3 JobName=wrap JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 ExitCode=3:0 RunTime=00:00:00 TimeLimit=UNLIMITED
JobId=5 ArrayJobId=4 ArrayTaskId=0 JobName=wrap JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 TimeLimit=00:01:00
JobId=7 ArrayJobId=4 ArrayTaskId=1 JobName=wrap JobState=OUT_OF_MEMORY Reason=OutOfMemory ExitCode=0:125 TimeLimit=00:01:00
`

func TestParseShowJobReasons(t *testing.T) {
	got := parseShowJob(showJobOutput)
	want := map[int]string{
		3: "slurm: FAILED (NonZeroExitCode, exit code 3)",
		0: "slurm: TIMEOUT (TimeLimit, time limit 00:01:00)",
		1: "slurm: OUT_OF_MEMORY (OutOfMemory, signal 125)",
		6: "slurm: PENDING (JobArrayTaskLimit)",
		7: "slurm: PENDING (JobArrayTaskLimit)",
	}
	if len(got) != len(want) {
		t.Fatalf("parseShowJob found indices %v, want %v", reflect.ValueOf(got).MapKeys(), want)
	}
	for i, w := range want {
		if r := got[i].reasonText(); r != w {
			t.Errorf("task %d: reason %q, want %q", i, r, w)
		}
	}
}

func TestParseAccounting(t *testing.T) {
	out := "77_3|FAILED|1:0|NonZeroExitCode\n77_4|CANCELLED by 0|0:15|None\n77_[5-6]|PENDING|0:0|None\n77|COMPLETED|0:0|None\n"
	got := parseAccounting(out)
	if got[3].State != "FAILED" || got[3].ExitCode != 1 || got[4].State != "CANCELLED" || got[5].State != "PENDING" || got[6].State != "PENDING" {
		t.Errorf("parseAccounting = %+v", got)
	}
	if len(got) != 4 {
		t.Errorf("parseAccounting found %d tasks, want 4 (the line without an index is not a task)", len(got))
	}
}

func TestResourcesArgs(t *testing.T) {
	r := Resources{Partition: "gpu", CPUs: 8, Memory: "16G", Time: "4:00:00", GPUs: 1, GPUType: "a100", Sbatch: []string{"--account=lab"}}
	got, err := r.args()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--partition=gpu", "--cpus-per-task=8", "--mem=16G", "--time=4:00:00", "--gres=gpu:a100:1", "--account=lab"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}
	for _, bad := range []Resources{
		{CPUs: -1},
		{GPUType: "a100"},
		{Sbatch: []string{"account=lab"}},
		{Sbatch: []string{"--array=0-3"}},
		{Sbatch: []string{"-a 0-3"}},
		{Sbatch: []string{"--comment=a\nb"}},
	} {
		if _, err := bad.args(); err == nil {
			t.Errorf("args(%+v): want an error", bad)
		}
	}
}

func TestShellQuoteRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	for _, w := range []string{"plain", "with space", "it's", `$HOME "x" \n`, ""} {
		out, err := exec.Command("bash", "-c", "printf %s "+shellQuote(w)).Output()
		if err != nil || string(out) != w {
			t.Errorf("shellQuote(%q) reads back as %q (%v)", w, out, err)
		}
	}
}

func TestLocalRunsSkipsAndIsolatesFailures(t *testing.T) {
	var ran atomic.Int32
	l := &Local{Workers: 2, Log: zerolog.Nop(), Run: func(ctx context.Context, i int, spec []byte) error {
		ran.Add(1)
		switch string(spec) {
		case "fail":
			return errors.New("deliberate failure")
		case "panic":
			panic("deliberate panic")
		}
		return nil
	}}
	tasks := []Task{{Name: "a", Spec: []byte("ok")}, {Name: "b", Spec: []byte("fail")}, {Name: "c", Spec: []byte("ok"), Done: true}, {Name: "d", Spec: []byte("panic")}, {Name: "e", Spec: []byte("ok")}}
	out, err := l.Execute(context.Background(), tasks)
	if err != nil {
		t.Fatal(err)
	}
	wantStates := []State{Completed, Failed, Skipped, Failed, Completed}
	for i, w := range wantStates {
		if out[i].State != w {
			t.Errorf("task %s: state %s, want %s", tasks[i].Name, out[i].State, w)
		}
	}
	if !strings.Contains(out[1].Reason, "deliberate failure") || !strings.Contains(out[3].Reason, "panic: deliberate panic") {
		t.Errorf("reasons %q and %q do not carry the errors", out[1].Reason, out[3].Reason)
	}
	if n := ran.Load(); n != 4 {
		t.Errorf("Run called %d times, want 4 (the done task is skipped)", n)
	}
	if !out[2].OK() || out[1].OK() {
		t.Error("OK: want true for skipped, false for failed")
	}
}

func TestLocalStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var started []int
	l := &Local{Log: zerolog.Nop(), Run: func(ctx context.Context, i int, spec []byte) error {
		started = append(started, i)
		if i == 1 {
			cancel()
			return ctx.Err()
		}
		return nil
	}}
	tasks := make([]Task, 4)
	for i := range tasks {
		tasks[i] = Task{Name: fmt.Sprint(i)}
	}
	out, err := l.Execute(ctx, tasks)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Execute error = %v, want context.Canceled", err)
	}
	if !reflect.DeepEqual(started, []int{0, 1}) {
		t.Errorf("started tasks %v, want [0 1]", started)
	}
	want := []State{Completed, Cancelled, Cancelled, Cancelled}
	for i, w := range want {
		if out[i].State != w {
			t.Errorf("task %d: state %s, want %s", i, out[i].State, w)
		}
	}
}

func TestProgressLine(t *testing.T) {
	c := map[State]int{Completed: 2, Failed: 1, "NODE_FAIL": 1}
	if got := progressLine(c, 6); got != "4 of 6 ended: 2 COMPLETED, 1 FAILED, 1 NODE_FAIL" {
		t.Errorf("progressLine = %q", got)
	}
}
