package events

import (
	"encoding/binary"
	"fmt"
)

// lz4FrameMagic starts every LZ4 frame (little-endian).
const lz4FrameMagic = 0x184D2204

// decodeLZ4Frame decompresses one LZ4 frame (format version 01). Linked
// and independent blocks are both handled because every block is decoded
// into the same output buffer. Checksums are skipped, not verified.
func decodeLZ4Frame(src []byte) ([]byte, error) {
	if len(src) < 7 || binary.LittleEndian.Uint32(src) != lz4FrameMagic {
		return nil, fmt.Errorf("LZ4 frame: missing magic number 0x%08x", lz4FrameMagic)
	}
	flg := src[4]
	if flg>>6 != 1 {
		return nil, fmt.Errorf("LZ4 frame: version %d, want 1", flg>>6)
	}
	pos := 6 // magic, FLG, BD
	if flg&0x08 != 0 {
		pos += 8 // content size
	}
	if flg&0x01 != 0 {
		pos += 4 // dictionary id
	}
	pos++ // header checksum
	blockChecksum := flg&0x10 != 0

	var out []byte
	for {
		if pos+4 > len(src) {
			return nil, fmt.Errorf("LZ4 frame: truncated at offset %d before the end mark", pos)
		}
		size := binary.LittleEndian.Uint32(src[pos:])
		pos += 4
		if size == 0 {
			return out, nil
		}
		n := int(size & 0x7fffffff)
		if pos+n > len(src) {
			return nil, fmt.Errorf("LZ4 frame: block of %d bytes at offset %d runs past the end (%d bytes)", n, pos, len(src))
		}
		block := src[pos : pos+n]
		pos += n
		if blockChecksum {
			pos += 4
		}
		if size&0x80000000 != 0 {
			out = append(out, block...)
			continue
		}
		var err error
		if out, err = decodeLZ4Block(block, out); err != nil {
			return nil, err
		}
	}
}

// decodeLZ4Block appends the decompressed LZ4 block src to out. Matches may
// reach back into earlier blocks already in out.
func decodeLZ4Block(src, out []byte) ([]byte, error) {
	pos := 0
	for pos < len(src) {
		token := src[pos]
		pos++

		lit := int(token >> 4)
		if lit == 15 {
			for {
				if pos >= len(src) {
					return nil, fmt.Errorf("LZ4 block: literal length runs past the end")
				}
				b := src[pos]
				pos++
				lit += int(b)
				if b != 255 {
					break
				}
			}
		}
		if pos+lit > len(src) {
			return nil, fmt.Errorf("LZ4 block: %d literals at offset %d run past the end", lit, pos)
		}
		out = append(out, src[pos:pos+lit]...)
		pos += lit
		if pos == len(src) {
			return out, nil // the last sequence has literals only
		}

		if pos+2 > len(src) {
			return nil, fmt.Errorf("LZ4 block: match offset at %d runs past the end", pos)
		}
		offset := int(binary.LittleEndian.Uint16(src[pos:]))
		pos += 2
		match := int(token&15) + 4
		if token&15 == 15 {
			for {
				if pos >= len(src) {
					return nil, fmt.Errorf("LZ4 block: match length runs past the end")
				}
				b := src[pos]
				pos++
				match += int(b)
				if b != 255 {
					break
				}
			}
		}
		if offset == 0 || offset > len(out) {
			return nil, fmt.Errorf("LZ4 block: match offset %d with %d bytes decoded", offset, len(out))
		}
		// Byte by byte, because a match may overlap the bytes it produces.
		start := len(out) - offset
		for k := 0; k < match; k++ {
			out = append(out, out[start+k])
		}
	}
	return out, nil
}
