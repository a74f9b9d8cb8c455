package table

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleTable(t *testing.T) *Table {
	t.Helper()
	tb := New("Table 2: Linear evaluation on CIFAR-10", "Method", "T", "Top-1 (%)", "Paper")
	tb.Caption = "Accuracy of a linear classifier on frozen features."
	tb.Scale = "smoke"
	rows := [][]Cell{
		{TextCell("CTL"), Num(4, 0), Seeds([]float64{71, 72.5, 74}, 2), Num(72.1, 1)},
		{TextCell("BTL"), Num(4, 0), Fail("diverged (NaN at epoch 3)"), Num(70.4, 1)},
		{TextCell("NCL | ours"), Num(2, 0), Seeds([]float64{68.25}, 2), EmptyCell()},
	}
	for _, r := range rows {
		if err := tb.AddRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	return tb
}

func TestMarkdownExact(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleTable(t).WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	want := "### Table 2: Linear evaluation on CIFAR-10\n" +
		"\n" +
		"Accuracy of a linear classifier on frozen features. Scale preset: smoke.\n" +
		"\n" +
		"| Method | T | Top-1 (%) | Paper |\n" +
		"| :--- | ---: | ---: | ---: |\n" +
		"| CTL | 4 | 72.50 ± 1.50 (n=3) | 72.1 |\n" +
		"| BTL | 4 | failed: diverged (NaN at epoch 3) | 70.4 |\n" +
		"| NCL \\| ours | 2 | 68.25 (n=1) | — |\n"
	if got := buf.String(); got != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", got, want)
	}
}

func TestCSVExact(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleTable(t).WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	want := "Method,T,Top-1 (%) mean,Top-1 (%) std,Top-1 (%) n,Paper\n" +
		"CTL,4,72.5,1.5,3,72.1\n" +
		"BTL,4,failed: diverged (NaN at epoch 3),,,70.4\n" +
		"NCL | ours,2,68.25,,1,\n"
	if got := buf.String(); got != want {
		t.Errorf("csv:\n%s\nwant:\n%s", got, want)
	}

	// The output must parse back with the same number of fields per record.
	records, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	if len(records) != 4 {
		t.Errorf("%d records, want 4", len(records))
	}
}

func TestCellStatistics(t *testing.T) {
	c := Seeds([]float64{1, 2, 3, 4}, 3)
	if c.Mean() != 2.5 {
		t.Errorf("mean %v, want 2.5", c.Mean())
	}
	// Sample variance of 1..4 is 5/3.
	if want := math.Sqrt(5.0 / 3.0); math.Abs(c.Std()-want) > 1e-15 {
		t.Errorf("std %v, want %v", c.Std(), want)
	}
	if c.N() != 4 {
		t.Errorf("n %d, want 4", c.N())
	}
	if s := c.String(); s != "2.500 ± 1.291 (n=4)" {
		t.Errorf("string %q", s)
	}
	if !math.IsNaN(Seeds([]float64{5}, 1).Std()) {
		t.Error("std of one seed is not NaN")
	}
}

func TestSeedsCopiesValues(t *testing.T) {
	v := []float64{1, 2}
	c := Seeds(v, 1)
	v[0] = 100
	if c.Mean() != 1.5 {
		t.Errorf("mean %v after caller changed its slice, want 1.5", c.Mean())
	}
}

func TestNonFiniteBecomesFailed(t *testing.T) {
	cases := []struct {
		cell Cell
		want string
	}{
		{Num(math.NaN(), 2), "failed: value is NaN"},
		{Num(math.Inf(1), 2), "failed: value is +Inf"},
		{Seeds([]float64{70, math.NaN(), 71}, 2), "failed: seed 2 of 3 is NaN"},
		{Fail(""), "failed: no reason given"},
		{Fail("slurm: TIMEOUT"), "failed: slurm: TIMEOUT"},
		{Seeds(nil, 2), "—"},
	}
	for _, c := range cases {
		if got := c.cell.String(); got != c.want {
			t.Errorf("cell %q, want %q", got, c.want)
		}
	}
}

func TestAddRowWrongWidth(t *testing.T) {
	tb := New("t", "a", "b")
	err := tb.AddRow(TextCell("x"))
	if err == nil {
		t.Fatal("AddRow accepted 1 cell for 2 columns")
	}
	if !strings.Contains(err.Error(), "has 1 cells, want 2") {
		t.Errorf("error %q does not give the counts", err)
	}
	if len(tb.Rows) != 0 {
		t.Errorf("rejected row was added")
	}
}

func TestWriteRejectsRaggedRows(t *testing.T) {
	tb := New("t", "a", "b")
	tb.Rows = [][]Cell{{TextCell("x")}}
	var buf bytes.Buffer
	if err := tb.WriteMarkdown(&buf); err == nil {
		t.Error("WriteMarkdown accepted a row with too few cells")
	}
	if err := tb.WriteCSV(&buf); err == nil {
		t.Error("WriteCSV accepted a row with too few cells")
	}
	if err := New("t").WriteCSV(&buf); err == nil {
		t.Error("WriteCSV accepted a table without columns")
	}
}

func TestCaptionWithoutScale(t *testing.T) {
	tb := New("", "a")
	tb.Caption = "Line one\nline two."
	tb.AddRow(Num(1.25, 1))
	var buf bytes.Buffer
	if err := tb.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	want := "Line one line two.\n\n| a |\n| ---: |\n| 1.2 |\n"
	if buf.String() != want {
		t.Errorf("markdown:\n%q\nwant:\n%q", buf.String(), want)
	}
}

func TestSaveWritesBothFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tables")
	tb := sampleTable(t)
	if err := tb.Save(dir, "table2"); err != nil {
		t.Fatal(err)
	}
	var md, csvBuf bytes.Buffer
	tb.WriteMarkdown(&md)
	tb.WriteCSV(&csvBuf)
	for name, want := range map[string]string{"table2.md": md.String(), "table2.csv": csvBuf.String()} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s differs from the writer output", name)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder has %d entries, want 2", len(entries))
	}
}

func TestSaveRejectsPathName(t *testing.T) {
	tb := sampleTable(t)
	for _, name := range []string{"", "a/b", "..", "."} {
		if err := tb.Save(t.TempDir(), name); err == nil {
			t.Errorf("Save accepted name %q", name)
		}
	}
}

// A percentage computed as 100·correct/total carries binary rounding
// noise; the CSV keeps the measured digits only.
func TestCSVDropsRoundingNoise(t *testing.T) {
	tb := New("Accuracy", "Method", "Top-1 (%)")
	if err := tb.AddRow(TextCell("BTL"), Num(100*0.3199, 1)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tb.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if want := "Method,Top-1 (%)\nBTL,31.99\n"; buf.String() != want {
		t.Errorf("csv %q, want %q", buf.String(), want)
	}
}
