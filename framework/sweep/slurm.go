package sweep

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework/records/atomicfile"
)

// TaskPlaceholder is the Command element that the Slurm executor replaces
// with the path of the task's specification file.
const TaskPlaceholder = "{task}"

// Resources are the Slurm resources each array task requests.
type Resources struct {
	Partition string   // --partition; empty for the cluster's default partition
	CPUs      int      // --cpus-per-task; 0 for Slurm's default of one
	Memory    string   // --mem, memory per node with a unit, such as "8G"; empty for the default
	Time      string   // --time, such as "30", "4:00:00" or "1-12:00:00"; empty for the partition's default
	GPUs      int      // --gres=gpu:N; 0 for none
	GPUType   string   // with GPUs, requests --gres=gpu:TYPE:N, such as "a100"
	Sbatch    []string // further sbatch options, one per element, such as "--account=lab" or "--qos=long"
}

// args returns the sbatch options for r.
func (r Resources) args() ([]string, error) {
	var args []string
	if r.Partition != "" {
		args = append(args, "--partition="+r.Partition)
	}
	if r.CPUs < 0 || r.GPUs < 0 {
		return nil, fmt.Errorf("sweep: slurm resources: cpus = %d and gpus = %d must not be negative", r.CPUs, r.GPUs)
	}
	if r.CPUs > 0 {
		args = append(args, "--cpus-per-task="+strconv.Itoa(r.CPUs))
	}
	if r.Memory != "" {
		args = append(args, "--mem="+r.Memory)
	}
	if r.Time != "" {
		args = append(args, "--time="+r.Time)
	}
	switch {
	case r.GPUs > 0 && r.GPUType != "":
		args = append(args, fmt.Sprintf("--gres=gpu:%s:%d", r.GPUType, r.GPUs))
	case r.GPUs > 0:
		args = append(args, fmt.Sprintf("--gres=gpu:%d", r.GPUs))
	case r.GPUType != "":
		return nil, fmt.Errorf("sweep: slurm resources: GPU type %q given without a GPU count; set gpus to at least 1", r.GPUType)
	}
	for _, opt := range r.Sbatch {
		if !strings.HasPrefix(opt, "-") || strings.ContainsAny(opt, "\n\r") {
			return nil, fmt.Errorf("sweep: slurm resources: sbatch option %q must be one option starting with '-', such as --account=lab", opt)
		}
		if strings.HasPrefix(opt, "--array") || strings.HasPrefix(opt, "-a") && !strings.HasPrefix(opt, "--") {
			return nil, fmt.Errorf("sweep: slurm resources: sbatch option %q sets the array, which the executor builds itself", opt)
		}
		args = append(args, opt)
	}
	return args, nil
}

// Slurm submits tasks as Slurm job arrays, one array task per task whose
// array index is the task's position, and follows them with squeue and
// scontrol (sacct as well where accounting is on) until each has ended.
//
// Every task gets --kill-on-invalid-dep=yes, so a dependency in Sbatch on
// a job that fails cancels the task instead of leaving it pending; a task
// that Slurm still shows as pending with reason DependencyNeverSatisfied
// is cancelled by the executor.
//
// Files in Dir: tasks/INDEX.json (the task specifications), array.sh (the
// batch script), logs/ARRAY_INDEX.out (each task's output), status/ (exit
// codes the batch script writes itself, for clusters whose records expire)
// and jobs (the IDs of every array submitted from Dir). Dir must be on a
// file system that the compute nodes share, as must everything Command
// reads and writes.
type Slurm struct {
	Dir        string   // sweep folder; made absolute
	Command    []string // the program and arguments each task runs; TaskPlaceholder becomes the task file
	JobName    string   // --job-name; "snnlab-sweep" when empty
	Resources  Resources
	MaxRunning int           // array tasks running at once (the %N throttle); 0 for no limit
	Retries    int           // resubmit a task that failed, timed out or ran out of memory at most this often
	Poll       time.Duration // time between status queries; 5 s when 0
	Log        zerolog.Logger

	accounting bool // sacct works on this cluster; tested on first use
	triedAcct  bool
}

// slurmTask is the executor's view of one task in flight.
type slurmTask struct {
	name  string // Task.Name, for logs
	array string // array job ID of the current attempt
	state string // last state seen, for progress lines
	final bool
}

