package experiment_test

import (
	"context"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/experiment"
	"github.com/snnlab/snnlab/plugins/targets/loihi2"

	_ "github.com/snnlab/snnlab/plugins/backbones/vgg"
	_ "github.com/snnlab/snnlab/plugins/losses/btl"
	_ "github.com/snnlab/snnlab/plugins/neurons/mixedlif"
)

func randomClassifier(rng *rand.Rand, C, F int, standardize bool) *eval.LinearClassifier {
	clf := &eval.LinearClassifier{C: C, F: F, W: make([]float32, C*F), B: make([]float32, C)}
	for i := range clf.W {
		clf.W[i] = float32(rng.NormFloat64())
	}
	for i := range clf.B {
		clf.B[i] = float32(rng.NormFloat64())
	}
	if standardize {
		clf.Mean, clf.InvStd = make([]float32, F), make([]float32, F)
		for f := 0; f < F; f++ {
			clf.Mean[f] = float32(rng.Float64())
			clf.InvStd[f] = float32(0.5 + 3*rng.Float64())
		}
	}
	return clf
}

func TestReadoutLayerFoldsStandardisation(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, standardize := range []bool{false, true} {
		clf := randomClassifier(rng, 4, 6, standardize)
		l, err := experiment.ReadoutLayer("classifier", "flatten", clf)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 3*6)
		for i := range x {
			x[i] = float32(rng.Float64())
		}
		want, err := clf.Scores(x)
		if err != nil {
			t.Fatal(err)
		}
		w, b := l.Weights["weight"], l.Weights["bias"]
		for n := 0; n < 3; n++ {
			for c := 0; c < 4; c++ {
				got := float64(b[c])
				for f := 0; f < 6; f++ {
					got += float64(w[c*6+f]) * float64(x[n*6+f])
				}
				if math.Abs(got-float64(want[n*4+c])) > 1e-4 {
					t.Errorf("standardize %v, sample %d, class %d: read-out %v, classifier %v", standardize, n, c, got, want[n*4+c])
				}
			}
		}
	}
	if _, err := experiment.ReadoutLayer("classifier", "", &eval.LinearClassifier{C: 2, F: 3, W: make([]float32, 5)}); err == nil {
		t.Error("a classifier with 5 weights for C = 2, F = 3 was accepted")
	}
}

func TestClassifierParamsRoundTrip(t *testing.T) {
	clf := randomClassifier(rand.New(rand.NewSource(2)), 3, 5, true)
	back, err := experiment.ClassifierFromParams(experiment.ClassifierParams(clf))
	if err != nil {
		t.Fatal(err)
	}
	if back.C != 3 || back.F != 5 || back.W[7] != clf.W[7] || back.B[2] != clf.B[2] || back.InvStd[4] != clf.InvStd[4] {
		t.Errorf("round trip changed the classifier: %+v", back)
	}
	params := experiment.ClassifierParams(clf)
	delete(params, "classifier.inv_std")
	if _, err := experiment.ClassifierFromParams(params); err == nil || !strings.Contains(err.Error(), "stored together") {
		t.Errorf("mean without scale: got %v", err)
	}
}

