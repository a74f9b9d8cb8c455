package records

import (
	"encoding/binary"
	"fmt"
	"math"
)

// encoder appends little-endian values to buf.
type encoder struct{ buf []byte }

func (e *encoder) u32(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }
func (e *encoder) i64(v int64)  { e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(v)) }

func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) floats(v []float32) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(len(v)))
	for _, f := range v {
		e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(f))
	}
}

// decoder reads what encoder wrote. After the first failure every read
// returns a zero value and err keeps the first reason, so callers check
// err once at the end.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(reason string) {
	if d.err == nil {
		d.err = fmt.Errorf("invalid content: %s", reason)
	}
	d.buf = nil
}

func (d *decoder) take(n uint64, field string) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.fail(fmt.Sprintf("%s needs %d bytes but %d remain", field, n, len(d.buf)))
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) u32() uint32 {
	b := d.take(4, "uint32")
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (d *decoder) i64() int64 {
	b := d.take(8, "int64")
	if b == nil {
		return 0
	}
	return int64(binary.LittleEndian.Uint64(b))
}

// count reads an entry count. Each entry takes at least 4 bytes, so a
// count above a quarter of the bytes left is invalid, and rejecting it
// keeps a bad count from allocating much.
func (d *decoder) count() int {
	n := uint64(d.u32())
	if n > uint64(len(d.buf))/4+1 {
		d.fail(fmt.Sprintf("count %d exceeds the %d bytes left", n, len(d.buf)))
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.u32()
	return string(d.take(uint64(n), "string"))
}

func (d *decoder) floats() []float32 {
	b := d.take(8, "float count")
	if b == nil {
		return nil
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(d.buf))/4 {
		d.fail(fmt.Sprintf("%d floats need more than the %d bytes left", n, len(d.buf)))
		return nil
	}
	raw := d.take(4*n, "floats")
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}
