package events

import (
	"fmt"

	"github.com/snnlab/snnlab/framework/data"
)

// Split selects how events are divided among frames.
type Split int

const (
	// ByTime gives each frame an equal share of the time from the first to
	// the last event.
	ByTime Split = iota
	// ByCount gives each frame an equal share of the events.
	ByCount
)

// FrameConfig sets how a recording becomes frames.
type FrameConfig struct {
	T     int   // frames per recording, > 0
	Split Split // ByTime or ByCount
	// SensorW and SensorH are the sensor size in pixels; every event must
	// lie inside it.
	SensorW, SensorH int
	// OutW and OutH are the frame size; 0 keeps the sensor size. Event
	// coordinates are scaled by OutW/SensorW and OutH/SensorH and rounded
	// down, so each output pixel sums the events of the sensor pixels it
	// covers.
	OutW, OutH int
}

// Shape returns the frame shape [T, 2, OutH, OutW] with defaults applied.
func (c FrameConfig) Shape() data.Shape {
	h, w := c.OutH, c.OutW
	if h == 0 {
		h = c.SensorH
	}
	if w == 0 {
		w = c.SensorW
	}
	return data.Shape{T: c.T, C: 2, H: h, W: w}
}

func (c FrameConfig) validate() error {
	if c.T <= 0 || c.SensorW <= 0 || c.SensorH <= 0 || c.OutW < 0 || c.OutH < 0 {
		return fmt.Errorf("events: frame config %+v: T and the sensor size must be positive and the output size non-negative", c)
	}
	if c.Split != ByTime && c.Split != ByCount {
		return fmt.Errorf("events: frame config split %d is neither ByTime nor ByCount", c.Split)
	}
	return nil
}

// ToFrames integrates evs into dst, which has layout [T, 2, H, W] and
// length cfg.Shape().Size(): dst[t, p, y, x] counts the events of polarity
// p (0 = OFF, 1 = ON) that fall in frame t at scaled pixel (y, x). Events
// must be in time order. An event outside the sensor is an error.
func ToFrames(evs []Event, cfg FrameConfig, dst []float32) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	s := cfg.Shape()
	if len(dst) != s.Size() {
		return fmt.Errorf("events: destination has %d values, want %d for frames %v", len(dst), s.Size(), s)
	}
	clear(dst)
	if len(evs) == 0 {
		return nil
	}

	first, last := evs[0].T, evs[len(evs)-1].T
	span := last - first + 1
	n := int64(len(evs))
	plane := s.H * s.W
	for i, e := range evs {
		if int(e.X) >= cfg.SensorW || int(e.Y) >= cfg.SensorH {
			return fmt.Errorf("events: event %d at (x %d, y %d) lies outside the %d×%d sensor: set SensorW and SensorH to the recording's sensor size", i, e.X, e.Y, cfg.SensorW, cfg.SensorH)
		}
		var t int64
		if cfg.Split == ByTime {
			if e.T < first || e.T > last {
				return fmt.Errorf("events: event %d at %d µs lies outside %d…%d µs: events must be in time order", i, e.T, first, last)
			}
			t = (e.T - first) * int64(cfg.T) / span
		} else {
			t = int64(i) * int64(cfg.T) / n
		}
		x := int(e.X) * s.W / cfg.SensorW
		y := int(e.Y) * s.H / cfg.SensorH
		dst[(int(t)*2+int(e.P&1))*plane+y*s.W+x]++
	}
	return nil
}
