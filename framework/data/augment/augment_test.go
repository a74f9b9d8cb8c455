package augment

import (
	"bytes"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/snnlab/snnlab/framework/data"
)

// randomImage returns a T×C×H×W image of uniform values in [0, 1].
func randomImage(seed uint64, s data.Shape) data.Image {
	rng := rand.New(rand.NewPCG(seed, 0))
	img := data.NewImage(s)
	for k := range img.Pix {
		img.Pix[k] = rng.Float32()
	}
	return img
}

var cifarShape = data.Shape{T: 1, C: 3, H: 32, W: 32}

func TestPairShapesAndRange(t *testing.T) {
	p := BarlowTwins(nil, nil)
	if err := p.Validate(cifarShape); err != nil {
		t.Fatal(err)
	}
	src := randomImage(1, cifarShape)
	a := make([]float32, 3*32*32)
	b := make([]float32, 3*32*32)
	for key := uint64(0); key < 200; key++ {
		if err := p.Pair(key, src, a, b); err != nil {
			t.Fatal(err)
		}
		for k := range a {
			if !(a[k] >= 0 && a[k] <= 1) || !(b[k] >= 0 && b[k] <= 1) {
				t.Fatalf("key %d value %d: views %v and %v outside [0, 1]", key, k, a[k], b[k])
			}
		}
	}
	if err := p.Pair(0, src, a[:10], b); err == nil {
		t.Error("Pair into a short destination succeeded")
	}
}

func TestPairSeeded(t *testing.T) {
	p := BarlowTwins(data.CIFAR10Mean, data.CIFAR10Std)
	src := randomImage(2, cifarShape)
	n := cifarShape.Size()
	a1, b1, a2, b2, a3, b3 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	key := SampleKey(42, 3, 17)
	p.Pair(key, src, a1, b1)
	p.Pair(key, src, a2, b2)
	p.Pair(SampleKey(42, 3, 18), src, a3, b3)
	if !slices.Equal(a1, a2) || !slices.Equal(b1, b2) {
		t.Error("the same key gave different views")
	}
	if slices.Equal(a1, a3) || slices.Equal(b1, b3) {
		t.Error("different keys gave the same view")
	}
	if slices.Equal(a1, b1) {
		t.Error("views A and B are identical")
	}
	if SampleKey(1, 0, 5) == SampleKey(2, 0, 5) || SampleKey(1, 0, 5) == SampleKey(1, 1, 5) {
		t.Error("SampleKey ignores its seed or epoch")
	}
}

func TestIdentityView(t *testing.T) {
	p := Pipeline{}
	src := randomImage(3, cifarShape)
	dst := make([]float32, src.Size())
	if err := p.Apply(7, src, dst); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dst, src.Pix) {
		t.Error("a zero View changed the image")
	}
}

func TestFlipIsMirror(t *testing.T) {
	p := Pipeline{A: View{FlipProb: 1}}
	s := data.Shape{T: 1, C: 3, H: 5, W: 7}
	src := randomImage(4, s)
	dst := make([]float32, s.Size())
	if err := p.Apply(9, src, dst); err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 3; c++ {
		for y := 0; y < 5; y++ {
			for x := 0; x < 7; x++ {
				got := dst[(c*5+y)*7+x]
				want := src.Pix[(c*5+y)*7+(6-x)]
				if got != want {
					t.Fatalf("channel %d pixel (%d, %d) = %v, want mirrored %v", c, y, x, got, want)
				}
			}
		}
	}
}

func TestCropBoxWithinBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for range 2000 {
		b := drawCrop(rng, 32, 40, [2]float64{0.08, 1}, [2]float64{3.0 / 4, 4.0 / 3})
		if b.top < 0 || b.left < 0 || b.h < 1 || b.w < 1 || b.top+b.h > 32 || b.left+b.w > 40 {
			t.Fatalf("crop %+v outside a 32×40 image", b)
		}
		if frac := float64(b.h*b.w) / (32 * 40); frac < 0.06 || frac > 1 {
			t.Fatalf("crop %+v covers %.3f of the image, want about 0.08…1", b, frac)
		}
	}
}

