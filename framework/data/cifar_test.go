package data

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCIFAR10FullFacts(t *testing.T) {
	dir := sharedDatasets(t, "cifar10")
	train, err := LoadCIFAR10(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadCIFAR10(dir, false)
	if err != nil {
		t.Fatal(err)
	}

	if train.Len() != 50000 || test.Len() != 10000 {
		t.Fatalf("records: train %d, test %d, want 50000 and 10000", train.Len(), test.Len())
	}
	for c, n := range ClassCounts(Labels(train), 10) {
		if n != 5000 {
			t.Errorf("train class %d has %d images, want 5000", c, n)
		}
	}
	for c, n := range ClassCounts(Labels(test), 10) {
		if n != 1000 {
			t.Errorf("test class %d has %d images, want 1000", c, n)
		}
	}
	batch1 := ClassCounts(Labels(train)[:10000], 10)
	if want := []int{1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981}; !slices.Equal(batch1, want) {
		t.Errorf("batch 1 class counts %v, want %v", batch1, want)
	}
	batch5 := ClassCounts(Labels(train)[40000:], 10)
	if want := []int{1014, 1014, 952, 1016, 997, 1025, 980, 977, 1003, 1022}; !slices.Equal(batch5, want) {
		t.Errorf("batch 5 class counts %v, want %v", batch5, want)
	}
	if got, want := Labels(train)[:10], []int{6, 9, 9, 4, 1, 1, 2, 7, 8, 3}; !slices.Equal(got, want) {
		t.Errorf("first train labels %v, want %v", got, want)
	}
	if got, want := Labels(test)[:10], []int{3, 8, 8, 0, 6, 6, 1, 6, 3, 1}; !slices.Equal(got, want) {
		t.Errorf("first test labels %v, want %v", got, want)
	}

	redRow := []uint8{59, 43, 50, 68, 98, 119, 139, 145, 149, 149, 131, 125, 142, 144, 137, 129, 137, 134, 124, 139, 139, 133, 136, 139, 152, 163, 168, 159, 158, 158, 152, 148}
	if got := train.Bytes(0)[:32]; !slices.Equal(got, redRow) {
		t.Errorf("red top row of train image 0 is %v, want %v", got, redRow)
	}
	img, label, err := Get(train, 0)
	if err != nil {
		t.Fatal(err)
	}
	if label != 6 || img.Pix[0] != 59.0/255 || img.Shape != (Shape{1, 3, 32, 32}) {
		t.Errorf("Get(train, 0): label %d, first value %v, shape %v; want 6, 59/255, [3, 32, 32]", label, img.Pix[0], img.Shape)
	}

	checkStats := func(name string, ds Dataset, wantMean, wantStd []float64) {
		mean, std, err := ChannelStats(ds)
		if err != nil {
			t.Fatal(err)
		}
		for c := range 3 {
			if math.Abs(mean[c]-wantMean[c]) > 0.00005 {
				t.Errorf("%s mean[%d] = %.5f, want %.4f", name, c, mean[c], wantMean[c])
			}
			if math.Abs(std[c]-wantStd[c]) > 0.00005 {
				t.Errorf("%s std[%d] = %.5f, want %.4f", name, c, std[c], wantStd[c])
			}
		}
	}
	checkStats("train", train, []float64{0.4914, 0.4822, 0.4465}, []float64{0.2470, 0.2435, 0.2616})
	checkStats("test", test, []float64{0.4942, 0.4851, 0.4504}, []float64{0.2467, 0.2429, 0.2616})
	for c := range 3 {
		if math.Abs(float64(CIFAR10Mean[c])-[]float64{0.4914, 0.4822, 0.4465}[c]) > 1e-6 {
			t.Errorf("CIFAR10Mean[%d] = %v disagrees with the measured value", c, CIFAR10Mean[c])
		}
	}
}

func TestCIFAR10MiniInterleaved(t *testing.T) {
	dir := sharedDatasets(t, "cifar10-mini")
	train, err := LoadCIFAR10Files(filepath.Join(dir, "data_batch_1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 1000 {
		t.Fatalf("mini train has %d records, want 1000", train.Len())
	}
	for i := 0; i < train.Len(); i++ {
		if train.Label(i) != i%10 {
			t.Fatalf("mini record %d has label %d, want %d", i, train.Label(i), i%10)
		}
	}
	if got := train.Classes(); !slices.Equal(got, CIFAR10Classes) {
		t.Errorf("class names %v, want %v", got, CIFAR10Classes)
	}
	test, err := LoadCIFAR10(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if test.Len() != 200 {
		t.Errorf("mini test has %d records, want 200", test.Len())
	}
}

func TestCIFAR10MissingBatchesRejected(t *testing.T) {
	dir := sharedDatasets(t, "cifar10-mini")
	_, err := LoadCIFAR10(dir, true)
	if err == nil {
		t.Fatal("loading a folder with only data_batch_1.bin as the full training set succeeded, want an error")
	}
	for _, want := range []string{"data_batch_2.bin", "1 of 5", "LoadCIFAR10Files"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestCIFAR10TruncatedFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data_batch_1.bin")
	b := make([]byte, 2*cifarRecordSize+100)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadCIFAR10Files(p)
	if err == nil {
		t.Fatal("truncated batch loaded without error")
	}
	for _, want := range []string{p, "6246 bytes", "offset 6146", "download the file again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestCIFAR10BadLabel(t *testing.T) {
	p := filepath.Join(t.TempDir(), "test_batch.bin")
	b := make([]byte, 3*cifarRecordSize)
	b[2*cifarRecordSize] = 12
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadCIFAR10Files(p)
	if err == nil || !strings.Contains(err.Error(), "offset 6146") || !strings.Contains(err.Error(), "label 12") {
		t.Fatalf("error %v, want one naming offset 6146 and label 12", err)
	}
}

func TestSampleDestinationChecked(t *testing.T) {
	ds := &Uint8Images{Name: "tiny", C: 1, H: 2, W: 2, Pix: make([]uint8, 4), Labels: []uint8{0}}
	if err := ds.Sample(0, make([]float32, 3)); err == nil {
		t.Error("Sample into a 3-value buffer for a 4-value image succeeded")
	}
	if err := ds.Sample(1, make([]float32, 4)); err == nil {
		t.Error("Sample(1) on a 1-image dataset succeeded")
	}
}