// Execute implements Executor.
func (s *Slurm) Execute(ctx context.Context, tasks []Task) ([]Outcome, error) {
	outcomes := make([]Outcome, len(tasks))
	var todo []int
	for i, t := range tasks {
		if t.Done {
			outcomes[i] = Outcome{State: Skipped}
			s.Log.Info().Int("task", i).Str("name", t.Name).Msg("already finished; not submitting it again")
			continue
		}
		todo = append(todo, i)
	}
	options, err := s.prepare()
	if err != nil {
		return nil, err
	}
	if len(todo) == 0 {
		return outcomes, nil
	}
	script, err := s.writeFiles(tasks, todo)
	if err != nil {
		return nil, err
	}
	if _, err := s.sbatch(options, script, todo, true); err != nil {
		return nil, err
	}

	array, err := s.sbatch(options, script, todo, false)
	if err != nil {
		return nil, err
	}
	state := make([]slurmTask, len(tasks))
	for i := range tasks {
		state[i] = slurmTask{name: tasks[i].Name, final: tasks[i].Done}
	}
	for _, i := range todo {
		state[i].array = array
		outcomes[i].Attempts = 1
	}
	return s.follow(ctx, tasks, todo, options, script, state, outcomes)
}

// prepare checks everything that can be checked before submitting: the
// client commands, Dir, the partition, the resources and earlier arrays of
// this sweep that still run. It returns the sbatch options.
func (s *Slurm) prepare() ([]string, error) {
	if len(s.Command) == 0 {
		return nil, errors.New("sweep: slurm executor: no command to run per task")
	}
	if s.Dir == "" {
		return nil, errors.New("sweep: slurm executor: no sweep folder")
	}
	dir, err := filepath.Abs(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("sweep: slurm executor: sweep folder %s: %w", s.Dir, err)
	}
	s.Dir = dir
	if s.MaxRunning < 0 || s.Retries < 0 {
		return nil, fmt.Errorf("sweep: slurm executor: max running = %d and retries = %d must not be negative", s.MaxRunning, s.Retries)
	}
	options, err := s.Resources.args()
	if err != nil {
		return nil, err
	}
	if err := lookPaths(); err != nil {
		return nil, err
	}
	if err := checkWritable(s.Dir); err != nil {
		return nil, err
	}
	for _, sub := range []string{"tasks", "logs", "status"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("sweep: slurm executor: cannot create %s in the sweep folder: %w", sub, err)
		}
	}

	if p := s.Resources.Partition; p != "" {
		names, err := partitions()
		if err != nil {
			return nil, err
		}
		if !slices.Contains(names, p) {
			return nil, fmt.Errorf("sweep: slurm executor: partition %q does not exist; this cluster has %s (sinfo lists them)", p, strings.Join(names, ", "))
		}
	}
	if err := s.checkEarlierArrays(); err != nil {
		return nil, err
	}

	name := s.JobName
	if name == "" {
		name = "snnlab-sweep"
	}
	options = append([]string{"--job-name=" + name, "--kill-on-invalid-dep=yes",
		"--output=" + filepath.Join(s.Dir, "logs", "%A_%a.out")}, options...)
	return options, nil
}

// checkWritable fails unless a file can be created in dir, creating dir
// if needed.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sweep: the sweep folder %s cannot be created: %w; choose a runs folder the tasks can write, on a file system shared with the compute nodes", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return fmt.Errorf("sweep: the sweep folder %s is not writable: %w; choose a runs folder the tasks can write, on a file system shared with the compute nodes", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// checkEarlierArrays fails when an array submitted from this sweep folder
// before is still queued or running, because its tasks would write the
// same run records as the new ones.
func (s *Slurm) checkEarlierArrays() error {
	data, err := os.ReadFile(filepath.Join(s.Dir, "jobs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sweep: reading the job list of %s: %w", s.Dir, err)
	}
	ids := strings.Fields(string(data))
	if len(ids) == 0 {
		return nil
	}
	out, err := slurmCall("squeue", "-h", "-j", strings.Join(ids, ","), "-o", "%F")
	if err != nil && !invalidJobID(err) {
		return fmt.Errorf("sweep: checking earlier arrays of %s: %w", s.Dir, err)
	}
	var active []string
	for _, id := range strings.Fields(out) {
		if !slices.Contains(active, id) {
			active = append(active, id)
		}
	}
	if len(active) > 0 {
		slices.Sort(active)
		return fmt.Errorf("sweep: array job %s from an earlier run of this sweep is still queued or running in %s; wait for it to end or cancel it (scancel %s), then run the sweep again",
			strings.Join(active, ", "), s.Dir, strings.Join(active, " "))
	}
	return nil
}

