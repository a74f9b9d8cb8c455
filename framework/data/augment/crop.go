package augment

import (
	"math"
	"math/rand/v2"
)

// box is a crop rectangle in input pixels.
type box struct{ top, left, h, w int }

// drawCrop draws a random resized crop of an h×w input: up to ten tries of
// area fraction and log-uniform aspect ratio, then, if none fits, the
// largest centred crop whose ratio lies in the range. A zero scale range
// means the whole input.
func drawCrop(rng *rand.Rand, h, w int, scale, ratio [2]float64) box {
	if scale == ([2]float64{}) {
		return box{0, 0, h, w}
	}
	if ratio == ([2]float64{}) {
		ratio = [2]float64{1, 1}
	}
	area := float64(h * w)
	logLo, logHi := math.Log(ratio[0]), math.Log(ratio[1])
	for range 10 {
		target := area * (scale[0] + rng.Float64()*(scale[1]-scale[0]))
		r := math.Exp(logLo + rng.Float64()*(logHi-logLo))
		cw := int(math.Round(math.Sqrt(target * r)))
		ch := int(math.Round(math.Sqrt(target / r)))
		if cw > 0 && ch > 0 && cw <= w && ch <= h {
			return box{top: rng.IntN(h - ch + 1), left: rng.IntN(w - cw + 1), h: ch, w: cw}
		}
	}

	cw, ch := w, h
	switch in := float64(w) / float64(h); {
	case in < ratio[0]:
		ch = max(1, int(math.Round(float64(w)/ratio[0])))
	case in > ratio[1]:
		cw = max(1, int(math.Round(float64(h)*ratio[1])))
	}
	return box{top: (h - ch) / 2, left: (w - cw) / 2, h: ch, w: cw}
}

// axisTaps holds, for each output coordinate, the two input coordinates and
// the weight of the second for bilinear resampling.
type axisTaps struct {
	i0, i1 []int
	f      []float32
}

// makeTaps maps n output pixels onto the input span [start, start+span) of
// an axis of length size, with pixel centres aligned. With flip the output
// runs right to left.
func makeTaps(n, start, span, size int, flip bool) axisTaps {
	t := axisTaps{i0: make([]int, n), i1: make([]int, n), f: make([]float32, n)}
	step := float64(span) / float64(n)
	for o := 0; o < n; o++ {
		k := o
		if flip {
			k = n - 1 - o
		}
		s := float64(start) + (float64(k)+0.5)*step - 0.5
		s = min(max(s, 0), float64(size-1))
		i0 := int(s)
		t.i0[o] = i0
		t.i1[o] = min(i0+1, size-1)
		t.f[o] = float32(s - float64(i0))
	}
	return t
}

// resample writes the crop b of every h×w plane of src into the outH×outW
// planes of dst (bilinear), flipping horizontally when flip is set. src and
// dst hold the same number of planes.
func resample(src []float32, h, w int, dst []float32, outH, outW int, b box, flip bool) {
	rows := makeTaps(outH, b.top, b.h, h, false)
	cols := makeTaps(outW, b.left, b.w, w, flip)
	planes := len(src) / (h * w)
	for p := 0; p < planes; p++ {
		in := src[p*h*w : (p+1)*h*w]
		out := dst[p*outH*outW : (p+1)*outH*outW]
		for y := 0; y < outH; y++ {
			r0 := in[rows.i0[y]*w : rows.i0[y]*w+w]
			r1 := in[rows.i1[y]*w : rows.i1[y]*w+w]
			fy := rows.f[y]
			o := out[y*outW : (y+1)*outW]
			for x := range o {
				a, c, fx := cols.i0[x], cols.i1[x], cols.f[x]
				top := r0[a] + (r0[c]-r0[a])*fx
				bottom := r1[a] + (r1[c]-r1[a])*fx
				o[x] = top + (bottom-top)*fy
			}
		}
	}
}
