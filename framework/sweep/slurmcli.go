package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// This file wraps the Slurm client commands. It reads their stable text
// forms (sbatch --parsable, squeue -o, scontrol -o, sacct -P) rather than
// --json, whose layout changed between Slurm 22.05 and 23.02.

// slurmCommands are the client programs the executor runs.
var slurmCommands = []string{"sbatch", "squeue", "scontrol", "scancel", "sinfo"}

// commandTimeout bounds one client call, so that an unresponsive
// controller cannot hang the sweep.
const commandTimeout = 2 * time.Minute

// slurmCall runs a Slurm client command and returns its standard output.
// The error carries the command line and its standard error.
func slurmCall(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return stdout.String(), nil
}

// jobRecord is one job record of an array task, as squeue, scontrol or
// sacct report it.
type jobRecord struct {
	Index     int    // array task index
	State     string // JobState, such as RUNNING or TIMEOUT
	Reason    string // Slurm's reason, such as NonZeroExitCode; "" for None
	ExitCode  int    // the batch script's exit code
	Signal    int    // the signal that ended it, 0 for none
	TimeLimit string // such as 00:01:00; "" when unknown
}

// terminalStates are the job states after which a job never runs again.
var terminalStates = map[string]bool{
	"COMPLETED": true, "FAILED": true, "TIMEOUT": true, "OUT_OF_MEMORY": true, "CANCELLED": true,
	"NODE_FAIL": true, "PREEMPTED": true, "BOOT_FAIL": true, "DEADLINE": true, "REVOKED": true,
	"SPECIAL_EXIT": true,
}

// retryableStates are the failures a resubmission can cure. CANCELLED is
// not among them: a person or a failed dependency cancelled the task.
var retryableStates = map[string]bool{
	"FAILED": true, "TIMEOUT": true, "OUT_OF_MEMORY": true, "NODE_FAIL": true,
	"PREEMPTED": true, "BOOT_FAIL": true,
}

// reasonText formats a job record that did not complete for a table cell,
// such as "slurm: FAILED (NonZeroExitCode, exit code 1)" or
// "slurm: TIMEOUT (TimeLimit, time limit 00:01:00)".
func (r jobRecord) reasonText() string {
	var parts []string
	if r.Reason != "" {
		parts = append(parts, r.Reason)
	}
	if r.ExitCode != 0 {
		parts = append(parts, fmt.Sprintf("exit code %d", r.ExitCode))
	}
	// Slurm ends timed-out and cancelled jobs with SIGTERM, which adds
	// nothing to their state.
	if r.Signal != 0 && r.State != "CANCELLED" && r.State != "TIMEOUT" {
		parts = append(parts, fmt.Sprintf("signal %d", r.Signal))
	}
	if r.State == "TIMEOUT" && r.TimeLimit != "" {
		parts = append(parts, "time limit "+r.TimeLimit)
	}
	text := "slurm: " + r.State
	if len(parts) > 0 {
		text += " (" + strings.Join(parts, ", ") + ")"
	}
	return text
}

// parseIndexSet expands an array index expression such as "3", "0-4",
// "1,3,5-7", "0-8:4" (every fourth) or "2-5%2" (the part after % is the
// throttle) into indices.
func parseIndexSet(expr string) ([]int, error) {
	expr, _, _ = strings.Cut(expr, "%")
	var out []int
	for _, part := range strings.Split(expr, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		hi, stepText, hasStep := strings.Cut(hi, ":")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("array index set %q: %q is not an index", expr, part)
		}
		b, step := a, 1
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("array index set %q: %q is not a range", expr, part)
			}
		}
		if hasStep {
			if step, err = strconv.Atoi(stepText); err != nil || step < 1 {
				return nil, fmt.Errorf("array index set %q: %q has an invalid step", expr, part)
			}
		}
		for i := a; i <= b; i += step {
			out = append(out, i)
		}
	}
	return out, nil
}

// formatIndexSet writes indices as sbatch --array expects them, with
// consecutive runs as ranges: [0 1 2 5] gives "0-2,5".
func formatIndexSet(indices []int) string {
	var b strings.Builder
	for i := 0; i < len(indices); {
		j := i
		for j+1 < len(indices) && indices[j+1] == indices[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(indices[i]))
		if j > i {
			b.WriteString("-" + strconv.Itoa(indices[j]))
		}
		i = j + 1
	}
	return b.String()
}

// queueFormat is the squeue output format parseQueue reads: array job ID,
// array task index, state and reason.
const queueFormat = "%F|%K|%T|%r"

