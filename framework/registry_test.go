package framework

import (
	"strings"
	"testing"
)

type constNeuron struct{}

func (constNeuron) Params() []ParamSpec                                          { return nil }
func (constNeuron) Forward(NeuronCall, []float32) error                          { return nil }
func (constNeuron) Backward(NeuronCall, []float32, []float32, [][]float32) error { return nil }

func registerTestNeuron(t *testing.T, name string) {
	t.Helper()
	err := TryRegisterNeuron(Spec{Name: name, Doc: "test neuron", Options: []OptionSpec{
		FloatOption("decay", 0.5, 0, 1, "", "leak factor"),
		IntOption("steps", 3, 1, 10, "", "a count"),
		BoolOption("soft", false, "soft reset"),
		ChoiceOption("surrogate", "rectangular", []string{"rectangular", "sigmoid"}, "surrogate shape"),
	}}, func(o Options) (Neuron, error) { return constNeuron{}, nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Unregister(NeuronKind, name) })
}

func TestUnknownNameListsKnownNames(t *testing.T) {
	registerTestNeuron(t, "test-alpha")
	registerTestNeuron(t, "test-beta")
	_, err := NewNeuron("test-gamma", nil)
	if err == nil {
		t.Fatal("unknown neuron accepted")
	}
	for _, want := range []string{`"test-gamma"`, "test-alpha", "test-beta"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestOutOfRangeOptionNamesValueAndRange(t *testing.T) {
	registerTestNeuron(t, "test-range")
	cases := []struct {
		opts map[string]any
		want []string
	}{
		{map[string]any{"decay": 1.5}, []string{"decay", "1.5", "[0, 1]"}},
		{map[string]any{"steps": 0}, []string{"steps", "0", "[1, 10]"}},
		{map[string]any{"steps": 2.5}, []string{"steps", "2.5", "not an integer"}},
		{map[string]any{"soft": "maybe"}, []string{"soft", "maybe"}},
		{map[string]any{"surrogate": "box"}, []string{"surrogate", "box", "rectangular, sigmoid"}},
		{map[string]any{"decya": 0.4}, []string{"decya", "decay, steps, soft, surrogate"}},
	}
	for _, c := range cases {
		_, err := NewNeuron("test-range", c.opts)
		if err == nil {
			t.Errorf("options %v accepted", c.opts)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("options %v: error %q does not mention %q", c.opts, err, w)
			}
		}
	}
}

func TestResolveFillsDefaultsAndConverts(t *testing.T) {
	specs := []OptionSpec{
		FloatOption("decay", 0.5, 0, 1, "", ""),
		IntOption("steps", 3, 1, 10, "", ""),
		ChoiceOption("surrogate", "rectangular", []string{"rectangular", "sigmoid"}, ""),
	}
	o, err := ResolveOptions("test", specs, map[string]any{"steps": 4.0, "Surrogate": "SIGMOID"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Float("decay") != 0.5 {
		t.Errorf("decay = %v, want the default 0.5", o.Float("decay"))
	}
	if o.Int("steps") != 4 {
		t.Errorf("steps = %v, want 4", o.Int("steps"))
	}
	if o.String("surrogate") != "sigmoid" {
		t.Errorf("surrogate = %q, want the canonical spelling sigmoid", o.String("surrogate"))
	}
}

func TestOpenBoundRejectsEdge(t *testing.T) {
	s := OptionSpec{Name: "decay", Kind: Float, Default: 0.5, Min: 0, Max: 1, MinOpen: true}
	if _, err := ResolveOptions("test", []OptionSpec{s}, map[string]any{"decay": 0.0}); err == nil {
		t.Error("decay 0 accepted for the range (0, 1]")
	}
	if r := s.Range(); r != "(0, 1]" {
		t.Errorf("Range() = %q, want (0, 1]", r)
	}
}

func TestDuplicateRegistrationRejected(t *testing.T) {
	registerTestNeuron(t, "test-dup")
	err := TryRegisterNeuron(Spec{Name: "TEST-DUP"}, func(Options) (Neuron, error) { return constNeuron{}, nil })
	if err == nil {
		t.Fatal("a second neuron named test-dup was registered")
	}
}

func TestEmbeddingsValidate(t *testing.T) {
	e := Embeddings{T: 2, B: 2, D: 2, Data: []float32{0, 1, 2, 3, 4, 5, 6, float32FromBits(0x7fc00000)}}
	err := e.Validate("zA")
	if err == nil || !strings.Contains(err.Error(), "[1, 1, 1]") || !strings.Contains(err.Error(), "zA") {
		t.Errorf("NaN at [1, 1, 1] reported as %v", err)
	}
	short := Embeddings{T: 2, B: 2, D: 2, Data: make([]float32, 7)}
	if err := short.Validate("zB"); err == nil || !strings.Contains(err.Error(), "needs 8 values, got 7") {
		t.Errorf("short data reported as %v", err)
	}
}

func TestNeuronCallValidate(t *testing.T) {
	specs := []ParamSpec{{Name: "w", Size: 1}}
	cases := []struct {
		call NeuronCall
		want string
	}{
		{NeuronCall{T: 0, Input: []float32{1}}, "T = 0"},
		{NeuronCall{T: 2, Input: nil}, "empty"},
		{NeuronCall{T: 2, Input: make([]float32, 3)}, "3 elements"},
		{NeuronCall{T: 1, Input: []float32{1}}, "got 0 tensors, want 1"},
		{NeuronCall{T: 1, Input: []float32{1}, Params: [][]float32{{1, 2}}}, `"w"`},
	}
	for _, c := range cases {
		err := c.call.Validate(specs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("call %+v: error %v, want it to mention %q", c.call, err, c.want)
		}
	}
}
