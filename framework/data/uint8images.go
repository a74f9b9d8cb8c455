package data

import "fmt"

// Uint8Images is an in-memory dataset of 8-bit images, the form CIFAR-10 and
// MNIST are stored in. Pix holds the samples one after another, each with
// layout [C, H, W]; Sample converts a value v to v/255.
type Uint8Images struct {
	Name      string // dataset name used in error messages, e.g. "cifar10"
	C, H, W   int
	Pix       []uint8 // [N, C, H, W]
	Labels    []uint8 // [N]
	ClassList []string
}

var _ Dataset = (*Uint8Images)(nil)

func (d *Uint8Images) Len() int          { return len(d.Labels) }
func (d *Uint8Images) Shape() Shape      { return Shape{T: 1, C: d.C, H: d.H, W: d.W} }
func (d *Uint8Images) Label(i int) int   { return int(d.Labels[i]) }
func (d *Uint8Images) Classes() []string { return d.ClassList }

// Sample writes image i, scaled to [0, 1], into dst ([C, H, W]).
func (d *Uint8Images) Sample(i int, dst []float32) error {
	if i < 0 || i >= d.Len() {
		return fmt.Errorf("%s: sample index %d is outside 0…%d", d.Name, i, d.Len()-1)
	}
	if err := checkDst(d.Name, d.Shape(), dst); err != nil {
		return err
	}
	size := d.C * d.H * d.W
	src := d.Pix[i*size : (i+1)*size]
	for k, v := range src {
		dst[k] = u8ToFloat[v]
	}
	return nil
}

// Bytes returns the raw pixels of image i ([C, H, W], 0…255), sharing storage.
func (d *Uint8Images) Bytes(i int) []uint8 {
	size := d.C * d.H * d.W
	return d.Pix[i*size : (i+1)*size]
}

// Padded returns a copy of d whose images are centred on a size×size
// canvas of zeros, e.g. MNIST's 28×28 digits on the 32×32 canvas that
// CIFAR-sized networks expect. size must be at least H and W.
func (d *Uint8Images) Padded(size int) (*Uint8Images, error) {
	if size < d.H || size < d.W {
		return nil, fmt.Errorf("%s: pad size %d is smaller than the %d×%d images: pass a size of at least %d", d.Name, size, d.H, d.W, max(d.H, d.W))
	}
	top, left := (size-d.H)/2, (size-d.W)/2
	out := &Uint8Images{Name: d.Name, C: d.C, H: size, W: size, Labels: d.Labels, ClassList: d.ClassList}
	out.Pix = make([]uint8, d.Len()*d.C*size*size)
	for i := 0; i < d.Len(); i++ {
		src := d.Bytes(i)
		dst := out.Bytes(i)
		for c := 0; c < d.C; c++ {
			for y := 0; y < d.H; y++ {
				srcRow := src[(c*d.H+y)*d.W : (c*d.H+y+1)*d.W]
				copy(dst[(c*size+top+y)*size+left:], srcRow)
			}
		}
	}
	return out, nil
}

// u8ToFloat maps a byte v to v/255.
var u8ToFloat = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(v) / 255
	}
	return t
}()
