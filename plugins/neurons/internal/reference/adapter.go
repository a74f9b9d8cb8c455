package reference

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/autograd"
)

// Block is one set of test-vector inputs and the cases computed on them.
type Block struct {
	Name  string
	I, G  [][]float64
	Cases []VectorCase
}

// Blocks returns the random block and the edge block of v.
func (v *NeuronVectors) Blocks() []Block {
	return []Block{
		{Name: "random", I: v.I, G: v.G, Cases: v.Cases},
		{Name: "edge", I: v.Edge.I, G: v.Edge.G, Cases: v.Edge.Cases},
	}
}

// RandomCall returns a call of T steps over N neurons with input currents
// drawn from N(mean, 1) and an upstream gradient drawn from N(0, 1).
func RandomCall(rng *rand.Rand, path framework.Path, T, N int, mean float64, params [][]float32) (framework.NeuronCall, []float32) {
	in := make([]float32, T*N)
	g := make([]float32, T*N)
	for i := range in {
		in[i] = float32(mean + rng.NormFloat64())
		g[i] = float32(rng.NormFloat64())
	}
	return framework.NeuronCall{Path: path, T: T, Input: in, Params: params}, g
}

// CheckNeuronNode runs n through autograd.NeuronNode in a gorgonia graph
// on a random [T·B, C] input and checks that the forward value and every
// gradient (input and parameters) equal those of calling n directly.
func CheckNeuronNode(t *testing.T, n framework.Neuron, path framework.Path, T, B, C int, params [][]float32) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(T*1000+B*10+C), 7))
	call, gradOut := RandomCall(rng, path, T, B*C, 0.7, params)

	want := make([]float32, len(call.Input))
	if err := n.Forward(call, want); err != nil {
		t.Fatalf("direct Forward: %v", err)
	}
	wantGrad := make([]float32, len(call.Input))
	wantParams := make([][]float32, len(params))
	for k := range params {
		wantParams[k] = make([]float32, len(params[k]))
	}
	if err := n.Backward(call, gradOut, wantGrad, wantParams); err != nil {
		t.Fatalf("direct Backward: %v", err)
	}

	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(T*B, C), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(T*B, C), tensor.WithBacking(append([]float32(nil), call.Input...)))))
	pnodes := make(gorgonia.Nodes, len(params))
	for k, p := range params {
		pnodes[k] = gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(len(p)), gorgonia.WithName(n.Params()[k].Name),
			gorgonia.WithValue(tensor.New(tensor.WithShape(len(p)), tensor.WithBacking(append([]float32(nil), p...)))))
	}
	out, err := autograd.NeuronNode(n, "layer", path, T, x, pnodes...)
	if err != nil {
		t.Fatalf("NeuronNode: %v", err)
	}
	upstream := gorgonia.NewConstant(tensor.New(tensor.WithShape(T*B, C), tensor.WithBacking(gradOut)))
	cost, err := gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(out, upstream)))
	if err != nil {
		t.Fatalf("cost: %v", err)
	}
	grads, err := gorgonia.Grad(cost, append(gorgonia.Nodes{x}, pnodes...)...)
	if err != nil {
		t.Fatalf("Grad: %v", err)
	}
	var outVal gorgonia.Value
	gorgonia.Read(out, &outVal)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("RunAll: %v", err)
	}

	equal(t, "graph output", outVal.Data().([]float32), want)
	equal(t, "graph input gradient", grads[0].Value().Data().([]float32), wantGrad)
	for k := range params {
		equal(t, "graph gradient of "+n.Params()[k].Name, grads[1+k].Value().Data().([]float32), wantParams[k])
	}
}

// equal checks two float32 slices for bitwise-equal elements.
func equal(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d elements, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v (from calling the neuron directly)", name, i, got[i], want[i])
		}
	}
}

