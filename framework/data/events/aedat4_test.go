package events

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAEDAT4Recording(t *testing.T) {
	path := filepath.Join(sharedEvents(t, "aedat4-dvxplorer-sample"), "sample.aedat4")
	rec, err := ReadAEDAT4(path)
	if err != nil {
		t.Fatal(err)
	}
	mx, my, first, last := Bounds(rec.Events)
	on := countOn(rec.Events)
	if len(rec.Events) != 111954 || on != 55023 || mx != 319 || my != 239 {
		t.Errorf("%d events, %d ON, max (%d, %d); want 111954, 55023, (319, 239)", len(rec.Events), on, mx, my)
	}
	if rec.Width != 320 || rec.Height != 240 {
		t.Errorf("sensor %d×%d, want 320×240", rec.Width, rec.Height)
	}
	if span := last - first; span != 589917 {
		t.Errorf("timestamps span %d µs, want 589917", span)
	}
	for k := 1; k < len(rec.Events); k++ {
		if rec.Events[k].T < rec.Events[k-1].T {
			t.Fatalf("event %d goes back in time", k)
		}
	}

	b, _ := os.ReadFile(path)
	cut := filepath.Join(t.TempDir(), "cut.aedat4")
	os.WriteFile(cut, b[:200000], 0o644)
	if _, err := ReadAEDAT4(cut); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated file: error %v, want one saying it is truncated", err)
	}
}

func TestLZ4BlockOverlappingMatch(t *testing.T) {
	// Token 0x15: one literal 'a', then a match of 5+4 = 9 bytes at offset 1.
	// A final token 0x10 carries the literal 'b'.
	block := []byte{0x15, 'a', 0x01, 0x00, 0x10, 'b'}
	out, err := decodeLZ4Block(block, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "aaaaaaaaaab" {
		t.Errorf("decoded %q, want %q", out, "aaaaaaaaaab")
	}
	if _, err := decodeLZ4Block([]byte{0x10, 'a', 0x05, 0x00}, nil); err == nil {
		t.Error("match offset 5 with 1 byte decoded was accepted")
	}
}
