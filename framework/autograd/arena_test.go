package autograd_test

import (
	"fmt"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework/autograd"
)

// scaleKernel is y = s·x + 1, elementwise, with its output from alloc.
type scaleKernel struct{ s float32 }

func (k scaleKernel) String() string { return fmt.Sprintf("scale(%v)", k.s) }

func (scaleKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }

func (k scaleKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	return k.ForwardAlloc(in, autograd.MakeAlloc)
}

func (k scaleKernel) Backward(in []*tensor.Dense, dy *tensor.Dense) ([]*tensor.Dense, error) {
	return k.BackwardAlloc(in, dy, autograd.MakeAlloc)
}

func (k scaleKernel) ForwardAlloc(in []*tensor.Dense, alloc autograd.Alloc) (*tensor.Dense, error) {
	x := in[0].Data().([]float32)
	y := alloc(len(x))
	for i, v := range x {
		y[i] = k.s*v + 1
	}
	return tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.WithBacking(y)), nil
}

func (k scaleKernel) BackwardAlloc(in []*tensor.Dense, dy *tensor.Dense, alloc autograd.Alloc) ([]*tensor.Dense, error) {
	g := dy.Data().([]float32)
	dx := alloc(len(g))
	for i, v := range g {
		dx[i] = k.s * v
	}
	return []*tensor.Dense{tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.WithBacking(dx))}, nil
}

// mulKernel is y = x ⊙ w with both gradients from one Backward call.
type mulKernel struct{}

func (mulKernel) String() string { return "mul" }

func (mulKernel) InferShape(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }

func (k mulKernel) Forward(in []*tensor.Dense) (*tensor.Dense, error) {
	return k.ForwardAlloc(in, autograd.MakeAlloc)
}

func (k mulKernel) Backward(in []*tensor.Dense, dy *tensor.Dense) ([]*tensor.Dense, error) {
	return k.BackwardAlloc(in, dy, autograd.MakeAlloc)
}

func (mulKernel) ForwardAlloc(in []*tensor.Dense, alloc autograd.Alloc) (*tensor.Dense, error) {
	x, w := in[0].Data().([]float32), in[1].Data().([]float32)
	y := alloc(len(x))
	for i := range y {
		y[i] = x[i] * w[i]
	}
	return tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.WithBacking(y)), nil
}

func (mulKernel) BackwardAlloc(in []*tensor.Dense, dy *tensor.Dense, alloc autograd.Alloc) ([]*tensor.Dense, error) {
	x, w, g := in[0].Data().([]float32), in[1].Data().([]float32), dy.Data().([]float32)
	dx, dw := alloc(len(x)), alloc(len(w))
	for i := range g {
		dx[i], dw[i] = g[i]*w[i], g[i]*x[i]
	}
	shape := in[0].Shape().Clone()
	return []*tensor.Dense{
		tensor.New(tensor.WithShape(shape...), tensor.WithBacking(dx)),
		tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(dw)),
	}, nil
}

// testNet is a small graph with shared reads, a value also read by a
// gorgonia operation, and a parameter gradient.
type testNet struct {
	g       *gorgonia.ExprGraph
	x, w    *gorgonia.Node
	out     *gorgonia.Node
	outVal  gorgonia.Value
	gradW   *gorgonia.Node
	machine gorgonia.VM
	arena   *autograd.Arena
}

func newTestNet(t *testing.T, size int, withArena bool) *testNet {
	t.Helper()
	n := &testNet{g: gorgonia.NewGraph()}
	n.x = gorgonia.NewVector(n.g, tensor.Float32, gorgonia.WithShape(size), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Zeroes()))
	n.w = gorgonia.NewVector(n.g, tensor.Float32, gorgonia.WithShape(size), gorgonia.WithName("w"), gorgonia.WithInit(gorgonia.Zeroes()))
	must := func(v *gorgonia.Node, err error) *gorgonia.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a := must(autograd.Apply(mulKernel{}, n.x, n.w))
	b := must(autograd.Apply(scaleKernel{2}, a))
	c := must(autograd.Apply(mulKernel{}, b, a))   // a is read twice
	d := must(autograd.Apply(scaleKernel{-1}, c))  // may reuse a freed buffer
	e := must(autograd.Apply(scaleKernel{0.5}, d)) // likewise
	n.out = must(gorgonia.Add(e, b))               // b is read by gorgonia
	gorgonia.Read(n.out, &n.outVal)
	cost := must(gorgonia.Sum(n.out))
	grads, err := gorgonia.Grad(cost, n.w)
	if err != nil {
		t.Fatal(err)
	}
	n.gradW = grads[0]
	if withArena {
		if n.arena, err = autograd.NewArena(n.g); err != nil {
			t.Fatal(err)
		}
	}
	n.machine = gorgonia.NewTapeMachine(n.g)
	return n
}

