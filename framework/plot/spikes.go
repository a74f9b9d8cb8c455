package plot

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
)

// LayerRate is the firing rate of one layer at each time step.
type LayerRate struct {
	Name string

	// Rates[t] is the mean number of spikes per neuron at time step t+1,
	// in [0, 1] for binary spikes.
	Rates []float64

	// Neurons is the layer's neuron count, which weights the layer in the
	// network average. Leave it 0 in every layer for a plain mean over
	// layers.
	Neurons int
}

// NetworkAverage returns the network's rate per time step: the mean of the
// layers' rates weighted by their neuron counts, or the plain mean when no
// layer sets Neurons. All layers must have the same number of time steps,
// and either all or none must set Neurons.
func NetworkAverage(layers []LayerRate) ([]float64, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("spike rates: no layers")
	}
	steps := len(layers[0].Rates)
	weighted := layers[0].Neurons != 0
	total := 0.0
	for _, l := range layers {
		if len(l.Rates) != steps {
			return nil, fmt.Errorf("spike rates: layer %q has %d time steps but layer %q has %d; give every layer the same T", l.Name, len(l.Rates), layers[0].Name, steps)
		}
		if (l.Neurons != 0) != weighted || l.Neurons < 0 {
			return nil, fmt.Errorf("spike rates: layer %q has %d neurons; set a positive count in every layer or leave it 0 in all", l.Name, l.Neurons)
		}
		if err := checkFinite("layer", l.Name, l.Rates, false); err != nil {
			return nil, fmt.Errorf("spike rates: %w", err)
		}
		if weighted {
			total += float64(l.Neurons)
		} else {
			total++
		}
	}
	if steps == 0 {
		return nil, fmt.Errorf("spike rates: layers have no time steps")
	}

	avg := make([]float64, steps)
	for _, l := range layers {
		w := 1.0
		if weighted {
			w = float64(l.Neurons)
		}
		for t, r := range l.Rates {
			avg[t] += w * r / total
		}
	}
	return avg, nil
}

// SpikeRates draws each layer's spike rate against the time step
// (1, 2, …, T) as a line with markers, in palette order, and the network
// average from NetworkAverage as a black dashed line labelled "network
// average". Empty axis labels default to "time step" and "spike rate".
func SpikeRates(ax Axes, layers []LayerRate) (*plot.Plot, error) {
	avg, err := NetworkAverage(layers)
	if err != nil {
		return nil, fmt.Errorf("plot %q: %w", ax.Title, err)
	}
	if ax.XLabel == "" {
		ax.XLabel = "time step"
	}
	if ax.YLabel == "" {
		ax.YLabel = "spike rate"
	}

	steps := make([]float64, len(avg))
	for t := range steps {
		steps[t] = float64(t + 1)
	}
	series := make([]Series, 0, len(layers)+1)
	for _, l := range layers {
		series = append(series, Series{Name: l.Name, X: steps, Y: l.Rates, Markers: true})
	}
	series = append(series, Series{Name: "network average", X: steps, Y: avg, Dashed: true, Color: color.Black})

	p, err := Lines(ax, series...)
	if err != nil {
		return nil, err
	}
	if len(steps) <= 20 {
		ticks := make([]plot.Tick, len(steps))
		for t := range steps {
			ticks[t] = plot.Tick{Value: steps[t], Label: fmt.Sprint(t + 1)}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	return p, nil
}
