package data

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeImage writes a w×h image filled with c as PNG or JPEG.
func writeImage(t *testing.T, path string, w, h int, c color.RGBA) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, c)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".png") {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 100})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func makeFolder(t *testing.T) string {
	root := t.TempDir()
	for _, class := range []string{"dog", "cat"} {
		if err := os.Mkdir(filepath.Join(root, class), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeImage(t, filepath.Join(root, "cat", "a.png"), 8, 8, color.RGBA{255, 0, 0, 255})
	writeImage(t, filepath.Join(root, "cat", "b.jpg"), 16, 12, color.RGBA{0, 0, 255, 255})
	writeImage(t, filepath.Join(root, "dog", "c.png"), 6, 10, color.RGBA{0, 255, 0, 255})
	return root
}

func TestImageFolderLabelsAndPixels(t *testing.T) {
	root := makeFolder(t)
	ds, err := LoadImageFolder(root, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Classes(), []string{"cat", "dog"}) || !slices.Equal(Labels(ds), []int{0, 0, 1}) {
		t.Fatalf("classes %v labels %v, want [cat dog] [0 0 1]", ds.Classes(), Labels(ds))
	}
	if ds.Shape() != (Shape{1, 3, 4, 4}) {
		t.Fatalf("shape %v, want [3, 4, 4]", ds.Shape())
	}
	wantColour := [][3]float64{{1, 0, 0}, {0, 0, 1}, {0, 1, 0}}
	for i := range 3 {
		img, _, err := Get(ds, i)
		if err != nil {
			t.Fatal(err)
		}
		for c := range 3 {
			for k := 0; k < 16; k++ {
				// JPEG colour conversion moves pure colours by a few levels.
				if v := float64(img.Pix[c*16+k]); math.Abs(v-wantColour[i][c]) > 0.03 {
					t.Fatalf("image %d channel %d value %d = %v, want %v", i, c, k, v, wantColour[i][c])
				}
			}
		}
	}
}

func TestImageFolderNonImageFile(t *testing.T) {
	root := makeFolder(t)
	bad := filepath.Join(root, "dog", "notes.txt")
	if err := os.WriteFile(bad, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadImageFolder(root, 4)
	if err == nil {
		t.Fatal("folder with a text file loaded without error")
	}
	if !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "remove it") {
		t.Errorf("error %q does not name %s and the fix", err, bad)
	}
}

func TestImageFolderMixedSizesNeedSize(t *testing.T) {
	if _, err := LoadImageFolder(makeFolder(t), 0); err == nil {
		t.Error("images of different sizes loaded with size 0, want an error asking for a size")
	}
}
