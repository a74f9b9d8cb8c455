package hdf5

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func vectors(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "..", "..", "shared", "vectors", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("vector folder %s not found: %v", dir, err)
	}
	return dir
}

func TestReadNetxWrittenByH5py(t *testing.T) {
	g, err := ReadFile(filepath.Join(vectors(t, "loihi"), "conv1_s1p1_dense.net"))
	if err != nil {
		t.Fatal(err)
	}
	typ := g.Dataset("layer/0/type")
	if typ == nil || typ.DType != "S10" || !slices.Equal(typ.Shape, []int{1}) || typ.Strings[0] != "input" {
		t.Errorf("/layer/0/type = %+v, want S10 [1] input", typ)
	}
	w := g.Dataset("layer/1/weight")
	if w == nil || w.DType != "float32" || !slices.Equal(w.Shape, []int{4, 1, 3, 3}) {
		t.Fatalf("/layer/1/weight = %+v, want float32 [4 1 3 3]", w)
	}
	if w.Floats[0] != -14 || w.Floats[1] != 82 {
		t.Errorf("weight starts %v, want -14, 82", w.Floats[:2])
	}
	b := g.Dataset("layer/1/neuron/gradedSpike")
	if b == nil || b.Kind != Bool || len(b.Shape) != 0 || b.Ints[0] != 0 {
		t.Errorf("gradedSpike = %+v, want scalar bool false", b)
	}
	if v := g.Dataset("layer/3/neuron/vThMant"); v == nil || v.DType != "int64" || v.Ints[0] != 150 {
		t.Errorf("vThMant = %+v, want int64 150", v)
	}
}

func TestReadVariableLengthAndDeflate(t *testing.T) {
	g, err := ReadFile(filepath.Join(vectors(t, "loihi"), "slayer_dense_mlp.net"))
	if err != nil {
		t.Fatal(err)
	}
	if d := g.Dataset("layer/0/neuron/type"); d == nil || d.DType != "string" || d.Strings[0] != "CUBA" {
		t.Errorf("neuron/type = %+v, want variable-length CUBA", d)
	}
	n, err := ReadFile(filepath.Join(vectors(t, "nir"), "affine_if.gzip.nir"))
	if err != nil {
		t.Fatal(err)
	}
	d := n.Dataset("node/nodes/affine/weight")
	if d == nil || !slices.Equal(d.Filters, []string{"deflate"}) || !slices.Equal(d.Shape, []int{4, 10}) {
		t.Fatalf("affine weight = %+v, want deflate-compressed [4 10]", d)
	}
	plain, err := ReadFile(filepath.Join(vectors(t, "nir"), "affine_if.nir"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Floats, plain.Dataset("node/nodes/affine/weight").Floats) {
		t.Error("compressed and contiguous files hold different weights")
	}
}

func sampleTree() *Group {
	g := NewGroup()
	_ = g.Put("a/type", FixedStrings([]string{"input"}, 10, 1))
	_ = g.Put("a/shape", Int64s([]int64{1, -4, 1 << 40}, 3))
	_ = g.Put("a/w", Float32s([]float64{0.5, -2, 3.25, 1e-4, 7, 8}, 2, 1, 3))
	_ = g.Put("a/x", Float64(math.Pi))
	_ = g.Put("a/i32", Int32s([]int64{-7, 7}, 2))
	_ = g.Put("a/flag", Bools([]bool{true, false}, 2))
	_ = g.Put("a/n/type", FixedString("CUBA"))
	_ = g.Put("edges", FixedStrings([]string{"in", "conv", "conv", "out"}, 4, 2, 2))
	_, _ = g.Group("empty")
	for i := 0; i < 100; i++ {
		_ = g.Put(fmt.Sprintf("many/%d", i), Int64(int64(i)))
	}
	return g
}

func equalTrees(t *testing.T, path string, a, b *Group) {
	t.Helper()
	if !slices.Equal(a.Names(), b.Names()) {
		t.Fatalf("%s: members %v, want %v", path, b.Names(), a.Names())
	}
	for name, sub := range a.Groups {
		equalTrees(t, path+name+"/", sub, b.Groups[name])
	}
	for name, d := range a.Datasets {
		e := b.Datasets[name]
		if e == nil {
			t.Fatalf("%s%s: missing", path, name)
		}
		if d.DType != e.DType || !slices.Equal(d.Shape, e.Shape) || d.Kind != e.Kind {
			t.Errorf("%s%s: %s %v, want %s %v", path, name, e.DType, e.Shape, d.DType, d.Shape)
		}
		want := d.Floats
		if d.DType == "float32" {
			want = make([]float64, len(d.Floats))
			for i, v := range d.Floats {
				want[i] = float64(float32(v))
			}
		}
		if !slices.Equal(d.Ints, e.Ints) || !slices.Equal(want, e.Floats) || !slices.Equal(d.Strings, e.Strings) {
			t.Errorf("%s%s: values differ: %v%v%v, want %v%v%v", path, name, e.Ints, e.Floats, e.Strings, d.Ints, want, d.Strings)
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	g := sampleTree()
	b, err := Encode(g)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	equalTrees(t, "/", g, back)
}

func TestWrittenFileReadsInH5dump(t *testing.T) {
	bin, err := exec.LookPath("h5dump")
	if err != nil {
		t.Skip("h5dump not installed (Debian package hdf5-tools)")
	}
	path := filepath.Join(t.TempDir(), "sample.h5")
	if err := WriteFile(path, sampleTree()); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil {
		t.Fatalf("h5dump failed: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		`DATASET "99"`,
		`DATATYPE  H5T_IEEE_F32LE`,
		`DATASPACE  SIMPLE { ( 2, 1, 3 ) / ( 2, 1, 3 ) }`,
		`(0,0,0): 0.5, -2, 3.25,`,
		`(0): 1, -4, 1099511627776`,
		`"TRUE"             1;`,
		`STRSIZE 10;`,
		`"conv",`,
		`(0): 3.14159`,
		`GROUP "empty"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("h5dump output lacks %q", want)
		}
	}
}

func TestParseRejectsBadInput(t *testing.T) {
	if _, err := Parse([]byte("not an hdf5 file at all")); err == nil || !strings.Contains(err.Error(), "not an HDF5 file") {
		t.Errorf("garbage: got %v", err)
	}
	b, err := Encode(sampleTree())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(b[:len(b)/2]); err == nil {
		t.Error("truncated file parsed without error")
	}
	// Random corruption must give errors, never panics.
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 300; i++ {
		c := slices.Clone(b)
		for k := 0; k < 8; k++ {
			c[8+rng.Intn(len(c)-8)] = byte(rng.Intn(256))
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("corrupted file %d: panic %v", i, r)
				}
			}()
			_, _ = Parse(c)
		}()
	}
}

func TestEncodeRejectsBadDatasets(t *testing.T) {
	for name, d := range map[string]*Dataset{
		"count":   Int64s([]int64{1, 2}, 3),
		"long":    FixedStrings([]string{"toolong"}, 3, 1),
		"unicode": FixedStrings([]string{"é"}, 4, 1),
		"int32":   Int32s([]int64{1 << 40}, 1),
		"dtype":   {Kind: Float, DType: "float16", Floats: []float64{1}},
	} {
		g := NewGroup()
		_ = g.Put("d", d)
		if _, err := Encode(g); err == nil {
			t.Errorf("%s: encoded without error", name)
		}
	}
}
