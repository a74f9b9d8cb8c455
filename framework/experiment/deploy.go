package experiment

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/records"
)

// ReadoutLayer returns a "linear" layer named name that reads input and
// computes clf's class scores on raw features. The classifier's
// standardisation (x − μ)·s is folded into the layer:
//
//	W'[c, f] = W[c, f]·s[f],   b'[c] = b[c] − Σ_f W'[c, f]·μ[f]
//
// so W'x + b' equals clf.Scores(x) up to float32 rounding. A spiking
// read-out sums W'x[t] + b' over the T steps, T times the score of the
// time-mean feature, so its argmax is the classifier's argmax on the
// features eval.Extract returns.
//
// One exception: a feature that almost never fires in the training split
// (standard deviation below RareFeatureRatio times the median of the
// non-constant features) gets W' = 0, its mean still folded into b'.
// Standardisation scales such a feature by thousands, and one weight that
// large would set a fixed-point target's weight scale and round every
// other weight of the layer to a few levels. Dropping it changes the
// scores only of the rare images on which it fires.
func ReadoutLayer(name, input string, clf *eval.LinearClassifier) (framework.Layer, error) {
	if clf == nil || clf.F < 1 || clf.C < 1 || len(clf.W) != clf.C*clf.F || len(clf.B) != clf.C {
		return framework.Layer{}, fmt.Errorf("read-out %s: the linear classifier is empty or its W and B do not match C and F", name)
	}
	if (clf.Mean == nil) != (clf.InvStd == nil) || clf.Mean != nil && (len(clf.Mean) != clf.F || len(clf.InvStd) != clf.F) {
		return framework.Layer{}, fmt.Errorf("read-out %s: the classifier's standardisation has %d means and %d scales for F = %d features", name, len(clf.Mean), len(clf.InvStd), clf.F)
	}
	rare := rareFeatures(clf)
	w := make([]float32, len(clf.W))
	b := make([]float32, clf.C)
	for c := 0; c < clf.C; c++ {
		bias := float64(clf.B[c])
		for f := 0; f < clf.F; f++ {
			v := float64(clf.W[c*clf.F+f])
			if clf.Mean != nil {
				v *= float64(clf.InvStd[f])
				bias -= v * float64(clf.Mean[f])
			}
			if rare[f] {
				v = 0
			}
			w[c*clf.F+f] = float32(v)
		}
		b[c] = float32(bias)
	}
	var inputs []string
	if input != "" {
		inputs = []string{input}
	}
	return framework.Layer{
		Name:    name,
		Kind:    "linear",
		Inputs:  inputs,
		Weights: map[string][]float32{"weight": w, "bias": b},
		Shapes:  map[string][]int{"weight": {clf.C, clf.F}, "bias": {clf.C}},
	}, nil
}

// RareFeatureRatio is the standard deviation, relative to the median of the
// non-constant features, below which ReadoutLayer drops a feature.
const RareFeatureRatio = 0.01

// rareFeatures marks the features ReadoutLayer drops: those whose
// standardisation scale is more than 1/RareFeatureRatio times the median
// scale of the features that vary at all. A constant feature has scale 1
// and is left alone, because it acts through the bias only.
func rareFeatures(clf *eval.LinearClassifier) []bool {
	rare := make([]bool, clf.F)
	if clf.InvStd == nil {
		return rare
	}
	var scales []float64
	for _, s := range clf.InvStd {
		if s != 1 {
			scales = append(scales, float64(s))
		}
	}
	if len(scales) == 0 {
		return rare
	}
	sort.Float64s(scales)
	median := scales[len(scales)/2]
	for f, s := range clf.InvStd {
		rare[f] = float64(s) > median/RareFeatureRatio
	}
	return rare
}

// DeployNetwork returns the trained network as hardware targets read it:
// the backbone's spiking path (framework.DescribeBackbone, with cfg's
// neuron, neuron options and T), then a flatten and the linear read-out
// "classifier" built from clf by ReadoutLayer.
func DeployNetwork(backbone framework.Backbone, cfg Config, clf *eval.LinearClassifier) (framework.Network, error) {
	if clf == nil {
		return framework.Network{}, fmt.Errorf("run %q: no linear classifier; train one on the run's features first", cfg.Name)
	}
	if backbone.FeatureDim() != clf.F {
		return framework.Network{}, fmt.Errorf("run %q: the classifier reads %d features but backbone %s produces %d; train the classifier on this run's features", cfg.Name, clf.F, cfg.Backbone, backbone.FeatureDim())
	}
	net, err := framework.DescribeBackbone(backbone, cfg.Neuron, cfg.NeuronOptions, cfg.T)
	if err != nil {
		return framework.Network{}, fmt.Errorf("run %q: %w", cfg.Name, err)
	}
	if len(net.Layers) == 0 {
		return framework.Network{}, fmt.Errorf("run %q: backbone %s described no layers", cfg.Name, cfg.Backbone)
	}
	last := net.Layers[len(net.Layers)-1].Name
	readout, err := ReadoutLayer("classifier", "flatten", clf)
	if err != nil {
		return framework.Network{}, fmt.Errorf("run %q: %w", cfg.Name, err)
	}
	net.Layers = append(net.Layers, framework.Layer{Name: "flatten", Kind: "flatten", Inputs: []string{last}}, readout)
	return net, nil
}

