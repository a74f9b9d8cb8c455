package nn

import (
	"fmt"
	"math/rand"

	"gorgonia.org/gorgonia"

	"github.com/snnlab/snnlab/framework"
)

// ProjectionHead is the non-spiking MLP that maps pooled backbone features
// to the embeddings the loss sees. Every layer but the last is
// Linear–BatchNorm–ReLU; the last is a plain Linear. Widths [2048, 1024]
// give the method's two-layer CIFAR head, [8192, 8192, 8192] the
// three-layer ImageNet head. Linear layers carry no bias, because each
// hidden one is followed by batch-norm and the embeddings are standardised
// by the loss.
type ProjectionHead struct {
	In     int
	Widths []int
	linear []*Linear
	norm   []*BatchNorm
}

// NewProjectionHead builds a head from in features through widths, with
// weights drawn from rng. Parameter names start with "head.".
func NewProjectionHead(in int, widths []int, rng *rand.Rand) (*ProjectionHead, error) {
	if len(widths) == 0 {
		return nil, fmt.Errorf("projection head: no layer widths given; the CIFAR head is [2048, 1024]")
	}
	h := &ProjectionHead{In: in, Widths: append([]int(nil), widths...)}
	prev := in
	for i, w := range widths {
		if w < 1 {
			return nil, fmt.Errorf("projection head: layer %d width %d, want at least 1", i, w)
		}
		l, err := NewLinear(fmt.Sprintf("head.%d.linear", i), prev, w, false, rng)
		if err != nil {
			return nil, err
		}
		h.linear = append(h.linear, l)
		if i < len(widths)-1 {
			bn, err := NewBatchNorm(fmt.Sprintf("head.%d.bn", i), w)
			if err != nil {
				return nil, err
			}
			h.norm = append(h.norm, bn)
		}
		prev = w
	}
	return h, nil
}

// OutDim is the embedding width D.
func (h *ProjectionHead) OutDim() int { return h.Widths[len(h.Widths)-1] }

// Forward maps features [N, In] to embeddings [N, D].
func (h *ProjectionHead) Forward(x *gorgonia.Node, train bool) (*gorgonia.Node, error) {
	var err error
	for i, l := range h.linear {
		if x, err = l.Forward(x); err != nil {
			return nil, err
		}
		if i == len(h.linear)-1 {
			break
		}
		if x, err = h.norm[i].Forward(x, train); err != nil {
			return nil, err
		}
		if x, err = gorgonia.Rectify(x); err != nil {
			return nil, fmt.Errorf("projection head layer %d: %w", i, err)
		}
	}
	return x, nil
}

// Params lists every weight and batch-norm parameter and buffer.
func (h *ProjectionHead) Params() []*framework.Param {
	var ps []*framework.Param
	for i, l := range h.linear {
		ps = append(ps, l.Params()...)
		if i < len(h.norm) {
			ps = append(ps, h.norm[i].Params()...)
		}
	}
	return ps
}
