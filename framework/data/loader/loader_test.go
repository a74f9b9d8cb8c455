package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/data/augment"
)

// synthetic returns n 3×8×8 images whose values encode their index, with
// label index mod 10.
func synthetic(n int) *data.Uint8Images {
	ds := &data.Uint8Images{Name: "synthetic", C: 3, H: 8, W: 8, Pix: make([]uint8, n*192), Labels: make([]uint8, n)}
	for i := 0; i < n; i++ {
		ds.Labels[i] = uint8(i % 10)
		for k := 0; k < 192; k++ {
			ds.Pix[i*192+k] = uint8((i*7 + k*13) % 256)
		}
	}
	return ds
}

func collect(t *testing.T, l *Loader, pos Position) []*Batch {
	t.Helper()
	it, err := l.Epoch(context.Background(), pos)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out []*Batch
	for {
		b, err := it.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
}

func pairLoader(t *testing.T, ds data.Dataset, workers int) *Loader {
	t.Helper()
	p := augment.BarlowTwins([]float32{0.5, 0.5, 0.5}, []float32{0.25, 0.25, 0.25})
	l, err := NewPairs(ds, &p, Config{BatchSize: 16, Workers: workers, Prefetch: 3, Seed: 11, Shuffle: true})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestBatchesIndependentOfWorkers(t *testing.T) {
	ds := synthetic(100)
	ref := collect(t, pairLoader(t, ds, 1), Position{Epoch: 2})
	if len(ref) != 7 || ref[6].Size != 4 {
		t.Fatalf("got %d batches, the last of %d samples; want 7 and 4", len(ref), ref[len(ref)-1].Size)
	}
	for _, workers := range []int{2, 5} {
		got := collect(t, pairLoader(t, ds, workers), Position{Epoch: 2})
		for b := range ref {
			if !slices.Equal(got[b].A, ref[b].A) || !slices.Equal(got[b].B, ref[b].B) || !slices.Equal(got[b].Labels, ref[b].Labels) {
				t.Fatalf("%d workers: batch %d differs from the 1-worker batch", workers, b)
			}
			if got[b].Batch != b || got[b].Epoch != 2 {
				t.Fatalf("%d workers: batch %d reports position %+v", workers, b, got[b].Position)
			}
		}
	}
}

func TestEpochCoversEverySampleOnce(t *testing.T) {
	ds := synthetic(100)
	l := pairLoader(t, ds, 2)
	var seen []int
	for _, b := range collect(t, l, Position{Epoch: 0}) {
		for k, idx := range b.Indices {
			if b.Labels[k] != idx%10 {
				t.Fatalf("sample %d has label %d, want %d", idx, b.Labels[k], idx%10)
			}
		}
		seen = append(seen, b.Indices...)
	}
	if slices.Equal(seen, l.Order(0)) == false {
		t.Error("batches do not follow Order(0)")
	}
	sort.Ints(seen)
	for i, idx := range seen {
		if idx != i {
			t.Fatalf("epoch delivered sample %d at sorted position %d: samples missing or repeated", idx, i)
		}
	}
	if slices.Equal(l.Order(0), l.Order(1)) {
		t.Error("epochs 0 and 1 have the same order")
	}
}

func TestResumeMidEpoch(t *testing.T) {
	ds := synthetic(100)
	full := collect(t, pairLoader(t, ds, 2), Position{Epoch: 4})
	resumed := collect(t, pairLoader(t, ds, 3), Position{Epoch: 4, Batch: 3})
	if len(resumed) != len(full)-3 {
		t.Fatalf("resumed epoch has %d batches, want %d", len(resumed), len(full)-3)
	}
	for k, b := range resumed {
		if !slices.Equal(b.A, full[k+3].A) || !slices.Equal(b.Indices, full[k+3].Indices) {
			t.Fatalf("resumed batch %d differs from batch %d of the full epoch", k, k+3)
		}
	}
	last := full[len(full)-1]
	if next := last.Next(len(full)); next != (Position{Epoch: 5}) {
		t.Errorf("position after the last batch is %+v, want epoch 5 batch 0", next)
	}
	if next := full[2].Next(len(full)); next != (Position{Epoch: 4, Batch: 3}) {
		t.Errorf("position after batch 2 is %+v, want epoch 4 batch 3", next)
	}
	if _, err := pairLoader(t, ds, 1).Epoch(context.Background(), Position{Batch: 99}); err == nil {
		t.Error("batch 99 of a 7-batch epoch accepted")
	}
}

func TestSingleViewUnchanged(t *testing.T) {
	ds := synthetic(30)
	l, err := New(ds, nil, Config{BatchSize: 8, Workers: 2, DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	if l.NumBatches() != 3 {
		t.Fatalf("NumBatches = %d with DropLast, want 3", l.NumBatches())
	}
	batches := collect(t, l, Position{})
	if len(batches) != 3 || batches[0].B != nil {
		t.Fatalf("got %d batches (B nil: %v), want 3 single-view batches", len(batches), batches[0].B == nil)
	}
	want, _, _ := data.Get(ds, 9)
	if got := batches[1].A[192 : 2*192]; !slices.Equal(got, want.Pix) || batches[1].Indices[1] != 9 {
		t.Error("unshuffled batch 1 position 1 is not sample 9 unchanged")
	}
}

// failing fails on one sample.
type failing struct{ data.Dataset }

func (f failing) Sample(i int, dst []float32) error {
	if i == 13 {
		return fmt.Errorf("cannot read sample %d", i)
	}
	return f.Dataset.Sample(i, dst)
}

func TestSampleErrorStopsEpoch(t *testing.T) {
	l, err := New(failing{synthetic(40)}, augment.Eval{}, Config{BatchSize: 10, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	it, err := l.Epoch(context.Background(), Position{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := it.Next(); err != nil {
		t.Fatalf("batch 0: %v", err)
	}
	_, err = it.Next()
	if err == nil || !strings.Contains(err.Error(), "sample 13") {
		t.Fatalf("batch 1 error %v, want one naming sample 13", err)
	}
	if _, err := it.Next(); err != io.EOF {
		t.Errorf("Next after an error returned %v, want io.EOF", err)
	}
}

func TestCancelReportsEarlyStop(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	l := pairLoader(t, synthetic(200), 2)
	it, err := l.Epoch(ctx, Position{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := it.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	for {
		_, err := it.Next()
		if err == nil {
			continue
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("after cancel Next returned %v, want context.Canceled", err)
		}
		break
	}
	// Workers exit once their current batch is done.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left after cancel, %d before", n, before)
	}
}

func TestConfigRejected(t *testing.T) {
	ds := synthetic(10)
	if _, err := New(ds, nil, Config{BatchSize: 0}); err == nil {
		t.Error("BatchSize 0 accepted")
	}
	if _, err := New(ds, nil, Config{BatchSize: 20, DropLast: true}); err == nil {
		t.Error("DropLast with a batch larger than the dataset accepted")
	}
	p := augment.BarlowTwins([]float32{0.5}, []float32{0.5})
	if _, err := NewPairs(ds, &p, Config{BatchSize: 2}); err == nil {
		t.Error("one-channel normalisation on a three-channel dataset accepted")
	}
}

func cifarForBench(b *testing.B) data.Dataset {
	dir := filepath.Join("..", "..", "..", "..", "shared", "datasets", "cifar10-mini")
	ds, err := data.LoadCIFAR10Files(filepath.Join(dir, "data_batch_1.bin"))
	if err != nil {
		b.Skipf("reference data not available: %v", err)
	}
	return ds
}

// BenchmarkLoaderCIFAR measures augmented CIFAR-10 pairs (Barlow Twins
// pipeline, crop scale 0.2…1) per second, in total and per worker.
func BenchmarkLoaderCIFAR(b *testing.B) {
	ds := cifarForBench(b)
	workers := runtime.GOMAXPROCS(0)
	p := augment.BarlowTwins(data.CIFAR10Mean, data.CIFAR10Std).WithCropScale(0.2, 1)
	l, err := NewPairs(ds, &p, Config{BatchSize: 250, Workers: workers, Seed: 1, Shuffle: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	pairs := 0
	for epoch := 0; b.Loop(); epoch++ {
		it, err := l.Epoch(context.Background(), Position{Epoch: epoch})
		if err != nil {
			b.Fatal(err)
		}
		for {
			batch, err := it.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			pairs += batch.Size
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(pairs)/sec, "pairs/s")
	b.ReportMetric(float64(pairs)/sec/float64(workers), "pairs/s/core")
}
