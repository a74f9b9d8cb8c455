// Package sweep runs a set of independent tasks, such as the cells of an
// experiment grid, through an executor chosen at run time. Local runs them
// in this process. Slurm submits them as a job array to a Slurm cluster and
// follows them until every task has ended.
//
// A task is an opaque specification (bytes) with a name. The package does
// not know what a task computes or where its results go; the caller decides
// which tasks are already done, writes the results and reads them back. A
// task that fails is reported in its Outcome and never stops the others.
package sweep

import (
	"context"
	"fmt"
)

// Task is one unit of a sweep.
type Task struct {
	Name string // label for logs, such as "lif-btl seed 1"
	Spec []byte // input of the task runner; Slurm writes it to a file per task
	Done bool   // finished before the sweep started: no executor runs it again
}

// State is the end state of a task. The Slurm executor passes through Slurm's own
// job state names, so states other than the constants below occur, such
// as NODE_FAIL, PREEMPTED, BOOT_FAIL or DEADLINE.
type State string

// Task states.
const (
	Completed   State = "COMPLETED"     // ran and succeeded
	Skipped     State = "SKIPPED"       // Task.Done was set, so it did not run
	Failed      State = "FAILED"        // ran and failed: non-zero exit code or an error
	Timeout     State = "TIMEOUT"       // killed at its time limit
	OutOfMemory State = "OUT_OF_MEMORY" // killed at its memory limit
	Cancelled   State = "CANCELLED"     // cancelled before or while it ran
)

// Outcome is the result of running one task.
type Outcome struct {
	State    State
	Reason   string // cause of the failure in the executor's words; empty when OK
	Detail   string // the task's own last error line, when the executor could read it
	JobID    string // Slurm: the last attempt's job ID as ARRAY_INDEX, such as "12_3"
	Attempts int    // how many times the task ran or was submitted
	Output   string // Slurm: path of the last attempt's output file
}

// OK reports whether the task has its result: it completed now or before.
func (o Outcome) OK() bool { return o.State == Completed || o.State == Skipped }

// Executor runs the tasks of a sweep.
type Executor interface {
	// Execute runs every task whose Done is false and returns one Outcome
	// per task, in the order of tasks. A task that fails is not an error.
	// Execute returns an error without running anything when its input or
	// environment is invalid. When ctx is cancelled, it cancels the tasks
	// still running and returns the outcomes so far with an error.
	Execute(ctx context.Context, tasks []Task) ([]Outcome, error)
}

// Product returns every combination of one index per axis, for axes of
// the given sizes, in row-major order: the last axis varies fastest.
// Product(2, 3) is [0 0] [0 1] [0 2] [1 0] [1 1] [1 2]. No sizes give one
// empty combination; a size below one is an error.
func Product(sizes ...int) ([][]int, error) {
	total := 1
	for i, n := range sizes {
		if n < 1 {
			return nil, fmt.Errorf("sweep: axis %d has %d values; every axis needs at least one", i, n)
		}
		total *= n
	}
	combos := make([][]int, 0, total)
	current := make([]int, len(sizes))
	for range total {
		combos = append(combos, append([]int(nil), current...))
		for axis := len(sizes) - 1; axis >= 0; axis-- {
			current[axis]++
			if current[axis] < sizes[axis] {
				break
			}
			current[axis] = 0
		}
	}
	return combos, nil
}

// counts tallies outcomes by state for progress lines.
func counts(outcomes []Outcome, final []bool) map[State]int {
	c := map[State]int{}
	for i, o := range outcomes {
		if final[i] {
			c[o.State]++
		}
	}
	return c
}
