package sweep

import (
	"context"
	"fmt"
	"sync"

	"github.com/rs/zerolog"
)

// Local runs tasks in this process by calling Run, Workers at a time.
type Local struct {
	// Run executes one task. index is the task's position in the sweep.
	// An error or a panic marks that task Failed; the others still run.
	Run func(ctx context.Context, index int, spec []byte) error

	Workers int            // tasks running at once; 0 or 1 runs them one after another
	Log     zerolog.Logger // one line per task start and end
}

// Execute implements Executor. Once ctx is cancelled no new task starts,
// the running ones see the cancelled ctx, and the tasks that never started
// end as Cancelled.
func (l *Local) Execute(ctx context.Context, tasks []Task) ([]Outcome, error) {
	if l.Run == nil {
		return nil, fmt.Errorf("sweep: the local executor has no Run function")
	}
	if l.Workers < 0 {
		return nil, fmt.Errorf("sweep: local executor workers = %d; want at least 1, or 0 for one at a time", l.Workers)
	}
	workers := max(l.Workers, 1)

	outcomes := make([]Outcome, len(tasks))
	final := make([]bool, len(tasks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, workers)

	for i, task := range tasks {
		if task.Done {
			mu.Lock()
			outcomes[i], final[i] = Outcome{State: Skipped}, true
			mu.Unlock()
			l.Log.Info().Int("task", i).Str("name", task.Name).Msg("already finished; not running it again")
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			l.Log.Info().Int("task", i).Str("name", task.Name).Msg("task started")
			err := l.runOne(ctx, i, task.Spec)

			mu.Lock()
			defer mu.Unlock()
			outcomes[i] = Outcome{State: Completed, Attempts: 1}
			if err != nil {
				outcomes[i] = Outcome{State: Failed, Reason: "error: " + err.Error(), Attempts: 1}
				if ctx.Err() != nil {
					outcomes[i].State = Cancelled
				}
				l.Log.Error().Int("task", i).Str("name", task.Name).Err(err).Msg("task failed")
			}
			final[i] = true
			c := counts(outcomes, final)
			l.Log.Info().Int("task", i).Str("name", task.Name).Str("state", string(outcomes[i].State)).
				Msg(progressLine(c, len(tasks)))
		}()
	}
	wg.Wait()

	if ctx.Err() != nil {
		for i := range outcomes {
			if !final[i] {
				outcomes[i] = Outcome{State: Cancelled, Reason: "interrupted before it started"}
			}
		}
		return outcomes, fmt.Errorf("sweep: interrupted: %w", ctx.Err())
	}
	return outcomes, nil
}

// runOne calls Run and turns a panic into an error, so that one broken
// task cannot take the sweep down.
func (l *Local) runOne(ctx context.Context, index int, spec []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return l.Run(ctx, index, spec)
}

// progressLine summarises the states of the ended tasks, such as
// "3 of 8 ended: 2 COMPLETED, 1 FAILED".
func progressLine(c map[State]int, total int) string {
	ended := 0
	for _, n := range c {
		ended += n
	}
	line := fmt.Sprintf("%d of %d ended", ended, total)
	sep := ": "
	for _, s := range []State{Completed, Skipped, Failed, Timeout, OutOfMemory, Cancelled} {
		if c[s] > 0 {
			line += fmt.Sprintf("%s%d %s", sep, c[s], s)
			sep = ", "
		}
	}
	for s, n := range c {
		switch s {
		case Completed, Skipped, Failed, Timeout, OutOfMemory, Cancelled:
		default:
			line += fmt.Sprintf("%s%d %s", sep, n, s)
			sep = ", "
		}
	}
	return line
}
