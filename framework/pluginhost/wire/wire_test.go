package wire

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework"
)

func TestCodecRoundTripsInlineBytes(t *testing.T) {
	in := &CallRequest{Handle: 3, Path: 1, T: 2, Region: Region{Size: 24}, In: []Span{{0, 2}}, Out: []Span{{8, 4}},
		Drop: []string{"/dev/shm/snnlab-1-1"}, Inline: []byte{1, 2, 3, 4, 5, 6, 7, 8}}
	data, err := Codec{}.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out CallRequest
	if err := (Codec{}).Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&out, in) {
		t.Errorf("decoded %+v, want %+v", out, *in)
	}
	data[len(data)-1] = 99
	if out.Inline[7] != 8 {
		t.Errorf("decoded inline bytes alias the message buffer")
	}
}

func TestCodecRejectsMalformedMessages(t *testing.T) {
	cases := map[string][]byte{
		"short header":    {1, 0},
		"header too long": {200, 0, 0, 0, '{', '}'},
		"bad JSON":        {2, 0, 0, 0, '{', 'x'},
	}
	for name, data := range cases {
		var r CallRequest
		if err := (Codec{}).Unmarshal(data, &r); err == nil {
			t.Errorf("%s: Unmarshal returned no error", name)
		}
	}
	var d DescribeResponse
	if err := (Codec{}).Unmarshal([]byte{2, 0, 0, 0, '{', '}', 7}, &d); err == nil || !strings.Contains(err.Error(), "unexpected raw bytes") {
		t.Errorf("raw bytes after a message without tensors: error %v", err)
	}
}

func TestOptionRoundTrip(t *testing.T) {
	open := framework.FloatOption("alpha", 1, 0, framework.Unbounded, "", "surrogate width")
	open.MinOpen = true
	specs := []framework.OptionSpec{
		open,
		framework.IntOption("steps", 4, 1, 64, "steps", "time steps"),
		framework.BoolOption("detach", true, "detach the reset"),
		framework.ChoiceOption("mode", "soft", []string{"hard", "soft"}, "reset mode"),
		framework.FloatOption("reset", -0.5, framework.Unbounded, framework.Unbounded, "", "reset potential"),
	}
	for _, want := range specs {
		data, err := Codec{}.Marshal(&NeuronSpec{Options: []Option{OptionFrom(want)}})
		if err != nil {
			t.Fatal(err)
		}
		var ns NeuronSpec
		if err := (Codec{}).Unmarshal(data, &ns); err != nil {
			t.Fatal(err)
		}
		got, err := ns.Options[0].Spec()
		if err != nil {
			t.Fatal(err)
		}
		same := got.Name == want.Name && got.Kind == want.Kind && got.Default == want.Default &&
			sameBound(got.Min, want.Min) && sameBound(got.Max, want.Max) && got.MinOpen == want.MinOpen &&
			reflect.DeepEqual(got.Choices, want.Choices) && got.Unit == want.Unit && got.Doc == want.Doc
		if !same {
			t.Errorf("option %s came back as %+v, want %+v", want.Name, got, want)
		}
	}
}

func sameBound(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func TestOptionSpecRejectsBadDeclarations(t *testing.T) {
	bad := []Option{
		{Name: "x", Kind: "complex", Default: 1.0},
		{Name: "x", Kind: "int", Default: 1.5},
		{Name: "x", Kind: "bool", Default: "yes"},
		{Name: "x", Kind: "float", Default: "1"},
	}
	for _, o := range bad {
		if _, err := o.Spec(); err == nil || !strings.Contains(err.Error(), `"x"`) {
			t.Errorf("Spec of %+v: error %v, want one naming the option", o, err)
		}
	}
}

func TestFloatsChecksBounds(t *testing.T) {
	buf := make([]byte, 16)
	if f, err := Floats(buf, Span{Offset: 4, Len: 3}); err != nil || len(f) != 3 {
		t.Errorf("Floats inside the buffer: %v, %d elements", err, len(f))
	}
	for _, s := range []Span{{Offset: 8, Len: 3}, {Offset: 2, Len: 1}, {Offset: -4, Len: 1}, {Offset: 0, Len: -1}} {
		if _, err := Floats(buf, s); err == nil {
			t.Errorf("Floats(%+v) on 16 bytes returned no error", s)
		}
	}
	spans, end := Layout(0, 2, 0, 3)
	if want := []Span{{0, 2}, {8, 0}, {8, 3}}; !reflect.DeepEqual(spans, want) || end != 20 {
		t.Errorf("Layout = %v, %d; want %v, 20", spans, end, want)
	}
}