// writeFiles writes the specification of every task to run and the batch
// script, and returns the script's path.
func (s *Slurm) writeFiles(tasks []Task, todo []int) (string, error) {
	for _, i := range todo {
		if err := atomicfile.WriteFile(s.taskFile(i), tasks[i].Spec); err != nil {
			return "", fmt.Errorf("sweep: writing task %d (%s): %w", i, tasks[i].Name, err)
		}
	}
	var args []string
	for _, a := range s.Command {
		if a == TaskPlaceholder {
			args = append(args, `"$task"`)
		} else {
			args = append(args, shellQuote(a))
		}
	}
	script := fmt.Sprintf(`#!/bin/bash
# Written by snnlab for the array tasks of one sweep. Array index N runs the
# task described by tasks/N.json and records its exit code in status/, so
# the exit code is known even after Slurm forgets the job.
task=%s/"$SLURM_ARRAY_TASK_ID".json
# Go sizes its thread pool by the CPUs it can see, which is the whole node
# where Slurm does not bind tasks to their CPUs.
if [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then export GOMAXPROCS="$SLURM_CPUS_PER_TASK"; fi
%s
status=$?
echo "$status" >%s/"$SLURM_ARRAY_JOB_ID"_"$SLURM_ARRAY_TASK_ID".exit
exit "$status"
`, shellQuote(filepath.Join(s.Dir, "tasks")), strings.Join(args, " "), shellQuote(filepath.Join(s.Dir, "status")))
	path := filepath.Join(s.Dir, "array.sh")
	if err := atomicfile.WriteFile(path, []byte(script)); err != nil {
		return "", fmt.Errorf("sweep: writing the batch script: %w", err)
	}
	return path, nil
}

func (s *Slurm) taskFile(i int) string {
	return filepath.Join(s.Dir, "tasks", strconv.Itoa(i)+".json")
}

// shellQuote quotes a word for bash.
func shellQuote(w string) string {
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// sbatch submits script as an array over indices and returns the array job
// ID. With testOnly Slurm only validates the request, which
// catches a bad partition, time, memory or GPU request before anything is
// queued.
func (s *Slurm) sbatch(options []string, script string, indices []int, testOnly bool) (string, error) {
	array := formatIndexSet(indices)
	if s.MaxRunning > 0 {
		array += "%" + strconv.Itoa(s.MaxRunning)
	}
	args := append(slices.Clone(options), "--array="+array)
	if testOnly {
		args = append(args, "--test-only")
	} else {
		args = append(args, "--parsable")
	}
	args = append(args, script)
	out, err := slurmCall("sbatch", args...)
	if testOnly {
		if err != nil {
			return "", fmt.Errorf("sweep: Slurm rejects the sweep's job request; fix the resources: %w", err)
		}
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sweep: submitting the array: %w", err)
	}
	id, _, _ := strings.Cut(strings.TrimSpace(out), ";")
	if _, err := strconv.Atoi(id); err != nil {
		return "", fmt.Errorf("sweep: sbatch --parsable printed %q, not a job ID", out)
	}

	f, err := os.OpenFile(filepath.Join(s.Dir, "jobs"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = fmt.Fprintln(f, id)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		s.Log.Warn().Err(err).Str("array", id).Msg("recording the array job ID in the sweep folder failed")
	}
	s.Log.Info().Str("array", id).Str("indices", array).Str("script", script).Msg("submitted Slurm array")
	return id, nil
}

// follow polls Slurm until every task has ended, resubmitting failed tasks
// while they have retries left, and cancels what still runs when ctx is
// cancelled.
func (s *Slurm) follow(ctx context.Context, tasks []Task, todo []int, options []string, script string, state []slurmTask, outcomes []Outcome) ([]Outcome, error) {
	poll := s.Poll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return outcomes, s.interrupt(ctx, state, outcomes)
		case <-timer.C:
		}
		retry, changed, err := s.update(state, outcomes)
		if err != nil {
			s.Log.Warn().Err(err).Msg("querying Slurm failed; trying again")
		}
		if len(retry) > 0 {
			array, err := s.sbatch(options, script, retry, false)
			if err != nil {
				s.Log.Error().Err(err).Ints("tasks", retry).Msg("resubmitting failed tasks failed; they keep their last state")
				for _, i := range retry {
					state[i].final = true
				}
			} else {
				for _, i := range retry {
					state[i] = slurmTask{name: state[i].name, array: array}
					outcomes[i].Attempts++
				}
			}
		}
		if changed {
			s.Log.Info().Msg(s.progress(state, outcomes))
		}
		if allFinal(state) {
			return outcomes, nil
		}
		timer.Reset(poll)
	}
}

