package bench

import (
	"strings"
	"testing"
)

// A zero T or batch is rejected by name before the backbone is described,
// so the error does not suggest another engine.
func TestRunInferenceRejectsEmptyRun(t *testing.T) {
	cases := []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"T", func(c *Config) { c.T = 0 }, "T = 0 time steps, want at least 1"},
		{"batch", func(c *Config) { c.Batch = 0 }, "batch 0, want at least 1 image"},
	}
	for _, c := range cases {
		cfg := Reference()
		c.set(&cfg)
		_, err := RunInference(cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "graph engine") {
			t.Errorf("%s: error %q suggests the graph engine", c.name, err)
		}
	}
}
