package records

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// Keys that every metrics line has; fields passed to Log must not use them.
const (
	KeyTime  = "time"
	KeyEvent = "event"
	KeyStep  = "step"
)

// openMetrics opens metrics.jsonl for appending, first cutting off an
// unterminated last line left by a killed process.
func (r *Run) openMetrics() error {
	path := filepath.Join(r.dir, MetricsFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("records: open %s: %w", path, err)
	}
	size, partial, err := completeLength(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("records: read %s: %w", path, err)
	}
	if partial > 0 {
		if err := f.Truncate(size); err != nil {
			f.Close()
			return fmt.Errorf("records: cut the unterminated last line of %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("records: sync %s: %w", path, err)
		}
		r.notes = append(r.notes, fmt.Sprintf("dropped an unterminated last line of %d bytes from %s, written by an interrupted process", partial, MetricsFile))
	}
	r.metrics = f
	r.metricsSize = size
	return nil
}

// completeLength returns the length of f up to and including its last
// newline, and the number of bytes after it.
func completeLength(f *os.File) (complete, partial int64, err error) {
	info, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	size := info.Size()
	buf := make([]byte, 4096)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil {
			return 0, 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			complete = start + int64(i) + 1
			return complete, size - complete, nil
		}
		end = start
	}
	return 0, size, nil
}

// SetStep sets the step written with every following metrics line, such
// as the global optimisation step.
func (r *Run) SetStep(step int64) {
	r.mu.Lock()
	r.step = step
	r.mu.Unlock()
}

// Step returns the step set by SetStep.
func (r *Run) Step() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.step
}

// Log appends one line to metrics.jsonl:
//
//	{"time":"2025-01-02T15:04:05.123Z","event":"epoch","step":1200,"knn_acc":0.61,"loss":3.2}
//
// time is UTC, step is the value of SetStep, the fields follow in key
// order. A NaN or infinite float (also inside a []float64 or []float32)
// is written as the string "NaN", "+Inf" or "-Inf", because JSON has no
// such numbers. The line is synced to disk before Log returns, so a killed
// process leaves complete lines only. That costs one fsync per call, so
// log per epoch or every few hundred steps rather than every step.
func (r *Run) Log(event string, fields map[string]any) error {
	if event == "" {
		return fmt.Errorf("records: run %s: metrics event name is empty", r.id)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k == KeyTime || k == KeyEvent || k == KeyStep {
			return fmt.Errorf("records: run %s: metrics field %q of event %q is reserved; rename the field", r.id, k, event)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.metrics == nil {
		return fmt.Errorf("records: run %s is closed", r.id)
	}

	var line bytes.Buffer
	line.WriteString(`{"time":`)
	writeJSON(&line, time.Now().UTC().Format(time.RFC3339Nano))
	line.WriteString(`,"event":`)
	writeJSON(&line, event)
	line.WriteString(`,"step":`)
	line.WriteString(strconv.FormatInt(r.step, 10))
	for _, k := range keys {
		v, err := json.Marshal(jsonSafe(fields[k]))
		if err != nil {
			return fmt.Errorf("records: run %s: metrics field %q of event %q: %w", r.id, k, event, err)
		}
		line.WriteByte(',')
		writeJSON(&line, k)
		line.WriteByte(':')
		line.Write(v)
	}
	line.WriteString("}\n")

	if _, err := r.metrics.Write(line.Bytes()); err != nil {
		return fmt.Errorf("records: write %s: %w", r.Path(MetricsFile), err)
	}
	if err := r.metrics.Sync(); err != nil {
		return fmt.Errorf("records: sync %s: %w", r.Path(MetricsFile), err)
	}
	r.metricsSize += int64(line.Len())
	return nil
}

func writeJSON(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always encodes
	buf.Write(b)
}

// jsonSafe replaces non-finite floats, which encoding/json rejects, with
// their names.
func jsonSafe(v any) any {
	switch x := v.(type) {
	case float64:
		return safeFloat(x)
	case float32:
		return safeFloat(float64(x))
	case []float64:
		out := make([]any, len(x))
		for i, f := range x {
			out[i] = safeFloat(f)
		}
		return out
	case []float32:
		out := make([]any, len(x))
		for i, f := range x {
			out[i] = safeFloat(float64(f))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonSafe(e)
		}
		return out
	default:
		return v
	}
}

func safeFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	default:
		return f
	}
}