func allFinal(state []slurmTask) bool {
	for _, t := range state {
		if !t.final {
			return false
		}
	}
	return true
}

// update queries Slurm once and records what changed. It returns the
// tasks to resubmit and whether any state changed.
func (s *Slurm) update(state []slurmTask, outcomes []Outcome) (retry []int, changed bool, err error) {
	arrays := activeArrays(state)
	if len(arrays) == 0 {
		return nil, false, nil
	}
	out, err := slurmCall("squeue", "-h", "-r", "-j", strings.Join(arrays, ","), "-o", queueFormat)
	if err != nil && !invalidJobID(err) {
		return nil, false, err
	}
	queued := parseQueue(out)

	ended := map[string][]int{} // array → indices no longer queued
	for i := range state {
		t := &state[i]
		if t.final {
			continue
		}
		rec, ok := queued[t.array][i]
		if !ok {
			ended[t.array] = append(ended[t.array], i)
			continue
		}
		if rec.State == "PENDING" && rec.Reason == "DependencyNeverSatisfied" {
			s.cancelTask(t.array, i)
			rec.State = "CANCELLED"
			s.finish(i, t, &outcomes[i], rec)
			changed = true
			continue
		}
		if rec.State != t.state {
			t.state = rec.State
			changed = true
			s.Log.Debug().Str("job", jobID(t.array, i)).Str("name", t.name).Str("state", rec.State).Str("reason", rec.Reason).Msg("task state")
		}
	}

	for array, indices := range ended {
		records := s.endedRecords(array)
		for _, i := range indices {
			rec, ok := records[i]
			if ok && !terminalStates[rec.State] {
				continue // still completing; look again next time
			}
			if !ok {
				rec = s.statusFile(array, i)
			}
			t := &state[i]
			changed = true
			if retryableStates[rec.State] && outcomes[i].Attempts <= s.Retries {
				s.fill(i, t, &outcomes[i], rec)
				s.Log.Warn().Str("job", jobID(array, i)).Str("name", t.name).Str("reason", rec.reasonText()).
					Int("attempt", outcomes[i].Attempts+1).Int("attempts", s.Retries+1).Msg("task did not complete; resubmitting it")
				retry = append(retry, i)
				continue
			}
			s.finish(i, t, &outcomes[i], rec)
		}
	}
	slices.Sort(retry)
	return retry, changed, nil
}

// endedRecords returns the final records of an array's tasks: from
// scontrol while Slurm keeps them, else from sacct where accounting is on.
func (s *Slurm) endedRecords(array string) map[int]jobRecord {
	out, err := slurmCall("scontrol", "-o", "show", "job", array)
	records := map[int]jobRecord{}
	if err == nil {
		records = parseShowJob(out)
	} else if !invalidJobID(err) {
		s.Log.Warn().Err(err).Str("array", array).Msg("scontrol failed")
	}
	if len(records) > 0 || !s.hasAccounting() {
		return records
	}
	out, err = slurmCall("sacct", "-n", "-P", "-X", "-j", array, "--format=JobID,State,ExitCode,Reason")
	if err != nil {
		s.Log.Warn().Err(err).Str("array", array).Msg("sacct failed")
		return records
	}
	return parseAccounting(out)
}

// hasAccounting reports whether sacct works on this cluster. It runs sacct
// once to find out.
func (s *Slurm) hasAccounting() bool {
	if !s.triedAcct {
		s.triedAcct = true
		_, err := slurmCall("sacct", "-n", "-X", "-j", "1", "--format=JobID")
		s.accounting = err == nil
	}
	return s.accounting
}

// statusFile builds a record from the exit code the batch script wrote,
// for a task that Slurm has no record of. Without that file the task never
// ran to its end. On Slurm that means it was cancelled while pending,
// because such a task vanishes from every Slurm view.
func (s *Slurm) statusFile(array string, i int) jobRecord {
	data, err := os.ReadFile(filepath.Join(s.Dir, "status", jobID(array, i)+".exit"))
	if err != nil {
		return jobRecord{Index: i, State: "CANCELLED", Reason: "no Slurm record left; cancelled while pending"}
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(data)))
	switch {
	case err != nil:
		return jobRecord{Index: i, State: "FAILED", Reason: "unreadable exit status file"}
	case code == 0:
		return jobRecord{Index: i, State: "COMPLETED"}
	default:
		return jobRecord{Index: i, State: "FAILED", Reason: "NonZeroExitCode", ExitCode: code}
	}
}

