package nir

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/plugins/targets/internal/hdf5"
)

// nirVectors returns the folder of NIR files written by the nir package:
// SNNLAB_NIR_VECTORS when set, else the project's shared vectors. It skips
// the test when the folder is absent.
func nirVectors(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SNNLAB_NIR_VECTORS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "vectors", "nir")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.nir"))
	if len(files) == 0 {
		t.Skipf("no NIR vector files in %s (set SNNLAB_NIR_VECTORS)", dir)
	}
	return dir
}

type sidecarDataset struct {
	DType       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	Value       any    `json:"value"`
	Compression any    `json:"compression"`
}

// compareTree checks every dataset of the sidecar tree against the HDF5
// group, and that the group holds nothing else. Strings match by value
// only unless exactDType is set.
func compareTree(t *testing.T, path string, want map[string]any, g *hdf5.Group, exactDType bool) {
	t.Helper()
	if len(want) != len(g.Groups)+len(g.Datasets) {
		t.Errorf("%s: %d members, want %d (%v)", path, len(g.Groups)+len(g.Datasets), len(want), g.Names())
	}
	for name, v := range want {
		obj := v.(map[string]any)
		if _, isDataset := obj["dtype"]; isDataset {
			d := g.Datasets[name]
			if d == nil {
				t.Errorf("%s%s: missing dataset", path, name)
				continue
			}
			b, _ := json.Marshal(obj)
			var sd sidecarDataset
			_ = json.Unmarshal(b, &sd)
			compareDataset(t, path+name, sd, d, exactDType)
			continue
		}
		sub := g.Groups[name]
		if sub == nil {
			t.Errorf("%s%s: missing group", path, name)
			continue
		}
		compareTree(t, path+name+"/", obj, sub, exactDType)
	}
}

func flat(v any) []any {
	var out []any
	var walk func(any)
	walk = func(x any) {
		if xs, ok := x.([]any); ok {
			for _, y := range xs {
				walk(y)
			}
			return
		}
		out = append(out, x)
	}
	walk(v)
	return out
}

func compareDataset(t *testing.T, path string, want sidecarDataset, d *hdf5.Dataset, exactDType bool) {
	t.Helper()
	if !slices.Equal(d.Shape, want.Shape) && !(len(d.Shape) == 0 && len(want.Shape) == 0) {
		t.Errorf("%s: shape %v, want %v", path, d.Shape, want.Shape)
	}
	isString := want.DType == "string"
	if !isString || exactDType {
		if d.DType != want.DType {
			t.Errorf("%s: dtype %s, want %s", path, d.DType, want.DType)
		}
	}
	values := flat(want.Value)
	switch {
	case isString:
		if len(d.Strings) != len(values) {
			t.Fatalf("%s: %d strings, want %d", path, len(d.Strings), len(values))
		}
		for i, v := range values {
			if d.Strings[i] != v.(string) {
				t.Errorf("%s[%d] = %q, want %q", path, i, d.Strings[i], v)
			}
		}
	case strings.HasPrefix(want.DType, "float"):
		if len(d.Floats) != len(values) {
			t.Fatalf("%s: %d floats, want %d", path, len(d.Floats), len(values))
		}
		for i, v := range values {
			w := v.(float64)
			if want.DType == "float32" {
				w = float64(float32(w))
			}
			if math.Float64bits(d.Floats[i]) != math.Float64bits(w) {
				t.Errorf("%s[%d] = %v, want %v", path, i, d.Floats[i], w)
			}
		}
	default:
		if len(d.Ints) != len(values) {
			t.Fatalf("%s: %d integers, want %d", path, len(d.Ints), len(values))
		}
		for i, v := range values {
			if d.Ints[i] != int64(v.(float64)) {
				t.Errorf("%s[%d] = %d, want %v", path, i, d.Ints[i], v)
			}
		}
	}
	if exactDType && want.Compression != nil && len(d.Filters) == 0 {
		t.Errorf("%s: sidecar says compressed, reader saw no filter", path)
	}
}

func TestReadMatchesSidecars(t *testing.T) {
	dir := nirVectors(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.nir"))
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			root, err := hdf5.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var side struct {
				Datasets map[string]any `json:"datasets"`
				Edges    [][2]string    `json:"edges"`
			}
			b, err := os.ReadFile(strings.TrimSuffix(f, ".nir") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &side); err != nil {
				t.Fatal(err)
			}
			compareTree(t, "/", side.Datasets, root, true)

			g, err := ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Check(); err != nil {
				t.Fatalf("type check: %v", err)
			}
			if !slices.Equal(g.Edges, side.Edges) {
				t.Errorf("edges %v, want %v", g.Edges, side.Edges)
			}

			// Write, read back, and compare with the sidecar again.
			out := filepath.Join(t.TempDir(), name)
			if err := WriteFile(out, g); err != nil {
				t.Fatal(err)
			}
			back, err := hdf5.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			compareTree(t, "/", side.Datasets, back, false)
			h5dumpAccepts(t, out)
		})
	}
}

// h5dumpAccepts runs libhdf5's h5dump on a file when it is installed.
func h5dumpAccepts(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("h5dump")
	if err != nil {
		t.Log("h5dump not installed (Debian package hdf5-tools); skipping the libhdf5 check")
		return
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "error") {
		t.Errorf("h5dump rejects %s: %v\n%s", path, err, out)
	}
}

func TestCheckRejectsBadGraphs(t *testing.T) {
	dir := nirVectors(t)
	g, err := ReadFile(filepath.Join(dir, "affine_if.nir"))
	if err != nil {
		t.Fatal(err)
	}
	g.Nodes["output"].Params["shape"] = hdf5.Int64s([]int64{5}, 1)
	if err := g.Check(); err == nil || !strings.Contains(err.Error(), "expects [5]") {
		t.Errorf("shape mismatch: got %v", err)
	}

	g.Nodes["output"].Params["shape"] = hdf5.Int64s([]int64{4}, 1)
	g.Nodes["if"].Params["bogus"] = hdf5.Int64(1)
	if err := WriteFile(filepath.Join(t.TempDir(), "x.nir"), g); err == nil || !strings.Contains(err.Error(), "unknown parameter bogus") {
		t.Errorf("unknown parameter: got %v", err)
	}
	delete(g.Nodes["if"].Params, "bogus")

	delete(g.Nodes["if"].Params, "r")
	if err := checkParams(g.Nodes["if"]); err == nil || !strings.Contains(err.Error(), "missing the required parameter r") {
		t.Errorf("missing parameter: got %v", err)
	}

	g.Edges = append(g.Edges, [2]string{"output", "input"})
	if err := g.Check(); err == nil {
		t.Error("cycle accepted")
	}
}
