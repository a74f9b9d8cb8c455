package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"

	"github.com/rs/zerolog"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/data/loader"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/framework/optim"
)

// FineTuneOptions sets semi-supervised fine-tuning and the supervised
// baseline. Start from DefaultFineTuneOptions and change what differs.
type FineTuneOptions struct {
	T      int // time steps; use the pretraining's T
	Epochs int // passes over the labelled samples; the method uses 20
	Batch  int // samples per step, lowered to the number of labelled samples when that is smaller; the method uses 256

	// Learning rates at the start of training, each decayed by a half
	// cosine to 0 over every step. The method uses 1e-3 for the backbone
	// and 5e-2 for the linear classifier.
	BackboneLR float64
	HeadLR     float64

	Momentum    float64 // SGD heavy-ball momentum; 0.9
	WeightDecay float64 // L2 on weights, not on biases or batch-norm; the method uses none

	NumClasses int   // 0 infers one more than the largest label of the training and test sets
	Seed       int64 // seeds the classifier's initialisation, the sample order and the augmentation

	// Transform augments each training sample (for example a random
	// resized crop and flip); TestTransform prepares each test sample (for
	// example augment.Eval). nil passes samples unchanged.
	Transform     loader.Transform
	TestTransform loader.Transform

	TestBatch int // batch size of the test pass; 0 means Batch
	Workers   int // goroutines preparing batches; 0 means GOMAXPROCS

	// Log receives one info line per epoch; the zero Logger is silent.
	Log zerolog.Logger
	// Progress, when set, is called after each training step.
	Progress func(epoch, step, stepsPerEpoch int)
}

// DefaultFineTuneOptions returns the method's semi-supervised settings:
// T = 4, 20 epochs, batch 256, SGD with momentum 0.9 and no weight decay,
// learning rate 1e-3 for the backbone and 5e-2 for the classifier, both
// with cosine decay.
func DefaultFineTuneOptions() FineTuneOptions {
	return FineTuneOptions{T: 4, Epochs: 20, Batch: 256, BackboneLR: 1e-3, HeadLR: 5e-2, Momentum: 0.9}
}

func (o FineTuneOptions) validate() error {
	positive := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	switch {
	case o.T < 1:
		return fmt.Errorf("fine-tuning: T = %d, want at least 1 time step", o.T)
	case o.Epochs < 1:
		return fmt.Errorf("fine-tuning: Epochs = %d, want at least 1", o.Epochs)
	case o.Batch < 2:
		return fmt.Errorf("fine-tuning: Batch = %d, want at least 2 (batch-norm needs batch statistics)", o.Batch)
	case !positive(o.BackboneLR) || !positive(o.HeadLR):
		return fmt.Errorf("fine-tuning: BackboneLR = %v and HeadLR = %v, want both positive", o.BackboneLR, o.HeadLR)
	case o.Momentum < 0 || o.Momentum >= 1:
		return fmt.Errorf("fine-tuning: Momentum = %v, want within [0, 1)", o.Momentum)
	case !(o.WeightDecay >= 0):
		return fmt.Errorf("fine-tuning: WeightDecay = %v, want 0 or more", o.WeightDecay)
	case o.TestBatch < 0:
		return fmt.Errorf("fine-tuning: TestBatch = %d, want 0 (same as Batch) or more", o.TestBatch)
	}
	return nil
}

// Supervised trains backbone, freshly initialised by the caller, with a
// linear classifier on every sample of train, and reports test accuracy: the
// supervised baseline. It is FineTune on all labels.
//
// NOTE: the method gives no settings for this baseline. The fine-tuning
// defaults, tuned for a pretrained backbone, give a from-scratch backbone a
// small learning rate; raise BackboneLR and Epochs for a fair baseline.
func Supervised(ctx context.Context, backbone framework.Backbone, train, test data.Dataset, opts FineTuneOptions) (Result, *nn.Linear, error) {
	return FineTune(ctx, backbone, train, nil, test, opts)
}

