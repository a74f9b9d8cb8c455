package events

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"os"
	"strconv"
)

// Recording4 is the polarity-event content of an AEDAT 4.0 file.
type Recording4 struct {
	Events        []Event
	Width, Height int // sensor size from the file's stream description
}

// ReadAEDAT4 reads the polarity events of an AEDAT 4.0 file (iniVation DV
// software; also the form in which some copies of CIFAR10-DVS are
// distributed). Layout: the line "#!AER-DAT4.0\r\n", a little-endian int32
// length and a FlatBuffer header holding the compression and an XML
// description of the streams, then packets of int32 stream id, int32
// length and payload up to the packet table. Payloads of the event stream
// (type EVTS) are size-prefixed FlatBuffers, LZ4-compressed or plain, that
// hold 16-byte events: int64 timestamp in µs, int16 x, int16 y, one byte
// polarity. Timestamps are kept absolute. Other streams (IMU, triggers,
// frames) are skipped. Zstandard-compressed files are not supported.
func ReadAEDAT4(path string) (*Recording4, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("aedat4: %w", err)
	}
	rec, err := DecodeAEDAT4(b)
	if err != nil {
		return nil, fmt.Errorf("aedat4: %s: %w", path, err)
	}
	return rec, nil
}

// ReadAEDAT4Events returns only the events of ReadAEDAT4, as a Reader.
func ReadAEDAT4Events(path string) ([]Event, error) {
	rec, err := ReadAEDAT4(path)
	if err != nil {
		return nil, err
	}
	return rec.Events, nil
}

const aedat4Magic = "#!AER-DAT4.0\r\n"

// DecodeAEDAT4 decodes an AEDAT 4.0 file held in memory; see ReadAEDAT4.
func DecodeAEDAT4(b []byte) (*Recording4, error) {
	if !bytes.HasPrefix(b, []byte(aedat4Magic)) {
		return nil, fmt.Errorf("starts with %q, want %q: the file is not AEDAT 4.0", b[:min(len(b), len(aedat4Magic))], aedat4Magic)
	}
	pos := len(aedat4Magic)
	if pos+4 > len(b) {
		return nil, fmt.Errorf("file ends at offset %d before the header length: the file is truncated", len(b))
	}
	headerLen := int(int32(binary.LittleEndian.Uint32(b[pos:])))
	pos += 4
	if headerLen <= 0 || pos+headerLen > len(b) {
		return nil, fmt.Errorf("header length %d at offset %d does not fit the %d-byte file: the file is truncated or corrupt", headerLen, pos-4, len(b))
	}
	header := fb(b[pos : pos+headerLen])
	pos += headerLen

	root, err := header.root(0)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	compression, _ := header.scalar32(root, 0)
	tablePos, _ := header.scalar64(root, 1)
	info, err := header.str(root, 2)
	if err != nil {
		return nil, fmt.Errorf("header stream description: %w", err)
	}
	if compression != 0 && compression != 1 && compression != 2 {
		return nil, fmt.Errorf("compression type %d is not supported (0 none and 1–2 LZ4 are): convert the file with LZ4 compression", compression)
	}
	stream, width, height, err := eventStream(info)
	if err != nil {
		return nil, err
	}

	end := len(b)
	if tablePos > 0 && int(tablePos) <= len(b) {
		end = int(tablePos)
	}
	rec := &Recording4{Width: width, Height: height}
	for pos < end {
		if pos+8 > end {
			return nil, fmt.Errorf("packet header at offset %d is cut by the end of the data at %d: the file is truncated", pos, end)
		}
		id := int32(binary.LittleEndian.Uint32(b[pos:]))
		size := int(int32(binary.LittleEndian.Uint32(b[pos+4:])))
		if size < 0 || pos+8+size > end {
			return nil, fmt.Errorf("packet at offset %d declares %d bytes, past the end of the data at %d: the file is truncated", pos, size, end)
		}
		payload := b[pos+8 : pos+8+size]
		if id == stream {
			if err := appendEvents(rec, payload, compression != 0); err != nil {
				return nil, fmt.Errorf("event packet at offset %d: %w", pos, err)
			}
		}
		pos += 8 + size
	}
	return rec, nil
}

// appendEvents decodes one event packet payload.
func appendEvents(rec *Recording4, payload []byte, compressed bool) error {
	if compressed {
		var err error
		if payload, err = decodeLZ4Frame(payload); err != nil {
			return err
		}
	}
	if len(payload) < 8 {
		return fmt.Errorf("payload of %d bytes is too short for a FlatBuffer", len(payload))
	}
	buf := fb(payload[4:]) // skip the size prefix
	if id := string(buf[4:8]); id != "EVTS" {
		return fmt.Errorf("FlatBuffer identifier %q, want \"EVTS\"", id)
	}
	root, err := buf.root(0)
	if err != nil {
		return err
	}
	start, n, err := buf.vector(root, 0)
	if err != nil {
		return fmt.Errorf("event vector: %w", err)
	}

	const eventSize = 16
	if start+n*eventSize > len(buf) {
		return fmt.Errorf("%d events of %d bytes at offset %d run past the %d-byte packet", n, eventSize, start, len(buf))
	}

	for k := 0; k < n; k++ {
		e := buf[start+k*eventSize:]
		x := int16(binary.LittleEndian.Uint16(e[8:]))
		y := int16(binary.LittleEndian.Uint16(e[10:]))
		if x < 0 || y < 0 {
			return fmt.Errorf("event %d has negative coordinates (%d, %d)", k, x, y)
		}
		rec.Events = append(rec.Events, Event{
			T: int64(binary.LittleEndian.Uint64(e)),
			X: uint16(x),
			Y: uint16(y),
			P: e[12] & 1,
		})
	}
	return nil
}