// finish records the final state of task i.
func (s *Slurm) finish(i int, t *slurmTask, o *Outcome, rec jobRecord) {
	t.final, t.state = true, rec.State
	s.fill(i, t, o, rec)
	if rec.State == "COMPLETED" {
		return
	}
	s.Log.Error().Str("job", o.JobID).Int("task", i).Str("name", t.name).Str("reason", o.Reason).Str("detail", o.Detail).Str("output", o.Output).Msg("task did not complete")
}

// fill copies the state of task i's current attempt into its outcome.
func (s *Slurm) fill(i int, t *slurmTask, o *Outcome, rec jobRecord) {
	o.State = State(rec.State)
	o.JobID = jobID(t.array, i)
	o.Output = filepath.Join(s.Dir, "logs", o.JobID+".out")
	o.Reason, o.Detail = "", ""
	if rec.State != "COMPLETED" {
		o.Reason = rec.reasonText()
		o.Detail = lastErrorLine(o.Output)
	}
}

// cancelTask cancels one array task.
func (s *Slurm) cancelTask(array string, i int) {
	if _, err := slurmCall("scancel", jobID(array, i)); err != nil {
		s.Log.Warn().Err(err).Str("job", jobID(array, i)).Msg("cancelling a task whose dependency can never be satisfied failed")
	}
}

// interrupt cancels every array with tasks still queued or running, waits
// until Slurm has ended them, records their states and returns the error
// Execute reports.
func (s *Slurm) interrupt(ctx context.Context, state []slurmTask, outcomes []Outcome) error {
	arrays := activeArrays(state)
	if len(arrays) > 0 {
		s.Log.Warn().Strs("arrays", arrays).Msg("interrupted; cancelling the Slurm arrays")
		if _, err := slurmCall("scancel", arrays...); err != nil {
			s.Log.Error().Err(err).Strs("arrays", arrays).Msg("scancel failed; cancel the arrays by hand")
		}
		deadline := time.Now().Add(commandTimeout)
		for time.Now().Before(deadline) {
			out, err := slurmCall("squeue", "-h", "-r", "-j", strings.Join(arrays, ","), "-o", queueFormat)
			if (err == nil || invalidJobID(err)) && len(parseQueue(out)) == 0 {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	records := map[string]map[int]jobRecord{}
	for i := range state {
		if state[i].final {
			continue
		}
		array := state[i].array
		if records[array] == nil {
			records[array] = s.endedRecords(array)
		}
		rec, ok := records[array][i]
		if !ok || !terminalStates[rec.State] {
			rec = jobRecord{Index: i, State: "CANCELLED", Reason: "interrupted"}
		}
		s.finish(i, &state[i], &outcomes[i], rec)
	}
	return fmt.Errorf("sweep: interrupted; cancelled Slurm array %s: %w", strings.Join(arrays, ", "), ctx.Err())
}

// activeArrays lists the array job IDs with tasks that have not ended.
func activeArrays(state []slurmTask) []string {
	var arrays []string
	for _, t := range state {
		if !t.final && !slices.Contains(arrays, t.array) {
			arrays = append(arrays, t.array)
		}
	}
	return arrays
}

func jobID(array string, i int) string { return array + "_" + strconv.Itoa(i) }

// progress summarises the tasks' states, such as
// "sweep: 3 of 8 ended: 2 COMPLETED, 1 FAILED; 2 RUNNING, 3 PENDING".
func (s *Slurm) progress(state []slurmTask, outcomes []Outcome) string {
	final := make([]bool, len(state))
	live := map[string]int{}
	for i, t := range state {
		final[i] = t.final
		if !t.final {
			st := t.state
			if st == "" {
				st = "PENDING"
			}
			live[st]++
		}
	}
	line := progressLine(counts(outcomes, final), len(state))
	sep := "; "
	for _, st := range []string{"RUNNING", "COMPLETING", "PENDING"} {
		if live[st] > 0 {
			line += fmt.Sprintf("%s%d %s", sep, live[st], st)
			sep = ", "
		}
	}
	return line
}

// lastErrorLine returns the last line of a task's output that starts with
// "snnlab:" (the command's error line), or else the last non-empty line,
// cut to 300 bytes.
func lastErrorLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > 64<<10 {
		f.Seek(info.Size()-64<<10, 0)
	}
	var last, lastError string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		last = line
		if strings.HasPrefix(line, "snnlab:") || strings.Contains(line, "slurmstepd: error:") {
			lastError = line
		}
	}
	if lastError != "" {
		last = lastError
	}
	if len(last) > 300 {
		last = last[:300] + "…"
	}
	return last
}