// CheckBadInput calls n with malformed calls and buffers and checks that
// each returns an error that names the tensor, instead of panicking.
func CheckBadInput(t *testing.T, n framework.Neuron) {
	t.Helper()
	params := make([][]float32, len(n.Params()))
	for k, s := range n.Params() {
		params[k] = make([]float32, s.Size)
	}
	good := framework.NeuronCall{T: 2, Input: make([]float32, 8), Params: params}
	nan := append([]float32(nil), good.Input...)
	nan[5] = float32(math.NaN())
	inf := append([]float32(nil), good.Input...)
	inf[3] = float32(math.Inf(-1))
	with := func(f func(*framework.NeuronCall)) framework.NeuronCall {
		c := good
		f(&c)
		return c
	}

	calls := []struct {
		name, want string
		call       framework.NeuronCall
	}{
		{"T zero", "T = 0", with(func(c *framework.NeuronCall) { c.T = 0 })},
		{"T negative", "T = -1", with(func(c *framework.NeuronCall) { c.T = -1 })},
		{"empty batch", "empty", with(func(c *framework.NeuronCall) { c.Input = nil })},
		{"length not divisible by T", "T = 3", with(func(c *framework.NeuronCall) { c.T = 3 })},
		{"NaN input", "(t=1, n=1) is NaN", with(func(c *framework.NeuronCall) { c.Input = nan })},
		{"infinite input", "(t=0, n=3) is -Inf", with(func(c *framework.NeuronCall) { c.Input = inf })},
		{"extra parameter", "parameters", with(func(c *framework.NeuronCall) { c.Params = append(params, []float32{1}) })},
		{"unknown path", "path", with(func(c *framework.NeuronCall) { c.Path = framework.Path(7) })},
	}
	if len(params) > 0 {
		calls = append(calls, struct {
			name, want string
			call       framework.NeuronCall
		}{"parameter size", n.Params()[0].Name, with(func(c *framework.NeuronCall) { c.Params = [][]float32{{1, 2}} })})
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			out := make([]float32, len(tc.call.Input))
			expectError(t, "Forward", tc.want, func() error { return n.Forward(tc.call, out) })
			expectError(t, "Backward", tc.want, func() error {
				return n.Backward(tc.call, make([]float32, len(tc.call.Input)), make([]float32, len(tc.call.Input)), zeros(params))
			})
			if tr, ok := n.(framework.Tracer); ok {
				expectError(t, "Trace", tc.want, func() error { _, err := tr.Trace(tc.call); return err })
			}
		})
	}

	buffers := []struct {
		name, want string
		fn         func() error
	}{
		{"short output", "output", func() error { return n.Forward(good, make([]float32, 7)) }},
		{"short output gradient", "output gradient", func() error {
			return n.Backward(good, make([]float32, 6), make([]float32, 8), zeros(params))
		}},
		{"short input gradient", "input gradient", func() error {
			return n.Backward(good, make([]float32, 8), make([]float32, 9), zeros(params))
		}},
		{"extra parameter gradient", "parameter gradient", func() error {
			return n.Backward(good, make([]float32, 8), make([]float32, 8), append(zeros(params), []float32{0}))
		}},
	}
	if len(params) > 0 {
		buffers = append(buffers, struct {
			name, want string
			fn         func() error
		}{"short parameter gradient", n.Params()[0].Name, func() error {
			short := zeros(params)
			short[0] = nil
			return n.Backward(good, make([]float32, 8), make([]float32, 8), short)
		}})
	}
	for _, tc := range buffers {
		t.Run(tc.name, func(t *testing.T) { expectError(t, "call", tc.want, tc.fn) })
	}
}

func zeros(params [][]float32) [][]float32 {
	z := make([][]float32, len(params))
	for k := range params {
		z[k] = make([]float32, len(params[k]))
	}
	return z
}

// expectError runs fn, turning a panic into a test failure, and checks
// that it returns an error containing want.
func expectError(t *testing.T, what, want string, fn func() error) {
	t.Helper()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s panicked: %v", what, r)
			}
		}()
		err = fn()
	}()
	if err == nil {
		t.Fatalf("%s returned no error, want one containing %q", what, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s error %q does not contain %q", what, err, want)
	}
}
