package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate for a 0-based optimiser step.
type Schedule interface {
	LR(step int) float64
}

// Constant is a fixed learning rate.
type Constant float64

// LR returns the constant.
func (c Constant) LR(int) float64 { return float64(c) }

// WarmupCosine rises linearly from Base/Warmup to Base over the first
// Warmup steps, then follows a half cosine from Base down to Final at step
// Total. Steps past Total stay at Final.
type WarmupCosine struct {
	Base   float64
	Final  float64
	Warmup int
	Total  int
}

// NewWarmupCosine checks the settings and returns the schedule.
func NewWarmupCosine(base, final float64, warmup, total int) (WarmupCosine, error) {
	switch {
	case base <= 0 || math.IsNaN(base):
		return WarmupCosine{}, fmt.Errorf("schedule: base learning rate %v, want > 0", base)
	case final < 0 || final > base:
		return WarmupCosine{}, fmt.Errorf("schedule: final learning rate %v, want within [0, %v]", final, base)
	case total < 1:
		return WarmupCosine{}, fmt.Errorf("schedule: %d total steps, want at least 1", total)
	case warmup < 0 || warmup > total:
		return WarmupCosine{}, fmt.Errorf("schedule: %d warm-up steps, want within [0, %d]", warmup, total)
	}
	return WarmupCosine{Base: base, Final: final, Warmup: warmup, Total: total}, nil
}

// LR returns the learning rate at step.
func (s WarmupCosine) LR(step int) float64 {
	if step < s.Warmup {
		return s.Base * float64(step+1) / float64(s.Warmup)
	}
	if step >= s.Total {
		return s.Final
	}
	span := s.Total - s.Warmup
	if span <= 0 {
		return s.Base
	}
	progress := float64(step-s.Warmup) / float64(span)
	return s.Final + (s.Base-s.Final)*0.5*(1+math.Cos(math.Pi*progress))
}
