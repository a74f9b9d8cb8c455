package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarSeries is one named set of bars, one value per category.
type BarSeries struct {
	Name   string
	Values []float64

	// Errors, if set, holds one error-bar half-length per category (such
	// as a standard deviation over seeds), drawn as Values[i] ± Errors[i].
	Errors []float64
}

// groupWidth is the share of a category's slot that its bars fill.
const groupWidth = 0.8

// Bars draws grouped bars: for each category, one bar per series side by
// side in palette order, with optional error bars. Categories label the X
// axis. A logarithmic axis is rejected because bars start at zero.
func Bars(ax Axes, categories []string, series ...BarSeries) (*plot.Plot, error) {
	if err := checkBars(ax, categories, series, false); err != nil {
		return nil, err
	}
	p, err := newPlot(ax)
	if err != nil {
		return nil, err
	}

	bars := &barPlotter{categories: len(categories)}
	width := groupWidth / float64(len(series))
	for g, s := range series {
		for i, v := range s.Values {
			x0 := float64(i) - groupWidth/2 + float64(g)*width
			bars.rects = append(bars.rects, barRect{x0: x0, x1: x0 + width, y0: 0, y1: v, color: Colour(g)})
			if s.Errors != nil {
				bars.errs = append(bars.errs, errorBar{x: x0 + width/2, lo: v - s.Errors[i], hi: v + s.Errors[i], cap: width / 2})
			}
		}
	}
	p.Add(bars)
	addBarLegend(p, series)
	p.NominalX(categories...)
	return p, nil
}

// StackedBars draws one bar per category made of the series stacked from
// the bottom in order, for a breakdown such as the time of forward pass,
// loss and backward pass. Values must be non-negative, and error bars are
// rejected because a stack has no single value to bound.
func StackedBars(ax Axes, categories []string, parts ...BarSeries) (*plot.Plot, error) {
	if err := checkBars(ax, categories, parts, true); err != nil {
		return nil, err
	}
	p, err := newPlot(ax)
	if err != nil {
		return nil, err
	}

	bars := &barPlotter{categories: len(categories)}
	bottom := make([]float64, len(categories))
	for g, s := range parts {
		for i, v := range s.Values {
			x0 := float64(i) - groupWidth/2
			bars.rects = append(bars.rects, barRect{x0: x0, x1: x0 + groupWidth, y0: bottom[i], y1: bottom[i] + v, color: Colour(g)})
			bottom[i] += v
		}
	}
	p.Add(bars)
	addBarLegend(p, parts)
	p.NominalX(categories...)
	return p, nil
}

func checkBars(ax Axes, categories []string, series []BarSeries, stacked bool) error {
	if ax.LogX || ax.LogY {
		return fmt.Errorf("plot %q: bar charts need linear axes because bars start at zero", ax.Title)
	}
	if len(categories) == 0 {
		return fmt.Errorf("plot %q: no categories", ax.Title)
	}
	if len(series) == 0 {
		return fmt.Errorf("plot %q: no bar series", ax.Title)
	}
	for _, s := range series {
		if len(s.Values) != len(categories) {
			return fmt.Errorf("plot %q: bar series %q has %d values for %d categories; give one value per category", ax.Title, s.Name, len(s.Values), len(categories))
		}
		if err := checkFinite("bar series", s.Name, s.Values, false); err != nil {
			return fmt.Errorf("plot %q: %w", ax.Title, err)
		}
		if s.Errors == nil {
			continue
		}
		if stacked {
			return fmt.Errorf("plot %q: bar series %q has error bars, which stacked bars do not draw; leave Errors nil", ax.Title, s.Name)
		}
		if len(s.Errors) != len(categories) {
			return fmt.Errorf("plot %q: bar series %q has %d errors for %d categories; give one per category or none", ax.Title, s.Name, len(s.Errors), len(categories))
		}
		if err := checkFinite("errors of bar series", s.Name, s.Errors, false); err != nil {
			return fmt.Errorf("plot %q: %w", ax.Title, err)
		}
	}
	if stacked {
		for _, s := range series {
			for i, v := range s.Values {
				if v < 0 {
					return fmt.Errorf("plot %q: bar series %q has value %v in category %q; stacked parts must be non-negative", ax.Title, s.Name, v, categories[i])
				}
			}
		}
	}
	return nil
}

func addBarLegend(p *plot.Plot, series []BarSeries) {
	for g, s := range series {
		if s.Name != "" {
			p.Legend.Add(s.Name, swatch{Colour(g)})
		}
	}
}

// barRect is one bar in data coordinates.
type barRect struct {
	x0, x1, y0, y1 float64
	color          color.Color
}

// errorBar is a vertical error bar with caps of width cap, in data
// coordinates.
type errorBar struct {
	x, lo, hi, cap float64
}

// barPlotter draws bars whose width is in data units, so that error bars
// can sit at the centre of each bar of a group. Categories sit at
// x = 0, 1, …, categories−1.
type barPlotter struct {
	categories int
	rects      []barRect
	errs       []errorBar
}

var outline = draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}

// Plot implements plot.Plotter.
func (b *barPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, r := range b.rects {
		pts := []vg.Point{
			{X: trX(r.x0), Y: trY(r.y0)},
			{X: trX(r.x0), Y: trY(r.y1)},
			{X: trX(r.x1), Y: trY(r.y1)},
			{X: trX(r.x1), Y: trY(r.y0)},
		}
		c.FillPolygon(r.color, c.ClipPolygonY(pts))
		c.StrokeLines(outline, c.ClipLinesY(append(pts, pts[0]))...)
	}

	style := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	for _, e := range b.errs {
		x := trX(e.x)
		lo, hi := trY(e.lo), trY(e.hi)
		half := (trX(e.x+e.cap/2) - trX(e.x-e.cap/2)) / 2
		c.StrokeLines(style, c.ClipLinesY([]vg.Point{{X: x, Y: lo}, {X: x, Y: hi}})...)
		c.StrokeLines(style, c.ClipLinesY([]vg.Point{{X: x - half, Y: lo}, {X: x + half, Y: lo}})...)
		c.StrokeLines(style, c.ClipLinesY([]vg.Point{{X: x - half, Y: hi}, {X: x + half, Y: hi}})...)
	}
}

// DataRange implements plot.DataRanger; the Y range always includes 0.
func (b *barPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = 0, 0
	for _, r := range b.rects {
		ymin = math.Min(ymin, math.Min(r.y0, r.y1))
		ymax = math.Max(ymax, math.Max(r.y0, r.y1))
	}
	for _, e := range b.errs {
		ymin = math.Min(ymin, math.Min(e.lo, e.hi))
		ymax = math.Max(ymax, math.Max(e.lo, e.hi))
	}
	return -0.5, float64(b.categories) - 0.5, ymin, ymax
}

// swatch is a legend thumbnail filled with one colour.
type swatch struct{ color color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y},
		{X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Min.Y},
	}
	c.FillPolygon(s.color, pts)
	c.StrokeLines(outline, append(pts, pts[0]))
}
