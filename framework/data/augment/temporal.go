package augment

import "math/rand/v2"

// temporalDraw is one sample's draw of the temporal augmentations.
type temporalDraw struct {
	reverse bool
	shift   int
	drop    []bool // per output frame
}

func (t *Temporal) draw(rng *rand.Rand, frames int) temporalDraw {
	d := temporalDraw{drop: make([]bool, frames)}
	d.reverse = rng.Float64() < t.ReverseProb
	if t.MaxShift > 0 {
		d.shift = rng.IntN(2*t.MaxShift+1) - t.MaxShift
	}
	for i := range d.drop {
		d.drop[i] = rng.Float64() < t.DropProb
	}
	return d
}

// applyTemporal writes src ([T, C, H, W]) into dst after reversal, shift
// and dropout: output frame t takes input frame t − shift of the (possibly
// reversed) sequence, or zeros.
func (t *Temporal) apply(d temporalDraw, src, dst []float32, frames, channels int) {
	frameSize := len(src) / frames
	planeSize := frameSize / channels
	for out := 0; out < frames; out++ {
		o := dst[out*frameSize : (out+1)*frameSize]
		in := out - d.shift
		if d.drop[out] || in < 0 || in >= frames {
			clear(o)
			continue
		}
		if d.reverse {
			in = frames - 1 - in
		}
		f := src[in*frameSize : (in+1)*frameSize]
		if d.reverse && t.SwapPolarity && channels == 2 {
			copy(o[:planeSize], f[planeSize:])
			copy(o[planeSize:], f[:planeSize])
		} else {
			copy(o, f)
		}
	}
}
