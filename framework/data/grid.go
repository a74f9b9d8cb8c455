package data

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
)

// EncodeGridPNG writes images as one PNG, cols images per row with a
// 2-pixel white gap, for a person to look at. Every image must have the
// shape of the first, with T = 1 and 1 or 3 channels, values in [0, 1]
// (others are clamped).
func EncodeGridPNG(w io.Writer, images []Image, cols int) error {
	if len(images) == 0 || cols <= 0 {
		return fmt.Errorf("grid: got %d images and %d columns: pass at least one image and one column", len(images), cols)
	}
	s := images[0].Shape
	if s.T != 1 || (s.C != 1 && s.C != 3) {
		return fmt.Errorf("grid: image shape %v has T=%d and C=%d, want T=1 and C=1 or 3", s, s.T, s.C)
	}
	const gap = 2
	rows := (len(images) + cols - 1) / cols
	canvas := image.NewRGBA(image.Rect(0, 0, cols*(s.W+gap)+gap, rows*(s.H+gap)+gap))
	for i := range canvas.Pix {
		canvas.Pix[i] = 255
	}

	plane := s.H * s.W
	for k, img := range images {
		if img.Shape != s || len(img.Pix) != s.Size() {
			return fmt.Errorf("grid: image %d has shape %v and %d values, want shape %v like image 0", k, img.Shape, len(img.Pix), s)
		}
		x0 := gap + (k%cols)*(s.W+gap)
		y0 := gap + (k/cols)*(s.H+gap)
		for y := 0; y < s.H; y++ {
			for x := 0; x < s.W; x++ {
				var rgb [3]uint8
				for c := range rgb {
					v := img.Pix[min(c, s.C-1)*plane+y*s.W+x]
					rgb[c] = uint8(min(max(v, 0), 1)*255 + 0.5)
				}
				canvas.SetRGBA(x0+x, y0+y, color.RGBA{rgb[0], rgb[1], rgb[2], 255})
			}
		}
	}
	return png.Encode(w, canvas)
}