// xmlNode is one node of the DV configuration tree in the header.
type xmlNode struct {
	Name  string    `xml:"name,attr"`
	Attrs []xmlAttr `xml:"attr"`
	Nodes []xmlNode `xml:"node"`
}

type xmlAttr struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

func (n *xmlNode) attr(key string) string {
	for _, a := range n.Attrs {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// eventStream finds the stream of type EVTS in the header's XML and
// returns its id and sensor size.
func eventStream(info string) (id int32, width, height int, err error) {
	var root xmlNode
	if err := xml.Unmarshal([]byte(info), &root); err != nil {
		return 0, 0, 0, fmt.Errorf("header stream description is not valid XML: %w", err)
	}
	for _, group := range root.Nodes {
		if group.Name != "outInfo" {
			continue
		}
		for _, s := range group.Nodes {
			if s.attr("typeIdentifier") != "EVTS" {
				continue
			}
			n, err := strconv.Atoi(s.Name)
			if err != nil {
				return 0, 0, 0, fmt.Errorf("event stream id %q is not a number", s.Name)
			}
			for _, sub := range s.Nodes {
				if sub.Name == "info" {
					width, _ = strconv.Atoi(sub.attr("sizeX"))
					height, _ = strconv.Atoi(sub.attr("sizeY"))
				}
			}
			return int32(n), width, height, nil
		}
	}
	return 0, 0, 0, fmt.Errorf("no polarity-event stream (typeIdentifier EVTS) found in the header: the file contains no events to read")
}

// fb reads FlatBuffer tables with bounds checks.
type fb []byte

func (f fb) u32(pos int) (uint32, error) {
	if pos < 0 || pos+4 > len(f) {
		return 0, fmt.Errorf("FlatBuffer offset %d outside the %d-byte buffer", pos, len(f))
	}
	return binary.LittleEndian.Uint32(f[pos:]), nil
}

// root returns the position of the root table.
func (f fb) root(pos int) (int, error) {
	off, err := f.u32(pos)
	return pos + int(off), err
}

// field returns the position of field i of the table at pos, or -1 when the
// field is absent.
func (f fb) field(table, i int) (int, error) {
	soff, err := f.u32(table)
	if err != nil {
		return 0, err
	}
	vt := table - int(int32(soff))
	if vt < 0 || vt+4 > len(f) {
		return 0, fmt.Errorf("FlatBuffer vtable at %d outside the buffer", vt)
	}
	vtSize := int(binary.LittleEndian.Uint16(f[vt:]))
	slot := 4 + 2*i
	if slot+2 > vtSize || vt+slot+2 > len(f) {
		return -1, nil
	}
	off := int(binary.LittleEndian.Uint16(f[vt+slot:]))
	if off == 0 {
		return -1, nil
	}
	return table + off, nil
}

func (f fb) scalar32(table, i int) (int32, error) {
	p, err := f.field(table, i)
	if err != nil || p < 0 {
		return 0, err
	}
	v, err := f.u32(p)
	return int32(v), err
}

func (f fb) scalar64(table, i int) (int64, error) {
	p, err := f.field(table, i)
	if err != nil || p < 0 {
		return 0, err
	}
	if p+8 > len(f) {
		return 0, fmt.Errorf("FlatBuffer field at %d outside the buffer", p)
	}
	return int64(binary.LittleEndian.Uint64(f[p:])), nil
}

// vector returns the position of the first element and the length of the
// vector in field i.
func (f fb) vector(table, i int) (start, n int, err error) {
	p, err := f.field(table, i)
	if err != nil {
		return 0, 0, err
	}
	if p < 0 {
		return 0, 0, nil
	}
	off, err := f.u32(p)
	if err != nil {
		return 0, 0, err
	}
	length, err := f.u32(p + int(off))
	if err != nil {
		return 0, 0, err
	}
	return p + int(off) + 4, int(length), nil
}

func (f fb) str(table, i int) (string, error) {
	start, n, err := f.vector(table, i)
	if err != nil {
		return "", err
	}
	if start+n > len(f) {
		return "", fmt.Errorf("FlatBuffer string of %d bytes at %d outside the buffer", n, start)
	}
	return string(f[start : start+n]), nil
}