// parseQueue reads `squeue -h -r -o queueFormat` output into records keyed
// by array job ID, then index. Lines of jobs that are not array tasks are
// ignored.
func parseQueue(out string) map[string]map[int]jobRecord {
	queued := map[string]map[int]jobRecord{}
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Split(strings.TrimSpace(line), "|")
		if len(fields) != 4 {
			continue
		}
		indices, err := parseIndexSet(fields[1])
		if err != nil {
			continue
		}
		if queued[fields[0]] == nil {
			queued[fields[0]] = map[int]jobRecord{}
		}
		for _, i := range indices {
			queued[fields[0]][i] = jobRecord{Index: i, State: fields[2], Reason: noneToEmpty(fields[3])}
		}
	}
	return queued
}

// parseShowJob reads `scontrol -o show job ARRAY` output, one record per
// line, into records by array index. A pending remainder shares one record
// whose ArrayTaskId is a set such as "4-7%2"; each of its indices gets a
// copy.
func parseShowJob(out string) map[int]jobRecord {
	records := map[int]jobRecord{}
	for _, line := range strings.Split(out, "\n") {
		fields := map[string]string{}
		for _, f := range strings.Fields(line) {
			if k, v, ok := strings.Cut(f, "="); ok {
				if _, seen := fields[k]; !seen {
					fields[k] = v
				}
			}
		}
		indices, err := parseIndexSet(fields["ArrayTaskId"])
		if err != nil {
			continue
		}
		rec := jobRecord{State: fields["JobState"], Reason: noneToEmpty(fields["Reason"]), TimeLimit: fields["TimeLimit"]}
		rec.ExitCode, rec.Signal = parseExitCode(fields["ExitCode"])
		for _, i := range indices {
			rec.Index = i
			records[i] = rec
		}
	}
	return records
}

// parseAccounting reads `sacct -n -P -X -j ARRAY --format=JobID,State,ExitCode,Reason`
// output into records by array index. sacct writes "CANCELLED by 0" for
// cancelled jobs; the words after the state are dropped.
func parseAccounting(out string) map[int]jobRecord {
	records := map[int]jobRecord{}
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Split(strings.TrimSpace(line), "|")
		if len(fields) < 3 {
			continue
		}
		_, index, ok := strings.Cut(fields[0], "_")
		if !ok {
			continue
		}
		indices, err := parseIndexSet(strings.Trim(index, "[]"))
		if err != nil {
			continue
		}
		state, _, _ := strings.Cut(fields[1], " ")
		rec := jobRecord{State: state}
		rec.ExitCode, rec.Signal = parseExitCode(fields[2])
		if len(fields) > 3 {
			rec.Reason = noneToEmpty(fields[3])
		}
		for _, i := range indices {
			rec.Index = i
			records[i] = rec
		}
	}
	return records
}

// parseExitCode splits Slurm's "EXIT:SIGNAL" form.
func parseExitCode(s string) (exit, signal int) {
	a, b, _ := strings.Cut(s, ":")
	exit, _ = strconv.Atoi(a)
	signal, _ = strconv.Atoi(b)
	return exit, signal
}

func noneToEmpty(s string) string {
	if s == "None" || s == "(null)" {
		return ""
	}
	return s
}

// invalidJobID reports whether a client failed only because no job has
// the given ID any more (its record expired after MinJobAge).
func invalidJobID(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Invalid job id")
}

// lookPaths checks that every Slurm client is on PATH, so a sweep fails
// before it submits anything rather than halfway.
func lookPaths() error {
	var missing []string
	for _, name := range slurmCommands {
		if _, err := exec.LookPath(name); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("sweep: slurm executor: %s not found in PATH (%s); run the sweep on a machine with the Slurm client commands, such as the cluster's login node, or choose the local executor",
			strings.Join(missing, ", "), os.Getenv("PATH"))
	}
	return nil
}

// partitions lists the cluster's partitions.
func partitions() ([]string, error) {
	out, err := slurmCall("sinfo", "-h", "-o", "%R")
	if err != nil {
		return nil, fmt.Errorf("sweep: listing Slurm partitions: %w", err)
	}
	var names []string
	seen := map[string]bool{}
	for _, f := range strings.Fields(out) {
		if !seen[f] {
			seen[f] = true
			names = append(names, f)
		}
	}
	return names, nil
}

// errNoAccounting marks a cluster without slurmdbd, where sacct has
// nothing to report.
var errNoAccounting = errors.New("slurm accounting is disabled")
