package optim

import (
	"math"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"gorgonia.org/tensor"
)

func param(name string, decay bool, values ...float32) *framework.Param {
	v := tensor.New(tensor.WithShape(len(values)), tensor.WithBacking(append([]float32(nil), values...)))
	return &framework.Param{Name: name, Value: v, Learnable: true, WeightDecay: decay}
}

func TestSGDMomentumByHand(t *testing.T) {
	p := param("w", true, 1, -2)
	o, err := NewSGD(0.9, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	g := [][]float32{{0.5, 1}}
	// Step 1: d = g + 0.1·w = (0.6, 0.8); v = d; w = w − 0.1·v = (0.94, −2.08).
	if err := o.Step([]*framework.Param{p}, g, 0.1); err != nil {
		t.Fatal(err)
	}
	// Step 2: d = (0.5 + 0.094, 1 − 0.208) = (0.594, 0.792);
	// v = 0.9·(0.6, 0.8) + d = (1.134, 1.512); w = (0.94 − 0.1134, −2.08 − 0.1512).
	if err := o.Step([]*framework.Param{p}, g, 0.1); err != nil {
		t.Fatal(err)
	}
	want := []float64{0.8266, -2.2312}
	for i, w := range want {
		if got := float64(p.Data()[i]); math.Abs(got-w) > 1e-6 {
			t.Errorf("w[%d] = %v, want %v", i, got, w)
		}
	}
}

func TestSGDSkipsDecayAndBuffers(t *testing.T) {
	bias := param("b", false, 1)
	buf := param("running", false, 5)
	buf.Learnable = false
	o, _ := NewSGD(0, 10)
	if err := o.Step([]*framework.Param{bias, buf}, [][]float32{{0}, nil}, 1); err != nil {
		t.Fatal(err)
	}
	if bias.Data()[0] != 1 {
		t.Errorf("bias without weight decay moved to %v with a zero gradient", bias.Data()[0])
	}
	if buf.Data()[0] != 5 {
		t.Errorf("buffer changed to %v", buf.Data()[0])
	}
}

func TestAdamWFirstStep(t *testing.T) {
	p := param("w", true, 2)
	o, _ := NewAdamW(0.01)
	if err := o.Step([]*framework.Param{p}, [][]float32{{3}}, 0.1); err != nil {
		t.Fatal(err)
	}
	// First step: m̂ = g, v̂ = g², so the update is η·(sign(g)·g/(|g|+ε) + λ·w).
	want := 2 - 0.1*(3/(3+1e-8)+0.01*2)
	if got := float64(p.Data()[0]); math.Abs(got-want) > 1e-6 {
		t.Errorf("w = %v, want %v", got, want)
	}
}

func TestOptimizerStateRoundTrip(t *testing.T) {
	for _, name := range []string{"sgd", "adamw"} {
		var a, b Optimizer
		if name == "sgd" {
			a, _ = NewSGD(0.9, 0)
			b, _ = NewSGD(0.9, 0)
		} else {
			a, _ = NewAdamW(0)
			b, _ = NewAdamW(0)
		}
		pa, pb := param("w", false, 1), param("w", false, 1)
		g := [][]float32{{0.3}}
		_ = a.Step([]*framework.Param{pa}, g, 0.1)
		if err := b.LoadState(a.State()); err != nil {
			t.Fatal(err)
		}
		pb.Data()[0] = pa.Data()[0]
		_ = a.Step([]*framework.Param{pa}, g, 0.1)
		_ = b.Step([]*framework.Param{pb}, g, 0.1)
		if pa.Data()[0] != pb.Data()[0] {
			t.Errorf("%s: restored optimiser gives %v, original %v", name, pb.Data()[0], pa.Data()[0])
		}
	}
}

func TestOptimizerBadInput(t *testing.T) {
	o, _ := NewSGD(0.9, 0)
	p := param("w", false, 1, 2)
	if err := o.Step([]*framework.Param{p}, [][]float32{{1}}, 0.1); err == nil {
		t.Error("SGD accepted a gradient of the wrong length")
	}
	if err := o.Step([]*framework.Param{p}, nil, 0.1); err == nil {
		t.Error("SGD accepted a missing gradient list")
	}
	if err := o.Step([]*framework.Param{p}, [][]float32{{1, 1}}, math.NaN()); err == nil {
		t.Error("SGD accepted a NaN learning rate")
	}
	if _, err := NewSGD(1, 0); err == nil {
		t.Error("SGD accepted momentum 1")
	}
	if _, err := NewAdamW(-1); err == nil {
		t.Error("AdamW accepted negative weight decay")
	}
}

func TestWarmupCosine(t *testing.T) {
	s, err := NewWarmupCosine(1, 0, 4, 14)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		step int
		want float64
	}{
		{0, 0.25}, {3, 1}, {4, 1}, {9, 0.5}, {14, 0}, {100, 0},
	}
	for _, c := range cases {
		if got := s.LR(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("LR(%d) = %v, want %v", c.step, got, c.want)
		}
	}
	if _, err := NewWarmupCosine(1, 0, 20, 10); err == nil {
		t.Error("schedule accepted more warm-up steps than total steps")
	}
}