// TrainClassifier extracts the spiking-path features of the training and
// test splits, trains a linear classifier on the training features as
// LinearEval does, and returns it with its accuracy on the test features.
func (tr *Trainer) TrainClassifier(ctx context.Context, opts eval.LinearOptions, progress func(done, total int)) (*eval.LinearClassifier, eval.Result, error) {
	trainF, err := tr.Features(ctx, true, FeatureOptions{}, progress)
	if err != nil {
		return nil, eval.Result{}, fmt.Errorf("linear classifier: training features: %w", err)
	}
	testF, err := tr.Features(ctx, false, FeatureOptions{}, progress)
	if err != nil {
		return nil, eval.Result{}, fmt.Errorf("linear classifier: test features: %w", err)
	}
	clf, curve, err := eval.TrainLinear(ctx, trainF, opts)
	if err != nil {
		return nil, eval.Result{}, err
	}
	top1, top5, err := clf.Evaluate(testF)
	if err != nil {
		return nil, eval.Result{}, fmt.Errorf("linear classifier: %w", err)
	}
	res := eval.Result{Top1: top1, Top5: top5, Epochs: opts.Epochs, NTrain: trainF.N, NTest: testF.N, Curve: curve}
	return clf, res, nil
}

// EvalImages returns at most limitN samples (class-balanced, 0 for all)
// of the training split (train true) or the test split, with their
// labels. Each sample is [C·H·W], normalised as feature extraction
// normalises it, in the order Features returns them.
func (tr *Trainer) EvalImages(train bool, limitN int) ([][]float32, []int, error) {
	ds := tr.Data.Test
	if train {
		ds = tr.Data.Train
	}
	ds, err := limit(ds, limitN)
	if err != nil {
		return nil, nil, err
	}
	transform := evalTransform(tr.Data)
	out := transform.OutShape(ds.Shape())
	xs := make([][]float32, ds.Len())
	labels := make([]int, ds.Len())
	for i := range xs {
		img, label, err := data.Get(ds, i)
		if err != nil {
			return nil, nil, fmt.Errorf("sample %d: %w", i, err)
		}
		xs[i] = make([]float32, out.Size())
		if err := transform.Apply(0, img, xs[i]); err != nil {
			return nil, nil, fmt.Errorf("sample %d: %w", i, err)
		}
		labels[i] = label
	}
	return xs, labels, nil
}

// Parameter names of a classifier stored by ClassifierParams.
const (
	classifierWeight = "classifier.weight"
	classifierBias   = "classifier.bias"
	classifierMean   = "classifier.mean"
	classifierInvStd = "classifier.inv_std"
)

// ClassifierParams returns clf as checkpoint tensors: "classifier.weight"
// [C, F], "classifier.bias" [C] and, when it standardises,
// "classifier.mean" and "classifier.inv_std" [F].
func ClassifierParams(clf *eval.LinearClassifier) map[string]records.Tensor {
	out := map[string]records.Tensor{
		classifierWeight: {Shape: []int{clf.C, clf.F}, Data: append([]float32(nil), clf.W...)},
		classifierBias:   {Shape: []int{clf.C}, Data: append([]float32(nil), clf.B...)},
	}
	if clf.Mean != nil {
		out[classifierMean] = records.Tensor{Shape: []int{clf.F}, Data: append([]float32(nil), clf.Mean...)}
		out[classifierInvStd] = records.Tensor{Shape: []int{clf.F}, Data: append([]float32(nil), clf.InvStd...)}
	}
	return out
}

// ClassifierFromParams rebuilds a classifier stored by ClassifierParams.
func ClassifierFromParams(params map[string]records.Tensor) (*eval.LinearClassifier, error) {
	w, ok := params[classifierWeight]
	if !ok || len(w.Shape) != 2 || len(w.Data) != w.Shape[0]*w.Shape[1] {
		return nil, fmt.Errorf("stored classifier: tensor %s is missing or not [C, F]", classifierWeight)
	}
	C, F := w.Shape[0], w.Shape[1]
	b, ok := params[classifierBias]
	if !ok || len(b.Data) != C {
		return nil, fmt.Errorf("stored classifier: tensor %s is missing or has not C = %d values", classifierBias, C)
	}
	clf := &eval.LinearClassifier{F: F, C: C, W: w.Data, B: b.Data}
	mean, hasMean := params[classifierMean]
	inv, hasInv := params[classifierInvStd]
	if hasMean != hasInv {
		return nil, fmt.Errorf("stored classifier: %s and %s must be stored together", classifierMean, classifierInvStd)
	}
	if hasMean {
		if len(mean.Data) != F || len(inv.Data) != F {
			return nil, fmt.Errorf("stored classifier: standardisation has %d means and %d scales, want F = %d", len(mean.Data), len(inv.Data), F)
		}
		clf.Mean, clf.InvStd = mean.Data, inv.Data
	}
	for _, v := range append(append([]float32(nil), clf.W...), clf.B...) {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("stored classifier: weight value %v is not finite", v)
		}
	}
	return clf, nil
}

// InputShape returns the sample shape of cfg's dataset without loading
// it: 3×32×32 for cifar10, 1×28×28 for mnist. An imagefolder dataset has
// to be opened to know its shape, which is an error here.
func InputShape(cfg Config) (framework.InputShape, error) {
	switch cfg.Dataset {
	case "cifar10":
		return framework.InputShape{C: 3, H: 32, W: 32}, nil
	case "mnist":
		return framework.InputShape{C: 1, H: 28, W: 28}, nil
	}
	return framework.InputShape{}, fmt.Errorf("dataset %q: the sample shape is known only after loading it; pass its data folder", cfg.Dataset)
}
