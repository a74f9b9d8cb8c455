package plot

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named curve: Y[i] at X[i], drawn in X order as given.
type Series struct {
	Name string // legend label; an empty name leaves the series out of the legend
	X, Y []float64

	Dashed  bool        // draw a dashed line, for a reference or an average
	Markers bool        // draw a dot at every point, for short curves
	Color   color.Color // nil takes the palette colour of the series' position
}

// dashes is the dash pattern of dashed lines: 4 points on, 2 off.
var dashes = []vg.Length{vg.Points(4), vg.Points(2)}

// Lines draws each series as a line, for loss curves, k-NN accuracy over
// epochs, or accuracy against T. Series i takes Colour(i)
// unless it sets Color. Each series needs as many X as Y values, at least
// one point, and finite values (positive on a log axis).
//
// NOTE: there is no second Y axis (gonum/plot v0.17.0 has none), so
// accuracy and latency against T need two figures or a shared unit.
func Lines(ax Axes, series ...Series) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("plot %q: no series to draw", ax.Title)
	}
	p, err := newPlot(ax)
	if err != nil {
		return nil, err
	}
	for i, s := range series {
		if err := addSeries(p, ax, i, s); err != nil {
			return nil, fmt.Errorf("plot %q: %w", ax.Title, err)
		}
	}
	return p, nil
}

func addSeries(p *plot.Plot, ax Axes, i int, s Series) error {
	if len(s.X) != len(s.Y) {
		return fmt.Errorf("series %q has %d X values and %d Y values; give one X per Y", s.Name, len(s.X), len(s.Y))
	}
	if len(s.X) == 0 {
		return fmt.Errorf("series %q has no points", s.Name)
	}
	if err := checkFinite("series", s.Name, s.X, ax.LogX); err != nil {
		return err
	}
	if err := checkFinite("series", s.Name, s.Y, ax.LogY); err != nil {
		return err
	}

	xys := make(plotter.XYs, len(s.X))
	for j := range s.X {
		xys[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
	}
	c := s.Color
	if c == nil {
		c = Colour(i)
	}

	line, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("series %q: %w", s.Name, err)
	}
	line.Color = c
	line.Width = vg.Points(1.5)
	if s.Dashed {
		line.Dashes = dashes
	}
	p.Add(line)

	var thumbs []plot.Thumbnailer
	thumbs = append(thumbs, line)
	if s.Markers {
		dots, err := plotter.NewScatter(xys)
		if err != nil {
			return fmt.Errorf("series %q: %w", s.Name, err)
		}
		dots.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
		p.Add(dots)
		thumbs = append(thumbs, dots)
	}
	if s.Name != "" {
		p.Legend.Add(s.Name, thumbs...)
	}
	return nil
}
