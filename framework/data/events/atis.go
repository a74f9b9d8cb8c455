package events

import (
	"fmt"
	"os"
)

// ATIS binary layout (N-MNIST, N-Caltech101): 5-byte records, no header.
// Byte 0 is x, byte 1 is y, bit 7 of byte 2 the polarity, and the other 23
// bits (byte 2 low 7 bits, byte 3, byte 4, most significant first) the
// timestamp in µs.
const (
	atisRecordSize = 5
	// atisOverflowY marks a timestamp-overflow record rather than an event.
	atisOverflowY = 240
	// atisOverflowStep is added to all later timestamps after an overflow
	// record, as the dataset authors' reference reader does.
	atisOverflowStep = 1 << 13
)

// ReadATIS reads an N-MNIST or N-Caltech101 recording.
func ReadATIS(path string) ([]Event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("atis: %w", err)
	}
	evs, err := DecodeATIS(b)
	if err != nil {
		return nil, fmt.Errorf("atis: %s: %w", path, err)
	}
	return evs, nil
}

// DecodeATIS decodes ATIS records. A record with y = 240 is a
// timestamp-overflow marker: it is dropped and 8 192 µs are added to every
// later timestamp.
func DecodeATIS(b []byte) ([]Event, error) {
	if len(b)%atisRecordSize != 0 {
		whole := len(b) / atisRecordSize * atisRecordSize
		return nil, fmt.Errorf("%d bytes is not a multiple of the %d-byte record: the record at offset %d is cut after %d bytes; the file is truncated, download it again",
			len(b), atisRecordSize, whole, len(b)-whole)
	}
	evs := make([]Event, 0, len(b)/atisRecordSize)
	var offset int64
	for i := 0; i < len(b); i += atisRecordSize {
		r := b[i : i+atisRecordSize]
		if r[1] == atisOverflowY {
			offset += atisOverflowStep
			continue
		}
		t := int64(r[2]&0x7f)<<16 | int64(r[3])<<8 | int64(r[4])
		evs = append(evs, Event{T: t + offset, X: uint16(r[0]), Y: uint16(r[1]), P: r[2] >> 7})
	}
	return evs, nil
}
