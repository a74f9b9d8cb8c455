package backbonetest

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
)

// Describe checks that bb's Describe lists the network its spiking path
// computes. It fits the batch-norm running statistics with training-mode
// passes and evaluates the described layers with a plain reference
// evaluator: convolution, batch-norm, pooling and additions in float64,
// neurons by the registered neuron itself. It then compares the features
// with the backbone's own evaluation-mode forward pass. A spike may flip
// where a potential lies within float32 rounding of the threshold, so the
// features may differ slightly. A wiring error moves them by far more.
func Describe(t *testing.T, bb framework.Backbone, in framework.InputShape, T int, neuron string) {
	t.Helper()
	const B = 2
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 20; i++ {
		Features(t, bb, Images(rng, T, 4, in), T, true)
	}
	// Trained batch-norms are far from γ = 1, β = 0; random affine
	// parameters with a positive shift make deep layers fire, so the
	// comparison reaches the features.
	for _, p := range bb.Params() {
		if !p.Learnable || len(p.Value.Shape()) != 1 {
			continue
		}
		switch {
		case strings.HasSuffix(p.Name, ".weight"):
			for i := range p.Data() {
				p.Data()[i] = float32(0.5 + rng.Float64())
			}
		case strings.HasSuffix(p.Name, ".bias"):
			for i := range p.Data() {
				p.Data()[i] = float32(0.3 + 0.5*rng.Float64())
			}
		}
	}
	x := Images(rng, T, B, in)
	want := Features(t, bb, x, T, false)

	net, err := framework.DescribeBackbone(bb, neuron, nil, T)
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	if net.Input != in || net.T != T {
		t.Fatalf("described input %+v and T %d, want %+v and %d", net.Input, net.T, in, T)
	}
	got, err := evaluate(net, x.Data().([]float32), B)
	if err != nil {
		t.Fatalf("evaluate described network: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("described network gives %d feature values, the backbone %d", len(got), len(want))
	}
	var maxDiff, sum float64
	for i := range got {
		d := math.Abs(got[i] - float64(want[i]))
		maxDiff = math.Max(maxDiff, d)
		sum += float64(want[i])
	}
	if sum == 0 {
		t.Fatalf("the backbone's features are all zero; the comparison would prove nothing")
	}
	if maxDiff > 0.02 {
		t.Errorf("described network's features differ from the backbone's by up to %.4g (want ≤ 0.02)", maxDiff)
	}
}

// activation is a time-folded map [T·B, C, H, W] (H = W = 1 after the
// global pool).
type activation struct {
	v       []float64
	c, h, w int
}

// evaluate runs net on x [T·B, C, H, W] and returns the features [T·B, F].
func evaluate(net framework.Network, x []float32, B int) ([]float64, error) {
	rows := net.T * B
	input := activation{v: make([]float64, len(x)), c: net.Input.C, h: net.Input.H, w: net.Input.W}
	for i, v := range x {
		input.v[i] = float64(v)
	}
	acts := map[string]activation{}
	read := func(l framework.Layer, i int) (activation, error) {
		if len(l.Inputs) == 0 {
			return input, nil
		}
		a, ok := acts[l.Inputs[i]]
		if !ok {
			return a, fmt.Errorf("layer %s reads %q, which no earlier layer produced", l.Name, l.Inputs[i])
		}
		return a, nil
	}
	var last activation
	for _, l := range net.Layers {
		a, err := read(l, 0)
		if err != nil {
			return nil, err
		}
		switch l.Kind {
		case "conv2d":
			last = conv(a, l, rows)
		case "batchnorm":
			last = batchNorm(a, l, rows)
		case "neuron":
			if last, err = spike(a, l, net.T); err != nil {
				return nil, err
			}
		case "add":
			b, err := read(l, 1)
			if err != nil {
				return nil, err
			}
			last = activation{v: make([]float64, len(a.v)), c: a.c, h: a.h, w: a.w}
			for i := range a.v {
				last.v[i] = a.v[i] + b.v[i]
			}
		case "maxpool", "avgpool":
			last = pool(a, l, rows)
		default:
			return nil, fmt.Errorf("layer %s: kind %q has no reference", l.Name, l.Kind)
		}
		acts[l.Name] = last
	}
	return last.v, nil
}

func attr(l framework.Layer, name string) int {
	if v, ok := l.Attrs[name]; ok {
		return int(v)
	}
	base := name[:len(name)-2]
	return int(l.Attrs[base])
}

func conv(a activation, l framework.Layer, rows int) activation {
	s := l.Shapes["weight"]
	co, ci, k := s[0], s[1], s[2]
	st, pad := attr(l, "stride"), attr(l, "padding")
	oh, ow := (a.h+2*pad-k)/st+1, (a.w+2*pad-k)/st+1
	w := l.Weights["weight"]
	out := activation{v: make([]float64, rows*co*oh*ow), c: co, h: oh, w: ow}
	for r := 0; r < rows; r++ {
		for o := 0; o < co; o++ {
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					var sum float64
					for c := 0; c < ci; c++ {
						for ky := 0; ky < k; ky++ {
							iy := y*st - pad + ky
							if iy < 0 || iy >= a.h {
								continue
							}
							for kx := 0; kx < k; kx++ {
								ix := x*st - pad + kx
								if ix < 0 || ix >= a.w {
									continue
								}
								sum += float64(w[((o*ci+c)*k+ky)*k+kx]) * a.v[((r*ci+c)*a.h+iy)*a.w+ix]
							}
						}
					}
					out.v[((r*co+o)*oh+y)*ow+x] = sum
				}
			}
		}
	}
	return out
}

