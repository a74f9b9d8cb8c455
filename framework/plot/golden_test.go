package plot

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
)

// Golden-image tests render each figure helper on fixed data and compare
// the PNG pixels with testdata/<name>.png. Run with SNNLAB_UPDATE_GOLDEN=1
// to rewrite the golden files after an intended change, then look at them.

// channelTolerance is the largest per-channel difference (out of 255) that
// still counts as the same pixel. It absorbs anti-aliasing noise between
// platforms, while a missing line, glyph or colour change differs by far
// more.
const channelTolerance = 8

func checkGolden(t *testing.T, name string, p *plot.Plot) {
	t.Helper()
	got, err := Render(p, "png")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".png")
	if os.Getenv("SNNLAB_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}

	wantBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden image missing: %v; run with SNNLAB_UPDATE_GOLDEN=1 to create it", err)
	}
	want, err := png.Decode(bytes.NewReader(wantBytes))
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	gotImg, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatalf("decode rendered PNG: %v", err)
	}

	differing := countDiffering(gotImg, want)
	if differing == 0 {
		return
	}
	// Keep the rendered image after the test for inspection: t.TempDir
	// would delete it when the test ends.
	dir, err := os.MkdirTemp("", "snnlab-golden-")
	if err != nil {
		t.Fatal(err)
	}
	actual := filepath.Join(dir, name+".png")
	if err := os.WriteFile(actual, got, 0o644); err != nil {
		t.Fatal(err)
	}
	if differing < 0 {
		t.Errorf("%s: size %v, golden %v; rendered image written to %s", name, gotImg.Bounds().Size(), want.Bounds().Size(), actual)
		return
	}
	t.Errorf("%s: %d pixels differ from %s by more than %d per channel; rendered image written to %s", name, differing, path, channelTolerance, actual)
}

// countDiffering returns the number of pixels whose colour differs by more
// than channelTolerance in any channel, or -1 if the sizes differ.
func countDiffering(a, b image.Image) int {
	if a.Bounds().Size() != b.Bounds().Size() {
		return -1
	}
	n := 0
	da, db := a.Bounds().Min, b.Bounds().Min
	size := a.Bounds().Size()
	for y := 0; y < size.Y; y++ {
		for x := 0; x < size.X; x++ {
			r1, g1, b1, a1 := a.At(da.X+x, da.Y+y).RGBA()
			r2, g2, b2, a2 := b.At(db.X+x, db.Y+y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) || far(a1, a2) {
				n++
			}
		}
	}
	return n
}

func far(u, v uint32) bool {
	d := int(u>>8) - int(v>>8)
	return d > channelTolerance || d < -channelTolerance
}

func lossCurves() []Series {
	epochs := make([]float64, 30)
	train, val := make([]float64, 30), make([]float64, 30)
	for i := range epochs {
		epochs[i] = float64(i + 1)
		train[i] = 4*math.Exp(-float64(i)/8) + 0.3
		val[i] = 4*math.Exp(-float64(i)/10) + 0.45
	}
	return []Series{
		{Name: "train", X: epochs, Y: train},
		{Name: "validation", X: epochs, Y: val, Markers: true},
		{Name: "paper", X: []float64{1, 30}, Y: []float64{0.5, 0.5}, Dashed: true},
	}
}

func TestGoldenLines(t *testing.T) {
	p, err := Lines(Axes{Title: "Pretraining loss", XLabel: "epoch", YLabel: "loss"}, lossCurves()...)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "lines", p)
}

func TestGoldenLinesLog(t *testing.T) {
	p, err := Lines(Axes{Title: "Pretraining loss (log)", XLabel: "epoch", YLabel: "loss", LogY: true}, lossCurves()...)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "lines_log", p)
}

func TestGoldenBars(t *testing.T) {
	p, err := Bars(Axes{Title: "Linear accuracy", YLabel: "top-1 (%)", YMin: 0, YMax: 100, Legend: TopLeft},
		[]string{"T=1", "T=2", "T=4"},
		BarSeries{Name: "CTL", Values: []float64{60, 68, 72}, Errors: []float64{1.5, 0.8, 0.4}},
		BarSeries{Name: "BTL", Values: []float64{55, 64, 70}, Errors: []float64{2, 1, 0.6}},
		BarSeries{Name: "paper", Values: []float64{61, 69, 73}},
	)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "bars", p)
}

func TestGoldenStackedBars(t *testing.T) {
	p, err := StackedBars(Axes{Title: "Time per iteration", YLabel: "ms", Legend: TopLeft},
		[]string{"LIF", "mixed LIF", "PLIF"},
		BarSeries{Name: "forward", Values: []float64{40, 55, 48}},
		BarSeries{Name: "loss", Values: []float64{5, 9, 5}},
		BarSeries{Name: "backward", Values: []float64{80, 110, 95}},
	)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "stacked", p)
}

func TestGoldenSpikeRates(t *testing.T) {
	p, err := SpikeRates(Axes{Title: "Spike rate per layer"}, []LayerRate{
		{Name: "conv1", Rates: []float64{0.30, 0.22, 0.20, 0.19}, Neurons: 4096},
		{Name: "block1", Rates: []float64{0.15, 0.18, 0.17, 0.16}, Neurons: 2048},
		{Name: "block2", Rates: []float64{0.05, 0.10, 0.12, 0.12}, Neurons: 1024},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "spikes", p)
}

func TestGoldenScatter(t *testing.T) {
	var pts Points
	for k := 0; k < 4; k++ {
		cx, cy := 10*math.Cos(float64(k)*math.Pi/2), 10*math.Sin(float64(k)*math.Pi/2)
		for i := 0; i < 40; i++ {
			// A deterministic spiral of points around each class centre.
			r, a := 0.1*float64(i), 2.4*float64(i)
			pts.X = append(pts.X, cx+r*math.Cos(a))
			pts.Y = append(pts.Y, cy+r*math.Sin(a))
			pts.Class = append(pts.Class, k)
		}
	}
	pts.ClassNames = []string{"airplane", "car", "bird"} // class 3 has no name
	p, err := Scatter(Axes{Title: "t-SNE of features"}, pts)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "scatter", p)
}

func TestLogTicksLabels(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks{}).Ticks(0.3, 4.3) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	want := []string{"0.5", "1", "2"}
	if len(labels) != len(want) {
		t.Fatalf("labels %q, want %q", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Errorf("label %d is %q, want %q", i, labels[i], want[i])
		}
	}

	// Over many decades only powers of ten are labelled.
	labels = nil
	for _, tk := range (logTicks{}).Ticks(1e-3, 1e3) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if len(labels) != 7 {
		t.Errorf("labels %q over six decades, want the 7 powers of ten", labels)
	}
	if got := (logTicks{}).Ticks(0, 1); got != nil {
		t.Errorf("ticks for a non-positive minimum: %v, want none", got)
	}
}
