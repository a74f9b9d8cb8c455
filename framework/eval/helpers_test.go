package eval_test

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/eval"
	"github.com/snnlab/snnlab/framework/nn"

	// The tiny backbone uses the real LIF neuron.
	_ "github.com/snnlab/snnlab/plugins/neurons/lif"
)

// tinyNet is a one-layer spiking backbone: flatten → Linear → BatchNorm →
// LIF, so its features [T·B, F] are the spikes of its only neuron layer.
type tinyNet struct {
	fc     *nn.Linear
	bn     *nn.BatchNorm
	neuron framework.Neuron
}

func newTinyNet(t testing.TB, in framework.InputShape, F int, seed int64, rec *eval.SpikeRecorder) *tinyNet {
	t.Helper()
	newNeuron := func() (framework.Neuron, error) { return framework.NewNeuron("lif", nil) }
	if rec != nil {
		newNeuron = rec.Wrap(newNeuron)
	}
	n, err := newNeuron()
	if err != nil {
		t.Fatalf("new lif neuron: %v", err)
	}
	fc, err := nn.NewLinear("tiny.fc", in.C*in.H*in.W, F, true, rand.New(rand.NewSource(seed)))
	if err != nil {
		t.Fatal(err)
	}
	bn, err := nn.NewBatchNorm("tiny.bn", F)
	if err != nil {
		t.Fatal(err)
	}
	return &tinyNet{fc: fc, bn: bn, neuron: n}
}

func (m *tinyNet) Forward(x *gorgonia.Node, pass framework.Pass) (*gorgonia.Node, error) {
	s := x.Shape()
	flat, err := gorgonia.Reshape(x, []int{s[0], s.TotalSize() / s[0]})
	if err != nil {
		return nil, err
	}
	h, err := m.fc.Forward(flat)
	if err != nil {
		return nil, err
	}
	if h, err = m.bn.Forward(h, pass.Train); err != nil {
		return nil, err
	}
	return autograd.NeuronNode(m.neuron, "tiny.lif", pass.Path, pass.T, h)
}

func (m *tinyNet) Params() []*framework.Param {
	return append(m.fc.Params(), m.bn.Params()...)
}

func (m *tinyNet) FeatureDim() int { return m.fc.Out }

// poolNet has no parameters: its features are the per-channel means of
// each input row, [T·B, C], which exposes how Extract lays out the input.
type poolNet struct{ C int }

func (p poolNet) Forward(x *gorgonia.Node, _ framework.Pass) (*gorgonia.Node, error) {
	return nn.GlobalAvgPool(x)
}
func (p poolNet) Params() []*framework.Param { return nil }
func (p poolNet) FeatureDim() int            { return p.C }

// memDataset is an in-memory dataset of samples with layout [T, C, H, W].
type memDataset struct {
	shape  data.Shape
	pix    [][]float32
	labels []int
}

func (d *memDataset) Len() int          { return len(d.pix) }
func (d *memDataset) Shape() data.Shape { return d.shape }
func (d *memDataset) Label(i int) int   { return d.labels[i] }
func (d *memDataset) Sample(i int, dst []float32) error {
	if len(dst) != d.shape.Size() {
		return fmt.Errorf("memDataset: dst has %d values, want %d", len(dst), d.shape.Size())
	}
	copy(dst, d.pix[i])
	return nil
}

// classImages returns n images whose pixels are Gaussian noise around a
// class-dependent pattern, labels cycling through C classes.
func classImages(n, C int, s data.Shape, noise float64, seed int64) *memDataset {
	rng := rand.New(rand.NewSource(seed))
	size := s.Size()
	patterns := make([][]float32, C)
	for c := range patterns {
		patterns[c] = make([]float32, size)
		for i := range patterns[c] {
			patterns[c][i] = float32(rng.NormFloat64())
		}
	}
	ds := &memDataset{shape: s}
	for i := 0; i < n; i++ {
		c := i % C
		px := make([]float32, size)
		for j := range px {
			px[j] = patterns[c][j] + float32(noise*rng.NormFloat64())
		}
		ds.pix = append(ds.pix, px)
		ds.labels = append(ds.labels, c)
	}
	return ds
}

// blobs returns n features in F dimensions from C Gaussian blobs whose
// centres lie sep apart along separate axes, labels cycling through the
// classes. With random set, labels are drawn independently of the features.
func blobs(n, F, C int, sep float64, seed int64, random bool) eval.Features {
	rng := rand.New(rand.NewSource(seed))
	f := eval.Features{N: n, F: F, Data: make([]float32, n*F), Labels: make([]int, n)}
	for i := 0; i < n; i++ {
		c := i % C
		for j := 0; j < F; j++ {
			v := rng.NormFloat64()
			if j == c%F {
				v += sep
			}
			f.Data[i*F+j] = float32(v + 0.5) // a shared offset, as spike rates have
		}
		f.Labels[i] = c
		if random {
			f.Labels[i] = rng.Intn(C)
		}
	}
	return f
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
