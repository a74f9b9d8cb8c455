package wire

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/snnlab/snnlab/framework"
)

// DescribeRequest is the request for a plugin's declarations.
type DescribeRequest struct{}

// DescribeResponse declares a plugin: its name and version, for run
// records, and the neurons it provides.
type DescribeResponse struct {
	Protocol int          `json:"protocol"` // ProtocolVersion the plugin was built with
	Plugin   string       `json:"plugin"`
	Version  string       `json:"version"`
	Neurons  []NeuronSpec `json:"neurons"`
}

// NeuronSpec declares one neuron: the name scripts use, a one-line doc and
// its options.
type NeuronSpec struct {
	Name    string   `json:"name"`
	Doc     string   `json:"doc"`
	Options []Option `json:"options"`
}

// Option is framework.OptionSpec in a form JSON can carry: the kind by
// name and each bound as a pointer, nil for no bound, because JSON has no
// NaN.
type Option struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Default any      `json:"default"`
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	MinOpen bool     `json:"min_open,omitempty"`
	MaxOpen bool     `json:"max_open,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	Doc     string   `json:"doc,omitempty"`
}

// OptionFrom converts an option declaration for the wire.
func OptionFrom(s framework.OptionSpec) Option {
	bound := func(x float64) *float64 {
		if math.IsNaN(x) {
			return nil
		}
		return &x
	}
	o := Option{Name: s.Name, Kind: s.Kind.String(), Default: s.Default, MinOpen: s.MinOpen, MaxOpen: s.MaxOpen,
		Choices: s.Choices, Unit: s.Unit, Doc: s.Doc}
	if s.Kind == framework.Float || s.Kind == framework.Int {
		o.Min, o.Max = bound(s.Min), bound(s.Max)
	}
	return o
}

// Spec converts the option back into a declaration, restoring the
// default's Go type, which JSON turns into float64 for every number.
func (o Option) Spec() (framework.OptionSpec, error) {
	s := framework.OptionSpec{Name: o.Name, Min: framework.Unbounded, Max: framework.Unbounded, MinOpen: o.MinOpen,
		MaxOpen: o.MaxOpen, Choices: o.Choices, Unit: o.Unit, Doc: o.Doc}
	if o.Min != nil {
		s.Min = *o.Min
	}
	if o.Max != nil {
		s.Max = *o.Max
	}
	var ok bool
	switch o.Kind {
	case "float":
		s.Kind = framework.Float
		s.Default, ok = o.Default.(float64)
	case "int":
		s.Kind = framework.Int
		var x float64
		x, ok = o.Default.(float64)
		ok = ok && x == math.Trunc(x)
		s.Default = int(x)
	case "bool":
		s.Kind = framework.Bool
		s.Default, ok = o.Default.(bool)
	case "choice":
		s.Kind = framework.Choice
		s.Default, ok = o.Default.(string)
	default:
		return s, fmt.Errorf("option %q has kind %q; want float, int, bool or choice", o.Name, o.Kind)
	}
	if !ok {
		return s, fmt.Errorf("option %q: default %v (%T) does not match its kind %s", o.Name, o.Default, o.Default, o.Kind)
	}
	return s, nil
}

// CreateRequest is the request for one neuron of a declared kind, with
// option values by name. Options left out take their defaults.
type CreateRequest struct {
	Neuron  string         `json:"neuron"`
	Options map[string]any `json:"options"`
}

// CreateResponse returns the handle of a new neuron and its learnable
// parameters.
type CreateResponse struct {
	Handle uint64                `json:"handle"`
	Params []framework.ParamSpec `json:"params"`
}

// Span locates one float32 tensor in a call's buffer: Offset is in bytes
// from the buffer's start and a multiple of 4; Len counts float32 elements.
type Span struct {
	Offset int64 `json:"offset"`
	Len    int   `json:"len"`
}

// End returns the byte offset just past the span.
func (s Span) End() int64 { return s.Offset + 4*int64(s.Len) }

// Region names a call's buffer: Size bytes at byte Offset of the
// shared-memory file Name. An empty Name means the buffer travels inline:
// the request's Inline holds its first bytes (the inputs) and the
// response's Inline its last bytes (the outputs).
type Region struct {
	Name   string `json:"name,omitempty"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
}

// CallRequest is one Forward or Backward call of a neuron. The host lays
// every input tensor out before every output tensor in the buffer, so the
// inputs form the buffer's first bytes.
type CallRequest struct {
	Handle uint64 `json:"handle"`
	Path   int    `json:"path"` // framework.Path
	T      int    `json:"T"`
	Region Region `json:"region"`

	// In locates the input tensors: for Forward the input current I [T, N]
	// and each parameter; for Backward those, then ∂L/∂O [T, N].
	In []Span `json:"in"`

	// Out locates where the plugin writes: for Forward the output O
	// [T, N]; for Backward ∂L/∂I [T, N], then ∂L/∂param for each parameter.
	Out []Span `json:"out"`

	// Drop lists shared-memory files the host no longer uses; the plugin
	// unmaps them.
	Drop []string `json:"drop,omitempty"`

	// Inline holds the buffer's first bytes when Region.Name is empty.
	Inline []byte `json:"-"`
}

// CallResponse reports where the plugin wrote each output tensor; the host
// checks it against the request's Out before reading anything.
type CallResponse struct {
	Out []Span `json:"out"`

	// InlineOffset is the buffer offset of Inline's first byte.
	InlineOffset int64 `json:"inline_offset,omitempty"`

	// Inline holds the buffer's bytes from InlineOffset to its end when
	// the call travels inline.
	Inline []byte `json:"-"`
}

func (r *CallRequest) inline() []byte      { return r.Inline }
func (r *CallRequest) setInline(b []byte)  { r.Inline = b }
func (r *CallResponse) inline() []byte     { return r.Inline }
func (r *CallResponse) setInline(b []byte) { r.Inline = b }

// Floats returns the float32 tensor at s inside buf, sharing buf's memory.
// It fails when s lies outside buf or is not 4-byte aligned.
func Floats(buf []byte, s Span) ([]float32, error) {
	if s.Len < 0 || s.Offset < 0 || s.Offset%4 != 0 || s.End() > int64(len(buf)) {
		return nil, fmt.Errorf("tensor at byte %d with %d elements does not fit a %d-byte buffer at 4-byte alignment", s.Offset, s.Len, len(buf))
	}
	if s.Len == 0 {
		return []float32{}, nil
	}
	p := unsafe.Pointer(&buf[s.Offset])
	if uintptr(p)%4 != 0 {
		return nil, fmt.Errorf("tensor at byte %d: the buffer is not 4-byte aligned", s.Offset)
	}
	return unsafe.Slice((*float32)(p), s.Len), nil
}

// Layout places tensors of the given element counts one after another from
// byte offset start and returns their spans and the offset past the last.
func Layout(start int64, lens ...int) ([]Span, int64) {
	spans := make([]Span, len(lens))
	off := start
	for i, n := range lens {
		spans[i] = Span{Offset: off, Len: n}
		off += 4 * int64(n)
	}
	return spans, off
}
