package events

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
)

// CIFAR10DVSSize is the side of the DVS128 sensor CIFAR10-DVS was recorded with.
const CIFAR10DVSSize = 128

// ReadAEDAT2 reads an AEDAT 2.0 (jAER) recording from a DVS128 sensor, the
// format of the original CIFAR10-DVS release: ASCII header lines starting
// with '#' (the first is "#!AER-DAT2.0"), then 8-byte records of two
// big-endian uint32, address and timestamp in µs. In the address bit 0 is
// the polarity bit, bits 1–7 the sensor x and bits 8–14 the sensor y.
//
// snnlab maps sensor coordinates to image coordinates with
// X = 127 − sensor y, Y = 127 − sensor x, and P = 1 − polarity bit, so that
// frames appear upright. Readers of this dataset differ here; models
// trained with another convention see transposed or flipped frames.
//
// NOTE: no CIFAR10-DVS recording was available while writing this reader.
// It is tested only on files built byte by byte from the published layout.
func ReadAEDAT2(path string) ([]Event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("aedat2: %w", err)
	}
	evs, err := DecodeAEDAT2(b)
	if err != nil {
		return nil, fmt.Errorf("aedat2: %s: %w", path, err)
	}
	return evs, nil
}

// DecodeAEDAT2 decodes an AEDAT 2.0 file held in memory; see ReadAEDAT2.
func DecodeAEDAT2(b []byte) ([]Event, error) {
	if !bytes.HasPrefix(b, []byte("#!AER-DAT2.0")) {
		n := min(len(b), 12)
		return nil, fmt.Errorf("starts with %q, want the header line \"#!AER-DAT2.0\": the file is not AEDAT 2.0 (AEDAT 4.0 files start with \"#!AER-DAT4.0\"; read them with ReadAEDAT4)", b[:n])
	}
	// Header lines start with '#' and end with "\r\n" or "\n".
	pos := 0
	for pos < len(b) && b[pos] == '#' {
		nl := bytes.IndexByte(b[pos:], '\n')
		if nl < 0 {
			return nil, fmt.Errorf("header line at offset %d has no line end: the file is truncated", pos)
		}
		pos += nl + 1
	}

	data := b[pos:]
	const record = 8
	if len(data)%record != 0 {
		whole := len(data) / record * record
		return nil, fmt.Errorf("%d bytes of events after the %d-byte header is not a multiple of the %d-byte record: the record at offset %d is cut after %d bytes; the file is truncated, download it again",
			len(data), pos, record, pos+whole, len(data)-whole)
	}
	evs := make([]Event, 0, len(data)/record)
	for i := 0; i < len(data); i += record {
		addr := binary.BigEndian.Uint32(data[i:])
		t := binary.BigEndian.Uint32(data[i+4:])
		sx := (addr >> 1) & 0x7f
		sy := (addr >> 8) & 0x7f
		evs = append(evs, Event{
			T: int64(t),
			X: uint16(CIFAR10DVSSize - 1 - sy),
			Y: uint16(CIFAR10DVSSize - 1 - sx),
			P: uint8(1 - addr&1),
		})
	}
	return evs, nil
}
