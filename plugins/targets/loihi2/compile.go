package loihi2

import (
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
)

// Options configures Compile.
type Options struct {
	Quant  QuantOptions
	Timing Timing
	// FloatGreaterEqual makes the float reference fire on V ≥ θ, as snnlab
	// neurons train; Loihi fires on V > θ. The two differ only when V
	// equals θ exactly.
	FloatGreaterEqual bool
}

// DefaultOptions returns lava timing and DefaultQuantOptions.
func DefaultOptions() Options {
	return Options{Quant: DefaultQuantOptions(), Timing: TimingLava}
}

// Model is a network compiled for Loihi 2: the float reference, the
// integer network and an emulator. A Model keeps emulator state between
// calls and is not safe for concurrent use; compile one per goroutine.
type Model struct {
	Float      *FloatNet
	Net        *Net
	Quant      []LayerQuant
	opts       Options
	firstScale float64
	emu        *Emulator
}

// Compile prepares, quantises and loads a network into the emulator.
// Batch-norm may be folded already or given as batchnorm layers (see
// Prepare).
func Compile(net framework.Network, o Options) (*Model, error) {
	fn, err := Prepare(net)
	if err != nil {
		return nil, fmt.Errorf("loihi2: %w", err)
	}
	return CompileFloat(fn, o)
}

// CompileFloat quantises a prepared FloatNet and loads it into the emulator.
func CompileFloat(fn *FloatNet, o Options) (*Model, error) {
	if fn.T < 1 {
		return nil, fmt.Errorf("loihi2: network has T = %d time steps, want at least 1", fn.T)
	}
	net, report, s1, err := Quantize(fn, o.Quant)
	if err != nil {
		return nil, fmt.Errorf("loihi2: quantise: %w", err)
	}
	emu, err := NewEmulator(net, o.Timing)
	if err != nil {
		return nil, fmt.Errorf("loihi2: %w", err)
	}
	return &Model{Float: fn, Net: net, Quant: report, opts: o, firstScale: s1, emu: emu}, nil
}

// Result is the outcome of one emulated inference.
type Result struct {
	// Scores are the output spike counts over the last T steps, or the
	// final voltages (in float units) of a non-spiking read-out layer.
	Scores []float64
	// Counters per emulator block over the whole run.
	Counters []Counters
	Steps    int // steps the emulator ran
	// InputClipped counts input values clipped to the bias or payload
	// range.
	InputClipped int
}

// Steps returns how many steps one inference runs: T in aligned timing,
// T plus one per synaptic delay between input and output in lava timing.
func (m *Model) Steps() int {
	if m.opts.Timing == TimingAligned {
		return m.Float.T
	}
	delays := len(m.Net.Layers)
	return m.Float.T + delays
}

// Run emulates one inference on the image x ([C, H, W], float units as the
// float model takes them) and returns the output scores. The emulator is
// reset first.
func (m *Model) Run(x []float32) (*Result, error) {
	if len(x) != prod(m.Float.Input) {
		return nil, fmt.Errorf("loihi2: input has %d values, want %d for shape %v", len(x), prod(m.Float.Input), m.Float.Input)
	}
	m.emu.Reset()
	res := &Result{Steps: m.Steps()}
	var events []int64
	q := m.opts.Quant
	if q.Encoding == EncodingBias {
		c := forwardLayer(&m.Float.Layers[0], f64(x))
		mant := make([]int64, len(c))
		for i, v := range c {
			b := math.RoundToEven(v * m.firstScale)
			if b > maxBiasMant || b < -maxBiasMant-1 {
				res.InputClipped++
				b = math.Min(math.Max(b, -maxBiasMant-1), maxBiasMant)
			}
			mant[i] = int64(b)
		}
		if err := m.emu.SetInputBias(mant, 6); err != nil {
			return nil, fmt.Errorf("loihi2: %w", err)
		}
	} else {
		limit := math.Exp2(float64(q.MessageBits)) - 1
		events = make([]int64, len(x))
		for i, v := range x {
			if v < 0 {
				return nil, fmt.Errorf("loihi2: input value %v at index %d is negative; graded payloads are unsigned, use bias encoding", v, i)
			}
			p := math.RoundToEven(float64(v) * q.GradedQ)
			if p > limit {
				res.InputClipped++
				p = limit
			}
			events[i] = int64(p)
		}
	}

	T := m.Float.T
	outN := prod(m.Net.Layers[len(m.Net.Layers)-1].Shape)
	counts := make([]float64, outN)
	for step := 0; step < res.Steps; step++ {
		in := events
		if q.Encoding == EncodingGraded && step >= T {
			in = make([]int64, len(events))
		}
		out, err := m.emu.Step(in)
		if err != nil {
			return nil, fmt.Errorf("loihi2: %w", err)
		}
		if step >= res.Steps-T {
			for j, s := range out {
				counts[j] += float64(s)
			}
		}
	}
	if m.Float.Layers[len(m.Float.Layers)-1].ReadOut {
		_, v, _ := m.emu.State(m.emu.Blocks() - 1)
		scale := m.Quant[len(m.Quant)-1].Scale * 64
		for j := range counts {
			counts[j] = float64(v[j]) / scale
		}
	}
	res.Scores = counts
	for b := 0; b < m.emu.Blocks(); b++ {
		res.Counters = append(res.Counters, m.emu.Counters(b))
	}
	return res, nil
}

