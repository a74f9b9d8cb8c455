package loihi2

import (
	"math/rand"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// workedExample returns the float network of the netx worked example:
// input 1×4×4 → conv 2@3×3 pad 1 → LIF (β 0.75, θ 1.25) → flatten →
// dense 32→3 → IF (θ 1.5625), with weights that give both layers S = 64
// under power-of-two scaling.
func workedExample() *FloatNet {
	rng := rand.New(rand.NewSource(7))
	w1 := make([]float64, 18)
	for i := range w1 {
		w1[i] = rng.Float64()*7.5 - 3.75
	}
	w1[0] = 3.9
	w2 := make([]float64, 96)
	for i := range w2 {
		w2[i] = rng.Float64()*7.5 - 3.75
	}
	w2[5] = -3.9
	return &FloatNet{Input: []int{1, 4, 4}, T: 8, Layers: []FloatLayer{
		{Name: "conv1", Kind: Conv, InShape: []int{1, 4, 4}, Shape: []int{2, 4, 4}, Weight: w1, WeightShape: []int{2, 1, 3, 3},
			Bias: []float64{0.0625, -0.03125}, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1},
			Groups: 1, Beta: 0.75, Theta: 1.25},
		{Name: "fc2", Kind: Dense, InShape: []int{32}, Shape: []int{3}, Weight: w2, WeightShape: []int{3, 32},
			Bias: []float64{0, 0.09375, -0.0625}, Beta: 1, Theta: 1.5625},
	}}
}

