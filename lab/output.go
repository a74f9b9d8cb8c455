package lab

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"

	"github.com/snnlab/snnlab/framework/plot"
	"github.com/snnlab/snnlab/framework/table"
)

// Table is a result table written as Markdown and CSV; build one with
// NewTable and fill it with rows of cells.
type Table = table.Table

// Cell is one table cell: text, a number, a mean ± standard deviation over
// seeds, or a failure with its reason.
type Cell = table.Cell

// Figure inputs, as the plot package defines them.
type (
	Axes      = plot.Axes
	Series    = plot.Series
	BarSeries = plot.BarSeries
	Points    = plot.Points
	Rates     = plot.LayerRate
)

// NewTable returns an empty table with a title and column names.
func NewTable(title string, columns ...string) *Table { return table.New(title, columns...) }

// Text is a text cell.
func Text(s string) Cell { return table.TextCell(s) }

// Num is a number cell shown with the given digits after the point.
func Num(v float64, digits int) Cell { return table.Num(v, digits) }

// Seeds is a cell holding one value per seed, shown as mean ± standard
// deviation with the number of seeds.
func Seeds(values []float64, digits int) Cell { return table.Seeds(values, digits) }

// Fail is a cell for a run that produced no number, with the reason.
func Fail(reason string) Cell { return table.Fail(reason) }

// Empty is an empty cell.
func Empty() Cell { return table.EmptyCell() }

// Percent is a number cell for an accuracy in [0, 1], shown in percent.
func Percent(accuracy float64) Cell {
	if math.IsNaN(accuracy) {
		return table.Fail("no result (NaN)")
	}
	return table.Num(100*accuracy, 1)
}

// OutputDir returns the folder where the running script's tables and
// figures go: the runs folder joined with the script's file name without
// ".go". It is created on first use.
func OutputDir() (string, error) {
	name := strings.TrimSuffix(filepath.Base(settings.Script), ".go")
	if name == "" || name == "." {
		name = "script"
	}
	dir := filepath.Join(settings.RunsDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating the script output folder: %w", err)
	}
	return dir, nil
}

// SaveTable writes t as NAME.md and NAME.csv into the output folder and
// returns the Markdown path.
func SaveTable(t *Table, name string) (string, error) {
	dir, err := OutputDir()
	if err != nil {
		return "", err
	}
	if err := t.Save(dir, name); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".md")
	settings.Log.Info().Str("table", path).Msg("table written")
	return path, nil
}

// PrintTable writes t as Markdown to the console.
func PrintTable(t *Table) error { return t.WriteMarkdown(settings.Console) }

func saveFigure(name string, draw func() error) error {
	if err := draw(); err != nil {
		return fmt.Errorf("figure %s: %w", name, err)
	}
	return nil
}

// SaveLines draws the series as lines and writes NAME.png and NAME.svg into
// the output folder.
func SaveLines(name string, ax Axes, series ...Series) error {
	return saveFigure(name, func() error {
		p, err := plot.Lines(ax, series...)
		if err != nil {
			return err
		}
		return savePlot(p, name)
	})
}

// SaveBars draws grouped bars, one group per category, with optional error
// bars, and writes NAME.png and NAME.svg into the output folder.
func SaveBars(name string, ax Axes, categories []string, series ...BarSeries) error {
	return saveFigure(name, func() error {
		p, err := plot.Bars(ax, categories, series...)
		if err != nil {
			return err
		}
		return savePlot(p, name)
	})
}

// SaveStackedBars draws one stacked bar per category, such as a step's
// time split into forward, loss and backward.
func SaveStackedBars(name string, ax Axes, categories []string, parts ...BarSeries) error {
	return saveFigure(name, func() error {
		p, err := plot.StackedBars(ax, categories, parts...)
		if err != nil {
			return err
		}
		return savePlot(p, name)
	})
}

// SaveSpikeRates draws each layer's spike rate per time step with the
// network average as a dashed line.
func SaveSpikeRates(name string, ax Axes, layers []Rates) error {
	return saveFigure(name, func() error {
		p, err := plot.SpikeRates(ax, layers)
		if err != nil {
			return err
		}
		return savePlot(p, name)
	})
}

// SaveScatter draws points coloured by class, for t-SNE embeddings.
func SaveScatter(name string, ax Axes, pts Points) error {
	return saveFigure(name, func() error {
		p, err := plot.Scatter(ax, pts)
		if err != nil {
			return err
		}
		return savePlot(p, name)
	})
}

func savePlot(p *gplot.Plot, name string) error {
	dir, err := OutputDir()
	if err != nil {
		return err
	}
	if err := plot.Save(p, dir, name); err != nil {
		return err
	}
	settings.Log.Info().Str("figure", filepath.Join(dir, name+".png")).Msg("figure written")
	return nil
}

// drawCurves writes the loss curve, and the k-NN curve when the monitor
// ran more than once, into the run folder.
func (m *Model) drawCurves() error {
	n := len(m.History.Loss)
	if n == 0 {
		return nil
	}
	epochs := make([]float64, n)
	for i := range epochs {
		epochs[i] = float64(i + 1)
	}
	p, err := plot.Lines(Axes{Title: m.Config.Name + ": pretraining loss", XLabel: "epoch", YLabel: m.Config.Loss + " loss"},
		Series{Name: "mean loss per epoch", X: epochs, Y: m.History.Loss, Markers: n < 30})
	if err != nil {
		return err
	}
	if err := plot.Save(p, m.Dir, "loss"); err != nil {
		return err
	}

	var xs, ys []float64
	for i, v := range m.History.KNN {
		if !math.IsNaN(v) {
			xs, ys = append(xs, float64(i+1)), append(ys, 100*v)
		}
	}
	if len(xs) == 0 {
		return nil
	}
	p, err = plot.Lines(Axes{Title: m.Config.Name + ": k-NN monitor", XLabel: "epoch", YLabel: "k-NN top-1 (%)"},
		Series{Name: fmt.Sprintf("k = %d", m.Config.KNNK), X: xs, Y: ys, Markers: true})
	if err != nil {
		return err
	}
	return plot.Save(p, m.Dir, "knn")
}
