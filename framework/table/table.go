// Package table builds result tables in a paper's layout and writes them as
// GitHub Markdown and as CSV. A cell is text, a number, a mean ± standard
// deviation over seeds, a failure with its reason, or empty, so a table
// never shows a number for a run that diverged, timed out or was
// interrupted.
//
// The package only formats. It does not run experiments, compute accuracy
// or know about run folders.
package table

import (
	"fmt"
	"math"
	"strconv"
)

// Kind is what a cell contains.
type Kind int

const (
	Empty   Kind = iota // nothing: a value the source does not report
	Text                // free text, such as a method name
	Number              // one value
	MeanStd             // the mean ± sample standard deviation of per-seed values
	Failed              // a run that produced no valid value, with the reason
)

// Cell is one table entry. Build cells with the constructors, which check
// their input; the zero Cell is empty.
type Cell struct {
	Kind   Kind
	Text   string    // the text of a Text cell, or the reason of a Failed cell
	Values []float64 // one value for Number, the per-seed values for MeanStd
	Digits int       // decimals shown in Markdown (CSV keeps full precision)
}

// TextCell returns a cell with the text s.
func TextCell(s string) Cell { return Cell{Kind: Text, Text: s} }

// EmptyCell returns a cell with no content.
func EmptyCell() Cell { return Cell{} }

// Fail returns a cell for a run that produced no valid value, such as
// "diverged (NaN at epoch 3)", "interrupted" or "slurm: TIMEOUT".
func Fail(reason string) Cell {
	if reason == "" {
		reason = "no reason given"
	}
	return Cell{Kind: Failed, Text: reason}
}

// Num returns a cell with the value v shown with digits decimals. A NaN or
// infinite v gives a Failed cell that names the value, because a table
// must not print such a value as a result.
func Num(v float64, digits int) Cell {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Fail(fmt.Sprintf("value is %v", v))
	}
	return Cell{Kind: Number, Values: []float64{v}, Digits: clampDigits(digits)}
}

// Seeds returns a cell with the mean and sample standard deviation of
// values, one value per seed, shown with digits decimals. The values are
// copied. No values gives an empty cell; a NaN or infinite value gives a
// Failed cell naming the seed index, because one broken seed makes the
// mean meaningless.
func Seeds(values []float64, digits int) Cell {
	if len(values) == 0 {
		return EmptyCell()
	}
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Fail(fmt.Sprintf("seed %d of %d is %v", i+1, len(values), v))
		}
	}
	return Cell{Kind: MeanStd, Values: append([]float64(nil), values...), Digits: clampDigits(digits)}
}

func clampDigits(d int) int {
	return min(max(d, 0), 12)
}

// Mean returns the mean of a Number or MeanStd cell, and NaN for other
// kinds.
func (c Cell) Mean() float64 {
	if (c.Kind != Number && c.Kind != MeanStd) || len(c.Values) == 0 {
		return math.NaN()
	}
	sum := 0.0
	for _, v := range c.Values {
		sum += v
	}
	return sum / float64(len(c.Values))
}

// Std returns the sample standard deviation (divisor n−1) of a MeanStd
// cell. It returns NaN for fewer than two values and for other kinds.
func (c Cell) Std() float64 {
	if c.Kind != MeanStd || len(c.Values) < 2 {
		return math.NaN()
	}
	mean := c.Mean()
	ss := 0.0
	for _, v := range c.Values {
		ss += (v - mean) * (v - mean)
	}
	return math.Sqrt(ss / float64(len(c.Values)-1))
}

// N returns the number of values in a Number or MeanStd cell, else 0.
func (c Cell) N() int {
	if c.Kind != Number && c.Kind != MeanStd {
		return 0
	}
	return len(c.Values)
}

// String formats the cell as it appears in Markdown: "71.32",
// "71.32 ± 0.41 (n=3)", "71.32 (n=1)" (no deviation from one seed),
// "failed: interrupted", "—" for an empty cell.
func (c Cell) String() string {
	switch c.Kind {
	case Text:
		return c.Text
	case Number:
		return formatFixed(c.Mean(), c.Digits)
	case MeanStd:
		if c.N() < 2 {
			return fmt.Sprintf("%s (n=%d)", formatFixed(c.Mean(), c.Digits), c.N())
		}
		return fmt.Sprintf("%s ± %s (n=%d)", formatFixed(c.Mean(), c.Digits), formatFixed(c.Std(), c.Digits), c.N())
	case Failed:
		return "failed: " + c.Text
	default:
		return "—"
	}
}

func formatFixed(v float64, digits int) string {
	return strconv.FormatFloat(v, 'f', digits, 64)
}

// formatFull writes v with 12 significant digits: every digit a
// measurement carries, without the binary rounding noise of a percentage
// computed as 100·correct/total (31.990000000000002).
func formatFull(v float64) string {
	return strconv.FormatFloat(v, 'g', 12, 64)
}

// FormatFull is the number format of CSV files.
func FormatFull(v float64) string { return formatFull(v) }

// Table is a titled grid of cells. Every row has one cell per column.
type Table struct {
	Title   string // "Table 2: Linear evaluation on CIFAR-10"
	Caption string // free text shown under the title
	Scale   string // the scale preset the numbers were produced with ("smoke", "full"); shown in the caption when set
	Columns []string
	Rows    [][]Cell
}

// New returns an empty table with the given title and column names.
func New(title string, columns ...string) *Table {
	return &Table{Title: title, Columns: append([]string(nil), columns...)}
}

// AddRow appends a row. It returns an error, and adds nothing, unless the
// row has exactly one cell per column.
func (t *Table) AddRow(cells ...Cell) error {
	if len(cells) != len(t.Columns) {
		return fmt.Errorf("table %q: row %d has %d cells, want %d (one per column %q)", t.Title, len(t.Rows)+1, len(cells), len(t.Columns), t.Columns)
	}
	t.Rows = append(t.Rows, append([]Cell(nil), cells...))
	return nil
}

// FullCaption returns the caption followed by the scale preset, if any.
func (t *Table) FullCaption() string {
	switch {
	case t.Scale == "":
		return t.Caption
	case t.Caption == "":
		return "Scale preset: " + t.Scale + "."
	default:
		return t.Caption + " Scale preset: " + t.Scale + "."
	}
}

// validate checks the shape of the table; rows added through AddRow always
// pass, but Rows is exported and may be built by hand.
func (t *Table) validate() error {
	if len(t.Columns) == 0 {
		return fmt.Errorf("table %q has no columns; give column names to New", t.Title)
	}
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("table %q: row %d has %d cells, want %d (one per column)", t.Title, i+1, len(row), len(t.Columns))
		}
	}
	return nil
}

// numeric reports whether column j holds only numbers, means and empty or
// failed cells, with at least one number or mean.
func (t *Table) numeric(j int) bool {
	seen := false
	for _, row := range t.Rows {
		switch row[j].Kind {
		case Text:
			return false
		case Number, MeanStd:
			seen = true
		}
	}
	return seen
}

// hasMeans reports whether column j holds at least one MeanStd cell.
func (t *Table) hasMeans(j int) bool {
	for _, row := range t.Rows {
		if row[j].Kind == MeanStd {
			return true
		}
	}
	return false
}
