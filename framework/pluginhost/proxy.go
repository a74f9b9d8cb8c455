package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/pluginhost/wire"
)

// newNeuron creates one neuron of the declared kind name in the plugin.
func (p *Plugin) newNeuron(name string, o framework.Options) (framework.Neuron, error) {
	if err := p.broken(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.CallTimeout)
	defer cancel()
	resp, err := p.rpc.Create(ctx, &wire.CreateRequest{Neuron: name, Options: o.Map()})
	if err != nil {
		return nil, p.callError(name, "Create", ctx, err)
	}
	for _, s := range resp.Params {
		if s.Size < 1 {
			return nil, p.fail(fmt.Errorf("plugin %s: neuron %q declares parameter %q with %d elements, want at least 1; the plugin was stopped",
				p.binary.Path, name, s.Name, s.Size))
		}
	}
	return &neuron{plugin: p, name: name, handle: resp.Handle, params: resp.Params}, nil
}

// neuron is a framework.Neuron whose calls run in a plugin process. It
// keeps no mutable state of its own, so it is safe for concurrent use.
type neuron struct {
	plugin *Plugin
	name   string
	handle uint64
	params []framework.ParamSpec
}

var _ framework.Neuron = (*neuron)(nil)

// Params returns the parameters the plugin declared for this neuron.
func (n *neuron) Params() []framework.ParamSpec {
	return append([]framework.ParamSpec(nil), n.params...)
}

// Forward runs the call in the plugin and writes its output into out.
func (n *neuron) Forward(call framework.NeuronCall, out []float32) error {
	if err := call.Validate(n.params); err != nil {
		return n.errorf("%v", err)
	}
	if len(out) != len(call.Input) {
		return n.errorf("neuron output buffer has %d elements, want %d ([T=%d, N=%d])", len(out), len(call.Input), call.T, call.N())
	}
	ins := append([][]float32{call.Input}, call.Params...)
	return n.run("Forward", call, ins, [][]float32{out}, []string{"output"})
}

// Backward runs the call's backward pass in the plugin and writes ∂L/∂I
// into gradIn and each ∂L/∂param into gradParams.
func (n *neuron) Backward(call framework.NeuronCall, gradOut, gradIn []float32, gradParams [][]float32) error {
	if err := call.Validate(n.params); err != nil {
		return n.errorf("%v", err)
	}
	if len(gradOut) != len(call.Input) {
		return n.errorf("neuron output gradient has %d elements, want %d ([T=%d, N=%d])", len(gradOut), len(call.Input), call.T, call.N())
	}
	if len(gradIn) != len(call.Input) {
		return n.errorf("neuron input gradient has %d elements, want %d ([T=%d, N=%d])", len(gradIn), len(call.Input), call.T, call.N())
	}
	if len(gradParams) != len(n.params) {
		return n.errorf("neuron parameter gradients: got %d tensors, want %d", len(gradParams), len(n.params))
	}
	names := []string{"input gradient"}
	for i, s := range n.params {
		if len(gradParams[i]) != s.Size {
			return n.errorf("neuron parameter gradient %q has %d elements, want %d", s.Name, len(gradParams[i]), s.Size)
		}
		names = append(names, fmt.Sprintf("gradient of parameter %q", s.Name))
	}
	ins := append(append([][]float32{call.Input}, call.Params...), gradOut)
	outs := append([][]float32{gradIn}, gradParams...)
	return n.run("Backward", call, ins, outs, names)
}

// errorf returns an error prefixed with the neuron and its plugin binary.
// The error wraps nothing, on purpose: the training step reports only the
// innermost error of a chain, and that one must name the plugin.
func (n *neuron) errorf(format string, args ...any) error {
	return fmt.Errorf("neuron %q of plugin %s: %s", n.name, n.plugin.binary.Path, fmt.Sprintf(format, args...))
}

