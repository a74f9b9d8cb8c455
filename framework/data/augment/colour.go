package augment

import "math"

// Colour operations act in place on one frame of layout [C, H, W] with
// values in [0, 1]; plane is H·W. Results are clamped to [0, 1].

func clamp01(v float32) float32 { return min(max(v, 0), 1) }

// luma returns the ITU-R BT.601 luma of pixel k of an RGB frame.
func luma(f []float32, plane, k int) float32 {
	return 0.299*f[k] + 0.587*f[plane+k] + 0.114*f[2*plane+k]
}

func adjustBrightness(f []float32, factor float32) {
	for k, v := range f {
		f[k] = clamp01(v * factor)
	}
}

// adjustContrast blends every value with the frame's mean luma (the mean
// value for one channel).
func adjustContrast(f []float32, plane, channels int, factor float32) {
	var sum float64
	if channels == 3 {
		for k := 0; k < plane; k++ {
			sum += float64(luma(f, plane, k))
		}
	} else {
		for _, v := range f[:plane] {
			sum += float64(v)
		}
	}
	mean := float32(sum/float64(plane)) * (1 - factor)
	for k, v := range f {
		f[k] = clamp01(v*factor + mean)
	}
}

// adjustSaturation blends each RGB pixel with its luma.
func adjustSaturation(f []float32, plane int, factor float32) {
	for k := 0; k < plane; k++ {
		g := luma(f, plane, k) * (1 - factor)
		for c := 0; c < 3; c++ {
			f[c*plane+k] = clamp01(f[c*plane+k]*factor + g)
		}
	}
}

// shiftHue rotates each RGB pixel's hue by shift turns in HSV space.
func shiftHue(f []float32, plane int, shift float32) {
	for k := 0; k < plane; k++ {
		r, g, b := f[k], f[plane+k], f[2*plane+k]
		maxc := max(r, g, b)
		minc := min(r, g, b)
		v := maxc
		delta := maxc - minc
		if delta <= 0 {
			continue // grey pixels have no hue
		}
		s := delta / maxc
		var h float32
		switch maxc {
		case r:
			h = (g - b) / delta
		case g:
			h = 2 + (b-r)/delta
		default:
			h = 4 + (r-g)/delta
		}
		h = h/6 + shift
		h -= float32(math.Floor(float64(h)))

		h6 := h * 6
		sector := int(h6) % 6
		frac := h6 - float32(int(h6))
		p := v * (1 - s)
		q := v * (1 - s*frac)
		t := v * (1 - s*(1-frac))
		switch sector {
		case 0:
			r, g, b = v, t, p
		case 1:
			r, g, b = q, v, p
		case 2:
			r, g, b = p, v, t
		case 3:
			r, g, b = p, q, v
		case 4:
			r, g, b = t, p, v
		default:
			r, g, b = v, p, q
		}
		f[k], f[plane+k], f[2*plane+k] = r, g, b
	}
}

// grayscale replaces each RGB pixel by its luma on all three channels.
func grayscale(f []float32, plane int) {
	for k := 0; k < plane; k++ {
		g := luma(f, plane, k)
		f[k], f[plane+k], f[2*plane+k] = g, g, g
	}
}

// solarize inverts every value at or above 128/255.
func solarize(f []float32) {
	const threshold = 128.0 / 255
	for k, v := range f {
		if v >= threshold {
			f[k] = 1 - v
		}
	}
}

// gaussianBlur blurs every h×w plane of f with a separable Gaussian of
// standard deviation sigma pixels, reflecting at the borders. tmp must hold
// one plane.
func gaussianBlur(f []float32, h, w int, sigma float64, tmp []float32) {
	radius := min(int(math.Ceil(3*sigma)), (min(h, w)-1)/2)
	if radius < 1 {
		return
	}
	kernel := make([]float32, 2*radius+1)
	var sum float64
	for i := range kernel {
		d := float64(i - radius)
		v := math.Exp(-d * d / (2 * sigma * sigma))
		kernel[i] = float32(v)
		sum += v
	}
	for i := range kernel {
		kernel[i] /= float32(sum)
	}
	reflect := func(i, n int) int {
		if i < 0 {
			return -i
		}
		if i >= n {
			return 2*n - 2 - i
		}
		return i
	}

	plane := h * w
	for p := 0; p+plane <= len(f); p += plane {
		img := f[p : p+plane]
		for y := 0; y < h; y++ {
			row := img[y*w : (y+1)*w]
			for x := 0; x < w; x++ {
				var acc float32
				for i, kv := range kernel {
					acc += kv * row[reflect(x+i-radius, w)]
				}
				tmp[y*w+x] = acc
			}
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var acc float32
				for i, kv := range kernel {
					acc += kv * tmp[reflect(y+i-radius, h)*w+x]
				}
				img[y*w+x] = acc
			}
		}
	}
}
