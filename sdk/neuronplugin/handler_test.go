package neuronplugin

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/pluginhost/wire"
)

// double is a neuron whose output is twice its input and which panics
// when its input starts with a negative value.
type double struct{}

func (double) Params() []framework.ParamSpec {
	return []framework.ParamSpec{{Name: "scale", Size: 1, Init: 1}}
}

func (double) Forward(call framework.NeuronCall, out []float32) error {
	if call.Input[0] < 0 {
		panic("negative input")
	}
	for i, x := range call.Input {
		out[i] = 2 * x * call.Params[0][0]
	}
	return nil
}

func (double) Backward(call framework.NeuronCall, gradOut, gradIn []float32, gradParams [][]float32) error {
	gradParams[0][0] = 0
	for i, g := range gradOut {
		gradIn[i] = 2 * g * call.Params[0][0]
		gradParams[0][0] += 2 * g * call.Input[i]
	}
	return nil
}

func testPlugin() Plugin {
	return Plugin{Name: "test", Version: "1.0.0", Neurons: []Neuron{{
		Spec: framework.Spec{Name: "double", Options: []framework.OptionSpec{framework.FloatOption("gain", 1, 0, 2, "", "unused")}},
		New:  func(framework.Options) (framework.Neuron, error) { return double{}, nil },
	}}}
}

func TestNewHandlerRejectsBadDeclarations(t *testing.T) {
	noName := testPlugin()
	noName.Name = ""
	noVersion := testPlugin()
	noVersion.Version = ""
	noNeurons := testPlugin()
	noNeurons.Neurons = nil
	twice := testPlugin()
	twice.Neurons = append(twice.Neurons, twice.Neurons[0])
	noFactory := testPlugin()
	noFactory.Neurons = []Neuron{{Spec: framework.Spec{Name: "x"}}}
	badDefault := testPlugin()
	badDefault.Neurons[0].Spec.Options = []framework.OptionSpec{framework.FloatOption("gain", 5, 0, 2, "", "")}
	cases := map[string]Plugin{"no name": noName, "no version": noVersion, "no neurons": noNeurons,
		"duplicate neuron": twice, "no factory": noFactory, "default out of range": badDefault}
	for name, p := range cases {
		if _, err := NewHandler(p); err == nil {
			t.Errorf("%s: NewHandler returned no error", name)
		}
	}
}

// TestInlineCalls runs Forward and Backward with the buffer inline, as the
// host sends it when shared memory is not available.
func TestInlineCalls(t *testing.T) {
	h, err := NewHandler(testPlugin())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := h.Create(ctx, &wire.CreateRequest{Neuron: "double", Options: map[string]any{"gain": 3.0}}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("Create with an out-of-range option: %v, want InvalidArgument", err)
	}
	if _, err := h.Create(ctx, &wire.CreateRequest{Neuron: "triple"}); status.Code(err) != codes.NotFound {
		t.Errorf("Create of an undeclared neuron: %v, want NotFound", err)
	}
	c, err := h.Create(ctx, &wire.CreateRequest{Neuron: "DOUBLE"})
	if err != nil {
		t.Fatal(err)
	}

	// Forward: input [2, 2] and the scale, then the output.
	spans, size := wire.Layout(0, 4, 1, 4)
	in := make([]byte, spans[2].Offset)
	x, _ := wire.Floats(in, spans[0])
	copy(x, []float32{1, 2, 3, 4})
	s, _ := wire.Floats(in, spans[1])
	s[0] = 0.5
	req := &wire.CallRequest{Handle: c.Handle, T: 2, Region: wire.Region{Size: size}, In: spans[:2], Out: spans[2:], Inline: in}
	resp, err := h.Forward(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	out, err := wire.Floats(resp.Inline, wire.Span{Offset: spans[2].Offset - resp.InlineOffset, Len: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float32{1, 2, 3, 4} {
		if out[i] != want {
			t.Errorf("output[%d] = %v, want %v", i, out[i], want)
		}
	}

	x[0] = -1
	if _, err := h.Forward(ctx, req); status.Code(err) != codes.Aborted || !strings.Contains(err.Error(), "negative input") {
		t.Errorf("Forward of a panicking neuron: %v, want Aborted with the panic message", err)
	}
	req.Out = nil
	if _, err := h.Forward(ctx, req); status.Code(err) != codes.InvalidArgument {
		t.Errorf("Forward without an output tensor: %v, want InvalidArgument", err)
	}
	req.Handle = 99
	if _, err := h.Forward(ctx, req); status.Code(err) != codes.NotFound {
		t.Errorf("Forward of an unknown handle: %v, want NotFound", err)
	}
}

func TestSharedMemoryNamesAreChecked(t *testing.T) {
	h, err := NewHandler(testPlugin())
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.Create(context.Background(), &wire.CreateRequest{Neuron: "double"})
	if err != nil {
		t.Fatal(err)
	}
	spans, size := wire.Layout(0, 2, 1, 2)
	for _, name := range []string{"/etc/passwd", "relative/snnlab-1", "/dev/shm/snnlab-does-not-exist"} {
		req := &wire.CallRequest{Handle: c.Handle, T: 1, Region: wire.Region{Name: name, Size: size}, In: spans[:2], Out: spans[2:]}
		if _, err := h.Forward(context.Background(), req); status.Code(err) != codes.InvalidArgument {
			t.Errorf("region %q: %v, want InvalidArgument", name, err)
		}
	}
}
