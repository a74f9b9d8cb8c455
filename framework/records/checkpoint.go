package records

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/records/atomicfile"
)

// Tensor is a saved parameter: its shape and its values in row-major
// order, len(Data) = product of Shape.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Checkpoint is everything needed to continue a run as if it had never
// stopped.
type Checkpoint struct {
	Params    map[string]Tensor    // model parameters and buffers by name
	Optimizer map[string][]float32 // optimiser state, as from Optimizer.State

	Epoch int64 // epochs completed
	Step  int64 // optimisation steps completed
	Batch int64 // batches of the current epoch already consumed

	// Counters holds further integer positions, such as a data loader's
	// shuffle cursor.
	Counters map[string]int64
	// Blobs holds opaque state, such as an RNG's MarshalBinary output.
	Blobs map[string][]byte
	// Metadata holds free text, such as the plugin names and versions or
	// the checksum of the binary that wrote the checkpoint.
	Metadata map[string]string

	// MetricsOffset is the length of metrics.jsonl when the checkpoint
	// was saved; Run.SaveCheckpoint sets it and Run.Rewind uses it.
	MetricsOffset int64
}

// Checkpoint file format, version 1. All integers are little-endian.
//
//	header (52 bytes)
//	  magic           8 bytes  "SNNLCKPT"
//	  version         uint32   1
//	  payload length  uint64
//	  payload SHA-256 32 bytes
//	payload
//	  epoch, step, batch, metrics offset   int64 each
//	  counters   uint32 n, then n × (string key, int64)
//	  metadata   uint32 n, then n × (string key, string value)
//	  blobs      uint32 n, then n × (string key, bytes)
//	  params     uint32 n, then n × (string name, uint32 rank, rank × uint32 dims,
//	                                  uint64 count, count × float32)
//	  optimizer  uint32 n, then n × (string name, uint64 count, count × float32)
//
// A string or bytes value is a uint32 length followed by the bytes; floats
// are IEEE 754 bits. Map entries are sorted by key, so the same checkpoint
// always gives the same bytes.
const (
	checkpointMagic   = "SNNLCKPT"
	checkpointVersion = 1
	headerLen         = 8 + 4 + 8 + sha256.Size
	checkpointExt     = ".ckpt"
	previousSuffix    = ".prev"
)

// ErrNoCheckpoint is wrapped by the error of LoadCheckpoint when the run
// has no checkpoint of that name.
var ErrNoCheckpoint = errors.New("no checkpoint")

// CorruptError reports a checkpoint file that is truncated, damaged or not
// a checkpoint.
type CorruptError struct {
	Path     string
	Reason   string
	Previous string // path of an intact earlier checkpoint, or ""
}

func (e *CorruptError) Error() string {
	if e.Previous != "" {
		return fmt.Sprintf("records: checkpoint %s is damaged (%s); delete it to resume from the previous checkpoint %s", e.Path, e.Reason, e.Previous)
	}
	return fmt.Sprintf("records: checkpoint %s is damaged (%s); delete it, and resume from an earlier checkpoint if there is one or start the run again", e.Path, e.Reason)
}

// EncodeCheckpoint returns the file content of ck in the format above.
func EncodeCheckpoint(ck *Checkpoint) ([]byte, error) {
	size := 1024
	for _, t := range ck.Params {
		size += 4*len(t.Data) + 64
	}
	for _, v := range ck.Optimizer {
		size += 4*len(v) + 64
	}
	// The header is filled in at the end, once the payload's hash is known.
	p := encoder{buf: make([]byte, headerLen, headerLen+size)}
	p.i64(ck.Epoch)
	p.i64(ck.Step)
	p.i64(ck.Batch)
	p.i64(ck.MetricsOffset)

	p.u32(uint32(len(ck.Counters)))
	for _, k := range sortedKeys(ck.Counters) {
		p.str(k)
		p.i64(ck.Counters[k])
	}
	p.u32(uint32(len(ck.Metadata)))
	for _, k := range sortedKeys(ck.Metadata) {
		p.str(k)
		p.str(ck.Metadata[k])
	}
	p.u32(uint32(len(ck.Blobs)))
	for _, k := range sortedKeys(ck.Blobs) {
		p.str(k)
		p.str(string(ck.Blobs[k]))
	}

	p.u32(uint32(len(ck.Params)))
	for _, name := range sortedKeys(ck.Params) {
		t := ck.Params[name]
		n := 1
		for _, d := range t.Shape {
			if d < 0 || d > math.MaxUint32 {
				return nil, fmt.Errorf("records: checkpoint parameter %s has shape %v; dimensions must be in [0, 2³²)", name, t.Shape)
			}
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("records: checkpoint parameter %s has shape %v (%d values) but %d values of data", name, t.Shape, n, len(t.Data))
		}
		p.str(name)
		p.u32(uint32(len(t.Shape)))
		for _, d := range t.Shape {
			p.u32(uint32(d))
		}
		p.floats(t.Data)
	}
	p.u32(uint32(len(ck.Optimizer)))
	for _, name := range sortedKeys(ck.Optimizer) {
		p.str(name)
		p.floats(ck.Optimizer[name])
	}

	out := p.buf
	payload := out[headerLen:]
	copy(out, checkpointMagic)
	binary.LittleEndian.PutUint32(out[8:], checkpointVersion)
	binary.LittleEndian.PutUint64(out[12:], uint64(len(payload)))
	sum := sha256.Sum256(payload)
	copy(out[20:], sum[:])
	return out, nil
}