// Rewind cuts metrics.jsonl back to its length when ck was saved, so that
// a resumed run does not repeat the lines it logged after that checkpoint
// and its metrics match an uninterrupted run's (apart from times). Call
// it right after loading the checkpoint to resume from. If the file is
// already shorter than ck.MetricsOffset it is left alone and Rewind
// returns an error, because lines the checkpoint counted are missing.
func (r *Run) Rewind(ck *Checkpoint) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.metrics == nil {
		return fmt.Errorf("records: run %s is closed", r.id)
	}
	path := r.Path(MetricsFile)
	if ck.MetricsOffset > r.metricsSize {
		return fmt.Errorf("records: %s is %d bytes but the checkpoint was saved when it had %d; metrics logged before the checkpoint are missing", path, r.metricsSize, ck.MetricsOffset)
	}
	if ck.MetricsOffset == r.metricsSize {
		return nil
	}
	if err := r.metrics.Truncate(ck.MetricsOffset); err != nil {
		return fmt.Errorf("records: rewind %s to %d bytes: %w", path, ck.MetricsOffset, err)
	}
	if err := r.metrics.Sync(); err != nil {
		return fmt.Errorf("records: sync %s: %w", path, err)
	}
	r.metricsSize = ck.MetricsOffset
	return nil
}

// Metric is one line of metrics.jsonl.
type Metric struct {
	Time   time.Time
	Event  string
	Step   int64
	Fields map[string]any // the other keys, decoded by encoding/json (numbers as float64)
}

// Metrics is the content of a metrics file.
type Metrics struct {
	Records []Metric

	// PartialBytes is the length of an unterminated last line that was
	// skipped, the trace of a write cut off by a killed process; 0 when
	// the file ends with a newline.
	PartialBytes int
}

// ReadMetrics reads a metrics.jsonl file. An unterminated last line is
// skipped and counted in PartialBytes; a malformed complete line is an
// error naming its line number.
func ReadMetrics(path string) (*Metrics, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	defer f.Close()
	m, err := DecodeMetrics(f)
	if err != nil {
		return nil, fmt.Errorf("records: %s: %w", path, err)
	}
	return m, nil
}

// DecodeMetrics reads metrics lines from rd, as ReadMetrics does.
func DecodeMetrics(rd io.Reader) (*Metrics, error) {
	br := bufio.NewReader(rd)
	m := &Metrics{}
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			m.PartialBytes = len(line)
			return m, nil
		}
		if err != nil {
			return nil, err
		}
		rec, err := parseMetric(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		m.Records = append(m.Records, rec)
	}
}

func parseMetric(line []byte) (Metric, error) {
	var fields map[string]any
	if err := json.Unmarshal(line, &fields); err != nil {
		return Metric{}, fmt.Errorf("invalid JSON: %w", err)
	}
	var rec Metric
	ts, _ := fields[KeyTime].(string)
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return Metric{}, fmt.Errorf("missing or invalid %q: %v", KeyTime, fields[KeyTime])
	}
	rec.Time = t
	if rec.Event, _ = fields[KeyEvent].(string); rec.Event == "" {
		return Metric{}, fmt.Errorf("missing %q", KeyEvent)
	}
	step, ok := fields[KeyStep].(float64)
	if !ok || step != math.Trunc(step) {
		return Metric{}, fmt.Errorf("missing or invalid %q: %v", KeyStep, fields[KeyStep])
	}
	rec.Step = int64(step)
	delete(fields, KeyTime)
	delete(fields, KeyEvent)
	delete(fields, KeyStep)
	rec.Fields = fields
	return rec, nil
}

// Series returns the steps and values of field in the records of event,
// in file order, for plotting a curve. Values written as "NaN", "+Inf" or
// "-Inf" come back as those floats; records without a numeric field are
// skipped.
func (m *Metrics) Series(event, field string) (steps, values []float64) {
	for _, rec := range m.Records {
		if rec.Event != event {
			continue
		}
		var v float64
		switch x := rec.Fields[field].(type) {
		case float64:
			v = x
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil || (!math.IsNaN(f) && !math.IsInf(f, 0)) {
				continue
			}
			v = f
		default:
			continue
		}
		steps = append(steps, float64(rec.Step))
		values = append(values, v)
	}
	return steps, values
}

// Metrics reads the run's metrics file.
func (r *Run) Metrics() (*Metrics, error) {
	return ReadMetrics(r.Path(MetricsFile))
}
