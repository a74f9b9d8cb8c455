package loihi2

import (
	"fmt"
	"math"
)

// Input encodings of a static image.
const (
	// EncodingBias computes the first layer's pre-activation c = W₁x + b₁
	// on the host once per image and loads round(S₁·c) as the bias of the
	// first layer's neurons, which then run on the chip without synapses.
	EncodingBias = "bias"
	// EncodingGraded sends the image as graded spikes with payload
	// round(x·Q) into a first layer that keeps its weights; it needs
	// 0 ≤ x·Q < 2^MessageBits.
	EncodingGraded = "graded"
)

// Scale modes.
const (
	ScaleMax  = "max"  // largest scale the ranges allow
	ScalePow2 = "pow2" // largest power of two the ranges allow
)

// Integer ranges of Loihi parameters, in weight units.
const (
	maxWeight   = 254  // largest even mixed-sign weight (8-bit mantissa × 2)
	minWeight   = -256 // smallest weight
	maxBiasMant = 4095 // 13-bit signed bias mantissa
	maxVThMant  = 131071
)

// QuantOptions sets how a FloatNet becomes integers.
type QuantOptions struct {
	ScaleMode string // ScaleMax or ScalePow2
	Encoding  string // EncodingBias or EncodingGraded
	// GradedQ is the payload per unit of input for EncodingGraded; with
	// inputs in [0, 1] and 8-bit payloads, 255.
	GradedQ     float64
	MessageBits int // payload width for EncodingGraded, 1…24
	// BiasSteps is the first layer's threshold in weight units under
	// EncodingBias (vThMant). Keep it below 4095 so that pre-activations
	// clipped to the 13-bit bias still fire on every step.
	BiasSteps float64
}

// DefaultQuantOptions returns the defaults: largest scale, bias encoding
// with vThMant 4000, graded payloads of 8 bits with Q = 255.
func DefaultQuantOptions() QuantOptions {
	return QuantOptions{ScaleMode: ScaleMax, Encoding: EncodingBias, GradedQ: 255, MessageBits: 8, BiasSteps: 4000}
}

// LayerQuant reports the quantisation of one layer. Errors are in float
// units of the layer (weights, bias and threshold as the float model has
// them).
type LayerQuant struct {
	Name  string
	Kind  string
	Scale float64 // weight units per float unit (S)
	// Gain is the extra factor of bias and threshold: Q for a graded
	// first layer, 1 otherwise.
	Gain           float64
	Binding        string // the constraint that set the scale
	WeightsClipped int
	WeightMeanErr  float64 // mean |W − w_int/S|
	WeightMaxErr   float64
	BiasMaxErr     float64
	ThetaErr       float64 // |θ − vThMant/(S·Gain)|
	VDecay         int64
	BetaRealized   float64 // 1 − vDecay/4096
	OnHost         bool    // first layer computed on the host (bias encoding)
}

func (q LayerQuant) String() string {
	return fmt.Sprintf("%s %s: S=%.6g (%s), clipped %d, mean|ΔW| %.3g, max|ΔW| %.3g, max|Δb| %.3g, |Δθ| %.3g, vDecay %d (β=%.6g)",
		q.Name, q.Kind, q.Scale, q.Binding, q.WeightsClipped, q.WeightMeanErr, q.WeightMaxErr, q.BiasMaxErr, q.ThetaErr, q.VDecay, q.BetaRealized)
}

// chooseScale returns the largest S with max(W⁺)·S ≤ 254, max|W⁻|·S ≤ 256,
// max|b|·S·gain ≤ 4095 and θ·S·gain ≤ 131071, and the binding constraint.
func chooseScale(l *FloatLayer, gain float64, mode string, useWeights, useBias bool) (float64, string) {
	s, binding := math.Inf(1), "none"
	limit := func(v, bound float64, name string) {
		if v > 0 && bound/v < s {
			s, binding = bound/v, name
		}
	}
	if useWeights {
		pos, neg := 0.0, 0.0
		for _, w := range l.Weight {
			pos, neg = math.Max(pos, w), math.Max(neg, -w)
		}
		limit(pos, maxWeight, "weight max")
		limit(neg, -minWeight, "weight min")
	}
	if useBias {
		b := 0.0
		for _, x := range l.Bias {
			b = math.Max(b, math.Abs(x))
		}
		limit(b*gain, maxBiasMant, "bias")
	}
	if !l.ReadOut {
		limit(l.Theta*gain, maxVThMant, "threshold")
	}
	if math.IsInf(s, 1) {
		s, binding = 64, "default 64"
	}
	if mode == ScalePow2 {
		s = math.Exp2(math.Floor(math.Log2(s)))
	}
	return s, binding
}