func TestCropResizesToOutput(t *testing.T) {
	// A crop of a horizontal ramp is still a non-decreasing ramp.
	s := data.Shape{T: 1, C: 1, H: 20, W: 20}
	src := data.NewImage(s)
	for y := 0; y < 20; y++ {
		for x := 0; x < 20; x++ {
			src.Pix[y*20+x] = float32(x) / 19
		}
	}
	p := Pipeline{OutH: 8, OutW: 8, A: View{CropScale: [2]float64{0.2, 0.5}, CropRatio: [2]float64{0.5, 2}}}
	dst := make([]float32, 64)
	for key := uint64(0); key < 50; key++ {
		if err := p.Apply(key, src, dst); err != nil {
			t.Fatal(err)
		}
		for y := 0; y < 8; y++ {
			for x := 1; x < 8; x++ {
				if dst[y*8+x] < dst[y*8+x-1] {
					t.Fatalf("key %d row %d: ramp decreases at column %d", key, y, x)
				}
			}
		}
	}
}

func TestColourOperations(t *testing.T) {
	const plane = 4
	// pure red, green, blue and grey pixels
	frame := func() []float32 {
		return []float32{1, 0, 0, 0.5, 0, 1, 0, 0.5, 0, 0, 1, 0.5}
	}

	f := frame()
	shiftHue(f, plane, 1.0/3)
	if want := []float32{0, 0, 1, 0.5, 1, 0, 0, 0.5, 0, 1, 0, 0.5}; !approxEqual(f, want, 1e-6) {
		t.Errorf("hue shift by 1/3 turn: %v, want red→green, green→blue, blue→red: %v", f, want)
	}

	f = frame()
	adjustSaturation(f, plane, 0)
	for k := 0; k < plane; k++ {
		if f[k] != f[plane+k] || f[k] != f[2*plane+k] {
			t.Errorf("saturation 0 left pixel %d coloured: %v %v %v", k, f[k], f[plane+k], f[2*plane+k])
		}
	}

	f = frame()
	grayscale(f, plane)
	if math.Abs(float64(f[0])-0.299) > 1e-6 || f[0] != f[plane] || f[0] != f[2*plane] {
		t.Errorf("grayscale of red = (%v, %v, %v), want 0.299 on every channel", f[0], f[plane], f[2*plane])
	}

	f = frame()
	adjustBrightness(f, 0.5)
	if f[0] != 0.5 || f[3] != 0.25 {
		t.Errorf("brightness 0.5: red %v grey %v, want 0.5 and 0.25", f[0], f[3])
	}

	f = []float32{0.2, 0.6}
	adjustContrast(f, 2, 1, 0)
	if f[0] != 0.4 || f[1] != 0.4 {
		t.Errorf("contrast 0 of one channel gave %v, want the mean 0.4 everywhere", f)
	}

	f = []float32{0.25, 128.0 / 255, 0.9}
	solarize(f)
	if want := []float32{0.25, 1 - 128.0/255, 1 - 0.9}; !approxEqual(f, want, 1e-7) {
		t.Errorf("solarize gave %v, want %v", f, want)
	}
}

func TestBlurSmoothsAndKeepsConstants(t *testing.T) {
	const h, w = 16, 16
	tmp := make([]float32, h*w)
	flat := make([]float32, h*w)
	for k := range flat {
		flat[k] = 0.3
	}
	gaussianBlur(flat, h, w, 1.5, tmp)
	for k, v := range flat {
		if math.Abs(float64(v)-0.3) > 1e-6 {
			t.Fatalf("blur of a constant image changed value %d to %v", k, v)
		}
	}

	noise := randomImage(6, data.Shape{T: 1, C: 1, H: h, W: w}).Pix
	before := variance(noise)
	gaussianBlur(noise, h, w, 1.5, tmp)
	if after := variance(noise); after > before/4 {
		t.Errorf("blur with σ=1.5 reduced the variance of noise from %v only to %v", before, after)
	}
}

