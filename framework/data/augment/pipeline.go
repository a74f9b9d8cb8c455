package augment

import (
	"fmt"
	"math/rand/v2"

	"github.com/snnlab/snnlab/framework/data"
)

// Pair writes two augmented views of src into dstA and dstB, each of shape
// OutShape(src.Shape). View A draws from its own stream of key, view B from
// another, and the temporal augmentations from a third, shared by both
// views. The result depends only on p, key and src, so Pair is safe for
// concurrent use.
func (p *Pipeline) Pair(key uint64, src data.Image, dstA, dstB []float32) error {
	out := p.OutShape(src.Shape)
	if err := p.check(src, out, dstA, dstB); err != nil {
		return err
	}
	src = p.temporal(key, src)
	if err := p.view(&p.A, newRand(key, streamA), src, dstA, out); err != nil {
		return err
	}
	return p.view(&p.B, newRand(key, streamB), src, dstB, out)
}

// Apply writes one view of src, drawn with view A's parameters and stream,
// into dst. It serves single-view training such as the supervised baseline.
func (p *Pipeline) Apply(key uint64, src data.Image, dst []float32) error {
	out := p.OutShape(src.Shape)
	if err := p.check(src, out, dst); err != nil {
		return err
	}
	src = p.temporal(key, src)
	return p.view(&p.A, newRand(key, streamA), src, dst, out)
}

func (p *Pipeline) check(src data.Image, out data.Shape, dsts ...[]float32) error {
	if len(src.Pix) != src.Size() {
		return fmt.Errorf("augment: input has %d values, want %d for shape %v", len(src.Pix), src.Size(), src.Shape)
	}
	for _, d := range dsts {
		if len(d) != out.Size() {
			return fmt.Errorf("augment: destination has %d values, want %d for output shape %v", len(d), out.Size(), out)
		}
	}
	if p.Mean != nil && (len(p.Mean) != src.C || len(p.Std) != src.C) {
		return fmt.Errorf("augment: Mean has %d and Std %d values but the input has %d channels: give one per channel", len(p.Mean), len(p.Std), src.C)
	}
	return nil
}

// temporal returns src after the shared temporal augmentations, or src
// itself when T is 1.
func (p *Pipeline) temporal(key uint64, src data.Image) data.Image {
	if src.T == 1 {
		return src
	}
	d := p.Temporal.draw(newRand(key, streamShared), src.T)
	out := data.NewImage(src.Shape)
	p.Temporal.apply(d, src.Pix, out.Pix, src.T, src.C)
	return out
}

// viewDraw holds every random choice of one view. All of them are drawn
// before any is applied, so each view uses the same number of draws
// whatever is switched on.
type viewDraw struct {
	crop      box
	flip      bool
	jitter    bool
	order     []int
	bright    float32
	contrast  float32
	saturate  float32
	hue       float32
	gray      bool
	blur      bool
	sigma     float64
	solarized bool
}

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }

func (v *View) draw(rng *rand.Rand, h, w int) viewDraw {
	j := v.Jitter
	return viewDraw{
		crop:      drawCrop(rng, h, w, v.CropScale, v.CropRatio),
		flip:      rng.Float64() < v.FlipProb,
		jitter:    rng.Float64() < j.Prob,
		order:     rng.Perm(4),
		bright:    float32(uniform(rng, max(0, 1-j.Brightness), 1+j.Brightness)),
		contrast:  float32(uniform(rng, max(0, 1-j.Contrast), 1+j.Contrast)),
		saturate:  float32(uniform(rng, max(0, 1-j.Saturation), 1+j.Saturation)),
		hue:       float32(uniform(rng, -j.Hue, j.Hue)),
		gray:      rng.Float64() < v.GrayProb,
		blur:      rng.Float64() < v.Blur.Prob,
		sigma:     uniform(rng, v.Blur.SigmaMin, v.Blur.SigmaMax),
		solarized: rng.Float64() < v.SolarizeProb,
	}
}

// view draws and applies one view: crop and flip of every frame, colour
// operations frame by frame with the same draw, then normalisation.
func (p *Pipeline) view(v *View, rng *rand.Rand, src data.Image, dst []float32, out data.Shape) error {
	d := v.draw(rng, src.H, src.W)
	resample(src.Pix, src.H, src.W, dst, out.H, out.W, d.crop, d.flip)

	plane := out.H * out.W
	frameSize := out.C * plane
	var tmp []float32
	if d.blur {
		tmp = make([]float32, plane)
	}
	for t := 0; t < out.T; t++ {
		f := dst[t*frameSize : (t+1)*frameSize]
		if d.jitter {
			for _, op := range d.order {
				switch {
				case op == 0 && d.bright != 1:
					adjustBrightness(f, d.bright)
				case op == 1 && d.contrast != 1:
					adjustContrast(f, plane, out.C, d.contrast)
				case op == 2 && out.C == 3 && d.saturate != 1:
					adjustSaturation(f, plane, d.saturate)
				case op == 3 && out.C == 3 && d.hue != 0:
					shiftHue(f, plane, d.hue)
				}
			}
		}
		if d.gray && out.C == 3 {
			grayscale(f, plane)
		}
		if d.blur {
			gaussianBlur(f, out.H, out.W, d.sigma, tmp)
		}
		if d.solarized {
			solarize(f)
		}
	}
	normalize(dst, out, p.Mean, p.Std)
	return nil
}

// normalize maps channel c of every frame to (v − mean[c]) / std[c]; nil
// mean leaves dst unchanged.
func normalize(dst []float32, s data.Shape, mean, std []float32) {
	if mean == nil {
		return
	}
	plane := s.H * s.W
	for t := 0; t < s.T; t++ {
		for c := 0; c < s.C; c++ {
			off := (t*s.C + c) * plane
			m, inv := mean[c], 1/std[c]
			for k, v := range dst[off : off+plane] {
				dst[off+k] = (v - m) * inv
			}
		}
	}
}

// Denormalize returns a copy of img with the normalisation undone, values
// v·std[c] + mean[c], for looking at views.
func Denormalize(img data.Image, mean, std []float32) data.Image {
	out := data.Image{Shape: img.Shape, Pix: make([]float32, len(img.Pix))}
	plane := img.H * img.W
	for k, v := range img.Pix {
		c := (k / plane) % img.C
		out.Pix[k] = v*std[c] + mean[c]
	}
	return out
}

// Eval is the deterministic transform for evaluation: a bilinear resize of
// the whole input to OutH×OutW (0 keeps the input size) and the same
// normalisation as training. It ignores the key.
type Eval struct {
	OutH, OutW int
	Mean, Std  []float32
}

// OutShape returns the shape Apply writes for an input of shape in.
func (e Eval) OutShape(in data.Shape) data.Shape {
	p := Pipeline{OutH: e.OutH, OutW: e.OutW}
	return p.OutShape(in)
}

// Apply writes the resized, normalised src into dst.
func (e Eval) Apply(_ uint64, src data.Image, dst []float32) error {
	p := Pipeline{OutH: e.OutH, OutW: e.OutW, Mean: e.Mean, Std: e.Std}
	out := p.OutShape(src.Shape)
	if err := p.check(src, out, dst); err != nil {
		return err
	}
	resample(src.Pix, src.H, src.W, dst, out.H, out.W, box{0, 0, src.H, src.W}, false)
	normalize(dst, out, e.Mean, e.Std)
	return nil
}