// FineTune trains the whole network on the samples of train at indices:
// backbone on the spiking path in training mode → mean over the T steps →
// linear classifier → softmax cross-entropy. A nil indices uses all of
// train, and data.BalancedSubset draws the method's 1 % and 10 % subsets.
// FineTune then reports top-1 and top-5 accuracy on test with the spiking
// path in evaluation mode, and returns the trained classifier, named
// "classifier".
//
// The backbone's parameters and batch-norm statistics are updated in place.
// Each epoch drops its last partial batch, because batch-norm statistics of
// padded rows would be wrong.
func FineTune(ctx context.Context, backbone framework.Backbone, train data.Dataset, indices []int, test data.Dataset, opts FineTuneOptions) (Result, *nn.Linear, error) {
	if err := opts.validate(); err != nil {
		return Result{}, nil, err
	}
	if backbone == nil {
		return Result{}, nil, errors.New("fine-tuning: nil backbone")
	}
	if train == nil || train.Len() == 0 || test == nil || test.Len() == 0 {
		return Result{}, nil, errors.New("fine-tuning: the training or test dataset is empty: pass datasets with samples")
	}
	labelled := train
	if indices != nil {
		sub, err := data.NewSubset(train, indices)
		if err != nil {
			return Result{}, nil, fmt.Errorf("fine-tuning: %w", err)
		}
		labelled = sub
	}
	if labelled.Len() < 2 {
		return Result{}, nil, fmt.Errorf("fine-tuning: %d labelled samples, want at least 2 for batch statistics: pass more indices", labelled.Len())
	}
	C, err := inferClasses(opts.NumClasses, data.Labels(labelled), data.Labels(test))
	if err != nil {
		return Result{}, nil, fmt.Errorf("fine-tuning: %w", err)
	}

	B := min(opts.Batch, labelled.Len())
	ld, err := loader.New(labelled, opts.Transform, loader.Config{BatchSize: B, Workers: opts.Workers, Seed: opts.Seed, Shuffle: true, DropLast: true})
	if err != nil {
		return Result{}, nil, fmt.Errorf("fine-tuning: %w", err)
	}
	if err := checkFrames(ld.OutShape(), opts.T); err != nil {
		return Result{}, nil, fmt.Errorf("fine-tuning: %w", err)
	}
	head, err := nn.NewLinear("classifier", backbone.FeatureDim(), C, true, rand.New(rand.NewSource(opts.Seed)))
	if err != nil {
		return Result{}, nil, fmt.Errorf("fine-tuning: %w", err)
	}
	step, err := newClassifierStep(backbone, head, ld.OutShape(), opts.T, B)
	if err != nil {
		return Result{}, nil, fmt.Errorf("fine-tuning: %w", err)
	}
	defer step.close()

	curve, err := step.train(ctx, ld, opts)
	if err != nil {
		return Result{}, nil, err
	}

	testBatch := opts.TestBatch
	if testBatch == 0 {
		testBatch = opts.Batch
	}
	feats, err := Extract(ctx, backbone, test, ExtractOptions{Transform: opts.TestTransform, T: opts.T, Batch: testBatch, Workers: opts.Workers})
	if err != nil {
		return Result{}, nil, fmt.Errorf("fine-tuning, test pass: %w", err)
	}
	clf := &LinearClassifier{F: head.In, C: C, W: transpose(head.W.Data(), head.In, C), B: head.B.Data()}
	top1, top5, err := clf.Evaluate(feats)
	if err != nil {
		return Result{}, nil, fmt.Errorf("fine-tuning, test pass: %w", err)
	}
	res := Result{Top1: top1, Top5: top5, Epochs: opts.Epochs, NTrain: labelled.Len(), NTest: test.Len(), Curve: curve}
	opts.Log.Info().Float64("top1", top1).Float64("top5", top5).Int("n_train", res.NTrain).Int("n_test", res.NTest).Msg("fine-tuning done")
	return res, head, nil
}

// classifierStep is a compiled training step of backbone → TimeMean →
// linear classifier → softmax cross-entropy for a fixed batch shape.
type classifierStep struct {
	shape   data.Shape
	T, B, C int
	machine gorgonia.VM
	x       *gorgonia.Node
	cost    *gorgonia.Node
	logits  gorgonia.Value // copy taken while the graph runs
	loss    *SoftmaxCrossEntropy

	backboneParams, headParams []*framework.Param // learnable ones
	gradNodes                  gorgonia.Nodes     // backbone's, then the head's
}

func newClassifierStep(backbone framework.Backbone, head *nn.Linear, s data.Shape, T, B int) (*classifierStep, error) {
	if err := nn.CheckUniqueNames(append(append([]*framework.Param{}, backbone.Params()...), head.Params()...)); err != nil {
		return nil, fmt.Errorf("backbone and classifier: %w: rename the backbone parameter", err)
	}
	g := gorgonia.NewGraph()
	st := &classifierStep{shape: s, T: T, B: B, C: head.Out, loss: NewSoftmaxCrossEntropy()}
	st.x = gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(T*B, s.C, s.H, s.W), gorgonia.WithName("input"), gorgonia.WithInit(gorgonia.Zeroes()))

	features, err := backbone.Forward(st.x, framework.Pass{Path: framework.Spiking, T: T, Train: true})
	if err != nil {
		return nil, fmt.Errorf("backbone, spiking path: %w", err)
	}
	pooled, err := TimeMean(features, T)
	if err != nil {
		return nil, err
	}
	logits, err := head.Forward(pooled)
	if err != nil {
		return nil, err
	}
	if st.cost, err = st.loss.Node(logits); err != nil {
		return nil, err
	}
	gorgonia.Read(logits, &st.logits)

	var wrt gorgonia.Nodes
	for _, p := range backbone.Params() {
		if p.Learnable {
			st.backboneParams = append(st.backboneParams, p)
			wrt = append(wrt, nn.ParamNode(g, p))
		}
	}
	for _, p := range head.Params() {
		st.headParams = append(st.headParams, p)
		wrt = append(wrt, nn.ParamNode(g, p))
	}
	if st.gradNodes, err = gorgonia.Grad(st.cost, wrt...); err != nil {
		return nil, fmt.Errorf("building gradients: %w", err)
	}
	st.machine = autograd.NewMachine(g)
	return st, nil
}

