package records

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/snnlab/snnlab/framework"
)

func sampleCheckpoint() *Checkpoint {
	return &Checkpoint{
		Params: map[string]Tensor{
			"conv1.weight": {Shape: []int{2, 1, 2, 2}, Data: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), 6, 7, 8}},
			"bn1.mean":     {Shape: []int{2}, Data: []float32{0.25, float32(math.NaN())}},
			"scalar":       {Shape: []int{}, Data: []float32{42}},
		},
		Optimizer:     map[string][]float32{"velocity/conv1.weight": {0.1, 0.2}, "step": {3}},
		Epoch:         4,
		Step:          1200,
		Batch:         17,
		Counters:      map[string]int64{"loader.cursor": 9876, "negative": -5},
		Blobs:         map[string][]byte{"rng": {1, 2, 3, 0, 255}},
		Metadata:      map[string]string{"neuron": "mixedlif v1.0", "binary.sha256": "abc"},
		MetricsOffset: 512,
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	ck := sampleCheckpoint()
	data, err := EncodeCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeCheckpoint(data)
	if err != nil {
		t.Fatal(err)
	}

	// NaN never equals itself, so compare the float bits.
	if !bytes.Equal(floatBits(got.Params["bn1.mean"].Data), floatBits(ck.Params["bn1.mean"].Data)) {
		t.Errorf("NaN parameter changed in the round trip")
	}
	got.Params["bn1.mean"], ck.Params["bn1.mean"] = Tensor{}, Tensor{}
	if !reflect.DeepEqual(got, ck) {
		t.Errorf("round trip changed the checkpoint:\n got %+v\nwant %+v", got, ck)
	}

	// The encoding does not depend on map iteration order.
	again, _ := EncodeCheckpoint(sampleCheckpoint())
	if !bytes.Equal(data, again) {
		t.Error("two encodings of the same checkpoint differ")
	}
}

func floatBits(v []float32) []byte {
	var out []byte
	for _, f := range v {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(f))
	}
	return out
}

func TestEncodeRejectsShapeMismatch(t *testing.T) {
	ck := &Checkpoint{Params: map[string]Tensor{"w": {Shape: []int{2, 3}, Data: make([]float32, 5)}}}
	_, err := EncodeCheckpoint(ck)
	if err == nil || !strings.Contains(err.Error(), "w has shape [2 3] (6 values) but 5") {
		t.Errorf("error %v, want one naming the parameter and both sizes", err)
	}
}

func TestCorruptChecksumDetected(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.ckpt")
	if err := WriteCheckpoint(path, sampleCheckpoint()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	data[len(data)-3] ^= 0x40
	os.WriteFile(path, data, 0o644)

	_, err := ReadCheckpoint(path)
	var corrupt *CorruptError
	if !errors.As(err, &corrupt) {
		t.Fatalf("error %v, want a *CorruptError", err)
	}
	msg := err.Error()
	for _, want := range []string{path, "SHA-256", "delete it"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestTruncatedCheckpointDetected(t *testing.T) {
	data, _ := EncodeCheckpoint(sampleCheckpoint())
	for _, n := range []int{0, 7, headerLen - 1, headerLen, len(data) / 2, len(data) - 1} {
		if _, err := DecodeCheckpoint(data[:n]); err == nil {
			t.Errorf("truncated to %d of %d bytes: no error", n, len(data))
		}
	}
	other := append([]byte("NOTACKPT"), data[8:]...)
	if _, err := DecodeCheckpoint(other); err == nil || !strings.Contains(err.Error(), "not a checkpoint") {
		t.Errorf("wrong magic: error %v", err)
	}
	newer := bytes.Clone(data)
	binary.LittleEndian.PutUint32(newer[8:], 99)
	if _, err := DecodeCheckpoint(newer); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("unknown version: error %v", err)
	}
}

// A payload with a valid checksum but inconsistent content, as a bug in a
// writer could produce, must give an error, never a panic or a huge
// allocation.
func TestDecodeBadPayloadWithValidChecksum(t *testing.T) {
	data, _ := EncodeCheckpoint(sampleCheckpoint())
	payload := data[headerLen:]
	for cut := 0; cut < len(payload); cut++ {
		for _, b := range []byte{0x00, 0xff} {
			bad := bytes.Clone(payload)
			bad[cut] = b
			// Some single-byte changes keep the content valid (a float's
			// bits, a character of a name); the decoder just must not
			// panic on any of them.
			DecodeCheckpoint(withHeader(bad))
		}
		if _, err := DecodeCheckpoint(withHeader(payload[:cut])); err == nil {
			t.Errorf("payload cut to %d of %d bytes with a matching checksum decoded without error", cut, len(payload))
		}
	}
}

func withHeader(payload []byte) []byte {
	out := make([]byte, headerLen)
	copy(out, checkpointMagic)
	binary.LittleEndian.PutUint32(out[8:], checkpointVersion)
	binary.LittleEndian.PutUint64(out[12:], uint64(len(payload)))
	sum := sha256.Sum256(payload)
	copy(out[20:], sum[:])
	return append(out, payload...)
}

func FuzzDecodeCheckpoint(f *testing.F) {
	data, _ := EncodeCheckpoint(sampleCheckpoint())
	f.Add(data[headerLen:])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		DecodeCheckpoint(withHeader(payload))
	})
}