// RunFloat runs the float reference model on x ([C, H, W]) for T steps
// with aligned timing and returns output spike counts, or the final
// voltages of a read-out layer.
func (m *Model) RunFloat(x []float32) ([]float64, error) {
	if len(x) != prod(m.Float.Input) {
		return nil, fmt.Errorf("loihi2: input has %d values, want %d for shape %v", len(x), prod(m.Float.Input), m.Float.Input)
	}
	return RunFloat(m.Float, f64(x), m.opts.FloatGreaterEqual), nil
}

// RunFloat runs the float model fn on x for fn.T steps (direct encoding,
// no synaptic delay) and returns the output spike counts, or the final
// voltages of a read-out layer. greaterEqual selects V ≥ θ as the firing
// test instead of V > θ.
func RunFloat(fn *FloatNet, x []float64, greaterEqual bool) []float64 {
	v := make([][]float64, len(fn.Layers))
	for i := range fn.Layers {
		v[i] = make([]float64, prod(fn.Layers[i].Shape))
	}
	last := len(fn.Layers) - 1
	counts := make([]float64, len(v[last]))
	first := forwardLayer(&fn.Layers[0], x) // constant input: compute once
	for t := 0; t < fn.T; t++ {
		in := first
		for i := range fn.Layers {
			l := &fn.Layers[i]
			if i > 0 {
				in = forwardLayer(l, in)
			}
			s := make([]float64, len(in))
			for j, c := range in {
				h := l.Beta*v[i][j] + c
				fire := !l.ReadOut && (h > l.Theta || greaterEqual && h == l.Theta)
				if fire {
					s[j] = 1
					h = 0
				}
				v[i][j] = h
			}
			in = s
		}
		for j, s := range in {
			counts[j] += s
		}
	}
	if fn.Layers[last].ReadOut {
		copy(counts, v[last])
	}
	return counts
}

// forwardLayer returns W ⊛ x + b for one layer in float64.
func forwardLayer(l *FloatLayer, x []float64) []float64 {
	out := make([]float64, prod(l.Shape))
	if l.Kind == Dense {
		nIn := len(x)
		for j := range out {
			sum := l.Bias[j]
			row := l.Weight[j*nIn : (j+1)*nIn]
			for i, xi := range x {
				if xi != 0 {
					sum += row[i] * xi
				}
			}
			out[j] = sum
		}
		return out
	}
	cIn, h, w := l.InShape[0], l.InShape[1], l.InShape[2]
	cOut, ho, wo := l.Shape[0], l.Shape[1], l.Shape[2]
	kh, kw := l.Kernel[0], l.Kernel[1]
	cg, og := cIn/l.Groups, cOut/l.Groups
	for o := 0; o < cOut; o++ {
		g := o / og
		for y := 0; y < ho; y++ {
			for xx := 0; xx < wo; xx++ {
				sum := l.Bias[o]
				for c := 0; c < cg; c++ {
					ci := g*cg + c
					for ky := 0; ky < kh; ky++ {
						iy := y*l.Stride[0] - l.Padding[0] + ky*l.Dilation[0]
						if iy < 0 || iy >= h {
							continue
						}
						for kx := 0; kx < kw; kx++ {
							ix := xx*l.Stride[1] - l.Padding[1] + kx*l.Dilation[1]
							if ix < 0 || ix >= w {
								continue
							}
							sum += l.Weight[((o*cg+c)*kh+ky)*kw+kx] * x[(ci*h+iy)*w+ix]
						}
					}
				}
				out[(o*ho+y)*wo+xx] = sum
			}
		}
	}
	return out
}

// Argmax returns the index of the largest score, the first on ties.
func Argmax(scores []float64) int {
	best := 0
	for i, s := range scores {
		if s > scores[best] {
			best = i
		}
	}
	return best
}
