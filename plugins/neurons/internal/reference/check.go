package reference

import (
	"math"
	"testing"

	"github.com/snnlab/snnlab/framework"
)

// Tolerance is the absolute and relative tolerance of vector checks; the
// float32 kernels deviate from the float64 vectors by about 3e-7.
const Tolerance = 1e-5

// CheckCase runs neuron n on the case's input I with upstream gradient G
// and compares output, H, V, ∂L/∂I and, when the case has them, ∂L/∂w, a
// and Vth_eff. params are the neuron's parameter values.
func CheckCase(t *testing.T, n framework.Neuron, path framework.Path, params [][]float32, I, G [][]float64, c VectorCase) {
	t.Helper()
	in, T, err := Flatten(I)
	if err != nil {
		t.Fatalf("input I: %v", err)
	}
	g, _, err := Flatten(G)
	if err != nil {
		t.Fatalf("gradient G: %v", err)
	}
	call := framework.NeuronCall{Path: path, T: T, Input: in, Params: params}

	out := make([]float32, len(in))
	if err := n.Forward(call, out); err != nil {
		t.Fatalf("Forward: %v", err)
	}
	Compare(t, "output", out, c.Output)

	tracer, ok := n.(framework.Tracer)
	if !ok {
		t.Fatalf("neuron %T does not implement framework.Tracer", n)
	}
	tr, err := tracer.Trace(call)
	if err != nil {
		t.Fatalf("Trace: %v", err)
	}
	Compare(t, "trace output", tr.Out, c.Output)
	Compare(t, "H", tr.H, c.H)
	Compare(t, "V", tr.V, c.V)
	if c.A != nil {
		Compare(t, "a", tr.A, c.A)
	}
	if c.VthEff != nil {
		Compare(t, "vth_eff", tr.VthEff, c.VthEff)
	}

	gradIn := make([]float32, len(in))
	gradParams := make([][]float32, len(params))
	for k := range params {
		gradParams[k] = make([]float32, len(params[k]))
	}
	if err := n.Backward(call, g, gradIn, gradParams); err != nil {
		t.Fatalf("Backward: %v", err)
	}
	Compare(t, "grad_I", gradIn, c.GradI)
	if c.GradW != nil {
		if len(gradParams) != 1 || len(gradParams[0]) != 1 {
			t.Fatalf("case has grad_w but the neuron returned parameter gradients %v", gradParams)
		}
		if !Close(float64(gradParams[0][0]), *c.GradW) {
			t.Errorf("grad_w = %.8g, want %.8g", gradParams[0][0], *c.GradW)
		}
	}
}

// Compare checks got ([T·N]) against want ([T][N]) element by element.
func Compare(t *testing.T, name string, got []float32, want [][]float64) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the case has no expected values", name)
	}
	N := len(want[0])
	if len(got) != len(want)*N {
		t.Fatalf("%s has %d elements, want %d ([T=%d, N=%d])", name, len(got), len(want)*N, len(want), N)
	}
	bad := 0
	for tt, row := range want {
		for n, w := range row {
			x := float64(got[tt*N+n])
			if !Close(x, w) {
				if bad < 5 {
					t.Errorf("%s[t=%d, n=%d] = %.8g, want %.8g", name, tt, n, x, w)
				}
				bad++
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d elements differ in all", name, bad)
	}
}

// Close reports whether got is within Tolerance of want, absolutely or
// relative to want.
func Close(got, want float64) bool {
	d := math.Abs(got - want)
	return d <= Tolerance || d <= Tolerance*math.Abs(want)
}
