package eval

import (
	"fmt"
	"math"
	"sync"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/autograd"
)

// TimeMean averages a time-folded node x [T·B, F] over its T steps, giving
// [B, F]: y[b, f] = (1/T)·Σ_t x[t·B+b, f]. It is a dedicated kernel because
// gorgonia.org/tensor v0.9.24 reduces a middle axis of a reshaped
// [T, B, F] tensor wrongly.
func TimeMean(x *gorgonia.Node, T int) (*gorgonia.Node, error) {
	return autograd.Apply(timeMean{T: T}, x)
}

type timeMean struct{ T int }

func (k timeMean) String() string { return fmt.Sprintf("TimeMean(T=%d)", k.T) }

func (k timeMean) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	s := in[0]
	if len(s) != 2 || k.T < 1 || s[0]%k.T != 0 {
		return nil, fmt.Errorf("input shape %v, want [T·B, F] with T = %d", s, k.T)
	}
	return tensor.Shape{s[0] / k.T, s[1]}, nil
}

func (k timeMean) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	s := in[0].Shape()
	B, F := s[0]/k.T, s[1]
	y := make([]float32, B*F)
	for t := 0; t < k.T; t++ {
		for i, v := range x[t*B*F : (t+1)*B*F] {
			y[i] += v
		}
	}
	inv := 1 / float32(k.T)
	for i := range y {
		y[i] *= inv
	}
	return tensor.New(tensor.WithShape(B, F), tensor.WithBacking(y)), nil
}

func (k timeMean) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	g := gradOut.Data().([]float32)
	s := in[0].Shape()
	gx := make([]float32, s.TotalSize())
	inv := 1 / float32(k.T)
	n := len(g)
	for t := 0; t < k.T; t++ {
		for i, v := range g {
			gx[t*n+i] = v * inv
		}
	}
	return []*tensor.Dense{tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(gx))}, nil
}

// SoftmaxCrossEntropy is the mean softmax cross-entropy of logits [B, C]
// against class labels, in nats:
//
//	L = (1/B)·Σ_b [ log Σ_c exp(z_bc) − z_b,y_b ]
//	∂L/∂z_bc = (softmax(z_b)_c − [c = y_b]) / B
//
// The log-sum-exp subtracts each row's maximum and runs in float64, so large
// logits neither overflow nor lose the loss. The labels are not a graph
// input: set them with SetLabels before each run. It implements
// autograd.Kernel; add it to a graph with Node.
type SoftmaxCrossEntropy struct {
	mu     sync.Mutex
	labels []int
}

// NewSoftmaxCrossEntropy returns the loss with no labels set.
func NewSoftmaxCrossEntropy() *SoftmaxCrossEntropy { return &SoftmaxCrossEntropy{} }

// Node adds the loss of logits [B, C] to their graph and returns the scalar
// node.
func (k *SoftmaxCrossEntropy) Node(logits *gorgonia.Node) (*gorgonia.Node, error) {
	return autograd.Apply(k, logits)
}

// SetLabels sets the class of each row of the next batch's logits. It
// copies labels.
func (k *SoftmaxCrossEntropy) SetLabels(labels []int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.labels = append(k.labels[:0], labels...)
}

func (k *SoftmaxCrossEntropy) String() string { return "SoftmaxCrossEntropy" }

func (k *SoftmaxCrossEntropy) InferShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in[0]) != 2 || in[0][0] < 1 || in[0][1] < 2 {
		return nil, fmt.Errorf("logits of shape %v, want [B, C] with at least 2 classes", in[0])
	}
	return tensor.ScalarShape(), nil
}

// rows checks the labels against logits [B, C] and returns B, C and a copy
// of the labels.
func (k *SoftmaxCrossEntropy) rows(logits *tensor.Dense) (B, C int, labels []int, err error) {
	s := logits.Shape()
	B, C = s[0], s[1]
	k.mu.Lock()
	labels = append([]int(nil), k.labels...)
	k.mu.Unlock()
	if len(labels) != B {
		return 0, 0, nil, fmt.Errorf("%d labels set for %d rows of logits: call SetLabels with one label per row", len(labels), B)
	}
	for b, y := range labels {
		if y < 0 || y >= C {
			return 0, 0, nil, fmt.Errorf("label %d of row %d is outside the %d classes 0…%d", y, b, C, C-1)
		}
	}
	return B, C, labels, nil
}

// softmaxRow writes softmax(z) into p and returns log Σ exp(z).
func softmaxRow(z []float32, p []float64) float64 {
	m := float64(z[0])
	for _, v := range z {
		m = math.Max(m, float64(v))
	}
	var sum float64
	for c, v := range z {
		p[c] = math.Exp(float64(v) - m)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
	return m + math.Log(sum)
}

func (k *SoftmaxCrossEntropy) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	B, C, labels, err := k.rows(in[0])
	if err != nil {
		return nil, err
	}
	z := in[0].Data().([]float32)
	p := make([]float64, C)
	var loss float64
	for b := 0; b < B; b++ {
		row := z[b*C : (b+1)*C]
		loss += softmaxRow(row, p) - float64(row[labels[b]])
	}
	return tensor.New(tensor.FromScalar(float32(loss / float64(B)))), nil
}

func (k *SoftmaxCrossEntropy) Backward(in []*tensor.Dense, gradOut *tensor.Dense) ([]*tensor.Dense, error) {
	B, C, labels, err := k.rows(in[0])
	if err != nil {
		return nil, err
	}
	scale, err := scalar(gradOut)
	if err != nil {
		return nil, err
	}
	z := in[0].Data().([]float32)
	g := make([]float32, B*C)
	p := make([]float64, C)
	s := float64(scale) / float64(B)
	for b := 0; b < B; b++ {
		softmaxRow(z[b*C:(b+1)*C], p)
		p[labels[b]]--
		for c, v := range p {
			g[b*C+c] = float32(v * s)
		}
	}
	return []*tensor.Dense{tensor.New(tensor.WithShape(B, C), tensor.WithBacking(g))}, nil
}

// scalar reads a one-element tensor, stored either as a scalar or as a
// one-element slice.
func scalar(d *tensor.Dense) (float32, error) {
	switch v := d.Data().(type) {
	case float32:
		return v, nil
	case []float32:
		if len(v) == 1 {
			return v[0], nil
		}
	}
	return 0, fmt.Errorf("output gradient of shape %v is not a float32 scalar", d.Shape())
}