// The exported network (backbone, flatten, read-out) run by the Loihi
// target's float reference must classify as the float probe does on the
// features snnlab extracts: same spikes, same argmax.
func TestDeployNetworkMatchesProbe(t *testing.T) {
	cfg, err := experiment.Config{
		Name: "deploy-test", Dataset: "mnist", TrainLimit: 64, TestLimit: 40,
		Backbone: "spiking-vgg11-cifar", BackboneOptions: map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1, "pool": "avg"},
		Neuron: "mixedlif", HeadWidths: []int{8}, T: 3, Batch: 16, Epochs: 0, Seed: 3,
	}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := experiment.LoadDatasets(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := experiment.NewTrainer(cfg, ds)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := tr.CalibrateBatchNorm(ctx); err != nil {
		t.Fatal(err)
	}
	opts := eval.DefaultLinearOptions()
	opts.Epochs, opts.Batch, opts.LR = 20, 16, 1e-2
	clf, res, err := tr.TrainClassifier(ctx, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.NTest != 40 || res.NTrain != 64 {
		t.Errorf("classifier trained on %d and tested on %d samples, want 64 and 40", res.NTrain, res.NTest)
	}

	net, err := experiment.DeployNetwork(tr.Model.Backbone, cfg, clf)
	if err != nil {
		t.Fatal(err)
	}
	if last := net.Layers[len(net.Layers)-1]; last.Name != "classifier" || last.Kind != "linear" || net.T != 3 {
		t.Fatalf("network ends in %s (%s) with T = %d, want the linear classifier and T = 3", last.Name, last.Kind, net.T)
	}
	fn, err := loihi2.Prepare(net)
	if err != nil {
		t.Fatal(err)
	}
	feats, err := tr.Features(ctx, false, experiment.FeatureOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := clf.Scores(feats.Data)
	if err != nil {
		t.Fatal(err)
	}
	xs, labels, err := tr.EvalImages(false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != feats.N || labels[7] != feats.Labels[7] {
		t.Fatalf("EvalImages returned %d images (label 7: %d), features have %d (label 7: %d)", len(xs), labels[7], feats.N, feats.Labels[7])
	}
	var same, close int
	for n, x := range xs {
		x64 := make([]float64, len(x))
		for i, v := range x {
			x64[i] = float64(v)
		}
		v := loihi2.RunFloat(fn, x64, true)
		row := scores[n*clf.C : (n+1)*clf.C]
		best := 0
		exact := true
		for c := range row {
			if row[c] > row[best] {
				best = c
			}
			if math.Abs(v[c]/3-float64(row[c])) > 1e-3*(1+math.Abs(float64(row[c]))) {
				exact = false
			}
		}
		if loihi2.Argmax(v) == best {
			same++
		}
		if exact {
			close++
		}
	}
	nz := 0
	for _, v := range feats.Data {
		if v != 0 {
			nz++
		}
	}
	if nz < len(feats.Data)/10 {
		t.Fatalf("only %d of %d features are non-zero; the comparison would not test the read-out", nz, len(feats.Data))
	}
	// A membrane that lands within float32 rounding of the threshold can
	// spike in one model and not the other; allow a few such samples.
	if same < len(xs)*9/10 || close < len(xs)*8/10 {
		t.Errorf("read-out agrees with the probe on %d of %d samples and matches its scores on %d; want at least 90 %% and 80 %%", same, len(xs), close)
	}
}

func TestInputShapeWithoutData(t *testing.T) {
	if s, err := experiment.InputShape(experiment.Config{Dataset: "cifar10"}); err != nil || s.C != 3 || s.H != 32 {
		t.Errorf("cifar10: %+v, %v", s, err)
	}
	if _, err := experiment.InputShape(experiment.Config{Dataset: "imagefolder"}); err == nil {
		t.Error("imagefolder shape was guessed without loading the data")
	}
}

// A feature that fires on almost no training image would get a weight
// thousands of times larger than the others. The read-out drops it and
// keeps every other feature's folding.
func TestReadoutLayerDropsRareFeature(t *testing.T) {
	clf := randomClassifier(rand.New(rand.NewSource(3)), 3, 5, true)
	clf.Mean[1], clf.InvStd[1] = 2e-6, 2741 // standard deviation 3.6e-4
	l, err := experiment.ReadoutLayer("classifier", "flatten", clf)
	if err != nil {
		t.Fatal(err)
	}
	w, b := l.Weights["weight"], l.Weights["bias"]
	for c := 0; c < 3; c++ {
		if w[c*5+1] != 0 {
			t.Errorf("class %d: rare feature keeps weight %v", c, w[c*5+1])
		}
		if want := clf.W[c*5+2] * clf.InvStd[2]; math.Abs(float64(w[c*5+2]-want)) > 1e-6 {
			t.Errorf("class %d: feature 2 weight %v, want %v", c, w[c*5+2], want)
		}
		// Where the rare feature is silent, as on almost every image, and
		// the others sit at their means, the read-out gives the classifier's
		// score there.
		x := append([]float32(nil), clf.Mean...)
		x[1] = 0
		want, err := clf.Scores(x)
		if err != nil {
			t.Fatal(err)
		}
		got := float64(b[c])
		for f := 0; f < 5; f++ {
			got += float64(w[c*5+f]) * float64(x[f])
		}
		if math.Abs(got-float64(want[c])) > 1e-4 {
			t.Errorf("class %d: read-out %v where the rare feature is silent, classifier %v", c, got, want[c])
		}
	}
}
