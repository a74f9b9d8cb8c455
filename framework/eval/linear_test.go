package eval_test

import (
	"context"
	"slices"
	"testing"

	"github.com/snnlab/snnlab/framework/eval"
)

func fastLinear() eval.LinearOptions {
	o := eval.DefaultLinearOptions()
	o.Epochs, o.LR, o.Batch, o.Seed = 20, 1e-2, 64, 3
	return o
}

func TestLinearSeparableBlobs(t *testing.T) {
	train := blobs(800, 16, 4, 6, 1, false)
	test := blobs(400, 16, 4, 6, 2, false)
	res, err := eval.LinearEval(context.Background(), train, test, fastLinear())
	if err != nil {
		t.Fatal(err)
	}
	if res.Top1 < 0.99 {
		t.Errorf("top-1 %.3f on separable blobs, want ≥ 0.99", res.Top1)
	}
	if res.Top5 != 1 {
		t.Errorf("top-5 %.3f with 4 classes, want 1 (every class is in the top 4)", res.Top5)
	}
	if res.NTrain != 800 || res.NTest != 400 || res.Epochs != 20 || len(res.Curve) != 20 {
		t.Errorf("result counts %+v, want 800 train, 400 test, 20 epochs and 20 curve entries", res)
	}
	first, last := res.Curve[0], res.Curve[len(res.Curve)-1]
	if !(last.Loss < first.Loss) {
		t.Errorf("training loss rose from %.4f to %.4f", first.Loss, last.Loss)
	}
	if !last.Tested || last.TestTop1 != res.Top1 {
		t.Errorf("last curve entry test top-1 %.3f (tested %v), want the result's %.3f", last.TestTop1, last.Tested, res.Top1)
	}
	if last.LR > first.LR*1e-2 {
		t.Errorf("learning rate at the end %.3g, want near 0 after cosine decay from %.3g", last.LR, first.LR)
	}
}

func TestLinearWithoutStandardization(t *testing.T) {
	o := fastLinear()
	o.Standardize = false
	res, err := eval.LinearEval(context.Background(), blobs(800, 16, 4, 6, 1, false), blobs(400, 16, 4, 6, 2, false), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Top1 < 0.99 {
		t.Errorf("top-1 %.3f without standardisation, want ≥ 0.99", res.Top1)
	}
}

func TestLinearRandomLabelsAtChance(t *testing.T) {
	const C = 4
	train := blobs(1000, 16, C, 0, 1, true)
	test := blobs(2000, 16, C, 0, 2, true)
	res, err := eval.LinearEval(context.Background(), train, test, fastLinear())
	if err != nil {
		t.Fatal(err)
	}
	// 2000 test rows: the standard error of a 0.25 rate is about 0.01.
	if !near(res.Top1, 1.0/C, 0.05) {
		t.Errorf("top-1 %.3f on random labels, want chance 0.25 ± 0.05", res.Top1)
	}
}

func TestLinearDeterministic(t *testing.T) {
	train := blobs(300, 8, 3, 2, 5, false)
	a, _, err := eval.TrainLinear(context.Background(), train, fastLinear())
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := eval.TrainLinear(context.Background(), train, fastLinear())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.W, b.W) || !slices.Equal(a.B, b.B) {
		t.Error("two runs with the same seed gave different weights")
	}
	o := fastLinear()
	o.Seed = 4
	c, _, err := eval.TrainLinear(context.Background(), train, o)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.W, c.W) {
		t.Error("runs with seeds 3 and 4 gave identical weights; the seed does not reach the sample order")
	}
}

func TestLinearScoresMatchWeights(t *testing.T) {
	clf := &eval.LinearClassifier{F: 2, C: 3, W: []float32{1, 4, 2, 5, 3, 6}, B: []float32{0.5, 0, -0.5}}
	got, err := clf.Scores([]float32{1, 1, 2, -1})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{5.5, 7, 8.5, -1.5, -1, -0.5}
	if !slices.Equal(got, want) {
		t.Errorf("scores %v, want %v", got, want)
	}
}

func BenchmarkTrainLinear(b *testing.B) {
	// Five epochs on CIFAR-10-sized features: 50 000 × 512, 10 classes.
	train := blobs(50000, 512, 10, 1, 1, false)
	o := eval.DefaultLinearOptions()
	o.Epochs = 5
	b.ResetTimer()
	for range b.N {
		if _, _, err := eval.TrainLinear(context.Background(), train, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*o.Epochs), "s/epoch")
}
