package eval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework/eval"
)

// epochLines parses the "linear evaluation epoch" lines of a JSON log.
func epochLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if m["message"] == "linear evaluation epoch" {
			lines = append(lines, m)
		}
	}
	return lines
}

// Training without a test set logs no test_top1, and a long run logs every
// 10th and the last epoch at info level and the others at debug level.
func TestLinearEpochLogWithoutTestSet(t *testing.T) {
	var buf bytes.Buffer
	opts := fastLinear()
	opts.Epochs = 25
	opts.Log = zerolog.New(&buf).Level(zerolog.DebugLevel)
	if _, _, err := eval.TrainLinear(context.Background(), blobs(200, 8, 4, 6, 1, false), opts); err != nil {
		t.Fatal(err)
	}
	lines := epochLines(t, buf.String())
	if len(lines) != 25 {
		t.Fatalf("%d epoch lines, want 25:\n%s", len(lines), buf.String())
	}
	var info []float64
	for _, l := range lines {
		if _, ok := l["test_top1"]; ok {
			t.Errorf("epoch %v logs test_top1 %v without a test set", l["epoch"], l["test_top1"])
		}
		if l["level"] == "info" {
			info = append(info, l["epoch"].(float64))
		} else if l["level"] != "debug" {
			t.Errorf("epoch %v logged at level %v, want info or debug", l["epoch"], l["level"])
		}
	}
	if want := []float64{9, 19, 24}; len(info) != len(want) || info[0] != want[0] || info[1] != want[1] || info[2] != want[2] {
		t.Errorf("epochs at info level %v, want %v", info, want)
	}
}

// A short run with a test set logs every epoch at info level with its
// test accuracy.
func TestLinearEpochLogWithTestSet(t *testing.T) {
	var buf bytes.Buffer
	opts := fastLinear()
	opts.Epochs = 4
	opts.Log = zerolog.New(&buf).Level(zerolog.InfoLevel)
	if _, err := eval.LinearEval(context.Background(), blobs(200, 8, 4, 6, 1, false), blobs(100, 8, 4, 6, 2, false), opts); err != nil {
		t.Fatal(err)
	}
	lines := epochLines(t, buf.String())
	if len(lines) != 4 {
		t.Fatalf("%d epoch lines at info level, want 4:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		if _, ok := l["test_top1"]; !ok {
			t.Errorf("epoch %v lacks test_top1 although a test set was scored", l["epoch"])
		}
	}
}