func TestNormalizeRoundTrip(t *testing.T) {
	p := Pipeline{Mean: data.CIFAR10Mean, Std: data.CIFAR10Std}
	src := randomImage(8, cifarShape)
	dst := make([]float32, src.Size())
	if err := p.Apply(1, src, dst); err != nil {
		t.Fatal(err)
	}
	if want := (src.Pix[0] - 0.4914) / 0.2470; math.Abs(float64(dst[0]-want)) > 1e-6 {
		t.Errorf("normalised red value %v, want %v", dst[0], want)
	}
	back := Denormalize(data.Image{Shape: cifarShape, Pix: dst}, data.CIFAR10Mean, data.CIFAR10Std)
	if !approxEqual(back.Pix, src.Pix, 1e-6) {
		t.Error("Denormalize did not undo the normalisation")
	}
	bad := Pipeline{Mean: []float32{0.5}, Std: []float32{0.5}}
	if err := bad.Apply(1, src, dst); err == nil {
		t.Error("one-channel mean on a 3-channel image accepted")
	}
}

func TestEvalResizes(t *testing.T) {
	e := Eval{OutH: 16, OutW: 16, Mean: []float32{0.5}, Std: []float32{0.25}}
	s := data.Shape{T: 1, C: 1, H: 32, W: 32}
	src := data.NewImage(s)
	for k := range src.Pix {
		src.Pix[k] = 0.75
	}
	dst := make([]float32, 256)
	if err := e.Apply(0, src, dst); err != nil {
		t.Fatal(err)
	}
	if e.OutShape(s) != (data.Shape{T: 1, C: 1, H: 16, W: 16}) || dst[0] != 1 || dst[255] != 1 {
		t.Errorf("eval of a constant 0.75 image gave %v … %v, want (0.75−0.5)/0.25 = 1", dst[0], dst[255])
	}
}

func TestValidateRejectsBadParameters(t *testing.T) {
	cases := map[string]func(p *Pipeline){
		"flip probability":   func(p *Pipeline) { p.A.FlipProb = 1.5 },
		"crop scale":         func(p *Pipeline) { p.B.CropScale = [2]float64{0.5, 0.2} },
		"hue":                func(p *Pipeline) { p.A.Jitter.Hue = 0.7 },
		"blur sigma":         func(p *Pipeline) { p.A.Blur.SigmaMin = 0 },
		"mean length":        func(p *Pipeline) { p.Mean = []float32{0.5} },
		"zero std":           func(p *Pipeline) { p.Std = []float32{0.2, 0, 0.2} },
		"negative max shift": func(p *Pipeline) { p.Temporal.MaxShift = -1 },
	}
	for name, mutate := range cases {
		p := BarlowTwins(data.CIFAR10Mean, data.CIFAR10Std)
		mutate(&p)
		if err := p.Validate(cifarShape); err == nil {
			t.Errorf("%s: invalid pipeline accepted", name)
		}
	}
}

func TestTemporalShared(t *testing.T) {
	// Frame t, channel c is filled with 10t + c, so the output shows which
	// frame and channel each output plane came from.
	s := data.Shape{T: 6, C: 2, H: 4, W: 4}
	src := data.NewImage(s)
	for k := range src.Pix {
		src.Pix[k] = float32(10*(k/32) + (k/16)%2)
	}
	p := Pipeline{Temporal: Temporal{ReverseProb: 0.5, SwapPolarity: true, DropProb: 0.2, MaxShift: 2}}
	a, b := make([]float32, s.Size()), make([]float32, s.Size())
	sawReverse, sawShift, sawDrop := false, false, false
	for key := uint64(0); key < 100; key++ {
		if err := p.Pair(key, src, a, b); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a, b) {
			t.Fatalf("key %d: temporal augmentation differs between the views", key)
		}
		d := p.Temporal.draw(newRand(key, streamShared), 6)
		for out := 0; out < 6; out++ {
			in := out - d.shift
			got0, got1 := a[out*32], a[out*32+16]
			switch {
			case d.drop[out] || in < 0 || in >= 6:
				if got0 != 0 || got1 != 0 {
					t.Fatalf("key %d frame %d: want zeros, got %v %v", key, out, got0, got1)
				}
				sawDrop = sawDrop || d.drop[out]
			case d.reverse:
				if want := float32(10 * (5 - in)); got0 != want+1 || got1 != want {
					t.Fatalf("key %d frame %d: reversed with swapped polarity, want %v %v, got %v %v", key, out, want+1, want, got0, got1)
				}
				sawReverse = true
			default:
				if want := float32(10 * in); got0 != want || got1 != want+1 {
					t.Fatalf("key %d frame %d: want %v %v, got %v %v", key, out, want, want+1, got0, got1)
				}
			}
		}
		sawShift = sawShift || d.shift != 0
	}
	if !sawReverse || !sawShift || !sawDrop {
		t.Errorf("100 keys never drew reverse=%v shift=%v drop=%v", sawReverse, sawShift, sawDrop)
	}
}

