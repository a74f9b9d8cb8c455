// Package plot draws the figures of an experiment with gonum/plot: line
// charts (loss and accuracy curves), grouped and stacked bar charts, spike
// rates per layer and time step, and class-coloured scatter plots (t-SNE).
// Every helper takes plain slices and structs and returns a *plot.Plot; Save
// writes it as PNG and SVG of a fixed size.
//
// Figures are deterministic: the same data gives the same pixels, because
// colours come from a fixed palette in series order and the fonts are the
// ones gonum/plot embeds (Liberation), so no system font is needed. The
// package does not read run folders or know about training; scripts turn
// their results into the slices these helpers take.
package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/snnlab/snnlab/framework/records/atomicfile"
)

// Figure size and PNG resolution: 5 × 3.5 inches at 150 dpi is a
// 750 × 525 pixel PNG.
const (
	Width  = 5 * vg.Inch
	Height = 3.5 * vg.Inch
	DPI    = 150
)

// Palette is the colour of the i-th series (i modulo its length): the ten
// "tab10" colours of matplotlib, chosen because readers know them and
// neighbours stay distinct.
var Palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// Colour returns the palette colour of series i.
func Colour(i int) color.Color {
	return Palette[((i%len(Palette))+len(Palette))%len(Palette)]
}

// Legend positions for Axes.Legend.
const (
	TopRight    = ""
	TopLeft     = "top-left"
	BottomRight = "bottom-right"
	BottomLeft  = "bottom-left"
)

// Axes holds the text and scales around the data.
type Axes struct {
	Title  string
	XLabel string
	YLabel string

	// LogX and LogY use a base-10 logarithmic axis; every value on that
	// axis must then be positive.
	LogX, LogY bool

	// YMin and YMax fix the Y range when YMax > YMin (for example 0 and
	// 100 for accuracy in percent); otherwise the range fits the data.
	YMin, YMax float64

	// Legend is the legend corner: TopRight (the default), TopLeft,
	// BottomRight or BottomLeft.
	Legend string
}

// newPlot returns a plot with the axes' text, scales and legend position.
func newPlot(ax Axes) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = ax.Title
	p.X.Label.Text = ax.XLabel
	p.Y.Label.Text = ax.YLabel
	p.Legend.TextStyle.Font.Size = vg.Points(8)

	if ax.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	if ax.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	if ax.YMax > ax.YMin {
		if ax.LogY && ax.YMin <= 0 {
			return nil, fmt.Errorf("plot %q: Y range [%v, %v] on a logarithmic axis; the minimum must be positive", ax.Title, ax.YMin, ax.YMax)
		}
		p.Y.Min, p.Y.Max = ax.YMin, ax.YMax
	}

	switch ax.Legend {
	case TopRight:
		p.Legend.Top = true
	case TopLeft:
		p.Legend.Top, p.Legend.Left = true, true
	case BottomRight:
	case BottomLeft:
		p.Legend.Left = true
	default:
		return nil, fmt.Errorf("plot %q: legend position %q is unknown; use %q, %q, %q or %q", ax.Title, ax.Legend, TopRight, TopLeft, BottomRight, BottomLeft)
	}
	return p, nil
}

// checkFinite returns an error naming the series and index of the first NaN
// or infinite value, or of a value that is not positive on a log axis.
func checkFinite(kind, name string, values []float64, log bool) error {
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s %q: value %d is %v; drop non-finite points before plotting", kind, name, i, v)
		}
		if log && v <= 0 {
			return fmt.Errorf("%s %q: value %d is %v on a logarithmic axis; values must be positive", kind, name, i, v)
		}
	}
	return nil
}

// Render draws p at the package's figure size and returns the encoded
// image. format is "png" (at DPI) or "svg" (fonts named, not embedded).
func Render(p *plot.Plot, format string) (out []byte, err error) {
	// gonum/plot panics on some data it cannot draw, such as a zero on a
	// log axis; turn that into an error for the caller.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("plot %q: drawing failed: %v", p.Title.Text, r)
		}
	}()

	var buf bytes.Buffer
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI))
		p.Draw(draw.New(c))
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("plot %q: encode PNG: %w", p.Title.Text, err)
		}
	case "svg":
		c := vgsvg.New(Width, Height)
		p.Draw(draw.New(c))
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("plot %q: encode SVG: %w", p.Title.Text, err)
		}
	default:
		return nil, fmt.Errorf("plot %q: format %q is not supported; use \"png\" or \"svg\"", p.Title.Text, format)
	}
	return buf.Bytes(), nil
}

// Save writes p to dir/name.png and dir/name.svg, each replaced
// atomically, creating dir if needed. name must be a plain file name
// without extension.
func Save(p *plot.Plot, dir, name string) error {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return fmt.Errorf("plot %q: file name %q must be a plain name without folders, such as \"loss\"", p.Title.Text, name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plot %q: %w", p.Title.Text, err)
	}
	for _, format := range []string{"png", "svg"} {
		data, err := Render(p, format)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, name+"."+format), data); err != nil {
			return fmt.Errorf("plot %q: %w", p.Title.Text, err)
		}
	}
	return nil
}
