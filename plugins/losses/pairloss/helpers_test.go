package pairloss_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/plugins/losses/pairloss"

	_ "github.com/snnlab/snnlab/plugins/losses/bt"
	_ "github.com/snnlab/snnlab/plugins/losses/btl"
	_ "github.com/snnlab/snnlab/plugins/losses/ctl"
	_ "github.com/snnlab/snnlab/plugins/losses/ncl"
)

// vectorDir returns the test-vector folder: $SNNLAB_VECTORS when set,
// otherwise the project's reference vectors next to the repository.
func vectorDir(t testing.TB) string {
	if dir := os.Getenv("SNNLAB_VECTORS"); dir != "" {
		return dir
	}
	dir := filepath.Join("..", "..", "..", "..", "shared", "vectors")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("test vectors not found at %s (set SNNLAB_VECTORS to a vector folder): %v", dir, err)
	}
	return dir
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorDir(t), name))
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
}

// newLoss builds a registered loss and returns its engine type.
func newLoss(t testing.TB, name string, opts map[string]any) *pairloss.Loss {
	t.Helper()
	l, err := framework.NewLoss(name, opts)
	if err != nil {
		t.Fatalf("NewLoss(%q, %v): %v", name, opts, err)
	}
	pl, ok := l.(*pairloss.Loss)
	if !ok {
		t.Fatalf("NewLoss(%q) returned %T, want *pairloss.Loss", name, l)
	}
	return pl
}

// close reports whether got is within atol + rtol·|want| of want.
func close(got, want, atol, rtol float64) bool {
	return math.Abs(got-want) <= atol+rtol*math.Abs(want)
}

func flatten3(x [][][]float64) []float64 {
	var out []float64
	for _, a := range x {
		for _, b := range a {
			out = append(out, b...)
		}
	}
	return out
}

func flatten2(x [][]float64) []float64 {
	var out []float64
	for _, a := range x {
		out = append(out, a...)
	}
	return out
}

func narrow(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}
