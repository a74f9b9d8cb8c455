package table

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/snnlab/snnlab/framework/records/atomicfile"
)

// WriteMarkdown writes the table as GitHub-flavoured Markdown: a level-3
// heading with the title, the caption (with the scale preset) as a
// paragraph, then a pipe table. Columns holding only numbers are
// right-aligned. Cells are formatted by Cell.String; a "|" in text is
// escaped and line breaks become spaces.
func (t *Table) WriteMarkdown(w io.Writer) error {
	if err := t.validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)

	if t.Title != "" {
		fmt.Fprintf(bw, "### %s\n\n", escapeMarkdown(t.Title))
	}
	if c := t.FullCaption(); c != "" {
		fmt.Fprintf(bw, "%s\n\n", strings.ReplaceAll(c, "\n", " "))
	}

	header := make([]string, len(t.Columns))
	rule := make([]string, len(t.Columns))
	for j, name := range t.Columns {
		header[j] = escapeMarkdown(name)
		rule[j] = ":---"
		if t.numeric(j) {
			rule[j] = "---:"
		}
	}
	writeMarkdownRow(bw, header)
	writeMarkdownRow(bw, rule)
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for j, c := range row {
			cells[j] = escapeMarkdown(c.String())
		}
		writeMarkdownRow(bw, cells)
	}
	return bw.Flush()
}

func writeMarkdownRow(w *bufio.Writer, cells []string) {
	w.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

func escapeMarkdown(s string) string {
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// WriteCSV writes the table's data as CSV (RFC 4180, through encoding/csv),
// without title or caption. The first record holds the column names.
//
// A column with at least one MeanStd cell becomes three columns,
// "<name> mean", "<name> std" and "<name> n"; other columns keep their name.
// Numbers are written with 12 significant digits ('g' format),
// whatever the cell's Digits. In a three-column group a MeanStd cell fills
// all three (std is empty for one seed), a Number cell gives its value with
// n = 1 and an empty std, and an Empty cell leaves all three empty. A Failed
// cell writes "failed: <reason>" in its first column and leaves the rest of
// its group empty, so a reader that parses numbers sees a non-number there
// rather than a wrong value.
func (t *Table) WriteCSV(w io.Writer) error {
	if err := t.validate(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)

	expand := make([]bool, len(t.Columns))
	var header []string
	for j, name := range t.Columns {
		expand[j] = t.hasMeans(j)
		if expand[j] {
			header = append(header, name+" mean", name+" std", name+" n")
		} else {
			header = append(header, name)
		}
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("table %q: write CSV: %w", t.Title, err)
	}

	for _, row := range t.Rows {
		var record []string
		for j, c := range row {
			if expand[j] {
				record = append(record, csvGroup(c)...)
			} else {
				record = append(record, csvSingle(c))
			}
		}
		if err := cw.Write(record); err != nil {
			return fmt.Errorf("table %q: write CSV: %w", t.Title, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("table %q: write CSV: %w", t.Title, err)
	}
	return nil
}

func csvSingle(c Cell) string {
	switch c.Kind {
	case Text:
		return c.Text
	case Number, MeanStd:
		return formatFull(c.Mean())
	case Failed:
		return c.String()
	default:
		return ""
	}
}

func csvGroup(c Cell) []string {
	switch c.Kind {
	case MeanStd:
		std := ""
		if c.N() >= 2 {
			std = formatFull(c.Std())
		}
		return []string{formatFull(c.Mean()), std, strconv.Itoa(c.N())}
	case Number:
		return []string{formatFull(c.Mean()), "", "1"}
	case Text, Failed:
		return []string{csvSingle(c), "", ""}
	default:
		return []string{"", "", ""}
	}
}

// Save writes the table to dir/name.md and dir/name.csv, each replaced
// atomically, creating dir if needed. name must be a plain file name
// without extension.
func (t *Table) Save(dir, name string) error {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return fmt.Errorf("table %q: file name %q must be a plain name without folders, such as \"table2\"", t.Title, name)
	}
	if err := t.validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("table %q: %w", t.Title, err)
	}
	if err := atomicfile.Write(filepath.Join(dir, name+".md"), t.WriteMarkdown); err != nil {
		return fmt.Errorf("table %q: %w", t.Title, err)
	}
	if err := atomicfile.Write(filepath.Join(dir, name+".csv"), t.WriteCSV); err != nil {
		return fmt.Errorf("table %q: %w", t.Title, err)
	}
	return nil
}
