package records

import (
	"math"
	"os"
	"strings"
	"testing"
)

func nan() float64 { return math.NaN() }

func TestLogAndReadMetrics(t *testing.T) {
	r, err := Create(t.TempDir(), "exp", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.SetStep(10)
	if err := r.Log("epoch", map[string]any{"loss": 2.5, "knn": 0.4, "rates": []float64{0.1, math.Inf(1)}}); err != nil {
		t.Fatal(err)
	}
	r.SetStep(20)
	if err := r.Log("epoch", map[string]any{"loss": nan(), "knn": 0.5}); err != nil {
		t.Fatal(err)
	}

	data, _ := os.ReadFile(r.Path(MetricsFile))
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), data)
	}
	// The fixed keys come first, the fields in key order.
	first := lines[0]
	if i := strings.Index(first, `,"event":"epoch","step":10,"knn":0.4,"loss":2.5,"rates":[0.1,"+Inf"]}`); i < 0 {
		t.Errorf("line %q does not have the expected layout", first)
	}
	if !strings.HasPrefix(first, `{"time":"`) {
		t.Errorf("line %q does not start with the time", first)
	}

	m, err := r.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Records) != 2 || m.PartialBytes != 0 {
		t.Fatalf("read %d records and %d partial bytes, want 2 and 0", len(m.Records), m.PartialBytes)
	}
	if m.Records[1].Step != 20 || m.Records[1].Event != "epoch" || m.Records[1].Time.IsZero() {
		t.Errorf("record %+v lacks step, event or time", m.Records[1])
	}
	steps, loss := m.Series("epoch", "loss")
	if len(steps) != 2 || steps[0] != 10 || loss[0] != 2.5 || !math.IsNaN(loss[1]) {
		t.Errorf("loss series %v at steps %v, want [2.5 NaN] at [10 20]", loss, steps)
	}
}

func TestLogRejectsReservedKeys(t *testing.T) {
	r, err := Create(t.TempDir(), "exp", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, k := range []string{KeyTime, KeyEvent, KeyStep} {
		if err := r.Log("epoch", map[string]any{k: 1}); err == nil {
			t.Errorf("Log accepted field %q", k)
		}
	}
	if err := r.Log("", nil); err == nil {
		t.Error("Log accepted an empty event name")
	}
	if err := r.Log("x", map[string]any{"bad": make(chan int)}); err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("unencodable field: error %v, want one naming the field", err)
	}
}

func TestReadMetricsSkipsPartialLastLine(t *testing.T) {
	path := t.TempDir() + "/metrics.jsonl"
	content := `{"time":"2025-01-02T03:04:05Z","event":"epoch","step":1,"loss":2}` + "\n" +
		`{"time":"2025-01-02T03:04:06Z","event":"epoch","step":2,"lo`
	os.WriteFile(path, []byte(content), 0o644)
	m, err := ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Records) != 1 {
		t.Errorf("%d records, want 1", len(m.Records))
	}
	if want := len(`{"time":"2025-01-02T03:04:06Z","event":"epoch","step":2,"lo`); m.PartialBytes != want {
		t.Errorf("PartialBytes %d, want %d", m.PartialBytes, want)
	}
}

func TestReadMetricsMalformedLine(t *testing.T) {
	path := t.TempDir() + "/metrics.jsonl"
	content := `{"time":"2025-01-02T03:04:05Z","event":"epoch","step":1}` + "\n" + "garbage\n"
	os.WriteFile(path, []byte(content), 0o644)
	_, err := ReadMetrics(path)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error %v, want one naming line 2", err)
	}
	os.WriteFile(path, []byte(`{"event":"epoch","step":1}`+"\n"), 0o644)
	if _, err := ReadMetrics(path); err == nil || !strings.Contains(err.Error(), `"time"`) {
		t.Errorf("line without time: error %v", err)
	}
}

func TestOpenCutsPartialLine(t *testing.T) {
	r, err := Create(t.TempDir(), "exp", 1)
	if err != nil {
		t.Fatal(err)
	}
	r.Log("epoch", map[string]any{"loss": 1})
	r.Close()

	// A process killed in the middle of a write.
	f, _ := os.OpenFile(r.Path(MetricsFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2025-01-02T`)
	f.Close()

	r2, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if err := r2.Log("epoch", map[string]any{"loss": 2}); err != nil {
		t.Fatal(err)
	}
	m, err := r2.Metrics()
	if err != nil {
		t.Fatalf("metrics after repair do not parse: %v", err)
	}
	if len(m.Records) != 2 || m.PartialBytes != 0 {
		t.Errorf("%d records and %d partial bytes, want 2 and 0", len(m.Records), m.PartialBytes)
	}

	var console strings.Builder
	if _, err := r2.Logger(&console); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(console.String(), "unterminated last line") {
		t.Errorf("logger did not report the repair; console: %q", console.String())
	}
}

func TestRewindDropsLinesAfterCheckpoint(t *testing.T) {
	r, err := Create(t.TempDir(), "exp", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Log("epoch", map[string]any{"loss": 1})
	ck := &Checkpoint{Epoch: 1}
	if err := r.SaveCheckpoint("last", ck); err != nil {
		t.Fatal(err)
	}
	r.Log("epoch", map[string]any{"loss": 2})
	r.Log("epoch", map[string]any{"loss": 3})

	loaded, err := r.LoadCheckpoint("last")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Rewind(loaded); err != nil {
		t.Fatal(err)
	}
	r.Log("epoch", map[string]any{"loss": 4})
	m, _ := r.Metrics()
	_, loss := m.Series("epoch", "loss")
	if len(loss) != 2 || loss[0] != 1 || loss[1] != 4 {
		t.Errorf("loss after rewind %v, want [1 4]", loss)
	}

	if err := r.Rewind(&Checkpoint{MetricsOffset: 1 << 40}); err == nil {
		t.Error("Rewind past the end of the file gave no error")
	}
}
