package eval_test

import (
	"context"
	"testing"

	"github.com/snnlab/snnlab/framework/eval"
)

func TestKNNBlobs(t *testing.T) {
	train := blobs(600, 16, 4, 6, 1, false)
	test := blobs(200, 16, 4, 6, 2, false)
	for _, majority := range []bool{false, true} {
		o := eval.DefaultKNNOptions()
		o.K, o.Majority, o.Chunk = 20, majority, 64
		res, err := eval.KNN(context.Background(), train, test, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Top1 < 0.98 {
			t.Errorf("majority %v: top-1 %.3f on separable blobs, want ≥ 0.98", majority, res.Top1)
		}
		if res.NTrain != 600 || res.NTest != 200 {
			t.Errorf("counts %d/%d, want 600/200", res.NTrain, res.NTest)
		}
	}
}

// With K = 3, two far neighbours of class 1 outvote one identical neighbour
// of class 0 under majority voting, but not under exp(s/0.1) weighting.
func TestKNNWeightedAgainstMajority(t *testing.T) {
	train := eval.Features{N: 3, F: 2, Data: []float32{1, 0, 0.6, 0.8, 0.6, -0.8}, Labels: []int{0, 1, 1}}
	test := eval.Features{N: 1, F: 2, Data: []float32{2, 0}, Labels: []int{0}}
	weighted := eval.KNNOptions{K: 3, Temperature: 0.1}
	res, err := eval.KNN(context.Background(), train, test, weighted)
	if err != nil {
		t.Fatal(err)
	}
	// Class 0 scores e^(1/0.1); class 1 scores 2·e^(0.6/0.1), which is smaller.
	if res.Top1 != 1 {
		t.Errorf("weighted vote top-1 %.0f, want 1 (class 0 wins)", res.Top1)
	}
	res, err = eval.KNN(context.Background(), train, test, eval.KNNOptions{K: 3, Majority: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Top1 != 0 {
		t.Errorf("majority vote top-1 %.0f, want 0 (class 1 wins two to one)", res.Top1)
	}
	// K = 1 keeps only the identical direction.
	res, err = eval.KNN(context.Background(), train, test, eval.KNNOptions{K: 1, Majority: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Top1 != 1 {
		t.Errorf("K = 1 top-1 %.0f, want 1", res.Top1)
	}
}

func BenchmarkKNN(b *testing.B) {
	// A fifth of a CIFAR-10-sized monitor on each side: 10 000 train and
	// 2 000 test rows of 512; the full size costs about 25× as much.
	train := blobs(10000, 512, 10, 1, 1, false)
	test := blobs(2000, 512, 10, 1, 2, false)
	b.ResetTimer()
	for range b.N {
		if _, err := eval.KNN(context.Background(), train, test, eval.DefaultKNNOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
