package eval_test

import (
	"context"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/eval"
)

func wantError(t *testing.T, what string, err error, fragment string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	if !strings.Contains(err.Error(), fragment) {
		t.Errorf("%s: error %q does not mention %q", what, err, fragment)
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	empty := &memDataset{shape: data.Shape{T: 1, C: 2, H: 2, W: 2}}
	_, err := eval.Extract(ctx, poolNet{C: 2}, empty, eval.ExtractOptions{T: 1, Batch: 2})
	wantError(t, "empty dataset", err, "empty")

	ds := classImages(4, 2, data.Shape{T: 1, C: 2, H: 2, W: 2}, 1, 1)
	_, err = eval.Extract(ctx, poolNet{C: 2}, ds, eval.ExtractOptions{T: 0, Batch: 2})
	wantError(t, "T = 0", err, "T = 0")
	_, err = eval.Extract(ctx, poolNet{C: 2}, ds, eval.ExtractOptions{T: 1, Batch: 0})
	wantError(t, "batch 0", err, "batch size 0")

	good := blobs(10, 3, 2, 1, 1, false)
	short := good
	short.Labels = short.Labels[:9]
	_, err = eval.LinearEval(ctx, short, good, fastLinear())
	wantError(t, "9 labels for 10 rows", err, "10 rows but 9 labels")
	_, err = eval.KNN(ctx, short, good, eval.DefaultKNNOptions())
	wantError(t, "k-NN with 9 labels for 10 rows", err, "10 rows but 9 labels")

	truncated := good
	truncated.Data = truncated.Data[:29]
	_, err = eval.LinearEval(ctx, truncated, good, fastLinear())
	wantError(t, "29 values for [10, 3]", err, "needs 30 values, got 29")

	wide := blobs(10, 4, 2, 1, 1, false)
	_, err = eval.LinearEval(ctx, good, wide, fastLinear())
	wantError(t, "F mismatch", err, "F = 4")

	_, err = eval.KNN(ctx, good, good, eval.KNNOptions{K: 11, Temperature: 0.1})
	wantError(t, "K > N", err, "K = 11")
	_, err = eval.KNN(ctx, good, good, eval.KNNOptions{K: 3})
	wantError(t, "temperature 0", err, "Temperature")

	negative := blobs(10, 3, 2, 1, 1, false)
	negative.Labels = append([]int(nil), negative.Labels...)
	negative.Labels[3] = -1
	_, err = eval.LinearEval(ctx, negative, good, fastLinear())
	wantError(t, "negative label", err, "negative")

	o := fastLinear()
	o.NumClasses = 1
	_, err = eval.LinearEval(ctx, good, good, o)
	wantError(t, "label above NumClasses", err, "NumClasses = 1")

	o = fastLinear()
	o.Epochs = 0
	_, err = eval.LinearEval(ctx, good, good, o)
	wantError(t, "0 epochs", err, "Epochs = 0")

	ft := eval.DefaultFineTuneOptions()
	ft.T, ft.Batch = 1, 2
	net := newTinyNet(t, tinyInput, 4, 1, nil)
	images := classImages(4, 2, data.Shape{T: 1, C: 2, H: 3, W: 3}, 1, 1)
	_, _, err = eval.FineTune(ctx, net, images, []int{0, 9}, images, ft)
	wantError(t, "index out of range", err, "index 9")
	_, _, err = eval.FineTune(ctx, net, images, []int{0}, images, ft)
	wantError(t, "one labelled sample", err, "1 labelled samples")
	ft.Batch = 1
	_, _, err = eval.FineTune(ctx, net, images, nil, images, ft)
	wantError(t, "batch 1", err, "Batch = 1")
}