func newRun(t *testing.T) *Run {
	t.Helper()
	r, err := Create(t.TempDir(), "exp", map[string]any{"test": t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestSaveKeepsPreviousCheckpoint(t *testing.T) {
	r := newRun(t)
	if err := r.SaveCheckpoint("last", &Checkpoint{Epoch: 1}); err != nil {
		t.Fatal(err)
	}
	if err := r.SaveCheckpoint("last", &Checkpoint{Epoch: 2}); err != nil {
		t.Fatal(err)
	}
	latest, err := ReadCheckpoint(r.Path("last.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	prev, err := ReadCheckpoint(r.Path("last.prev.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if latest.Epoch != 2 || prev.Epoch != 1 {
		t.Errorf("latest epoch %d and previous %d, want 2 and 1", latest.Epoch, prev.Epoch)
	}
	entries, _ := os.ReadDir(r.Dir())
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left after saving", e.Name())
		}
	}
}

func TestCrashLeavesPartialTempIgnored(t *testing.T) {
	r := newRun(t)
	if err := r.SaveCheckpoint("last", &Checkpoint{Epoch: 3, Step: 300}); err != nil {
		t.Fatal(err)
	}
	// A process killed while writing the next checkpoint leaves half a
	// temporary file next to the last good one.
	good, _ := EncodeCheckpoint(&Checkpoint{Epoch: 4})
	tmp := r.Path(".last.ckpt.123456.tmp")
	os.WriteFile(tmp, good[:len(good)/2], 0o600)

	ck, err := r.LoadCheckpoint("last")
	if err != nil {
		t.Fatal(err)
	}
	if ck.Epoch != 3 || ck.Step != 300 {
		t.Errorf("loaded epoch %d step %d, want the last good checkpoint (3, 300)", ck.Epoch, ck.Step)
	}

	// Reopening the run removes the stale temporary file.
	r2, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file still present after Open: %v", err)
	}
}

func TestCrashBetweenRenamesLoadsPrevious(t *testing.T) {
	r := newRun(t)
	r.SaveCheckpoint("last", &Checkpoint{Epoch: 1})
	r.SaveCheckpoint("last", &Checkpoint{Epoch: 2})
	// The latest was renamed to the previous, then the process died.
	os.Rename(r.Path("last.ckpt"), r.Path("last.prev.ckpt"))

	ck, err := r.LoadCheckpoint("last")
	if err != nil {
		t.Fatal(err)
	}
	if ck.Epoch != 2 {
		t.Errorf("loaded epoch %d, want 2", ck.Epoch)
	}
	// The next save must not lose it.
	if err := r.SaveCheckpoint("last", &Checkpoint{Epoch: 3}); err != nil {
		t.Fatal(err)
	}
	prev, err := ReadCheckpoint(r.Path("last.prev.ckpt"))
	if err != nil || prev.Epoch != 2 {
		t.Errorf("previous checkpoint after save: %v, %v; want epoch 2", prev, err)
	}
}

func TestCorruptLatestKeepsRun(t *testing.T) {
	r := newRun(t)
	r.SaveCheckpoint("last", &Checkpoint{Epoch: 1})
	r.SaveCheckpoint("last", &Checkpoint{Epoch: 2})
	data, _ := os.ReadFile(r.Path("last.ckpt"))
	os.WriteFile(r.Path("last.ckpt"), data[:len(data)-4], 0o644)

	_, err := r.LoadCheckpoint("last")
	var corrupt *CorruptError
	if !errors.As(err, &corrupt) {
		t.Fatalf("error %v, want a *CorruptError", err)
	}
	if corrupt.Previous != r.Path("last.prev.ckpt") || !strings.Contains(err.Error(), "delete it to resume from the previous checkpoint") {
		t.Errorf("error %q does not point at the previous checkpoint", err)
	}

	var console strings.Builder
	if _, err := r.Logger(&console); err != nil {
		t.Fatal(err)
	}
	ck, err := r.RecoverCheckpoint("last")
	if err != nil {
		t.Fatal(err)
	}
	if ck.Epoch != 1 {
		t.Errorf("recovered epoch %d, want 1 from the previous checkpoint", ck.Epoch)
	}
	if !strings.Contains(console.String(), "damaged") {
		t.Errorf("no warning logged for the fallback; console: %q", console.String())
	}

	// With both files damaged there is nothing to recover.
	os.WriteFile(r.Path("last.prev.ckpt"), []byte("junk"), 0o644)
	if _, err := r.RecoverCheckpoint("last"); err == nil {
		t.Error("RecoverCheckpoint succeeded with both checkpoints damaged")
	}
}

func TestLoadMissingCheckpoint(t *testing.T) {
	r := newRun(t)
	if r.HasCheckpoint("last") {
		t.Error("new run reports a checkpoint")
	}
	if _, err := r.LoadCheckpoint("last"); !errors.Is(err, ErrNoCheckpoint) {
		t.Errorf("error %v, want ErrNoCheckpoint", err)
	}
	for _, name := range []string{"", "a/b", "last.prev"} {
		if err := r.SaveCheckpoint(name, &Checkpoint{}); err == nil {
			t.Errorf("SaveCheckpoint accepted name %q", name)
		}
	}
}

func newParam(name string, shape []int, values []float32) *framework.Param {
	return &framework.Param{Name: name, Value: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(values)), Learnable: true}
}

func TestParamsRoundTrip(t *testing.T) {
	params := []*framework.Param{
		newParam("w", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		newParam("b", []int{3}, []float32{7, 8, 9}),
	}
	saved := ParamsFrom(params)
	params[0].Data()[0] = 100 // the snapshot must not alias the model
	if saved["w"].Data[0] != 1 {
		t.Fatalf("ParamsFrom aliases the parameter data")
	}
	if err := RestoreParams(params, saved); err != nil {
		t.Fatal(err)
	}
	if params[0].Data()[0] != 1 {
		t.Errorf("restored w[0] = %v, want 1", params[0].Data()[0])
	}

	wrong := map[string]Tensor{"w": {Shape: []int{3, 2}, Data: make([]float32, 6)}, "b": saved["b"]}
	params[1].Data()[0] = -1
	err := RestoreParams(params, wrong)
	if err == nil || !strings.Contains(err.Error(), "w has shape [2 3] in the model but [3 2]") {
		t.Errorf("error %v, want one naming w and both shapes", err)
	}
	if params[1].Data()[0] != -1 {
		t.Errorf("a failed restore changed parameter b")
	}

	extra := ParamsFrom(params)
	extra["ghost"] = Tensor{Shape: []int{1}, Data: []float32{0}}
	if err := RestoreParams(params, extra); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("error %v, want one naming the extra entry", err)
	}
	if err := RestoreParams(params, map[string]Tensor{"w": saved["w"]}); err == nil || !strings.Contains(err.Error(), "no parameter b") {
		t.Errorf("error %v, want one naming the missing parameter", err)
	}
}

func BenchmarkEncodeCheckpoint1M(b *testing.B) {
	ck := &Checkpoint{Params: map[string]Tensor{"w": {Shape: []int{1 << 20}, Data: make([]float32, 1<<20)}}}
	b.SetBytes(4 << 20)
	for b.Loop() {
		if _, err := EncodeCheckpoint(ck); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeCheckpoint1M(b *testing.B) {
	data, _ := EncodeCheckpoint(&Checkpoint{Params: map[string]Tensor{"w": {Shape: []int{1 << 20}, Data: make([]float32, 1<<20)}}})
	b.SetBytes(4 << 20)
	for b.Loop() {
		if _, err := DecodeCheckpoint(data); err != nil {
			b.Fatal(err)
		}
	}
}
