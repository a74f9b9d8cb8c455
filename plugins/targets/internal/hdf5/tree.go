package hdf5

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is the value class of a dataset.
type Kind int

// Dataset value classes.
const (
	Int    Kind = iota // signed or unsigned integers, in Dataset.Ints
	Float              // floating point, in Dataset.Floats
	String             // fixed- or variable-length strings, in Dataset.Strings
	Bool               // h5py booleans (an enumeration FALSE=0, TRUE=1), in Dataset.Ints as 0 or 1
)

// Dataset is one HDF5 dataset read into memory, or to be written.
//
// Shape is empty for a scalar. Values are stored row-major in the slice
// that matches Kind: Ints for Int and Bool, Floats for Float, Strings for
// String. DType names the stored type the way numpy does: "int64",
// "uint8", "float32", "S10" (fixed-length string of 10 bytes), "string"
// (variable-length) or "bool".
type Dataset struct {
	Kind    Kind
	DType   string
	Shape   []int
	Ints    []int64
	Floats  []float64
	Strings []string

	// Filters lists the filters the stored data passed through, for
	// example "deflate"; empty for contiguous or unfiltered data.
	Filters []string

	// ElemSize is the stored size of one element in bytes; 0 means the
	// writer derives it from DType.
	ElemSize int
}

// Len returns the number of elements, 1 for a scalar.
func (d *Dataset) Len() int {
	n := 1
	for _, s := range d.Shape {
		n *= s
	}
	return n
}

// FloatValues returns the values as float64, converting integers and
// booleans. It fails for strings.
func (d *Dataset) FloatValues() ([]float64, error) {
	switch d.Kind {
	case Float:
		return d.Floats, nil
	case Int, Bool:
		out := make([]float64, len(d.Ints))
		for i, v := range d.Ints {
			out[i] = float64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("dataset of type %s holds strings, want numbers", d.DType)
}

// IntValues returns the values as int64. Floats must hold integers exactly;
// use FloatValues and convert explicitly where truncation is intended.
func (d *Dataset) IntValues() ([]int64, error) {
	switch d.Kind {
	case Int, Bool:
		return d.Ints, nil
	case Float:
		out := make([]int64, len(d.Floats))
		for i, v := range d.Floats {
			if v != float64(int64(v)) {
				return nil, fmt.Errorf("dataset of type %s holds the non-integer value %v at index %d, want integers", d.DType, v, i)
			}
			out[i] = int64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("dataset of type %s holds strings, want integers", d.DType)
}

// Group is an HDF5 group: named sub-groups and datasets.
type Group struct {
	Groups   map[string]*Group
	Datasets map[string]*Dataset
}

// NewGroup returns an empty group.
func NewGroup() *Group {
	return &Group{Groups: map[string]*Group{}, Datasets: map[string]*Dataset{}}
}

// Names returns the names of all members, sub-groups and datasets, in byte
// order (the order HDF5 stores them in).
func (g *Group) Names() []string {
	names := make([]string, 0, len(g.Groups)+len(g.Datasets))
	for n := range g.Groups {
		names = append(names, n)
	}
	for n := range g.Datasets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Group returns the sub-group at the slash-separated path, creating missing
// groups on the way. It fails if a dataset occupies part of the path.
func (g *Group) Group(path string) (*Group, error) {
	cur := g
	for _, part := range splitPath(path) {
		if _, ok := cur.Datasets[part]; ok {
			return nil, fmt.Errorf("group %q: %q is a dataset", path, part)
		}
		next, ok := cur.Groups[part]
		if !ok {
			next = NewGroup()
			cur.Groups[part] = next
		}
		cur = next
	}
	return cur, nil
}

// Lookup returns the group at a slash-separated path, or nil.
func (g *Group) Lookup(path string) *Group {
	cur := g
	for _, part := range splitPath(path) {
		cur = cur.Groups[part]
		if cur == nil {
			return nil
		}
	}
	return cur
}

// Dataset returns the dataset at a slash-separated path, or nil.
func (g *Group) Dataset(path string) *Dataset {
	parts := splitPath(path)
	if len(parts) == 0 {
		return nil
	}
	parent := g.Lookup(strings.Join(parts[:len(parts)-1], "/"))
	if parent == nil {
		return nil
	}
	return parent.Datasets[parts[len(parts)-1]]
}

// Put stores d under the slash-separated path, creating parent groups.
func (g *Group) Put(path string, d *Dataset) error {
	parts := splitPath(path)
	if len(parts) == 0 {
		return fmt.Errorf("put dataset: empty path")
	}
	parent, err := g.Group(strings.Join(parts[:len(parts)-1], "/"))
	if err != nil {
		return err
	}
	name := parts[len(parts)-1]
	if _, ok := parent.Groups[name]; ok {
		return fmt.Errorf("put dataset %q: a group of that name exists", path)
	}
	parent.Datasets[name] = d
	return nil
}

func splitPath(path string) []string {
	var parts []string
	for _, p := range strings.Split(path, "/") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// Int64s returns an int64 dataset of the given shape (none for a scalar).
func Int64s(v []int64, shape ...int) *Dataset {
	return &Dataset{Kind: Int, DType: "int64", Shape: shape, Ints: v}
}

// Int64 returns an int64 scalar dataset.
func Int64(v int64) *Dataset { return Int64s([]int64{v}) }

// Int32s returns an int32 dataset of the given shape.
func Int32s(v []int64, shape ...int) *Dataset {
	return &Dataset{Kind: Int, DType: "int32", Shape: shape, Ints: v}
}

// Float32s returns a float32 dataset of the given shape. Values are rounded
// to float32 when written.
func Float32s(v []float64, shape ...int) *Dataset {
	return &Dataset{Kind: Float, DType: "float32", Shape: shape, Floats: v}
}

// Float64s returns a float64 dataset of the given shape.
func Float64s(v []float64, shape ...int) *Dataset {
	return &Dataset{Kind: Float, DType: "float64", Shape: shape, Floats: v}
}

// Float64 returns a float64 scalar dataset.
func Float64(v float64) *Dataset { return Float64s([]float64{v}) }

// FixedStrings returns a fixed-length, null-padded ASCII string dataset
// with size bytes per string ("S<size>" in numpy).
func FixedStrings(v []string, size int, shape ...int) *Dataset {
	return &Dataset{Kind: String, DType: fmt.Sprintf("S%d", size), Shape: shape, Strings: v, ElemSize: size}
}

// FixedString returns a scalar fixed-length ASCII string just long enough
// for s.
func FixedString(s string) *Dataset {
	size := len(s)
	if size == 0 {
		size = 1
	}
	return FixedStrings([]string{s}, size)
}

// Bools returns an h5py-style boolean dataset.
func Bools(v []bool, shape ...int) *Dataset {
	ints := make([]int64, len(v))
	for i, b := range v {
		if b {
			ints[i] = 1
		}
	}
	return &Dataset{Kind: Bool, DType: "bool", Shape: shape, Ints: ints}
}