// DecodeCheckpoint parses file content written by EncodeCheckpoint. It
// checks the magic, the version, the length and the SHA-256 before reading
// anything, so a truncated or damaged file is an error, never a partly
// filled checkpoint. The error text is the reason alone, without a path.
func DecodeCheckpoint(data []byte) (*Checkpoint, error) {
	if len(data) < headerLen {
		return nil, fmt.Errorf("%d bytes, shorter than the %d-byte header: the file is truncated", len(data), headerLen)
	}
	if string(data[:8]) != checkpointMagic {
		return nil, fmt.Errorf("starts with %q, not %q: not a checkpoint file", data[:8], checkpointMagic)
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != checkpointVersion {
		return nil, fmt.Errorf("format version %d; this build reads version %d", v, checkpointVersion)
	}
	payload := data[headerLen:]
	if n := binary.LittleEndian.Uint64(data[12:]); n != uint64(len(payload)) {
		return nil, fmt.Errorf("payload is %d bytes but the header records %d: the file is truncated or was extended", len(payload), n)
	}
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], data[20:headerLen]) {
		return nil, fmt.Errorf("SHA-256 of the payload does not match the header: the file is damaged")
	}

	d := decoder{buf: payload}
	ck := &Checkpoint{
		Epoch:         d.i64(),
		Step:          d.i64(),
		Batch:         d.i64(),
		MetricsOffset: d.i64(),
		Counters:      map[string]int64{},
		Metadata:      map[string]string{},
		Blobs:         map[string][]byte{},
		Params:        map[string]Tensor{},
		Optimizer:     map[string][]float32{},
	}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		k := d.str()
		ck.Counters[k] = d.i64()
	}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		k := d.str()
		ck.Metadata[k] = d.str()
	}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		k := d.str()
		ck.Blobs[k] = []byte(d.str())
	}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		name := d.str()
		rank := d.count()
		shape := make([]int, 0, min(rank, 16))
		size := uint64(1)
		for ; rank > 0 && d.err == nil; rank-- {
			dim := uint64(d.u32())
			size *= dim
			shape = append(shape, int(dim))
		}
		data := d.floats()
		if d.err == nil && uint64(len(data)) != size {
			d.fail(fmt.Sprintf("parameter %s has shape %v but %d values", name, shape, len(data)))
		}
		ck.Params[name] = Tensor{Shape: shape, Data: data}
	}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		name := d.str()
		ck.Optimizer[name] = d.floats()
	}
	if d.err == nil && len(d.buf) != 0 {
		d.fail(fmt.Sprintf("%d bytes left after the last section", len(d.buf)))
	}
	if d.err != nil {
		return nil, d.err
	}
	return ck, nil
}

// WriteCheckpoint writes ck to path atomically: a temporary file in the
// same folder, synced, then renamed over path, then the folder synced.
func WriteCheckpoint(path string, ck *Checkpoint) error {
	data, err := EncodeCheckpoint(ck)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("records: %w", err)
	}
	return nil
}

// ReadCheckpoint reads and verifies the checkpoint at path. A file that
// fails verification gives a *CorruptError.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("records: read checkpoint: %w", err)
	}
	ck, err := DecodeCheckpoint(data)
	if err != nil {
		return nil, &CorruptError{Path: path, Reason: err.Error()}
	}
	return ck, nil
}

// checkpointPaths returns the paths of the latest and previous checkpoint
// called name.
func (r *Run) checkpointPaths(name string) (latest, previous string, err error) {
	if err := checkName("checkpoint name", name); err != nil {
		return "", "", err
	}
	if strings.HasSuffix(name, previousSuffix) {
		return "", "", fmt.Errorf("records: checkpoint name %q must not end in %q, which marks the previous checkpoint", name, previousSuffix)
	}
	return r.Path(name + checkpointExt), r.Path(name + previousSuffix + checkpointExt), nil
}

