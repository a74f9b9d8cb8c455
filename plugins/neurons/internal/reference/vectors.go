package reference

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// VectorsEnv names the environment variable that points the tests at
// another folder of test vectors in the same format.
const VectorsEnv = "SNNLAB_VECTORS"

// NeuronVectors is the content of neurons.json.
type NeuronVectors struct {
	Params struct {
		Tau    float64 `json:"tau"`
		Vth    float64 `json:"vth"`
		Alpha  float64 `json:"alpha"`
		Vreset float64 `json:"vreset"`
		Rho    float64 `json:"rho"`
		Beta   float64 `json:"beta"`
		PlifW  float64 `json:"plif_w"`
	} `json:"params"`
	I     [][]float64  `json:"I"`
	G     [][]float64  `json:"G"`
	Cases []VectorCase `json:"cases"`
	Edge  struct {
		I     [][]float64  `json:"I"`
		G     [][]float64  `json:"G"`
		Cases []VectorCase `json:"cases"`
	} `json:"edge"`
}

// VectorCase is one neuron configuration and its expected results, each
// array [T][N].
type VectorCase struct {
	Name        string      `json:"name"`
	Kind        string      `json:"kind"`
	Path        string      `json:"path"` // "spike" (path A) or "ramp" (path B)
	DetachReset bool        `json:"detach_reset"`
	Tau         float64     `json:"tau"`
	W           *float64    `json:"w"`
	Rho         *float64    `json:"rho"`
	Beta        *float64    `json:"beta"`
	Output      [][]float64 `json:"output"`
	H           [][]float64 `json:"H"`
	V           [][]float64 `json:"V"`
	GradI       [][]float64 `json:"grad_I"`
	GradW       *float64    `json:"grad_w"`
	A           [][]float64 `json:"a"`
	VthEff      [][]float64 `json:"vth_eff"`
}

// VectorsDir returns the test-vector folder: $SNNLAB_VECTORS when set,
// otherwise the vectors folder beside the module root (the folder above
// the one holding go.mod). It skips the test when the folder is absent.
func VectorsDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv(VectorsEnv); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("test vectors: working directory: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			vec := filepath.Join(dir, "..", "shared", "vectors")
			if _, err := os.Stat(vec); err != nil {
				t.Skipf("test vectors not found at %s; set %s to a vectors folder", vec, VectorsEnv)
			}
			return vec
		}
		if filepath.Dir(dir) == dir {
			t.Skipf("test vectors: no go.mod above %s; set %s to a vectors folder", wd, VectorsEnv)
		}
	}
}

// LoadNeuronVectors reads neurons.json from VectorsDir.
func LoadNeuronVectors(t testing.TB) *NeuronVectors {
	t.Helper()
	path := filepath.Join(VectorsDir(t), "neurons.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("test vectors: %v", err)
	}
	var v NeuronVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("test vectors: %s: %v", path, err)
	}
	if len(v.I) == 0 || len(v.Cases) == 0 {
		t.Fatalf("test vectors: %s has no inputs or no cases", path)
	}
	return &v
}

// Flatten turns a [T][N] array into a row-major float32 slice and returns T.
func Flatten(rows [][]float64) ([]float32, int, error) {
	if len(rows) == 0 {
		return nil, 0, fmt.Errorf("empty array")
	}
	n := len(rows[0])
	out := make([]float32, 0, len(rows)*n)
	for t, r := range rows {
		if len(r) != n {
			return nil, 0, fmt.Errorf("row %d has %d elements, row 0 has %d", t, len(r), n)
		}
		for _, x := range r {
			out = append(out, float32(x))
		}
	}
	return out, len(rows), nil
}
