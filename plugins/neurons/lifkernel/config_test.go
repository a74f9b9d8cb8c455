package lifkernel_test

import (
	"math"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/plugins/neurons/lifkernel"
	"github.com/snnlab/snnlab/plugins/neurons/surrogate"
)

func TestConfigValidateRejects(t *testing.T) {
	good := lifkernel.Config{Decay: 0.5, Threshold: 1, Alpha: 1}
	cases := map[string]struct {
		edit func(*lifkernel.Config)
		want string
	}{
		"decay above 1":      {func(c *lifkernel.Config) { c.Decay = 1.5 }, "decay"},
		"decay NaN":          {func(c *lifkernel.Config) { c.Decay = math.NaN() }, "decay"},
		"threshold zero":     {func(c *lifkernel.Config) { c.Threshold = 0 }, "threshold"},
		"reset infinite":     {func(c *lifkernel.Config) { c.Reset = math.Inf(1) }, "reset"},
		"alpha negative":     {func(c *lifkernel.Config) { c.Alpha = -1 }, "alpha"},
		"unknown surrogate":  {func(c *lifkernel.Config) { c.Surrogate = surrogate.Shape(9) }, "surrogate"},
		"rho above 1":        {func(c *lifkernel.Config) { c.Adaptive, c.Rho = true, 2 }, "rho"},
		"gamma negative":     {func(c *lifkernel.Config) { c.Adaptive, c.Gamma = true, -1 }, "gamma"},
		"adaptive on path B": {func(c *lifkernel.Config) { c.Adaptive, c.Continuous = true, true }, "continuous"},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	for name, tc := range cases {
		c := good
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", name, err, tc.want)
		}
		if err := lifkernel.Forward(c, 1, []float32{1}, make([]float32, 1)); err == nil {
			t.Errorf("%s: Forward accepted the config", name)
		}
	}
}

// TestBackwardIgnoresStaleBuffers checks that Backward overwrites gradIn
// and that pooled scratch from a larger earlier call leaks into nothing.
func TestBackwardIgnoresStaleBuffers(t *testing.T) {
	c := lifkernel.Config{Decay: 0.5, Threshold: 1, Alpha: 1, Adaptive: true, Rho: 0.9, Gamma: 0.2}
	big := make([]float32, 4*5000)
	for i := range big {
		big[i] = 2
	}
	if _, err := lifkernel.Backward(c, 4, big, big, make([]float32, len(big))); err != nil {
		t.Fatal(err)
	}

	in := []float32{1.2, 0.3, 0.9, 0.8}
	g := []float32{1, 1, 1, 1}
	first := []float32{7, 7, 7, 7}
	if _, err := lifkernel.Backward(c, 2, in, g, first); err != nil {
		t.Fatal(err)
	}
	second := make([]float32, 4)
	if _, err := lifkernel.Backward(c, 2, in, g, second); err != nil {
		t.Fatal(err)
	}
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("grad_I[%d] = %v after a prefilled buffer, %v after a zeroed one", i, first[i], second[i])
		}
	}
}
