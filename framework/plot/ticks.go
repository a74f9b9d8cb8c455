package plot

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// logTicks marks a logarithmic axis. gonum/plot's LogTicks (v0.17.0)
// labels only powers of ten, which leaves a loss curve spanning less than
// a decade with one label or none. logTicks also labels 2 and 5 times a
// power of ten when the axis spans at most three decades. It marks the
// other integer multiples without a label.
type logTicks struct{}

var _ plot.Ticker = logTicks{}

// Ticks implements plot.Ticker for min > 0.
func (logTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max < min || math.IsInf(max, 0) {
		return nil
	}
	lo := int(math.Floor(math.Log10(min)))
	hi := int(math.Ceil(math.Log10(max)))
	dense := hi-lo <= 3

	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		base := math.Pow(10, float64(e))
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < min*(1-1e-12) || v > max*(1+1e-12) {
				continue
			}
			label := ""
			if m == 1 || (dense && (m == 2 || m == 5)) {
				label = strconv.FormatFloat(v, 'g', 6, 64)
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	return ticks
}