func batchNorm(a activation, l framework.Layer, rows int) activation {
	out := activation{v: make([]float64, len(a.v)), c: a.c, h: a.h, w: a.w}
	g, b := l.Weights["weight"], l.Weights["bias"]
	mean, vr := l.Weights["running_mean"], l.Weights["running_var"]
	plane := a.h * a.w
	for r := 0; r < rows; r++ {
		for c := 0; c < a.c; c++ {
			scale := float64(g[c]) / math.Sqrt(float64(vr[c])+l.Attrs["eps"])
			for i := 0; i < plane; i++ {
				j := (r*a.c+c)*plane + i
				out.v[j] = (a.v[j]-float64(mean[c]))*scale + float64(b[c])
			}
		}
	}
	return out
}

func spike(a activation, l framework.Layer, T int) (activation, error) {
	n, err := framework.NewNeuron(l.Neuron, l.NeuronOptions)
	if err != nil {
		return a, err
	}
	call := framework.NeuronCall{Path: framework.Spiking, T: T, Input: make([]float32, len(a.v))}
	for i, v := range a.v {
		call.Input[i] = float32(v)
	}
	for _, spec := range n.Params() {
		p, ok := l.Weights[spec.Name]
		if !ok {
			return a, fmt.Errorf("neuron layer %s lacks its learned parameter %q", l.Name, spec.Name)
		}
		call.Params = append(call.Params, p)
	}
	s := make([]float32, len(a.v))
	if err := n.Forward(call, s); err != nil {
		return a, err
	}
	out := activation{v: make([]float64, len(s)), c: a.c, h: a.h, w: a.w}
	for i, v := range s {
		out.v[i] = float64(v)
	}
	return out, nil
}

func pool(a activation, l framework.Layer, rows int) activation {
	kh, kw := attr(l, "kernel_h"), attr(l, "kernel_w")
	sh, sw := attr(l, "stride_h"), attr(l, "stride_w")
	pad := attr(l, "padding")
	oh, ow := (a.h+2*pad-kh)/sh+1, (a.w+2*pad-kw)/sw+1
	out := activation{v: make([]float64, rows*a.c*oh*ow), c: a.c, h: oh, w: ow}
	for p := 0; p < rows*a.c; p++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				best, sum, n := math.Inf(-1), 0.0, 0
				for dy := 0; dy < kh; dy++ {
					for dx := 0; dx < kw; dx++ {
						iy, ix := y*sh-pad+dy, x*sw-pad+dx
						if iy < 0 || iy >= a.h || ix < 0 || ix >= a.w {
							continue
						}
						v := a.v[(p*a.h+iy)*a.w+ix]
						best = math.Max(best, v)
						sum += v
						n++
					}
				}
				v := best
				if l.Kind == "avgpool" {
					v = sum / float64(kh*kw)
				}
				out.v[(p*oh+y)*ow+x] = v
			}
		}
	}
	return out
}
