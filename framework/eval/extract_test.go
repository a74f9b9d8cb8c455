package eval_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/eval"
)

var tinyInput = framework.InputShape{C: 2, H: 3, W: 3}

// warmUp trains the network for one epoch so the running statistics are
// not the identity, which makes the evaluation-mode check meaningful.
func warmUp(t *testing.T, net *tinyNet, ds data.Dataset) {
	t.Helper()
	o := eval.DefaultFineTuneOptions()
	o.T, o.Epochs, o.Batch = 2, 1, 8
	if _, _, err := eval.Supervised(context.Background(), net, ds, ds, o); err != nil {
		t.Fatal(err)
	}
}

func TestExtractBatchSizeInvariance(t *testing.T) {
	ds := classImages(10, 2, data.Shape{T: 1, C: 2, H: 3, W: 3}, 0.5, 1)
	net := newTinyNet(t, tinyInput, 12, 1, nil)
	warmUp(t, net, ds)

	var got [2]eval.Features
	for i, batch := range []int{4, 7} {
		f, err := eval.Extract(context.Background(), net, ds, eval.ExtractOptions{T: 3, Batch: batch, PerStep: true})
		if err != nil {
			t.Fatal(err)
		}
		got[i] = f
	}
	if !slices.Equal(got[0].Data, got[1].Data) || !slices.Equal(got[0].PerStep, got[1].PerStep) {
		t.Error("features with batch 4 and batch 7 differ; padding or batch statistics leak into evaluation mode")
	}
	if !slices.Equal(got[0].Labels, ds.labels) {
		t.Errorf("labels %v, want the dataset's %v in index order", got[0].Labels, ds.labels)
	}
	var total float32
	for _, v := range got[0].Data {
		total += v
	}
	if total == 0 {
		t.Error("every feature is zero: no neuron spiked, so the check compares nothing")
	}
}

func TestExtractPerStepAndSpikeRates(t *testing.T) {
	const T, N, F = 3, 10, 12
	ds := classImages(N, 2, data.Shape{T: 1, C: 2, H: 3, W: 3}, 0.5, 2)
	rec := eval.NewSpikeRecorder()
	net := newTinyNet(t, tinyInput, F, 2, rec)
	warmUp(t, net, ds)

	var calls []int
	f, err := eval.Extract(context.Background(), net, ds, eval.ExtractOptions{
		T: T, Batch: 4, PerStep: true, Spikes: rec,
		Progress: func(done, total int) { calls = append(calls, done) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []int{4, 8, 10}) {
		t.Errorf("progress reported %v, want [4 8 10]", calls)
	}

	// Data is the mean of PerStep over t.
	for i := range f.Data {
		var sum float64
		for s := 0; s < T; s++ {
			sum += float64(f.Step(s)[i])
		}
		if math.Abs(sum/T-float64(f.Data[i])) > 1e-6 {
			t.Fatalf("feature %d is %v, mean of its steps %v", i, f.Data[i], sum/T)
		}
	}

	// The features are the spikes of the only neuron layer, so its rate at
	// step t is the mean of PerStep[t] over the real samples. Padding rows
	// (2 of the last batch) must not count.
	rates := rec.Rates()
	if len(rates) != 1 || len(rates[0].Rates) != T {
		t.Fatalf("rates %+v, want one layer with %d steps", rates, T)
	}
	var mean float64
	for s := 0; s < T; s++ {
		var sum float64
		for _, v := range f.Step(s) {
			sum += float64(v)
		}
		want := sum / (N * F)
		if math.Abs(rates[0].Rates[s]-want) > 1e-9 {
			t.Errorf("step %d rate %v, want %v from the features", s, rates[0].Rates[s], want)
		}
		mean += want / T
	}
	if math.Abs(rates[0].Mean-mean) > 1e-9 {
		t.Errorf("mean rate %v, want %v", rates[0].Mean, mean)
	}

	// Training passes through the same neurons are not counted.
	before := rec.Rates()[0].Rates
	warmUp(t, net, ds)
	if !slices.Equal(before, rec.Rates()[0].Rates) {
		t.Error("a training pass changed the recorded rates")
	}
}

func TestExtractTimeLayout(t *testing.T) {
	const T = 3
	// Event samples: frame t of sample i has every value 10·i + t.
	events := &memDataset{shape: data.Shape{T: T, C: 2, H: 2, W: 2}}
	for i := 0; i < 5; i++ {
		px := make([]float32, events.shape.Size())
		for j := range px {
			px[j] = float32(10*i + j/8)
		}
		events.pix = append(events.pix, px)
		events.labels = append(events.labels, i%2)
	}
	f, err := eval.Extract(context.Background(), poolNet{C: 2}, events, eval.ExtractOptions{T: T, Batch: 2, PerStep: true})
	if err != nil {
		t.Fatal(err)
	}
	for s := 0; s < T; s++ {
		for i := 0; i < 5; i++ {
			for c, v := range f.Step(s)[i*2 : i*2+2] {
				if want := float32(10*i + s); v != want {
					t.Errorf("event sample %d step %d channel %d: %v, want frame %d's value %v", i, s, c, v, s, want)
				}
			}
		}
	}

	// A static image is repeated over every step.
	static := classImages(3, 2, data.Shape{T: 1, C: 2, H: 2, W: 2}, 1, 3)
	f, err = eval.Extract(context.Background(), poolNet{C: 2}, static, eval.ExtractOptions{T: T, Batch: 2, PerStep: true})
	if err != nil {
		t.Fatal(err)
	}
	for s := 1; s < T; s++ {
		if !slices.Equal(f.Step(0), f.Step(s)) {
			t.Errorf("static image features differ between step 0 and step %d", s)
		}
	}
	for i, v := range f.Data {
		if math.Abs(float64(v-f.Step(0)[i])) > 1e-6 {
			t.Errorf("static image feature %d: mean over steps %v, each step %v", i, v, f.Step(0)[i])
		}
	}

	// Frames that do not match T are rejected.
	if _, err := eval.Extract(context.Background(), poolNet{C: 2}, events, eval.ExtractOptions{T: 4, Batch: 2}); err == nil {
		t.Error("3-frame samples with T = 4: no error")
	}
}

func TestExtractCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ds := classImages(50, 2, data.Shape{T: 1, C: 2, H: 2, W: 2}, 1, 3)
	if _, err := eval.Extract(ctx, poolNet{C: 2}, ds, eval.ExtractOptions{T: 1, Batch: 2}); err == nil {
		t.Error("cancelled context: no error")
	}
}
