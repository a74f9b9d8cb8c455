package plot

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveWritesPNGAndSVG(t *testing.T) {
	p, err := Lines(Axes{Title: "Loss"}, Series{Name: "train", X: []float64{1, 2, 3}, Y: []float64{3, 2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "figures")
	if err := Save(p, dir, "loss"); err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(filepath.Join(dir, "loss.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("loss.png does not decode: %v", err)
	}
	if size := img.Bounds().Size(); size.X != 750 || size.Y != 525 {
		t.Errorf("PNG is %v pixels, want 750×525 (5×3.5 in at 150 dpi)", size)
	}

	svg, err := os.ReadFile(filepath.Join(dir, "loss.svg"))
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("loss.svg is not well-formed XML: %v", err)
		}
	}
	if !bytes.Contains(svg, []byte(">Loss<")) {
		t.Error("loss.svg does not contain the title text")
	}

	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder has %d entries, want loss.png and loss.svg only", len(entries))
	}
}

func TestRenderDeterministic(t *testing.T) {
	for _, format := range []string{"png", "svg"} {
		var out [2][]byte
		for i := range out {
			p, err := Lines(Axes{Title: "k-NN accuracy"}, lossCurves()...)
			if err != nil {
				t.Fatal(err)
			}
			if out[i], err = Render(p, format); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(out[0], out[1]) {
			t.Errorf("two %s renders of the same data differ", format)
		}
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	p, _ := Lines(Axes{}, Series{X: []float64{1}, Y: []float64{1}})
	if _, err := Render(p, "gif"); err == nil || !strings.Contains(err.Error(), "gif") {
		t.Errorf("error %v, want one naming the format", err)
	}
}

func TestSaveRejectsPathName(t *testing.T) {
	p, _ := Lines(Axes{}, Series{X: []float64{1}, Y: []float64{1}})
	for _, name := range []string{"", "a/b", ".."} {
		if err := Save(p, t.TempDir(), name); err == nil {
			t.Errorf("Save accepted name %q", name)
		}
	}
}

func TestBadInputErrors(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"no series", second(Lines(Axes{})), "no series"},
		{"length mismatch", second(Lines(Axes{}, Series{Name: "a", X: []float64{1, 2}, Y: []float64{1}})), "2 X values and 1 Y values"},
		{"empty series", second(Lines(Axes{}, Series{Name: "a"})), "no points"},
		{"NaN", second(Lines(Axes{}, Series{Name: "loss", X: []float64{1, 2}, Y: []float64{1, nan}})), `"loss": value 1 is NaN`},
		{"zero on log axis", second(Lines(Axes{LogY: true}, Series{Name: "loss", X: []float64{1}, Y: []float64{0}})), "logarithmic"},
		{"log range", second(Lines(Axes{LogY: true, YMin: 0, YMax: 1}, Series{X: []float64{1}, Y: []float64{1}})), "must be positive"},
		{"legend", second(Lines(Axes{Legend: "middle"}, Series{X: []float64{1}, Y: []float64{1}})), `"middle" is unknown`},
		{"bars log", second(Bars(Axes{LogY: true}, []string{"a"}, BarSeries{Values: []float64{1}})), "linear axes"},
		{"bars count", second(Bars(Axes{}, []string{"a", "b"}, BarSeries{Name: "s", Values: []float64{1}})), "1 values for 2 categories"},
		{"bars errors", second(Bars(Axes{}, []string{"a"}, BarSeries{Name: "s", Values: []float64{1}, Errors: []float64{1, 2}})), "2 errors for 1 categories"},
		{"bars none", second(Bars(Axes{}, nil)), "no categories"},
		{"stacked errors", second(StackedBars(Axes{}, []string{"a"}, BarSeries{Name: "s", Values: []float64{1}, Errors: []float64{1}})), "stacked bars do not draw"},
		{"stacked negative", second(StackedBars(Axes{}, []string{"a"}, BarSeries{Name: "s", Values: []float64{-1}})), "non-negative"},
		{"spikes T", second(SpikeRates(Axes{}, []LayerRate{{Name: "a", Rates: []float64{1, 2}}, {Name: "b", Rates: []float64{1}}})), "same T"},
		{"spikes weights", second(SpikeRates(Axes{}, []LayerRate{{Name: "a", Rates: []float64{1}, Neurons: 3}, {Name: "b", Rates: []float64{1}}})), "every layer"},
		{"spikes none", second(SpikeRates(Axes{}, nil)), "no layers"},
		{"scatter lengths", second(Scatter(Axes{}, Points{X: []float64{1}, Y: []float64{1}})), "1 X, 1 Y and 0 class"},
		{"scatter class", second(Scatter(Axes{}, Points{X: []float64{1}, Y: []float64{1}, Class: []int{-2}})), "class -2"},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestNetworkAverage(t *testing.T) {
	avg, err := NetworkAverage([]LayerRate{
		{Name: "a", Rates: []float64{0.4, 0.2}, Neurons: 3},
		{Name: "b", Rates: []float64{0.0, 0.6}, Neurons: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.3, 0.3}
	for i := range want {
		if math.Abs(avg[i]-want[i]) > 1e-15 {
			t.Errorf("weighted average at step %d is %v, want %v", i+1, avg[i], want[i])
		}
	}

	avg, err = NetworkAverage([]LayerRate{{Rates: []float64{0.4}}, {Rates: []float64{0.0}}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(avg[0]-0.2) > 1e-15 {
		t.Errorf("plain average %v, want 0.2", avg[0])
	}
}

func TestColourCycles(t *testing.T) {
	if Colour(0) != Colour(len(Palette)) {
		t.Error("palette does not repeat after its length")
	}
	if Colour(-1) != Colour(len(Palette)-1) {
		t.Error("negative index does not wrap")
	}
}

func BenchmarkRenderPNG(b *testing.B) {
	p, err := Lines(Axes{Title: "loss"}, lossCurves()...)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Render(p, "png"); err != nil {
			b.Fatal(err)
		}
	}
}
