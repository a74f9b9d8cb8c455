// Package reference provides test helpers for the built-in neurons. Its
// main part is an unfused gorgonia graph of the LIF-family dynamics that
// lifkernel fuses. The graph has one node per time step and operation (Mul,
// Add, Sub, and a Heaviside op with a surrogate gradient), and
// gorgonia.Grad differentiates it on a TapeMachine. The package also loads
// the JSON test vectors and checks neurons against them. Only tests use it.
package reference

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
)

// Result is the output and gradients of the reference graph for the
// objective L = Σ G[t, n]·O[t, n]. Out and GradIn are [T, N].
type Result struct {
	Out       []float64
	GradIn    []float64
	GradDecay float64 // ∂L/∂β
}

// Run builds and runs the reference graph for config c over input ([T, N])
// with upstream gradient gradOut ([T, N]), in dtype (tensor.Float32 or
// tensor.Float64).
func Run(c lifkernel.Config, T int, input, gradOut []float64, dtype tensor.Dtype) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	if T < 1 || len(input) == 0 || len(input)%T != 0 || len(gradOut) != len(input) {
		return Result{}, fmt.Errorf("reference: input of %d and gradient of %d elements do not form [T=%d, N]", len(input), len(gradOut), T)
	}
	N := len(input) / T
	b := builder{g: gorgonia.NewGraph(), dt: dtype, n: N}

	beta := gorgonia.NewScalar(b.g, dtype, gorgonia.WithName("beta"), gorgonia.WithValue(b.scalarValue(c.Decay)))
	inputs := make(gorgonia.Nodes, T)
	for t := range inputs {
		inputs[t] = gorgonia.NewVector(b.g, dtype, gorgonia.WithShape(N), gorgonia.WithName(fmt.Sprintf("I%d", t)),
			gorgonia.WithValue(b.vectorValue(input[t*N:(t+1)*N])))
	}

	outs, cost, err := b.unroll(c, beta, inputs, gradOut)
	if err != nil {
		return Result{}, err
	}
	wrt := append(gorgonia.Nodes{beta}, inputs...)
	grads, err := gorgonia.Grad(cost, wrt...)
	if err != nil {
		return Result{}, fmt.Errorf("reference: gradient: %w", err)
	}

	// Read copies values while the machine runs; the backward pass may
	// reuse the buffers of forward nodes afterwards.
	outVals := make([]gorgonia.Value, T)
	for t, o := range outs {
		gorgonia.Read(o, &outVals[t])
	}
	vm := gorgonia.NewTapeMachine(b.g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return Result{}, fmt.Errorf("reference: run: %w", err)
	}

	res := Result{Out: make([]float64, 0, len(input)), GradIn: make([]float64, 0, len(input))}
	for t := range outs {
		res.Out = append(res.Out, floats(outVals[t])...)
	}
	res.GradDecay = floats(grads[0].Value())[0]
	for _, g := range grads[1:] {
		res.GradIn = append(res.GradIn, floats(g.Value())...)
	}
	return res, nil
}

// builder creates the nodes of one reference graph.
type builder struct {
	g  *gorgonia.ExprGraph
	dt tensor.Dtype
	n  int
}

// unroll adds the T steps and returns each step's output node and the
// objective Σ_t Σ_n G[t]·O[t].
func (b builder) unroll(c lifkernel.Config, beta *gorgonia.Node, inputs gorgonia.Nodes, gradOut []float64) (outs gorgonia.Nodes, cost *gorgonia.Node, err error) {
	// must stops the build at the first failing operation; the deferred
	// recover turns that into the returned error.
	type buildError struct{ error }
	must := func(n *gorgonia.Node, e error) *gorgonia.Node {
		if e != nil {
			panic(buildError{e})
		}
		return n
	}
	step := 0
	defer func() {
		if r := recover(); r != nil {
			be, ok := r.(buildError)
			if !ok {
				panic(r)
			}
			outs, cost, err = nil, nil, fmt.Errorf("reference: step %d: %w", step, be.error)
		}
	}()
	N := b.n
	// The initial states are graph inputs rather than constants, because
	// gorgonia cannot place an operation on constants alone into a graph.
	v := b.zeros("V_init")    // V[−1] = 0
	a := b.zeros("a_init")    // a[−1] = 0
	prev := b.zeros("S_init") // S[−1] = 0
	outs = make(gorgonia.Nodes, len(inputs))

	for t, in := range inputs {
		step = t
		vth := b.constScalar(c.Threshold)
		if c.Adaptive {
			a = must(gorgonia.Add(must(gorgonia.Mul(b.constScalar(c.Rho), a)), prev))
			vth = must(gorgonia.Add(vth, must(gorgonia.Mul(b.constScalar(c.Gamma), a))))
		}
		h := must(gorgonia.Add(must(gorgonia.Mul(beta, v)), in))
		x := must(gorgonia.Sub(h, vth))

		spike := StepOp{Shape: c.Surrogate, Alpha: c.Alpha}
		gate := spike
		gate.Detached = c.DetachReset || c.Continuous
		var out *gorgonia.Node
		if c.Continuous {
			p := spike
			p.Primitive = true
			out = must(Step(p, x))
		} else {
			out = must(Step(spike, x))
		}
		r := out
		if gate.Detached {
			r = must(Step(gate, x))
		}

		if c.SoftReset {
			// gorgonia.Mul of two vectors is their dot product, so the
			// element-wise product with an adaptive threshold needs
			// HadamardProd.
			if c.Adaptive {
				v = must(gorgonia.Sub(h, must(gorgonia.HadamardProd(r, vth))))
			} else {
				v = must(gorgonia.Sub(h, must(gorgonia.Mul(r, vth))))
			}
		} else {
			keep := must(gorgonia.Sub(b.constScalar(1), r))
			v = must(gorgonia.Add(must(gorgonia.HadamardProd(keep, h)), must(gorgonia.Mul(r, b.constScalar(c.Reset)))))
		}
		if !c.Continuous {
			prev = out
		}

		outs[t] = out
		term := must(gorgonia.Sum(must(gorgonia.HadamardProd(b.constVector(gradOut[t*N:(t+1)*N]), out))))
		if cost == nil {
			cost = term
		} else {
			cost = must(gorgonia.Add(cost, term))
		}
	}
	return outs, cost, nil
}

func (b builder) scalarValue(x float64) any {
	if b.dt == tensor.Float32 {
		return float32(x)
	}
	return x
}

func (b builder) vectorValue(xs []float64) tensor.Tensor {
	if b.dt == tensor.Float32 {
		f := make([]float32, len(xs))
		for i, x := range xs {
			f[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(len(xs)), tensor.WithBacking(f))
	}
	return tensor.New(tensor.WithShape(len(xs)), tensor.WithBacking(append([]float64(nil), xs...)))
}

func (b builder) constScalar(x float64) *gorgonia.Node {
	return gorgonia.NewConstant(b.scalarValue(x))
}

func (b builder) zeros(name string) *gorgonia.Node {
	return gorgonia.NewVector(b.g, b.dt, gorgonia.WithShape(b.n), gorgonia.WithName(name),
		gorgonia.WithValue(b.vectorValue(make([]float64, b.n))))
}

func (b builder) constVector(xs []float64) *gorgonia.Node {
	return gorgonia.NewConstant(b.vectorValue(xs))
}

// floats returns a float32 or float64 value's elements as float64.
func floats(v gorgonia.Value) []float64 {
	switch d := v.Data().(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	case float64:
		return []float64{d}
	case float32:
		return []float64{float64(d)}
	}
	return nil
}
