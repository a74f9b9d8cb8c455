package records

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// fakeClock advances only when the test calls Advance.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func TestProgressBarAndLog(t *testing.T) {
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	var term, logBuf bytes.Buffer
	logger := zerolog.New(&logBuf)
	p := NewProgress("extract", 100, ProgressOptions{
		Unit: "img", Logger: &logger, LogEvery: 10 * time.Second,
		Terminal: &term, Width: 10, Clock: clock.Now,
	})

	clock.Advance(5 * time.Second)
	p.Add(25) // 5 img/s, 75 left: 15 s
	want := "\rextract [==>       ]  25% 25/100 5.0 img/s 15s left"
	if term.String() != want {
		t.Errorf("bar %q, want %q", term.String(), want)
	}
	if logBuf.Len() != 0 {
		t.Errorf("logged before LogEvery passed: %q", logBuf.String())
	}

	clock.Advance(5 * time.Second)
	p.Add(25) // 50 in 10 s
	var line map[string]any
	if err := json.Unmarshal(logBuf.Bytes(), &line); err != nil {
		t.Fatalf("log output %q: %v", logBuf.String(), err)
	}
	if line["task"] != "extract" || line["done"] != 50.0 || line["total"] != 100.0 || line["img_per_s"] != 5.0 || line["left"] != "10s" {
		t.Errorf("log line %v", line)
	}

	// Redraws closer together than DrawEvery are skipped.
	before := term.Len()
	p.Add(1)
	if term.Len() != before {
		t.Error("bar redrawn within DrawEvery")
	}

	clock.Advance(2 * time.Second)
	p.Set(100)
	p.Finish()
	if !strings.HasSuffix(term.String(), "\rextract [==========] 100% 100/100 8.3 img/s 0s left\n") {
		t.Errorf("final bar %q", term.String()[before:])
	}
	if !strings.Contains(logBuf.String(), `"message":"done"`) {
		t.Errorf("no final log line: %q", logBuf.String())
	}
}

func TestProgressResumedStart(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	p := NewProgress("pretrain", 1000, ProgressOptions{Start: 600, Clock: clock.Now})
	clock.Advance(10 * time.Second)
	p.Add(100) // 100 new units in 10 s, 300 left
	if r := p.Rate(); r != 10 {
		t.Errorf("rate %v, want 10 (work before Start does not count)", r)
	}
	left, ok := p.Remaining()
	if !ok || left != 30*time.Second {
		t.Errorf("remaining %v (%v), want 30s", left, ok)
	}
}

func TestProgressUnknownTotal(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	var term bytes.Buffer
	p := NewProgress("eval", 0, ProgressOptions{Terminal: &term, Clock: clock.Now})
	clock.Advance(2 * time.Second)
	p.Add(10)
	if term.String() != "\reval 10 5.0 it/s" {
		t.Errorf("bar %q", term.String())
	}
	if _, ok := p.Remaining(); ok {
		t.Error("Remaining is known without a total")
	}
}

func TestProgressClearsLongerLine(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	var term bytes.Buffer
	p := NewProgress("x", 0, ProgressOptions{Terminal: &term, Clock: clock.Now})
	clock.Advance(time.Second)
	p.Add(1000)
	first := term.Len()
	clock.Advance(time.Hour)
	p.Set(1)
	second := term.String()[first:]
	if len(second) != first {
		t.Errorf("shorter line %q is not padded to the previous length %d", second, first)
	}
}
