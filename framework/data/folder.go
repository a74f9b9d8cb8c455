package data

import (
	"fmt"
	"image"
	_ "image/jpeg" // registers the JPEG decoder for image.Decode
	_ "image/png"  // registers the PNG decoder for image.Decode
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ImageFolder is a dataset of PNG or JPEG files laid out one sub-folder per
// class (the ImageNet layout): root/<class>/<file>. Labels follow the sorted
// class folder names. Files are decoded on each Sample call, so the dataset
// holds only the file list in memory.
type ImageFolder struct {
	Root      string
	Files     []string // path of sample i
	Targets   []int    // label of sample i
	ClassList []string
	size      int // output side; every sample is 3×size×size
}

var _ Dataset = (*ImageFolder)(nil)

// LoadImageFolder lists root's class folders and their images. Each image is
// delivered as 3×size×size RGB. It is resized so that its shorter side is
// size (bilinear), then centre-cropped, and grey images are repeated over
// the three channels. With size 0, every image must have the size of the first one,
// and that size is used unchanged (it must be square).
//
// Every file in a class folder must be a readable PNG or JPEG, checked from
// its header when listing; any other file is an error that names it. Names
// starting with "." are skipped. Files directly under root are ignored.
func LoadImageFolder(root string, size int) (*ImageFolder, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("imagefolder: %w", err)
	}
	ds := &ImageFolder{Root: root, size: size}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			ds.ClassList = append(ds.ClassList, e.Name())
		}
	}
	sort.Strings(ds.ClassList)
	if len(ds.ClassList) == 0 {
		return nil, fmt.Errorf("imagefolder: %s has no class sub-folders: lay the images out as %s/<class>/<image>.png", root, root)
	}

	firstW, firstH := 0, 0
	for label, class := range ds.ClassList {
		dir := filepath.Join(root, class)
		files, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("imagefolder: %w", err)
		}
		for _, f := range files {
			if strings.HasPrefix(f.Name(), ".") {
				continue
			}
			p := filepath.Join(dir, f.Name())
			if f.IsDir() {
				return nil, fmt.Errorf("imagefolder: %s is a folder inside class folder %s: class folders must contain only image files; move it out", p, class)
			}
			w, h, err := imageHeader(p)
			if err != nil {
				return nil, err
			}
			if len(ds.Files) == 0 {
				firstW, firstH = w, h
			}
			if size == 0 && (w != firstW || h != firstH) {
				return nil, fmt.Errorf("imagefolder: %s is %d×%d but %s is %d×%d: pass a size to resize every image", p, w, h, ds.Files[0], firstW, firstH)
			}
			ds.Files = append(ds.Files, p)
			ds.Targets = append(ds.Targets, label)
		}
	}
	if len(ds.Files) == 0 {
		return nil, fmt.Errorf("imagefolder: the class folders under %s contain no images", root)
	}
	if size == 0 {
		if firstW != firstH {
			return nil, fmt.Errorf("imagefolder: the images under %s are %d×%d, not square: pass a size to resize and centre-crop them", root, firstW, firstH)
		}
		ds.size = firstW
	}
	return ds, nil
}

// imageHeader returns the width and height of a PNG or JPEG file from its header.
func imageHeader(path string) (w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("imagefolder: %w", err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return 0, 0, fmt.Errorf("imagefolder: %s is not a readable PNG or JPEG file (%v): remove it from the class folder or replace it", path, err)
	}
	if format != "png" && format != "jpeg" {
		return 0, 0, fmt.Errorf("imagefolder: %s is a %s file, want PNG or JPEG: convert it or remove it", path, format)
	}
	return cfg.Width, cfg.Height, nil
}

func (d *ImageFolder) Len() int          { return len(d.Files) }
func (d *ImageFolder) Shape() Shape      { return Shape{T: 1, C: 3, H: d.size, W: d.size} }
func (d *ImageFolder) Label(i int) int   { return d.Targets[i] }
func (d *ImageFolder) Classes() []string { return d.ClassList }

// Sample decodes file i and writes it as [3, size, size] in [0, 1] into dst.
func (d *ImageFolder) Sample(i int, dst []float32) error {
	if err := checkDst("imagefolder", d.Shape(), dst); err != nil {
		return err
	}
	f, err := os.Open(d.Files[i])
	if err != nil {
		return fmt.Errorf("imagefolder: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("imagefolder: %s: decoding failed (%v): replace or remove the file", d.Files[i], err)
	}
	rgb := toPlanar(img)
	resizeCentreCrop(rgb, d.size, dst)
	return nil
}

// planar is an RGB image with layout [3, H, W] in [0, 1].
type planar struct {
	H, W int
	Pix  []float32
}

func toPlanar(img image.Image) planar {
	b := img.Bounds()
	p := planar{H: b.Dy(), W: b.Dx()}
	p.Pix = make([]float32, 3*p.H*p.W)
	plane := p.H * p.W
	for y := 0; y < p.H; y++ {
		for x := 0; x < p.W; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			k := y*p.W + x
			p.Pix[k] = float32(r) / 65535
			p.Pix[plane+k] = float32(g) / 65535
			p.Pix[2*plane+k] = float32(bl) / 65535
		}
	}
	return p
}

// resizeCentreCrop scales src so that its shorter side is size (bilinear,
// pixel centres aligned), then writes the central size×size square to dst.
func resizeCentreCrop(src planar, size int, dst []float32) {
	scale := float64(size) / float64(min(src.H, src.W))
	outH := max(size, int(float64(src.H)*scale+0.5))
	outW := max(size, int(float64(src.W)*scale+0.5))
	top, left := (outH-size)/2, (outW-size)/2
	plane := src.H * src.W
	for c := 0; c < 3; c++ {
		srcPlane := src.Pix[c*plane : (c+1)*plane]
		for y := 0; y < size; y++ {
			sy := (float64(y+top)+0.5)*float64(src.H)/float64(outH) - 0.5
			for x := 0; x < size; x++ {
				sx := (float64(x+left)+0.5)*float64(src.W)/float64(outW) - 0.5
				dst[(c*size+y)*size+x] = Bilinear(srcPlane, src.H, src.W, sy, sx)
			}
		}
	}
}

// Bilinear samples a row-major h×w plane at the fractional position (y, x),
// where integer positions are pixel centres. Positions outside the plane
// take the value of the nearest edge pixel.
func Bilinear(plane []float32, h, w int, y, x float64) float32 {
	y = min(max(y, 0), float64(h-1))
	x = min(max(x, 0), float64(w-1))
	y0, x0 := int(y), int(x)
	y1, x1 := min(y0+1, h-1), min(x0+1, w-1)
	fy, fx := float32(y-float64(y0)), float32(x-float64(x0))
	top := plane[y0*w+x0]*(1-fx) + plane[y0*w+x1]*fx
	bottom := plane[y1*w+x0]*(1-fx) + plane[y1*w+x1]*fx
	return top*(1-fy) + bottom*fy
}