// SaveCheckpoint stores ck as <name>.ckpt in the run folder, after setting
// ck.MetricsOffset to the current length of metrics.jsonl. The existing
// <name>.ckpt, if any, becomes <name>.prev.ckpt, so that a damaged latest
// file still leaves an intact checkpoint to resume from.
//
// The steps are: write a temporary file and sync it, rename the latest to
// the previous, rename the temporary file to the latest, sync the folder.
// A crash between the two renames leaves no latest file, and
// LoadCheckpoint then reads the previous one.
func (r *Run) SaveCheckpoint(name string, ck *Checkpoint) error {
	latest, previous, err := r.checkpointPaths(name)
	if err != nil {
		return err
	}
	r.mu.Lock()
	ck.MetricsOffset = r.metricsSize
	r.mu.Unlock()
	data, err := EncodeCheckpoint(ck)
	if err != nil {
		return err
	}

	tmp, err := os.CreateTemp(r.dir, "."+name+checkpointExt+".*.tmp")
	if err != nil {
		return fmt.Errorf("records: save checkpoint %s: %w", latest, err)
	}
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Chmod(atomicfile.Perm)
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("records: save checkpoint %s: %w", latest, werr)
	}

	if err := os.Rename(latest, previous); err != nil && !errors.Is(err, fs.ErrNotExist) {
		os.Remove(tmp.Name())
		return fmt.Errorf("records: save checkpoint: keep the previous one: %w", err)
	}
	if err := os.Rename(tmp.Name(), latest); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("records: save checkpoint %s: %w", latest, err)
	}
	if err := atomicfile.SyncDir(r.dir); err != nil {
		return fmt.Errorf("records: save checkpoint %s: %w", latest, err)
	}
	return nil
}

// HasCheckpoint reports whether the run has a checkpoint called name,
// latest or previous, intact or not.
func (r *Run) HasCheckpoint(name string) bool {
	latest, previous, err := r.checkpointPaths(name)
	if err != nil {
		return false
	}
	for _, p := range []string{latest, previous} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// LoadCheckpoint reads <name>.ckpt, or <name>.prev.ckpt when the latest
// file does not exist (a crash during SaveCheckpoint). A damaged latest
// file gives a *CorruptError whose message names it and, if the previous
// file is intact, tells the user to delete the latest to resume from the
// previous one. With no checkpoint at all the error wraps ErrNoCheckpoint.
func (r *Run) LoadCheckpoint(name string) (*Checkpoint, error) {
	latest, previous, err := r.checkpointPaths(name)
	if err != nil {
		return nil, err
	}
	ck, err := ReadCheckpoint(latest)
	var corrupt *CorruptError
	switch {
	case err == nil:
		return ck, nil
	case errors.As(err, &corrupt):
		if _, perr := ReadCheckpoint(previous); perr == nil {
			corrupt.Previous = previous
		}
		return nil, corrupt
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}

	ck, err = ReadCheckpoint(previous)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("records: run %s has no checkpoint %q: %w", r.id, name, ErrNoCheckpoint)
	}
	return ck, err
}

// RecoverCheckpoint is LoadCheckpoint that falls back to <name>.prev.ckpt
// when the latest file is damaged, logging a warning through the run
// logger that names the damaged file. It still fails if both are damaged.
func (r *Run) RecoverCheckpoint(name string) (*Checkpoint, error) {
	ck, err := r.LoadCheckpoint(name)
	var corrupt *CorruptError
	if !errors.As(err, &corrupt) || corrupt.Previous == "" {
		return ck, err
	}
	ck, perr := ReadCheckpoint(corrupt.Previous)
	if perr != nil {
		return nil, err
	}
	r.logger().Warn().Str("damaged", corrupt.Path).Str("reason", corrupt.Reason).Str("using", corrupt.Previous).
		Msg("latest checkpoint is damaged; resuming from the previous one")
	return ck, nil
}

// ParamsFrom copies the values of params into a map for
// Checkpoint.Params.
func ParamsFrom(params []*framework.Param) map[string]Tensor {
	out := make(map[string]Tensor, len(params))
	for _, p := range params {
		out[p.Name] = Tensor{
			Shape: append([]int(nil), p.Value.Shape()...),
			Data:  append([]float32(nil), p.Data()...),
		}
	}
	return out
}

// RestoreParams copies saved values into params in place. Every parameter
// must be present with the same shape. Extra saved entries are an error
// too, because they mean the model differs from the one that was saved.
func RestoreParams(params []*framework.Param, saved map[string]Tensor) error {
	seen := make(map[string]bool, len(params))
	for _, p := range params {
		t, ok := saved[p.Name]
		if !ok {
			return fmt.Errorf("records: checkpoint has no parameter %s; it was saved from a different model", p.Name)
		}
		shape := []int(p.Value.Shape())
		if !equalInts(shape, t.Shape) || len(t.Data) != len(p.Data()) {
			return fmt.Errorf("records: parameter %s has shape %v in the model but %v in the checkpoint; it was saved from a different model", p.Name, shape, t.Shape)
		}
		seen[p.Name] = true
	}
	for name := range saved {
		if !seen[name] {
			return fmt.Errorf("records: checkpoint parameter %s is not in the model; it was saved from a different model", name)
		}
	}

	// Copy only after every check passed, so a mismatch changes nothing.
	for _, p := range params {
		copy(p.Data(), saved[p.Name].Data)
	}
	return nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
