package augment

import (
	"fmt"

	"github.com/snnlab/snnlab/framework/data"
)

// View holds the augmentation parameters of one view. Probabilities are in
// [0, 1]; a zero View crops the whole image and changes nothing else.
type View struct {
	// CropScale is the range of the crop's area as a fraction of the input
	// area, and CropRatio the range of its aspect ratio (width / height),
	// drawn log-uniformly. The crop is then resized to the output size.
	CropScale [2]float64
	CropRatio [2]float64

	FlipProb float64 // probability of a horizontal flip
	Jitter   Jitter
	GrayProb float64 // probability of replacing RGB by its luma (0.299 R + 0.587 G + 0.114 B)
	Blur     Blur

	// SolarizeProb is the probability of replacing every value v ≥ 128/255
	// by 1 − v.
	SolarizeProb float64
}

// Jitter is colour jitter, applied with probability Prob. Each factor is
// drawn uniformly: brightness in [1−Brightness, 1+Brightness], contrast and
// saturation likewise, and a hue shift in [−Hue, +Hue] turns (Hue ≤ 0.5).
// The four operations run in a random order. Saturation and hue act only on
// 3-channel images.
type Jitter struct {
	Prob                                  float64
	Brightness, Contrast, Saturation, Hue float64
}

// Blur is a Gaussian blur applied with probability Prob, with a standard
// deviation in pixels drawn uniformly from [SigmaMin, SigmaMax]. The kernel
// spans ±ceil(3σ) pixels, at most half the image side, with reflected
// borders.
type Blur struct {
	Prob               float64
	SigmaMin, SigmaMax float64
}

// Temporal holds the event-frame augmentations, drawn once per sample and
// applied identically to both views. They act on the T axis of
// [T, C, H, W] and are skipped when T is 1.
type Temporal struct {
	// ReverseProb is the probability of reversing the frame order; with
	// SwapPolarity the two polarity channels (C = 2) are exchanged as well,
	// since a brightness increase played backwards is a decrease.
	ReverseProb  float64
	SwapPolarity bool
	// DropProb is the probability that each frame is set to zero.
	DropProb float64
	// MaxShift is the largest temporal jitter in frames: the sequence is
	// shifted by a uniform offset in [−MaxShift, MaxShift] and the frames
	// shifted in are zero.
	MaxShift int
}

// Pipeline is the full two-view augmentation. OutH and OutW are the output
// side lengths (0 keeps the input's). Mean and Std normalise channel c to
// (v − Mean[c]) / Std[c] after augmentation; leave both nil to skip.
type Pipeline struct {
	OutH, OutW int
	A, B       View
	Temporal   Temporal
	Mean, Std  []float32
}

// BarlowView returns the view parameters of Barlow Twins (Zbontar et al.,
// 2021) with the given blur and solarisation probabilities. The crop has
// scale (0.08, 1) and ratio (3/4, 4/3), the flip probability is 0.5, colour
// jitter is 0.4/0.4/0.2/0.1 with probability 0.8, grayscale 0.2, and the
// blur σ lies in [0.1, 2.0].
func BarlowView(blurProb, solarizeProb float64) View {
	return View{
		CropScale:    [2]float64{0.08, 1},
		CropRatio:    [2]float64{3.0 / 4, 4.0 / 3},
		FlipProb:     0.5,
		Jitter:       Jitter{Prob: 0.8, Brightness: 0.4, Contrast: 0.4, Saturation: 0.2, Hue: 0.1},
		GrayProb:     0.2,
		Blur:         Blur{Prob: blurProb, SigmaMin: 0.1, SigmaMax: 2.0},
		SolarizeProb: solarizeProb,
	}
}

// BarlowTwins returns the Barlow Twins pipeline: view A always blurred and
// never solarised, view B blurred with probability 0.1 and solarised with
// probability 0.2, both normalised with mean and std (e.g.
// data.CIFAR10Mean, data.CIFAR10Std). For 32×32 images many
// self-supervised code bases raise the minimum crop scale to 0.2: set
// A.CropScale and B.CropScale, or call WithCropScale.
func BarlowTwins(mean, std []float32) Pipeline {
	return Pipeline{A: BarlowView(1.0, 0), B: BarlowView(0.1, 0.2), Mean: mean, Std: std}
}

