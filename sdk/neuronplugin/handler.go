package neuronplugin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/pluginhost/wire"
)

// NewHandler returns the protocol handler that Serve runs for p. Plugins
// call Serve; NewHandler is for tests and for programs that wrap the
// handler, for example to inject faults.
func NewHandler(p Plugin) (wire.Handler, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	h := &handler{plugin: p, byName: map[string]Neuron{}, neurons: map[uint64]framework.Neuron{}, regions: map[string][]byte{}}
	for _, n := range p.Neurons {
		h.byName[strings.ToLower(n.Spec.Name)] = n
	}
	return h, nil
}

// handler serves the declared neurons. It keeps the neurons it created by
// handle and the shared-memory files it mapped by name; both are guarded by
// mu, and calls run concurrently.
type handler struct {
	plugin Plugin
	byName map[string]Neuron

	mu      sync.Mutex
	next    uint64
	neurons map[uint64]framework.Neuron
	regions map[string][]byte
}

func (h *handler) Describe(context.Context, *wire.DescribeRequest) (*wire.DescribeResponse, error) {
	resp := &wire.DescribeResponse{Protocol: wire.ProtocolVersion, Plugin: h.plugin.Name, Version: h.plugin.Version}
	for _, n := range h.plugin.Neurons {
		spec := wire.NeuronSpec{Name: n.Spec.Name, Doc: n.Spec.Doc}
		for _, o := range n.Spec.Options {
			spec.Options = append(spec.Options, wire.OptionFrom(o))
		}
		resp.Neurons = append(resp.Neurons, spec)
	}
	return resp, nil
}

func (h *handler) Create(_ context.Context, req *wire.CreateRequest) (resp *wire.CreateResponse, err error) {
	decl, ok := h.byName[strings.ToLower(req.Neuron)]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "plugin %q has no neuron %q", h.plugin.Name, req.Neuron)
	}
	opts, err := framework.ResolveOptions(fmt.Sprintf("neuron %q", decl.Spec.Name), decl.Spec.Options, req.Options)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	defer recoverCall(decl.Spec.Name, "New", &err)
	n, err := decl.New(opts)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "neuron %q: %v", decl.Spec.Name, err)
	}

	h.mu.Lock()
	h.next++
	handle := h.next
	h.neurons[handle] = n
	h.mu.Unlock()
	return &wire.CreateResponse{Handle: handle, Params: n.Params()}, nil
}

func (h *handler) Forward(_ context.Context, req *wire.CallRequest) (*wire.CallResponse, error) {
	return h.call(req, false)
}

func (h *handler) Backward(_ context.Context, req *wire.CallRequest) (*wire.CallResponse, error) {
	return h.call(req, true)
}

// call runs one Forward or Backward call on the buffer the request names.
func (h *handler) call(req *wire.CallRequest, backward bool) (resp *wire.CallResponse, err error) {
	h.drop(req.Drop)
	h.mu.Lock()
	n, ok := h.neurons[req.Handle]
	h.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "plugin %q has no neuron with handle %d", h.plugin.Name, req.Handle)
	}

	buf, err := h.buffer(req)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	ins, err := floats(buf, req.In, "input")
	if err != nil {
		return nil, err
	}
	outs, err := floats(buf, req.Out, "output")
	if err != nil {
		return nil, err
	}
	nparams := len(n.Params())
	wantIn, wantOut := 1+nparams, 1
	if backward {
		wantIn, wantOut = 2+nparams, 1+nparams
	}
	if len(ins) != wantIn || len(outs) != wantOut {
		return nil, status.Errorf(codes.InvalidArgument, "call has %d input and %d output tensors, want %d and %d for a neuron with %d parameters",
			len(ins), len(outs), wantIn, wantOut, nparams)
	}

	call := framework.NeuronCall{Path: framework.Path(req.Path), T: req.T, Input: ins[0], Params: ins[1 : 1+nparams]}
	if err := run(n, call, ins, outs, backward); err != nil {
		if _, ok := status.FromError(err); ok {
			return nil, err // a recovered panic
		}
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}

	resp = &wire.CallResponse{Out: req.Out}
	if req.Region.Name == "" {
		start := req.Out[0].Offset
		for _, s := range req.Out {
			start = min(start, s.Offset)
		}
		resp.InlineOffset, resp.Inline = start, buf[start:]
	}
	return resp, nil
}

// run calls the neuron, turning a panic into an error.
func run(n framework.Neuron, call framework.NeuronCall, ins, outs [][]float32, backward bool) (err error) {
	if backward {
		defer recoverCall("", "Backward", &err)
		return n.Backward(call, ins[len(ins)-1], outs[0], outs[1:])
	}
	defer recoverCall("", "Forward", &err)
	return n.Forward(call, outs[0])
}

func recoverCall(neuron, method string, err *error) {
	if r := recover(); r != nil {
		who := "the neuron"
		if neuron != "" {
			who = fmt.Sprintf("neuron %q", neuron)
		}
		fmt.Fprintf(os.Stderr, "%s panicked in %s: %v\n%s", who, method, r, debug.Stack())
		*err = status.Errorf(codes.Aborted, "%s panicked in %s: %v", who, method, r)
	}
}

func floats(buf []byte, spans []wire.Span, what string) ([][]float32, error) {
	out := make([][]float32, len(spans))
	for i, s := range spans {
		f, err := wire.Floats(buf, s)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "%s tensor %d: %v", what, i, err)
		}
		out[i] = f
	}
	return out, nil
}

// buffer returns the request's buffer: a window of a mapped shared-memory
// file, or a fresh slice holding the inline bytes.
func (h *handler) buffer(req *wire.CallRequest) ([]byte, error) {
	r := req.Region
	if r.Size < 0 || r.Offset < 0 {
		return nil, fmt.Errorf("region %q: invalid offset %d or size %d", r.Name, r.Offset, r.Size)
	}
	if r.Name == "" {
		if int64(len(req.Inline)) > r.Size {
			return nil, fmt.Errorf("inline call: %d bytes of data for a %d-byte buffer", len(req.Inline), r.Size)
		}
		buf := make([]byte, r.Size)
		copy(buf, req.Inline)
		return buf, nil
	}
	m, err := h.mapped(r.Name)
	if err != nil {
		return nil, err
	}
	if r.Offset+r.Size > int64(len(m)) {
		return nil, fmt.Errorf("region %s: bytes [%d, %d) lie outside its %d bytes", r.Name, r.Offset, r.Offset+r.Size, len(m))
	}
	return m[r.Offset : r.Offset+r.Size], nil
}

// mapped returns the mapping of a shared-memory file, mapping it on first
// use. Only files the host names with the "snnlab-" prefix are mapped.
func (h *handler) mapped(name string) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m, ok := h.regions[name]; ok {
		return m, nil
	}
	if !filepath.IsAbs(name) || !strings.HasPrefix(filepath.Base(name), "snnlab-") {
		return nil, fmt.Errorf("region %q is not an absolute path to a snnlab shared-memory file", name)
	}
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("opening shared memory: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("opening shared memory: %w", err)
	}
	m, err := wire.Map(f, info.Size())
	if err != nil {
		return nil, err
	}
	h.regions[name] = m
	return m, nil
}

// drop unmaps files the host has discarded.
func (h *handler) drop(names []string) {
	if len(names) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, name := range names {
		if m, ok := h.regions[name]; ok {
			_ = wire.Unmap(m)
			delete(h.regions, name)
		}
	}
}