func workedExampleNet(t *testing.T) *Net {
	t.Helper()
	o := DefaultQuantOptions()
	o.Encoding, o.GradedQ, o.ScaleMode = EncodingGraded, 1, ScalePow2
	net, q, _, err := Quantize(workedExample(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range q {
		if l.Scale != 64 {
			t.Fatalf("layer %s: scale %v, want 64", l.Name, l.Scale)
		}
	}
	return net
}

// wantLayout is the worked example's table: path → dtype and shape.
var wantLayout = map[string]string{
	"/layer/0/type": "S10 [1]", "/layer/0/shape": "int64 [3]",
	"/layer/1/type": "S10 [1]", "/layer/1/shape": "int64 [3]", "/layer/1/inChannels": "int64 []",
	"/layer/1/outChannels": "int64 []", "/layer/1/kernelSize": "int64 [2]", "/layer/1/stride": "int64 [2]",
	"/layer/1/padding": "int64 [2]", "/layer/1/dilation": "int64 [2]", "/layer/1/groups": "int64 []",
	"/layer/1/weight": "float32 [2 1 3 3]", "/layer/1/bias": "float32 [2]",
	"/layer/1/neuron/type": "S4 []", "/layer/1/neuron/iDecay": "int64 []", "/layer/1/neuron/vDecay": "int64 []",
	"/layer/1/neuron/vThMant": "int64 []", "/layer/1/neuron/refDelay": "int64 []", "/layer/1/neuron/gradedSpike": "bool []",
	"/layer/2/type": "S10 [1]", "/layer/2/shape": "int64 [3]",
	"/layer/3/type": "S10 [1]", "/layer/3/shape": "int64 [1]", "/layer/3/inFeatures": "int64 []",
	"/layer/3/outFeatures": "int64 []", "/layer/3/weight": "float32 [3 32]", "/layer/3/bias": "float32 [3]",
	"/layer/3/neuron/type": "S4 []", "/layer/3/neuron/iDecay": "int64 []", "/layer/3/neuron/vDecay": "int64 []",
	"/layer/3/neuron/vThMant": "int64 []", "/layer/3/neuron/refDelay": "int64 []", "/layer/3/neuron/gradedSpike": "bool []",
	"/simulation/Ts": "int64 []", "/simulation/tSample": "int64 []",
}

// h5dumpLayout parses `h5dump -H` output into path → "dtype [shape]".
func h5dumpLayout(t *testing.T, text string) map[string]string {
	t.Helper()
	open := regexp.MustCompile(`^\s*(GROUP|DATASET) "([^"]*)" \{$`)
	simple := regexp.MustCompile(`DATASPACE\s+SIMPLE \{ \( ([0-9, ]+) \)`)
	out := map[string]string{}
	var stack []string // one entry per open brace: a name, or "" for other blocks
	var dtype string
	for _, line := range strings.Split(text, "\n") {
		trim := strings.TrimSpace(line)
		if m := open.FindStringSubmatch(line); m != nil {
			stack = append(stack, m[2])
			dtype = ""
			continue
		}
		switch {
		case strings.HasPrefix(trim, "DATATYPE"):
			f := strings.Fields(trim)
			switch f[1] {
			case "H5T_STD_I64LE":
				dtype = "int64"
			case "H5T_IEEE_F32LE":
				dtype = "float32"
			case "H5T_ENUM":
				dtype = "bool"
			case "H5T_STRING":
				dtype = "S"
			default:
				dtype = f[1]
			}
		case strings.HasPrefix(trim, "STRSIZE"):
			dtype += strings.TrimSuffix(strings.Fields(trim)[1], ";")
		case strings.HasPrefix(trim, "DATASPACE"):
			shape := "[]"
			if m := simple.FindStringSubmatch(trim); m != nil {
				shape = "[" + strings.ReplaceAll(m[1], ", ", " ") + "]"
			}
			// stack[0] is the file, stack[1] the root group.
			out["/"+strings.Join(stack[2:], "/")] = dtype + " " + shape
		}
		if strings.HasSuffix(trim, "{") && !open.MatchString(line) {
			stack = append(stack, "")
		} else if trim == "}" && len(stack) > 0 {
			stack = stack[:len(stack)-1]
		}
	}
	return out
}

func TestNetxWorkedExampleLayoutInH5dump(t *testing.T) {
	bin, err := exec.LookPath("h5dump")
	if err != nil {
		t.Skip("h5dump not installed (Debian package hdf5-tools); the layout is checked by an independent HDF5 reader only")
	}
	path := filepath.Join(t.TempDir(), "example.net")
	if err := WriteNetx(path, workedExampleNet(t)); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-H", path).CombinedOutput()
	if err != nil {
		t.Fatalf("h5dump: %v\n%s", err, out)
	}
	got := h5dumpLayout(t, string(out))
	for p, want := range wantLayout {
		if got[p] != want {
			t.Errorf("%s: h5dump shows %q, want %q", p, got[p], want)
		}
	}
	for p := range got {
		if _, ok := wantLayout[p]; !ok {
			t.Errorf("%s: unexpected dataset %s", p, got[p])
		}
	}

	values, err := exec.Command(bin, "-d", "/layer/1/bias", "-d", "/layer/1/neuron/vDecay", "-d", "/layer/1/neuron/vThMant",
		"-d", "/layer/3/bias", "-d", "/layer/3/neuron/vThMant", "-d", "/layer/0/type", path).CombinedOutput()
	if err != nil {
		t.Fatalf("h5dump: %v\n%s", err, values)
	}
	for _, want := range []string{"(0): 4, -2", "(0): 1024", "(0): 80", "(0): 0, 6, -4", "(0): 100", `"input`} {
		if !strings.Contains(string(values), want) {
			t.Errorf("h5dump values lack %q:\n%s", want, values)
		}
	}
}

func TestNetxWriteReadRoundTrip(t *testing.T) {
	net := workedExampleNet(t)
	path := filepath.Join(t.TempDir(), "example.net")
	if err := WriteNetx(path, net); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNetx(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Input, net.Input) || back.TSample != 8 || len(back.Layers) != 2 {
		t.Fatalf("read back input %v, tSample %d, %d layers", back.Input, back.TSample, len(back.Layers))
	}
	for i := range net.Layers {
		a, b := net.Layers[i], back.Layers[i]
		if !slices.Equal(a.Weight, b.Weight) || !slices.Equal(a.Bias, b.Bias) || a.Neuron != b.Neuron ||
			!slices.Equal(a.Shape, b.Shape) || a.Kernel != b.Kernel || a.Padding != b.Padding {
			t.Errorf("layer %d differs after the round trip:\n%+v\n%+v", i, a, b)
		}
	}
	if !back.Layers[1].Flatten {
		t.Error("dense layer after conv lost its flatten")
	}
}

func TestReadNetxRejectsUnsupportedLayers(t *testing.T) {
	root, err := EncodeNetx(workedExampleNet(t))
	if err != nil {
		t.Fatal(err)
	}
	root.Dataset("layer/2/type").Strings[0] = "pool"
	if _, err := DecodeNetx(root); err == nil || !strings.Contains(err.Error(), `/layer/2: layer type "pool" is not supported`) {
		t.Errorf("pool layer: got %v", err)
	}
	root.Dataset("layer/2/type").Strings[0] = "flatten"
	root.Dataset("layer/1/neuron/vDecay").Ints[0] = 5000
	if _, err := DecodeNetx(root); err == nil || !strings.Contains(err.Error(), "vDecay 5000") {
		t.Errorf("vDecay out of range: got %v", err)
	}
}
