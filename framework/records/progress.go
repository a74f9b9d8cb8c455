package records

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// ProgressOptions sets where a Progress reports and how often.
type ProgressOptions struct {
	Unit string // unit of work shown in the rate, such as "img" or "batch"; default "it"

	Logger   *zerolog.Logger // receives an info line at most every LogEvery; nil for none
	LogEvery time.Duration   // default 10 s

	Terminal  io.Writer     // receives a one-line bar redrawn with "\r"; nil for none
	DrawEvery time.Duration // minimum time between redraws; default 200 ms
	Width     int           // bar width in characters; default 30

	// Start is the work already done when the progress begins, such as
	// the batches before a resumed run's checkpoint. It counts towards the
	// fraction done but not towards the rate.
	Start int64

	// Clock returns the current time; default time.Now.
	Clock func() time.Time
}

// Progress reports how far a long task has come: done and total, the rate
// in units per second since it began, and the estimated time left. Its
// methods are safe for concurrent use.
type Progress struct {
	label string
	total int64
	opt   ProgressOptions

	mu       sync.Mutex
	done     int64
	began    time.Time
	lastLog  time.Time
	lastDraw time.Time
	drawn    int // length of the last drawn line, to blank what a shorter one leaves
}

// NewProgress starts a progress report for total units of work (0 or less
// when the total is unknown) named label, such as "pretrain epoch 3".
func NewProgress(label string, total int64, opt ProgressOptions) *Progress {
	if opt.Unit == "" {
		opt.Unit = "it"
	}
	if opt.LogEvery <= 0 {
		opt.LogEvery = 10 * time.Second
	}
	if opt.DrawEvery <= 0 {
		opt.DrawEvery = 200 * time.Millisecond
	}
	if opt.Width <= 0 {
		opt.Width = 30
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	now := opt.Clock()
	return &Progress{label: label, total: total, opt: opt, done: opt.Start, began: now, lastLog: now}
}

// Add records n more units done.
func (p *Progress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.report(false)
}

// Set records that done units are done in all.
func (p *Progress) Set(done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = done
	p.report(false)
}

// Finish writes a final log line and bar and ends the bar's line.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.report(true)
	if p.opt.Terminal != nil {
		io.WriteString(p.opt.Terminal, "\n")
	}
}

// Rate returns the units done per second since the progress began.
func (p *Progress) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate(p.opt.Clock())
}

// Remaining returns the estimated time left at the current rate, and
// false when it cannot be estimated (unknown total or no work done yet).
func (p *Progress) Remaining() (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.remaining(p.rate(p.opt.Clock()))
}

func (p *Progress) rate(now time.Time) float64 {
	elapsed := now.Sub(p.began).Seconds()
	if elapsed <= 0 {
		return 0
	}
	return float64(p.done-p.opt.Start) / elapsed
}

func (p *Progress) remaining(rate float64) (time.Duration, bool) {
	if p.total <= 0 || rate <= 0 {
		return 0, false
	}
	left := float64(max(p.total-p.done, 0)) / rate
	return time.Duration(math.Round(left)) * time.Second, true
}

// report logs and draws if their intervals have passed, or always when
// final is set. The caller holds p.mu.
func (p *Progress) report(final bool) {
	now := p.opt.Clock()
	rate := p.rate(now)
	left, known := p.remaining(rate)

	if p.opt.Logger != nil && (final || now.Sub(p.lastLog) >= p.opt.LogEvery) {
		p.lastLog = now
		ev := p.opt.Logger.Info().Str("task", p.label).Int64("done", p.done).Float64(p.opt.Unit+"_per_s", roundTo(rate, 3))
		if p.total > 0 {
			ev = ev.Int64("total", p.total)
		}
		if known {
			ev = ev.Str("left", left.String())
		}
		msg := "progress"
		if final {
			msg = "done"
		}
		ev.Msg(msg)
	}

	if p.opt.Terminal != nil && (final || now.Sub(p.lastDraw) >= p.opt.DrawEvery) {
		p.lastDraw = now
		line := p.line(rate, left, known)
		pad := max(p.drawn-len(line), 0)
		p.drawn = len(line)
		io.WriteString(p.opt.Terminal, "\r"+line+strings.Repeat(" ", pad))
	}
}

// line formats the bar:
//
//	pretrain epoch 3 [=============>                ]  45% 1200/2650 312.5 img/s 4s left
func (p *Progress) line(rate float64, left time.Duration, known bool) string {
	var b strings.Builder
	b.WriteString(p.label)
	if p.total > 0 {
		frac := min(max(float64(p.done)/float64(p.total), 0), 1)
		filled := int(frac * float64(p.opt.Width))
		b.WriteString(" [")
		b.WriteString(strings.Repeat("=", filled))
		if filled < p.opt.Width {
			b.WriteString(">")
			b.WriteString(strings.Repeat(" ", p.opt.Width-filled-1))
		}
		fmt.Fprintf(&b, "] %3.0f%% %d/%d", 100*frac, p.done, p.total)
	} else {
		fmt.Fprintf(&b, " %d", p.done)
	}
	fmt.Fprintf(&b, " %.1f %s/s", rate, p.opt.Unit)
	if known {
		fmt.Fprintf(&b, " %s left", left)
	}
	return b.String()
}

func roundTo(v float64, digits int) float64 {
	scale := math.Pow(10, float64(digits))
	return math.Round(v*scale) / scale
}