// run sends one call: it lays the tensors out in a buffer, shared or
// inline, calls the plugin, checks what came back and copies the outputs.
func (n *neuron) run(method string, call framework.NeuronCall, ins, outs [][]float32, outNames []string) error {
	p := n.plugin
	if err := p.broken(); err != nil {
		return err
	}

	lens := make([]int, 0, len(ins)+len(outs))
	for _, t := range append(append([][]float32{}, ins...), outs...) {
		lens = append(lens, len(t))
	}
	spans, size := wire.Layout(0, lens...)
	req := &wire.CallRequest{Handle: n.handle, Path: int(call.Path), T: call.T, In: spans[:len(ins)], Out: spans[len(ins):]}

	reg, err := n.region(size)
	if err != nil {
		return err
	}
	var buf []byte
	if reg != nil {
		buf = reg.data[:size]
		req.Region = wire.Region{Name: reg.path, Size: size}
	} else {
		buf = make([]byte, req.Out[0].Offset)
		req.Region = wire.Region{Size: size}
		req.Inline = buf
	}
	for i, t := range ins {
		dst, err := wire.Floats(buf, req.In[i])
		if err != nil {
			return n.errorf("laying out input %d: %v", i, err)
		}
		copy(dst, t)
	}
	req.Drop = p.pool.takeDrop()

	ctx, cancel := context.WithTimeout(context.Background(), p.opts.CallTimeout)
	var resp *wire.CallResponse
	if method == "Forward" {
		resp, err = p.rpc.Forward(ctx, req)
	} else {
		resp, err = p.rpc.Backward(ctx, req)
	}
	cancel()
	if err != nil {
		if reg != nil {
			p.pool.put(reg, false)
		}
		return p.callError(n.name, method, ctx, err)
	}

	err = n.collect(method, call, req, resp, buf, outs, outNames)
	if reg != nil {
		p.pool.put(reg, true)
	}
	return err
}

// region returns a shared-memory region of size bytes, or nil when the
// call should travel inline.
func (n *neuron) region(size int64) (*region, error) {
	p := n.plugin
	if p.opts.Transport == Messages {
		return nil, nil
	}
	reg, err := p.pool.get(size)
	if err == nil {
		return reg, nil
	}
	var shmErr *ShmError
	if p.opts.Transport == SharedMemory || !errors.As(err, &shmErr) {
		return nil, n.errorf("%v", err)
	}
	p.mu.Lock()
	warn := !p.warnedShm
	p.warnedShm = true
	p.mu.Unlock()
	if warn {
		p.opts.Log.Warn().Str("plugin", p.binary.Path).Err(err).Msg("tensors that do not fit in shared memory now travel in messages")
	}
	return nil, nil
}

// collect checks the response against the request and copies the outputs.
// A response that breaks the protocol stops the plugin; non-finite values
// are an error of this call.
func (n *neuron) collect(method string, call framework.NeuronCall, req *wire.CallRequest, resp *wire.CallResponse, buf []byte, outs [][]float32, names []string) error {
	p := n.plugin
	if len(resp.Out) != len(req.Out) {
		return p.fail(n.errorf("%s returned %d tensors, want %d (%v); the plugin was stopped", method, len(resp.Out), len(req.Out), names))
	}
	src := buf
	base := int64(0)
	if req.Region.Name == "" {
		src, base = resp.Inline, resp.InlineOffset
	}
	for i, s := range resp.Out {
		want := req.Out[i]
		if s.Len != want.Len {
			return p.fail(n.errorf("%s returned %d elements for its %s, want %d ([T=%d, N=%d]); the plugin was stopped",
				method, s.Len, names[i], want.Len, call.T, call.N()))
		}
		if s.Offset != want.Offset {
			return p.fail(n.errorf("%s wrote its %s at byte %d, want %d; the plugin was stopped", method, names[i], s.Offset, want.Offset))
		}
		got, err := wire.Floats(src, wire.Span{Offset: s.Offset - base, Len: s.Len})
		if err != nil {
			return p.fail(n.errorf("%s returned its %s outside the buffer: %v; the plugin was stopped", method, names[i], err))
		}
		if j := firstNonFinite(got); j >= 0 {
			where := fmt.Sprintf("element %d", j)
			if i == 0 && call.T > 0 {
				where = fmt.Sprintf("element %d (t=%d, n=%d) of [T=%d, N=%d]", j, j/call.N(), j%call.N(), call.T, call.N())
			}
			return n.errorf("%s returned %v at %s of its %s; the neuron is numerically unstable for this input: check its options and the learning rate",
				method, got[j], where, names[i])
		}
		copy(outs[i], got)
	}
	return nil
}

func firstNonFinite(xs []float32) int {
	for i, x := range xs {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i
		}
	}
	return -1
}