// Events returns the event-frame pipeline for outH×outW frames. Each view
// gets a random resized crop with scale (0.35, 1) and a horizontal flip
// with probability 0.5, and no colour augmentation or normalisation. Both
// views share reversal (0.5, with polarity swap), frame dropout (0.1) and
// temporal jitter (up to 1 frame). These strengths are snnlab's choice,
// because the method names the augmentations but not their parameters.
func Events(outH, outW int) Pipeline {
	v := View{CropScale: [2]float64{0.35, 1}, CropRatio: [2]float64{3.0 / 4, 4.0 / 3}, FlipProb: 0.5}
	return Pipeline{
		OutH: outH, OutW: outW, A: v, B: v,
		Temporal: Temporal{ReverseProb: 0.5, SwapPolarity: true, DropProb: 0.1, MaxShift: 1},
	}
}

// WithCropScale returns p with the crop scale range of both views set to (lo, hi).
func (p Pipeline) WithCropScale(lo, hi float64) Pipeline {
	p.A.CropScale = [2]float64{lo, hi}
	p.B.CropScale = [2]float64{lo, hi}
	return p
}

// OutShape returns the shape of a view of an input of shape in.
func (p *Pipeline) OutShape(in data.Shape) data.Shape {
	out := in
	if p.OutH > 0 {
		out.H = p.OutH
	}
	if p.OutW > 0 {
		out.W = p.OutW
	}
	return out
}

// Validate checks the parameters against an input shape and returns an
// error naming the first invalid field.
func (p *Pipeline) Validate(in data.Shape) error {
	if in.T < 1 || in.C < 1 || in.H < 1 || in.W < 1 {
		return fmt.Errorf("augment: input shape %v has an empty axis", in)
	}
	if p.OutH < 0 || p.OutW < 0 {
		return fmt.Errorf("augment: output size %d×%d is negative: use 0 to keep the input size", p.OutH, p.OutW)
	}
	if (p.Mean == nil) != (p.Std == nil) || (p.Mean != nil && (len(p.Mean) != in.C || len(p.Std) != in.C)) {
		return fmt.Errorf("augment: Mean has %d and Std %d values for %d channels: give one per channel, or leave both nil", len(p.Mean), len(p.Std), in.C)
	}
	for c, s := range p.Std {
		if s <= 0 {
			return fmt.Errorf("augment: Std[%d] = %v, want > 0", c, s)
		}
	}
	for name, v := range map[string]*View{"A": &p.A, "B": &p.B} {
		if err := v.validate(); err != nil {
			return fmt.Errorf("augment: view %s: %w", name, err)
		}
	}
	t := p.Temporal
	if !isProb(t.ReverseProb) || !isProb(t.DropProb) || t.MaxShift < 0 {
		return fmt.Errorf("augment: temporal parameters %+v: probabilities must be in [0, 1] and MaxShift ≥ 0", t)
	}
	return nil
}

func (v *View) validate() error {
	s, r := v.CropScale, v.CropRatio
	if s != [2]float64{} && !(s[0] > 0 && s[0] <= s[1] && s[1] <= 1) {
		return fmt.Errorf("CropScale %v must satisfy 0 < lo ≤ hi ≤ 1", s)
	}
	if r != [2]float64{} && !(r[0] > 0 && r[0] <= r[1]) {
		return fmt.Errorf("CropRatio %v must satisfy 0 < lo ≤ hi", r)
	}
	for name, p := range map[string]float64{"FlipProb": v.FlipProb, "Jitter.Prob": v.Jitter.Prob, "GrayProb": v.GrayProb, "Blur.Prob": v.Blur.Prob, "SolarizeProb": v.SolarizeProb} {
		if !isProb(p) {
			return fmt.Errorf("%s = %v, want a probability in [0, 1]", name, p)
		}
	}
	j := v.Jitter
	if j.Brightness < 0 || j.Contrast < 0 || j.Saturation < 0 || j.Hue < 0 || j.Hue > 0.5 {
		return fmt.Errorf("Jitter %+v: strengths must be ≥ 0 and Hue ≤ 0.5", j)
	}
	if v.Blur.Prob > 0 && !(v.Blur.SigmaMin > 0 && v.Blur.SigmaMin <= v.Blur.SigmaMax) {
		return fmt.Errorf("Blur sigma range [%v, %v] must satisfy 0 < min ≤ max", v.Blur.SigmaMin, v.Blur.SigmaMax)
	}
	return nil
}

func isProb(p float64) bool { return p >= 0 && p <= 1 }