func (st *classifierStep) close() { st.machine.Close() }

// run computes the loss of one batch and returns it with the number of rows
// classified correctly; the gradients are then in gradNodes.
func (st *classifierStep) run(b *loader.Batch) (float64, int, error) {
	fillInput(st.x.Value().Data().([]float32), b.A, st.shape, b.Size, st.T, st.B)
	st.loss.SetLabels(b.Labels)
	st.machine.Reset()
	if err := st.machine.RunAll(); err != nil {
		return 0, 0, err
	}
	value, ok := st.cost.Value().Data().(float32)
	if !ok {
		return 0, 0, fmt.Errorf("loss value is a %T, want a float32 scalar", st.cost.Value().Data())
	}
	loss := float64(value)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, 0, fmt.Errorf("training loss is %v: the network diverged; lower the learning rates", loss)
	}
	logits := st.logits.Data().([]float32)
	hits := 0
	for k, y := range b.Labels {
		if argmax(logits[k*st.C:(k+1)*st.C]) == y {
			hits++
		}
	}
	return loss, hits, nil
}

// gradients returns the backbone's and the head's gradients from the last
// run, in the order of backboneParams and headParams.
func (st *classifierStep) gradients() (backbone, head [][]float32, err error) {
	all := make([][]float32, len(st.gradNodes))
	for i, n := range st.gradNodes {
		if n.Value() == nil {
			return nil, nil, fmt.Errorf("no gradient for parameter %d; the graph did not run", i)
		}
		all[i] = n.Value().Data().([]float32)
	}
	k := len(st.backboneParams)
	return all[:k], all[k:], nil
}

// train runs opts.Epochs epochs of SGD over ld and returns the curve.
func (st *classifierStep) train(ctx context.Context, ld *loader.Loader, opts FineTuneOptions) ([]EpochStats, error) {
	steps := ld.NumBatches()
	total := opts.Epochs * steps
	schedBackbone, err := optim.NewWarmupCosine(opts.BackboneLR, 0, 0, total)
	if err != nil {
		return nil, fmt.Errorf("fine-tuning: %w", err)
	}
	schedHead, err := optim.NewWarmupCosine(opts.HeadLR, 0, 0, total)
	if err != nil {
		return nil, fmt.Errorf("fine-tuning: %w", err)
	}
	// One optimiser serves both groups: its momentum buffers are keyed by
	// parameter name, so two Step calls with different rates are two groups.
	opt, err := optim.NewSGD(opts.Momentum, opts.WeightDecay)
	if err != nil {
		return nil, fmt.Errorf("fine-tuning: %w", err)
	}

	curve := make([]EpochStats, 0, opts.Epochs)
	global := 0
	for epoch := 0; epoch < opts.Epochs; epoch++ {
		it, err := ld.Epoch(ctx, loader.Position{Epoch: epoch})
		if err != nil {
			return nil, fmt.Errorf("fine-tuning: %w", err)
		}
		var lossSum float64
		var hits, seen int
		var lrHead float64
		for k := 0; ; k++ {
			b, err := it.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				it.Close()
				return nil, fmt.Errorf("fine-tuning, epoch %d: %w", epoch, err)
			}
			loss, h, err := st.run(b)
			if err != nil {
				it.Close()
				return nil, fmt.Errorf("fine-tuning, epoch %d step %d: %w", epoch, k, err)
			}
			gradsBackbone, gradsHead, err := st.gradients()
			if err != nil {
				it.Close()
				return nil, fmt.Errorf("fine-tuning, epoch %d step %d: %w", epoch, k, err)
			}
			lrHead = schedHead.LR(global)
			if err := opt.Step(st.backboneParams, gradsBackbone, schedBackbone.LR(global)); err != nil {
				it.Close()
				return nil, fmt.Errorf("fine-tuning, backbone update: %w", err)
			}
			if err := opt.Step(st.headParams, gradsHead, lrHead); err != nil {
				it.Close()
				return nil, fmt.Errorf("fine-tuning, classifier update: %w", err)
			}
			global++
			lossSum += loss * float64(b.Size)
			hits += h
			seen += b.Size
			if opts.Progress != nil {
				opts.Progress(epoch, k+1, steps)
			}
		}
		it.Close()
		stats := EpochStats{Epoch: epoch, LR: lrHead, Loss: lossSum / float64(seen), TrainTop1: float64(hits) / float64(seen)}
		curve = append(curve, stats)
		opts.Log.Info().Int("epoch", epoch).Float64("lr_head", lrHead).Float64("loss", stats.Loss).
			Float64("train_top1", stats.TrainTop1).Msg("fine-tuning epoch")
	}
	return curve, nil
}

// transpose returns the [cols, rows] transpose of w [rows, cols].
func transpose(w []float32, rows, cols int) []float32 {
	out := make([]float32, len(w))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = w[r*cols+c]
		}
	}
	return out
}
