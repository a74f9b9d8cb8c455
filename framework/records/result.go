package records

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/snnlab/snnlab/framework/records/atomicfile"
)

// MarkFinished writes result as result.json (indented, keys sorted)
// atomically, marking the run as finished. Non-finite floats are written
// as "NaN", "+Inf" or "-Inf", as in metrics lines.
func (r *Run) MarkFinished(result map[string]any) error {
	data, err := json.MarshalIndent(jsonSafe(result), "", "  ")
	if err != nil {
		return fmt.Errorf("records: run %s: result cannot be encoded as JSON: %w", r.id, err)
	}
	if err := atomicfile.WriteFile(r.Path(ResultFile), append(data, '\n')); err != nil {
		return fmt.Errorf("records: run %s: %w", r.id, err)
	}
	return nil
}

// Finished reports whether MarkFinished has completed for the run.
func (r *Run) Finished() bool {
	_, err := os.Stat(r.Path(ResultFile))
	return err == nil
}

// Result returns the content of result.json. A run that has not finished
// gives an error wrapping fs.ErrNotExist.
func (r *Run) Result() (map[string]any, error) {
	data, err := os.ReadFile(r.Path(ResultFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("records: run %s has not finished: %w", r.id, err)
	}
	if err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("records: %s is invalid JSON: %w; delete it to run the experiment again", r.Path(ResultFile), err)
	}
	return out, nil
}
