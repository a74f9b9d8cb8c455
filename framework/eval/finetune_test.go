package eval_test

import (
	"context"
	"testing"

	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/eval"
)

func TestFineTuneReducesLoss(t *testing.T) {
	train := classImages(64, 2, data.Shape{T: 1, C: 2, H: 3, W: 3}, 0.3, 4)
	test := classImages(32, 2, data.Shape{T: 1, C: 2, H: 3, W: 3}, 0.3, 4)
	net := newTinyNet(t, tinyInput, 16, 3, nil)
	before := append([]float32(nil), net.fc.W.Data()...)

	o := eval.DefaultFineTuneOptions()
	o.T, o.Epochs, o.Batch, o.BackboneLR, o.Seed = 2, 8, 16, 1e-2, 1
	indices := data.BalancedSubset(train.labels, 0.5, 1)
	res, head, err := eval.FineTune(context.Background(), net, train, indices, test, o)
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.Curve[0].Loss, res.Curve[len(res.Curve)-1].Loss
	if !(last < 0.7*first) {
		t.Errorf("training loss went from %.4f to %.4f, want a drop of at least 30 %%", first, last)
	}
	if res.NTrain != len(indices) || res.NTest != 32 || res.Epochs != 8 {
		t.Errorf("result counts %+v, want %d train, 32 test, 8 epochs", res, len(indices))
	}
	if res.Top1 < 0.9 {
		t.Errorf("test top-1 %.3f on a separable problem, want ≥ 0.9", res.Top1)
	}
	if head == nil || head.Out != 2 || head.In != 16 {
		t.Fatalf("classifier %+v, want 16 → 2", head)
	}
	changed := false
	for i, v := range net.fc.W.Data() {
		if v != before[i] {
			changed = true
			break
		}
	}
	if !changed {
		t.Error("the backbone's weights did not change: fine-tuning trained only the classifier")
	}
}
