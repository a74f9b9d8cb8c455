package plot

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Points is a labelled point cloud, such as a t-SNE embedding of features:
// point i is at (X[i], Y[i]) and belongs to class Class[i].
type Points struct {
	X, Y  []float64
	Class []int // class index of each point, ≥ 0

	// ClassNames[k] is the legend label of class k; a class without a
	// name is labelled "class k".
	ClassNames []string
}

// glyphShapes tell classes apart once the palette's ten colours repeat:
// class k has colour k mod 10 and shape (k div 10) mod 4.
var glyphShapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}}

// Scatter draws the points as small dots coloured by class, one legend
// entry per class present, in class order. Axis labels default to empty,
// as t-SNE coordinates have no unit.
func Scatter(ax Axes, pts Points) (*plot.Plot, error) {
	if len(pts.X) != len(pts.Y) || len(pts.X) != len(pts.Class) {
		return nil, fmt.Errorf("plot %q: %d X, %d Y and %d class values; give one of each per point", ax.Title, len(pts.X), len(pts.Y), len(pts.Class))
	}
	if len(pts.X) == 0 {
		return nil, fmt.Errorf("plot %q: no points", ax.Title)
	}
	if err := checkFinite("points", "X", pts.X, ax.LogX); err != nil {
		return nil, fmt.Errorf("plot %q: %w", ax.Title, err)
	}
	if err := checkFinite("points", "Y", pts.Y, ax.LogY); err != nil {
		return nil, fmt.Errorf("plot %q: %w", ax.Title, err)
	}
	p, err := newPlot(ax)
	if err != nil {
		return nil, err
	}

	// Group the points by class, keeping their order within a class.
	maxClass := 0
	for i, k := range pts.Class {
		if k < 0 {
			return nil, fmt.Errorf("plot %q: point %d has class %d; classes must be ≥ 0", ax.Title, i, k)
		}
		maxClass = max(maxClass, k)
	}
	groups := make([]plotter.XYs, maxClass+1)
	for i, k := range pts.Class {
		groups[k] = append(groups[k], plotter.XY{X: pts.X[i], Y: pts.Y[i]})
	}

	for k, xys := range groups {
		if len(xys) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, fmt.Errorf("plot %q: class %d: %w", ax.Title, k, err)
		}
		s.GlyphStyle = draw.GlyphStyle{
			Color:  Colour(k),
			Radius: vg.Points(1.5),
			Shape:  glyphShapes[(k/len(Palette))%len(glyphShapes)],
		}
		p.Add(s)
		name := fmt.Sprintf("class %d", k)
		if k < len(pts.ClassNames) && pts.ClassNames[k] != "" {
			name = pts.ClassNames[k]
		}
		p.Legend.Add(name, s)
	}
	return p, nil
}
