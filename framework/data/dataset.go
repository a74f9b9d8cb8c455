package data

import "fmt"

// Shape is the shape of one sample, [T, C, H, W]: T time steps (1 for a
// static image), C channels, H rows and W columns.
type Shape struct {
	T, C, H, W int
}

// Size returns the number of float32 values in a sample of this shape.
func (s Shape) Size() int { return s.T * s.C * s.H * s.W }

// String formats the shape as [T, C, H, W], or [C, H, W] when T is 1.
func (s Shape) String() string {
	if s.T == 1 {
		return fmt.Sprintf("[%d, %d, %d]", s.C, s.H, s.W)
	}
	return fmt.Sprintf("[%d, %d, %d, %d]", s.T, s.C, s.H, s.W)
}

// Image is one sample: Pix has layout [T, C, H, W] in row-major order and
// length Shape.Size().
type Image struct {
	Shape
	Pix []float32
}

// NewImage allocates a zero image of shape s.
func NewImage(s Shape) Image { return Image{Shape: s, Pix: make([]float32, s.Size())} }

// Dataset is an indexed collection of labelled samples of one fixed shape.
//
// Sample writes sample i into dst, which must have length Shape().Size();
// image values are in [0, 1]. Label returns the class of sample i, in
// 0 … NumClasses-1. Implementations in this package are safe for concurrent
// use by several goroutines as long as each passes its own dst.
type Dataset interface {
	Len() int
	Shape() Shape
	Label(i int) int
	Sample(i int, dst []float32) error
}

// Classer is implemented by datasets that know their class names; name i is
// the name of label i.
type Classer interface {
	Classes() []string
}

// Get reads sample i of ds into a new Image and returns it with its label.
func Get(ds Dataset, i int) (Image, int, error) {
	img := NewImage(ds.Shape())
	if err := ds.Sample(i, img.Pix); err != nil {
		return Image{}, 0, err
	}
	return img, ds.Label(i), nil
}

// Labels returns the labels of every sample of ds, in index order.
func Labels(ds Dataset) []int {
	labels := make([]int, ds.Len())
	for i := range labels {
		labels[i] = ds.Label(i)
	}
	return labels
}

// ClassCounts returns how many samples carry each label 0 … numClasses-1.
// Labels outside that range are not counted.
func ClassCounts(labels []int, numClasses int) []int {
	counts := make([]int, numClasses)
	for _, l := range labels {
		if l >= 0 && l < numClasses {
			counts[l]++
		}
	}
	return counts
}

// Subset is a view of Parent restricted to the samples Indices, in that
// order. It shares the parent's storage.
type Subset struct {
	Parent  Dataset
	Indices []int
}

// NewSubset returns the view of ds restricted to indices, after checking
// that every index is in range.
func NewSubset(ds Dataset, indices []int) (*Subset, error) {
	n := ds.Len()
	for k, i := range indices {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("data: subset index %d (position %d) is outside the dataset's 0…%d: pass indices from this dataset", i, k, n-1)
		}
	}
	return &Subset{Parent: ds, Indices: indices}, nil
}

func (s *Subset) Len() int                          { return len(s.Indices) }
func (s *Subset) Shape() Shape                      { return s.Parent.Shape() }
func (s *Subset) Label(i int) int                   { return s.Parent.Label(s.Indices[i]) }
func (s *Subset) Sample(i int, dst []float32) error { return s.Parent.Sample(s.Indices[i], dst) }

// Classes returns the parent's class names, or nil if it has none.
func (s *Subset) Classes() []string {
	if c, ok := s.Parent.(Classer); ok {
		return c.Classes()
	}
	return nil
}

// checkDst returns an error unless dst has room for exactly one sample of shape s.
func checkDst(name string, s Shape, dst []float32) error {
	if len(dst) != s.Size() {
		return fmt.Errorf("%s: destination has %d values, want %d for one sample of shape %v", name, len(dst), s.Size(), s)
	}
	return nil
}