func (n *testNet) run(t *testing.T, x, w []float32) (out, gradW []float32) {
	t.Helper()
	copy(n.x.Value().Data().([]float32), x)
	copy(n.w.Value().Data().([]float32), w)
	n.machine.Reset()
	if n.arena != nil {
		n.arena.Reset()
	}
	if err := n.machine.RunAll(); err != nil {
		t.Fatal(err)
	}
	out = append([]float32(nil), n.outVal.Data().([]float32)...)
	gradW = append([]float32(nil), n.gradW.Value().Data().([]float32)...)
	return out, gradW
}

func TestArenaMatchesPlainGraph(t *testing.T) {
	const size = 37
	plain, recycled := newTestNet(t, size, false), newTestNet(t, size, true)
	defer plain.arena.Close()
	defer recycled.arena.Close()
	rng := rand.New(rand.NewSource(3))
	x, w := make([]float32, size), make([]float32, size)
	for run := 0; run < 4; run++ {
		for i := range x {
			x[i], w[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		wantOut, wantGrad := plain.run(t, x, w)
		gotOut, gotGrad := recycled.run(t, x, w)
		for i := range wantOut {
			if gotOut[i] != wantOut[i] {
				t.Fatalf("run %d: output[%d] = %v with the arena, %v without", run, i, gotOut[i], wantOut[i])
			}
			if gotGrad[i] != wantGrad[i] {
				t.Fatalf("run %d: ∂w[%d] = %v with the arena, %v without", run, i, gotGrad[i], wantGrad[i])
			}
		}
	}
}

func TestArenaRecyclesForwardChain(t *testing.T) {
	const size, depth = 1000, 12
	g := gorgonia.NewGraph()
	x := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(size), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Zeroes()))
	y := x
	var err error
	for i := 0; i < depth; i++ {
		if y, err = autograd.Apply(scaleKernel{1}, y); err != nil {
			t.Fatal(err)
		}
	}
	arena, err := autograd.NewArena(g)
	if err != nil {
		t.Fatal(err)
	}
	defer arena.Close()
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	for run := 0; run < 3; run++ {
		m.Reset()
		arena.Reset()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		// Each step adds 1 to a zero input.
		for i, v := range y.Value().Data().([]float32) {
			if v != depth {
				t.Fatalf("run %d: output[%d] = %v, want %d", run, i, v, depth)
			}
		}
	}
	// A value is freed once the next operation has read it, so at most two
	// buffers are out at a time, whatever the depth.
	s := arena.Stats()
	if limit := int64(2 * 4 * size); s.Peak > limit || s.Owned > limit {
		t.Errorf("arena after %d chained operations: peak %d bytes, owned %d bytes; want at most %d (two values)", depth, s.Peak, s.Owned, limit)
	}
}

func TestNewArenaRejectsNilGraph(t *testing.T) {
	if _, err := autograd.NewArena(nil); err == nil {
		t.Fatal("NewArena(nil): no error")
	}
}

func TestArenaKeepsValuesGorgoniaReads(t *testing.T) {
	const size = 64
	g := gorgonia.NewGraph()
	x := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(size), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Zeroes()))
	must := func(v *gorgonia.Node, err error) *gorgonia.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a := must(autograd.Apply(scaleKernel{1}, x)) // 1
	b := must(autograd.Apply(scaleKernel{1}, a)) // 2; the last snnlab read of a
	c := must(autograd.Apply(scaleKernel{1}, b)) // 3; would take a's buffer if a were freed
	sum := must(gorgonia.Add(a, c))              // gorgonia reads a after c exists
	arena, err := autograd.NewArena(g)
	if err != nil {
		t.Fatal(err)
	}
	defer arena.Close()
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	for run := 0; run < 2; run++ {
		m.Reset()
		arena.Reset()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		for i, v := range sum.Value().Data().([]float32) {
			if v != 4 {
				t.Fatalf("run %d: a + c [%d] = %v, want 1 + 3 = 4", run, i, v)
			}
		}
	}
}
