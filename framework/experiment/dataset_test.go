package experiment

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/snnlab/snnlab/framework/data"
)

// Runs that load the same dataset share one copy of its images, and each
// still gets its own limits.
func TestLoadDatasetsSharesImages(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "datasets", "cifar10-mini")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("CIFAR-10 subset not found at %s: %v", dir, err)
	}
	full, err := LoadDatasets(Config{Dataset: "cifar10"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadDatasets(Config{Dataset: "cifar10"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if full.Train != again.Train || full.Test != again.Test {
		t.Errorf("two loads of the CIFAR-10 subset hold separate copies of the images")
	}

	small, err := LoadDatasets(Config{Dataset: "cifar10", TrainLimit: 100, TestLimit: 30}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if small.Train.Len() != 100 || small.Test.Len() != 30 {
		t.Errorf("limited load has %d and %d samples, want 100 and 30", small.Train.Len(), small.Test.Len())
	}
	if full.Train.Len() == 100 {
		t.Errorf("a limited load changed the shared full split")
	}
	counts := map[int]int{}
	for _, l := range data.Labels(small.Train) {
		counts[l]++
	}
	if len(counts) != 10 || counts[0] != 10 {
		t.Errorf("limited split is not class-balanced: %v", counts)
	}
}