func TestEventsPipelineCropsAllFramesAlike(t *testing.T) {
	s := data.Shape{T: 4, C: 2, H: 48, W: 48}
	src := randomImage(9, data.Shape{T: 1, C: 2, H: 48, W: 48})
	seq := data.NewImage(s)
	for f := 0; f < 4; f++ {
		copy(seq.Pix[f*2*48*48:], src.Pix)
	}
	p := Events(48, 48)
	p.Temporal = Temporal{}
	if err := p.Validate(s); err != nil {
		t.Fatal(err)
	}
	a, b := make([]float32, s.Size()), make([]float32, s.Size())
	if err := p.Pair(3, seq, a, b); err != nil {
		t.Fatal(err)
	}
	frame := 2 * 48 * 48
	for f := 1; f < 4; f++ {
		if !slices.Equal(a[:frame], a[f*frame:(f+1)*frame]) {
			t.Fatalf("frame %d of view A was cropped differently from frame 0", f)
		}
	}
}

func TestAugmentedPairsGrid(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "datasets", "cifar10-mini")
	ds, err := data.LoadCIFAR10Files(filepath.Join(dir, "test_batch.bin"))
	if err != nil {
		t.Skipf("reference data not available: %v", err)
	}

	p := BarlowTwins(data.CIFAR10Mean, data.CIFAR10Std).WithCropScale(0.2, 1)
	var grid []data.Image
	for i := 0; i < 10; i++ {
		src, _, err := data.Get(ds, i)
		if err != nil {
			t.Fatal(err)
		}
		a, b := data.NewImage(cifarShape), data.NewImage(cifarShape)
		if err := p.Pair(SampleKey(1, 0, i), src, a.Pix, b.Pix); err != nil {
			t.Fatal(err)
		}
		grid = append(grid, src,
			Denormalize(a, data.CIFAR10Mean, data.CIFAR10Std),
			Denormalize(b, data.CIFAR10Mean, data.CIFAR10Std))
	}

	var buf bytes.Buffer
	if err := data.EncodeGridPNG(&buf, grid, 6); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 6*34+2 || b.Dy() != 5*34+2 {
		t.Errorf("grid is %d×%d, want %d×%d", b.Dx(), b.Dy(), 6*34+2, 5*34+2)
	}

	paths := []string{filepath.Join(t.TempDir(), "augmented-pairs.png")}
	if out := os.Getenv("SNNLAB_TEST_ARTIFACTS"); out != "" {
		paths = append(paths, filepath.Join(out, "augmented-pairs.png"))
	}
	for _, path := range paths {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (rows of original, view A, view B)", path)
	}
}

func approxEqual(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if math.Abs(float64(a[k]-b[k])) > tol {
			return false
		}
	}
	return true
}

func variance(v []float32) float64 {
	var sum, sq float64
	for _, x := range v {
		sum += float64(x)
		sq += float64(x) * float64(x)
	}
	n := float64(len(v))
	return sq/n - (sum/n)*(sum/n)
}
