package integration

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/framework/optim"
	"github.com/snnlab/snnlab/framework/train"
	_ "github.com/snnlab/snnlab/plugins/all"
)

// mlpBackbone is a small spiking backbone for tests: flatten, then two
// Linear–BatchNorm–neuron layers.
type mlpBackbone struct {
	linear  []*nn.Linear
	norm    []*nn.BatchNorm
	neurons []framework.Neuron
	nparams [][]*framework.Param
}

func newMLPBackbone(t *testing.T, neuron string, opts map[string]any, in int, widths []int, rng *rand.Rand) *mlpBackbone {
	t.Helper()
	b := &mlpBackbone{}
	prev := in
	for i, w := range widths {
		l, err := nn.NewLinear(fmt.Sprintf("backbone.%d.linear", i), prev, w, false, rng)
		if err != nil {
			t.Fatal(err)
		}
		bn, err := nn.NewBatchNorm(fmt.Sprintf("backbone.%d.bn", i), w)
		if err != nil {
			t.Fatal(err)
		}
		n, err := framework.NewNeuron(neuron, opts)
		if err != nil {
			t.Fatal(err)
		}
		var ps []*framework.Param
		for _, spec := range n.Params() {
			p := nn.NewParam(fmt.Sprintf("backbone.%d.neuron.%s", i, spec.Name), []int{spec.Size}, true, false)
			nn.Fill(p.Data(), spec.Init)
			ps = append(ps, p)
		}
		b.linear, b.norm, b.neurons, b.nparams = append(b.linear, l), append(b.norm, bn), append(b.neurons, n), append(b.nparams, ps)
		prev = w
	}
	return b
}

