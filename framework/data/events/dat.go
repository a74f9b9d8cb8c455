package events

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
)

// ReadDAT reads a Prophesee/Chronocam .dat file, version 2, the format of
// N-CARS. The file starts with header lines beginning with '%', then one
// byte event type (0 for change-detection events) and one byte event size
// (8). Each record is two little-endian uint32: the timestamp in µs, and a
// word with x in bits 0–13, y in bits 14–27 and polarity in bits 28–31.
func ReadDAT(path string) ([]Event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dat: %w", err)
	}
	pos := 0
	for pos < len(b) && b[pos] == '%' {
		nl := bytes.IndexByte(b[pos:], '\n')
		if nl < 0 {
			return nil, fmt.Errorf("dat: %s: header line at offset %d has no line end: the file is truncated", path, pos)
		}
		pos += nl + 1
	}
	if len(b) < pos+2 {
		return nil, fmt.Errorf("dat: %s: file ends at offset %d inside the header: the file is truncated", path, len(b))
	}
	if typ, size := b[pos], b[pos+1]; typ != 0 || size != 8 {
		return nil, fmt.Errorf("dat: %s: event type %d and size %d at offset %d, want 0 and 8 (change-detection events): this .dat variant is not supported", path, typ, size, pos)
	}
	pos += 2

	data := b[pos:]
	if len(data)%8 != 0 {
		whole := len(data) / 8 * 8
		return nil, fmt.Errorf("dat: %s: the record at offset %d is cut after %d of 8 bytes: the file is truncated, download it again", path, pos+whole, len(data)-whole)
	}
	evs := make([]Event, 0, len(data)/8)
	for i := 0; i < len(data); i += 8 {
		t := binary.LittleEndian.Uint32(data[i:])
		w := binary.LittleEndian.Uint32(data[i+4:])
		evs = append(evs, Event{T: int64(t), X: uint16(w & 0x3fff), Y: uint16(w >> 14 & 0x3fff), P: uint8(min(w>>28, 1))})
	}
	return evs, nil
}
