package data

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDatasets returns the project's reference data folder, three levels
// above this package, or skips the test when it is absent.
func sharedDatasets(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "shared", "datasets"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("reference data %s not available: %v", p, err)
	}
	return p
}