func (b *mlpBackbone) Forward(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	s := x.Shape()
	h, err := gorgonia.Reshape(x, []int{s[0], s.TotalSize() / s[0]})
	if err != nil {
		return nil, err
	}
	for i := range b.linear {
		if h, err = b.linear[i].Forward(h); err != nil {
			return nil, err
		}
		if h, err = b.norm[i].Forward(h, pass.Train); err != nil {
			return nil, err
		}
		params := nn.ParamNodes(x.Graph(), b.nparams[i])
		if h, err = autograd.NeuronNode(b.neurons[i], fmt.Sprintf("neuron%d", i), pass.Path, pass.T, h, params...); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func (b *mlpBackbone) Params() []*framework.Param {
	var ps []*framework.Param
	for i := range b.linear {
		ps = append(ps, b.linear[i].Params()...)
		ps = append(ps, b.norm[i].Params()...)
		ps = append(ps, b.nparams[i]...)
	}
	return ps
}

func (b *mlpBackbone) FeatureDim() int { return b.linear[len(b.linear)-1].Out }

func newModel(t *testing.T, neuron string, opts map[string]any, seed int64, in framework.InputShape) *train.Model {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	bb := newMLPBackbone(t, neuron, opts, in.C*in.H*in.W, []int{24, 16}, rng)
	head, err := nn.NewProjectionHead(bb.FeatureDim(), []int{20, 12}, rng)
	if err != nil {
		t.Fatal(err)
	}
	return &train.Model{Backbone: bb, Head: head}
}

func randomViews(seed int64, n int) (a, b []float32) {
	rng := rand.New(rand.NewSource(seed))
	a, b = make([]float32, n), make([]float32, n)
	for i := range a {
		a[i] = float32(rng.NormFloat64() * 1.5)
		b[i] = float32(rng.NormFloat64() * 1.5)
	}
	return a, b
}

// TestDualPathMatchesTwoPass checks the single undetached backward pass
// against Algorithm 2's two detached losses with summed gradients.
func TestDualPathMatchesTwoPass(t *testing.T) {
	cases := []struct {
		neuron, loss string
		pathB        framework.Path
	}{
		{"mixedlif", "btl", framework.Continuous},
		{"mixedlif", "ctl", framework.Continuous},
		{"mixedlif", "ncl", framework.Continuous},
		{"lif", "btl", framework.Spiking},
		{"plif", "btl", framework.Spiking},
	}
	in := framework.InputShape{C: 2, H: 3, W: 3}
	for _, c := range cases {
		t.Run(c.neuron+"_"+c.loss, func(t *testing.T) {
			model := newModel(t, c.neuron, nil, 11, in)
			loss, err := framework.NewLoss(c.loss, nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg := train.StepConfig{T: 4, Batch: 6, Input: in, PathB: c.pathB}
			viewA, viewB := randomViews(12, cfg.Batch*in.C*in.H*in.W)

			step, err := train.NewDualPath(model, loss, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer step.Close()
			value, err := step.Forward(viewA, viewB)
			if err != nil {
				t.Fatal(err)
			}
			single, err := step.Gradients()
			if err != nil {
				t.Fatal(err)
			}
			twoPass, err := train.TwoPassGradients(model, loss, cfg, viewA, viewB)
			if err != nil {
				t.Fatal(err)
			}

			nonZero := 0
			for i, p := range step.Params() {
				scale := 0.0
				for _, v := range twoPass[i] {
					scale = math.Max(scale, math.Abs(float64(v)))
				}
				for j := range single[i] {
					diff := math.Abs(float64(single[i][j] - twoPass[i][j]))
					if diff > 1e-5*(1+scale) {
						t.Errorf("%s[%d]: single pass %v, two passes %v", p.Name, j, single[i][j], twoPass[i][j])
						break
					}
				}
				if scale > 0 {
					nonZero++
				}
			}
			if nonZero < len(step.Params())-1 {
				t.Errorf("only %d of %d parameters received a gradient (loss %v)", nonZero, len(step.Params()), value)
			}
		})
	}
}

// TestSeedGivesSameTrajectory trains twice from one seed and once from
// another: the first two agree step for step, the third differs.
func TestSeedGivesSameTrajectory(t *testing.T) {
	in := framework.InputShape{C: 1, H: 4, W: 4}
	run := func(seed int64) []float64 {
		model := newModel(t, "mixedlif", nil, seed, in)
		loss, _ := framework.NewLoss("btl", nil)
		cfg := train.StepConfig{T: 4, Batch: 8, Input: in, PathB: framework.Continuous}
		step, err := train.NewDualPath(model, loss, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer step.Close()
		opt, _ := optim.NewSGD(0.9, 1e-6)
		var losses []float64
		// One fixed pair of views, so that the loss must fall as SGD fits it.
		a, b := randomViews(100, cfg.Batch*in.C*in.H*in.W)
		for i := 0; i < 6; i++ {
			l, err := step.Step(a, b, opt, 0.02)
			if err != nil {
				t.Fatal(err)
			}
			losses = append(losses, l)
		}
		return losses
	}
	first, second, other := run(5), run(5), run(6)
	for i := range first {
		if first[i] != second[i] {
			t.Errorf("step %d: loss %v then %v from the same seed", i, first[i], second[i])
		}
	}
	if first[0] == other[0] {
		t.Errorf("seeds 5 and 6 gave the same first loss %v", first[0])
	}
	if !(first[len(first)-1] < first[0]) {
		t.Errorf("loss did not decrease over %d SGD steps: %v", len(first), first)
	}
}

// TestEventViewsFoldTimeMajor feeds a view whose frames differ per time
// step and checks that it trains like the equivalent static view only when
// all frames are equal.
func TestEventViewsFoldTimeMajor(t *testing.T) {
	in := framework.InputShape{C: 1, H: 2, W: 2}
	cfg := train.StepConfig{T: 3, Batch: 4, Input: in, PathB: framework.Continuous}
	loss, _ := framework.NewLoss("btl", nil)
	frame := in.C * in.H * in.W
	static, _ := randomViews(31, cfg.Batch*frame)

	// Repeat every sample's frame T times in [B, T, C, H, W] order.
	events := make([]float32, 0, cfg.T*len(static))
	for b := 0; b < cfg.Batch; b++ {
		for step := 0; step < cfg.T; step++ {
			events = append(events, static[b*frame:(b+1)*frame]...)
		}
	}
	lossOf := func(a, b []float32) float64 {
		model := newModel(t, "mixedlif", nil, 3, in)
		s, err := train.NewDualPath(model, loss, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		l, err := s.Forward(a, b)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if a, b := lossOf(static, static), lossOf(events, events); a != b {
		t.Errorf("static view gives loss %v, the same frames as events give %v", a, b)
	}
	if _, err := (func() (float64, error) {
		model := newModel(t, "mixedlif", nil, 3, in)
		s, _ := train.NewDualPath(model, loss, cfg)
		defer s.Close()
		return s.Forward(static[:5], static)
	})(); err == nil {
		t.Error("a view of 5 values was accepted")
	}
}