// quantizeLayer turns a float layer into an integer layer at scale s,
// with bias and threshold multiplied by gain.
func quantizeLayer(l *FloatLayer, s, gain float64) (Layer, LayerQuant) {
	q := LayerQuant{Name: l.Name, Kind: l.Kind.String(), Scale: s, Gain: gain}
	out := Layer{
		Kind: l.Kind, Name: l.Name, InShape: l.InShape, Shape: l.Shape,
		WeightShape: l.WeightShape, Weight: make([]int64, len(l.Weight)), Bias: make([]int64, len(l.Bias)),
		Kernel: l.Kernel, Stride: l.Stride, Padding: l.Padding, Dilation: l.Dilation, Groups: l.Groups,
		BiasExp: 6,
	}
	var sumErr float64
	for i, w := range l.Weight {
		v := 2 * math.RoundToEven(w*s/2)
		if v > maxWeight || v < minWeight {
			q.WeightsClipped++
			v = math.Min(math.Max(v, minWeight), maxWeight)
		}
		out.Weight[i] = int64(v)
		e := math.Abs(w - v/s)
		sumErr += e
		q.WeightMaxErr = math.Max(q.WeightMaxErr, e)
	}
	if len(l.Weight) > 0 {
		q.WeightMeanErr = sumErr / float64(len(l.Weight))
	}
	for i, b := range l.Bias {
		v := math.RoundToEven(b * s * gain)
		v = math.Min(math.Max(v, -maxBiasMant-1), maxBiasMant)
		out.Bias[i] = int64(v)
		q.BiasMaxErr = math.Max(q.BiasMaxErr, math.Abs(b-v/(s*gain)))
	}
	if l.ReadOut {
		// lava-dl's non-spiking read-out: no leak, largest threshold.
		// NOTE: a voltage saturated at 2^23 − 1 still exceeds 131071 << 6,
		// so a saturating read-out fires; VSaturations counts it.
		out.Neuron = CUBA{IDecay: decayUnity, VDecay: 0, VThMant: maxVThMant, RefDelay: 1}
	} else {
		th := math.Min(math.RoundToEven(l.Theta*s*gain), maxVThMant)
		out.Neuron = CUBA{IDecay: decayUnity, VDecay: int64(math.RoundToEven((1 - l.Beta) * decayUnity)), VThMant: int64(th), RefDelay: 1}
		q.ThetaErr = math.Abs(l.Theta - th/(s*gain))
	}
	q.VDecay = out.Neuron.VDecay
	q.BetaRealized = 1 - float64(q.VDecay)/decayUnity
	return out, q
}

// Quantize converts a FloatNet into the integer Net the emulator runs and
// netx stores, with one scale per layer (spikes between layers are 0/1, so
// layers are independent). Under EncodingBias the first layer stays on the
// host: the Net starts with bias-driven input neurons of the first layer's
// shape, and the returned first-layer scale converts its pre-activations
// into bias mantissas.
func Quantize(fn *FloatNet, o QuantOptions) (*Net, []LayerQuant, float64, error) {
	if o.ScaleMode != ScaleMax && o.ScaleMode != ScalePow2 {
		return nil, nil, 0, fmt.Errorf("scale mode %q is not valid; valid values are %s, %s", o.ScaleMode, ScaleMax, ScalePow2)
	}
	if len(fn.Layers) == 0 {
		return nil, nil, 0, fmt.Errorf("network has no weight layers")
	}
	net := &Net{TSample: fn.T}
	var report []LayerQuant
	var firstScale float64
	rest := fn.Layers
	switch o.Encoding {
	case EncodingBias:
		first := &fn.Layers[0]
		if first.ReadOut {
			return nil, nil, 0, fmt.Errorf("layer %s: a single read-out layer has no neurons to inject a bias into", first.Name)
		}
		if len(fn.Layers) < 2 {
			return nil, nil, 0, fmt.Errorf("bias encoding needs at least two weight layers; use graded encoding")
		}
		if !(o.BiasSteps > 0 && o.BiasSteps <= maxVThMant) {
			return nil, nil, 0, fmt.Errorf("bias steps %v is outside (0, %d]", o.BiasSteps, maxVThMant)
		}
		firstScale = o.BiasSteps / first.Theta
		vth := math.RoundToEven(first.Theta * firstScale)
		c := CUBA{IDecay: decayUnity, VDecay: int64(math.RoundToEven((1 - first.Beta) * decayUnity)), VThMant: int64(vth), RefDelay: 1}
		net.Input = first.Shape
		net.InputNeuron = &c
		report = append(report, LayerQuant{Name: first.Name, Kind: first.Kind.String(), Scale: firstScale, Gain: 1,
			Binding: "bias steps", ThetaErr: math.Abs(first.Theta - vth/firstScale), VDecay: c.VDecay,
			BetaRealized: 1 - float64(c.VDecay)/decayUnity, OnHost: true})
		rest = fn.Layers[1:]
	case EncodingGraded:
		if !(o.GradedQ > 0) || o.MessageBits < 1 || o.MessageBits > 24 {
			return nil, nil, 0, fmt.Errorf("graded encoding needs Q > 0 (got %v) and 1…24 message bits (got %d)", o.GradedQ, o.MessageBits)
		}
		net.Input = fn.Input
	default:
		return nil, nil, 0, fmt.Errorf("encoding %q is not valid; valid values are %s, %s", o.Encoding, EncodingBias, EncodingGraded)
	}
	for i := range rest {
		l := &rest[i]
		gain := 1.0
		if o.Encoding == EncodingGraded && i == 0 {
			gain = o.GradedQ
		}
		s, binding := chooseScale(l, gain, o.ScaleMode, true, true)
		il, q := quantizeLayer(l, s, gain)
		q.Binding = binding
		net.Layers = append(net.Layers, il)
		report = append(report, q)
	}
	if err := net.check(); err != nil {
		return nil, nil, 0, err
	}
	return net, report, firstScale, nil
}
