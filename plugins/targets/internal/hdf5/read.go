package hdf5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

var signature = []byte{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}

const undefinedAddress = ^uint64(0)

// Header message types used by the reader and writer.
const (
	msgNil          = 0x0000
	msgDataspace    = 0x0001
	msgLinkInfo     = 0x0002
	msgDatatype     = 0x0003
	msgFillOld      = 0x0004
	msgFill         = 0x0005
	msgLink         = 0x0006
	msgLayout       = 0x0008
	msgGroupInfo    = 0x000A
	msgFilters      = 0x000B
	msgAttribute    = 0x000C
	msgContinuation = 0x0010
	msgSymbolTable  = 0x0011
)

// ReadFile reads a whole HDF5 file and returns its root group.
func ReadFile(path string) (*Group, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hdf5: %w", err)
	}
	g, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("hdf5: %s: %w", path, err)
	}
	return g, nil
}

// Parse decodes an HDF5 file held in memory and returns its root group.
func Parse(b []byte) (*Group, error) {
	r := &reader{buf: b, heaps: map[uint64][]byte{}, visiting: map[uint64]bool{}}
	return r.parse()
}

type reader struct {
	buf         []byte
	base        uint64
	offsetSize  int
	lengthSize  int
	heaps       map[uint64][]byte // global heap collections by address
	visiting    map[uint64]bool   // object headers on the current path, to stop cycles
	objectCount int
}

// at returns the n bytes at file address addr (relative to the base address).
func (r *reader) at(addr uint64, n int) ([]byte, error) {
	if addr == undefinedAddress {
		return nil, fmt.Errorf("read at an undefined address")
	}
	start := addr + r.base
	if n < 0 || start > uint64(len(r.buf)) || uint64(n) > uint64(len(r.buf))-start {
		return nil, fmt.Errorf("read of %d bytes at address %d runs past the end of the file (%d bytes): the file is truncated or corrupt", n, addr, len(r.buf))
	}
	return r.buf[start : start+uint64(n)], nil
}

// cursor decodes little-endian fields from a byte slice and records the
// first out-of-range access instead of panicking.
type cursor struct {
	b   []byte
	off int
	err error
}

func (c *cursor) take(n int) []byte {
	if c.err != nil {
		return make([]byte, n)
	}
	if n < 0 || c.off+n > len(c.b) {
		c.err = fmt.Errorf("structure truncated: need %d bytes at offset %d of %d", n, c.off, len(c.b))
		return make([]byte, n)
	}
	s := c.b[c.off : c.off+n]
	c.off += n
	return s
}

func (c *cursor) u8() uint8   { return c.take(1)[0] }
func (c *cursor) u16() uint16 { return binary.LittleEndian.Uint16(c.take(2)) }
func (c *cursor) u32() uint32 { return binary.LittleEndian.Uint32(c.take(4)) }
func (c *cursor) u64() uint64 { return binary.LittleEndian.Uint64(c.take(8)) }
func (c *cursor) skip(n int)  { c.take(n) }

// uint reads an unsigned field of n bytes (an offset or a length).
func (c *cursor) uint(n int) uint64 {
	b := c.take(n)
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if n < 8 && v == (uint64(1)<<(8*uint(n)))-1 {
		return undefinedAddress
	}
	return v
}

func (r *reader) parse() (*Group, error) {
	// The superblock may sit at 0, 512, 1024, 2048, ... bytes.
	sb := -1
	for off := 0; off+len(signature) <= len(r.buf); off = nextSuperblockOffset(off) {
		if bytes.Equal(r.buf[off:off+len(signature)], signature) {
			sb = off
			break
		}
	}
	if sb < 0 {
		return nil, fmt.Errorf("no HDF5 signature found: not an HDF5 file")
	}
	c := &cursor{b: r.buf, off: sb + len(signature)}
	version := c.u8()
	if version > 1 {
		return nil, fmt.Errorf("superblock version %d is not supported (only 0 and 1, the layout libhdf5 and h5py write by default)", version)
	}
	c.skip(3) // free-space, root symbol table entry and reserved versions
	c.skip(1) // shared header message format version
	r.offsetSize = int(c.u8())
	r.lengthSize = int(c.u8())
	c.skip(1)
	if r.offsetSize != 8 && r.offsetSize != 4 || r.lengthSize != 8 && r.lengthSize != 4 {
		return nil, fmt.Errorf("offset size %d and length size %d are not supported (want 4 or 8)", r.offsetSize, r.lengthSize)
	}
	c.skip(4) // group leaf and internal node K
	c.skip(4) // file consistency flags
	if version == 1 {
		c.skip(4) // indexed storage internal node K and reserved
	}
	r.base = c.uint(r.offsetSize)
	if r.base == undefinedAddress {
		r.base = 0
	}
	c.uint(r.offsetSize) // free-space info
	c.uint(r.offsetSize) // end of file
	c.uint(r.offsetSize) // driver information block
	root := r.symbolEntry(c)
	if c.err != nil {
		return nil, fmt.Errorf("superblock: %w", c.err)
	}
	return r.group("/", root.header)
}

func nextSuperblockOffset(off int) int {
	if off == 0 {
		return 512
	}
	return off * 2
}

type symbolEntry struct {
	nameOffset uint64
	header     uint64
}

func (r *reader) symbolEntry(c *cursor) symbolEntry {
	e := symbolEntry{nameOffset: c.uint(r.lengthSize), header: c.uint(r.offsetSize)}
	c.skip(4 + 4 + 16) // cache type, reserved, scratch pad
	return e
}

type message struct {
	typ  uint16
	flag uint8
	data []byte
}

// objectHeader returns the messages of the version 1 object header at addr,
// following continuation blocks.
func (r *reader) objectHeader(addr uint64) ([]message, error) {
	head, err := r.at(addr, 16)
	if err != nil {
		return nil, fmt.Errorf("object header: %w", err)
	}
	if bytes.Equal(head[:4], []byte("OHDR")) {
		return nil, fmt.Errorf("object header at %d has version 2, which is not supported; write the file with libver='earliest' (h5py's default)", addr)
	}
	if head[0] != 1 {
		return nil, fmt.Errorf("object header at %d has version %d, want 1", addr, head[0])
	}
	count := int(binary.LittleEndian.Uint16(head[2:]))
	size := int(binary.LittleEndian.Uint32(head[8:]))
	type block struct {
		addr uint64
		size int
	}
	blocks := []block{{addr + 16, size}}
	var msgs []message
	for len(blocks) > 0 && len(msgs) < count {
		blk := blocks[0]
		blocks = blocks[1:]
		data, err := r.at(blk.addr, blk.size)
		if err != nil {
			return nil, fmt.Errorf("object header at %d: %w", addr, err)
		}
		c := &cursor{b: data}
		for c.off+8 <= len(data) && len(msgs) < count {
			typ := c.u16()
			n := int(c.u16())
			flag := c.u8()
			c.skip(3)
			body := c.take(n)
			if c.err != nil {
				return nil, fmt.Errorf("object header at %d: %w", addr, c.err)
			}
			msgs = append(msgs, message{typ: typ, flag: flag, data: body})
			if typ == msgContinuation {
				cc := &cursor{b: body}
				next := cc.uint(r.offsetSize)
				length := cc.uint(r.lengthSize)
				if cc.err != nil || length > uint64(len(r.buf)) {
					return nil, fmt.Errorf("object header at %d: invalid continuation message", addr)
				}
				blocks = append(blocks, block{next, int(length)})
			}
		}
	}
	return msgs, nil
}

// group reads the group whose object header is at addr.
func (r *reader) group(path string, addr uint64) (*Group, error) {
	if r.visiting[addr] {
		return nil, fmt.Errorf("group %s: the group hierarchy contains a cycle", path)
	}
	r.visiting[addr] = true
	defer delete(r.visiting, addr)

	msgs, err := r.objectHeader(addr)
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", path, err)
	}
	var table []byte
	for _, m := range msgs {
		switch m.typ {
		case msgSymbolTable:
			table = m.data
		case msgLink, msgLinkInfo:
			return nil, fmt.Errorf("group %s uses new-style link storage, which is not supported; write the file with h5py's default libver='earliest'", path)
		}
	}
	if table == nil {
		return nil, fmt.Errorf("group %s: object at %d has no symbol table message", path, addr)
	}
	c := &cursor{b: table}
	btree := c.uint(r.offsetSize)
	heapAddr := c.uint(r.offsetSize)
	if c.err != nil {
		return nil, fmt.Errorf("group %s: symbol table message: %w", path, c.err)
	}
	names, err := r.localHeap(heapAddr)
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", path, err)
	}
	var entries []symbolEntry
	if err := r.groupBTree(btree, &entries, 0); err != nil {
		return nil, fmt.Errorf("group %s: %w", path, err)
	}

	g := NewGroup()
	for _, e := range entries {
		name, err := heapString(names, e.nameOffset)
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", path, err)
		}
		child := path + name
		r.objectCount++
		if r.objectCount > 1<<20 {
			return nil, fmt.Errorf("group %s: more than %d objects: the file is corrupt", path, 1<<20)
		}
		members, err := r.objectHeader(e.header)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", child, err)
		}
		if isGroup(members) {
			sub, err := r.group(child+"/", e.header)
			if err != nil {
				return nil, err
			}
			g.Groups[name] = sub
			continue
		}
		d, err := r.dataset(members)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", child, err)
		}
		g.Datasets[name] = d
	}
	return g, nil
}

func isGroup(msgs []message) bool {
	for _, m := range msgs {
		if m.typ == msgSymbolTable || m.typ == msgLink || m.typ == msgLinkInfo || m.typ == msgGroupInfo {
			return true
		}
	}
	return false
}

func (r *reader) localHeap(addr uint64) ([]byte, error) {
	head, err := r.at(addr, 8+2*r.lengthSize+r.offsetSize)
	if err != nil {
		return nil, fmt.Errorf("local heap: %w", err)
	}
	if string(head[:4]) != "HEAP" {
		return nil, fmt.Errorf("local heap at %d: bad signature %q", addr, head[:4])
	}
	c := &cursor{b: head, off: 8}
	size := c.uint(r.lengthSize)
	c.uint(r.lengthSize) // free list
	data := c.uint(r.offsetSize)
	if size > uint64(len(r.buf)) {
		return nil, fmt.Errorf("local heap at %d: data size %d exceeds the file size", addr, size)
	}
	return r.at(data, int(size))
}

func heapString(heap []byte, off uint64) (string, error) {
	if off >= uint64(len(heap)) {
		return "", fmt.Errorf("name offset %d is outside the local heap (%d bytes)", off, len(heap))
	}
	end := bytes.IndexByte(heap[off:], 0)
	if end < 0 {
		return "", fmt.Errorf("name at heap offset %d is not null-terminated", off)
	}
	return string(heap[off : off+uint64(end)]), nil
}

// groupBTree collects the symbol table entries below the version 1 group
// B-tree node at addr.
func (r *reader) groupBTree(addr uint64, out *[]symbolEntry, depth int) error {
	if depth > 32 {
		return fmt.Errorf("group B-tree deeper than 32 levels: the file is corrupt")
	}
	head, err := r.at(addr, 8+2*r.offsetSize)
	if err != nil {
		return fmt.Errorf("group B-tree: %w", err)
	}
	if string(head[:4]) != "TREE" || head[4] != 0 {
		return fmt.Errorf("group B-tree node at %d: bad signature or node type", addr)
	}
	level := head[5]
	used := int(binary.LittleEndian.Uint16(head[6:]))
	body, err := r.at(addr+uint64(len(head)), used*(r.lengthSize+r.offsetSize)+r.lengthSize)
	if err != nil {
		return fmt.Errorf("group B-tree node at %d: %w", addr, err)
	}
	c := &cursor{b: body}
	children := make([]uint64, used)
	for i := 0; i < used; i++ {
		c.uint(r.lengthSize) // key: heap offset of a name
		children[i] = c.uint(r.offsetSize)
	}
	for _, child := range children {
		if level > 0 {
			if err := r.groupBTree(child, out, depth+1); err != nil {
				return err
			}
			continue
		}
		if err := r.symbolNode(child, out); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) symbolNode(addr uint64, out *[]symbolEntry) error {
	head, err := r.at(addr, 8)
	if err != nil {
		return fmt.Errorf("symbol table node: %w", err)
	}
	if string(head[:4]) != "SNOD" {
		return fmt.Errorf("symbol table node at %d: bad signature %q", addr, head[:4])
	}
	n := int(binary.LittleEndian.Uint16(head[6:]))
	entrySize := r.lengthSize + r.offsetSize + 24
	body, err := r.at(addr+8, n*entrySize)
	if err != nil {
		return fmt.Errorf("symbol table node at %d: %w", addr, err)
	}
	c := &cursor{b: body}
	for i := 0; i < n; i++ {
		*out = append(*out, r.symbolEntry(c))
	}
	return c.err
}

// datatype describes a stored element type.
type datatype struct {
	class     int // 0 fixed, 1 float, 3 string, 8 enum, 9 variable length
	size      int
	signed    bool
	bigEndian bool
	vlenStr   bool
	enumBool  bool // enumeration with members FALSE=0 and TRUE=1
	base      *datatype
}

func (t *datatype) dtype() string {
	switch t.class {
	case 0:
		if t.signed {
			return fmt.Sprintf("int%d", 8*t.size)
		}
		return fmt.Sprintf("uint%d", 8*t.size)
	case 1:
		return fmt.Sprintf("float%d", 8*t.size)
	case 3:
		return fmt.Sprintf("S%d", t.size)
	case 8:
		return "bool"
	case 9:
		return "string"
	}
	return "unknown"
}

// parseDatatype decodes a datatype message and returns it with the number
// of bytes it used.
func parseDatatype(b []byte) (*datatype, int, error) {
	c := &cursor{b: b}
	cv := c.u8()
	class := int(cv & 0x0f)
	version := cv >> 4
	bits := c.take(3)
	t := &datatype{class: class, size: int(c.u32())}
	switch class {
	case 0: // fixed point
		t.bigEndian = bits[0]&1 != 0
		t.signed = bits[0]&0x08 != 0
		c.skip(4)
		if t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8 {
			return nil, 0, fmt.Errorf("integer of %d bytes is not supported", t.size)
		}
	case 1: // floating point
		t.bigEndian = bits[0]&1 != 0
		c.skip(12)
		if t.size != 4 && t.size != 8 {
			return nil, 0, fmt.Errorf("float of %d bytes is not supported", t.size)
		}
	case 3: // fixed-length string
	case 8: // enumeration
		base, n, err := parseDatatype(b[c.off:])
		if err != nil {
			return nil, 0, fmt.Errorf("enumeration base type: %w", err)
		}
		if base.class != 0 {
			return nil, 0, fmt.Errorf("enumeration with a non-integer base type is not supported")
		}
		c.skip(n)
		members := int(bits[0]) | int(bits[1])<<8
		names := make([]string, members)
		for i := range names {
			start := c.off
			end := bytes.IndexByte(b[start:], 0)
			if end < 0 {
				return nil, 0, fmt.Errorf("enumeration member name is not null-terminated")
			}
			names[i] = string(b[start : start+end])
			used := end + 1
			if version < 3 {
				used = (used + 7) / 8 * 8
			}
			c.skip(used)
		}
		values := make([]int64, members)
		for i := range values {
			values[i] = decodeInt(c.take(base.size), base)
		}
		t.base = base
		t.enumBool = members == 2 && names[0] == "FALSE" && values[0] == 0 && names[1] == "TRUE" && values[1] == 1
		if !t.enumBool {
			return nil, 0, fmt.Errorf("enumeration %v is not supported (only h5py booleans FALSE=0, TRUE=1)", names)
		}
	case 9: // variable length
		t.vlenStr = bits[0]&0x0f == 1
		base, n, err := parseDatatype(b[c.off:])
		if err != nil {
			return nil, 0, fmt.Errorf("variable-length base type: %w", err)
		}
		c.skip(n)
		t.base = base
		if !t.vlenStr {
			return nil, 0, fmt.Errorf("variable-length sequences are not supported, only strings")
		}
	default:
		return nil, 0, fmt.Errorf("datatype class %d is not supported (only integers, floats, strings and booleans)", class)
	}
	if c.err != nil {
		return nil, 0, fmt.Errorf("datatype: %w", c.err)
	}
	return t, c.off, nil
}

func decodeInt(b []byte, t *datatype) int64 {
	var u uint64
	for i := range b {
		j := i
		if !t.bigEndian {
			j = len(b) - 1 - i
		}
		u = u<<8 | uint64(b[j])
	}
	if t.signed && len(b) < 8 && u&(uint64(1)<<(8*uint(len(b))-1)) != 0 {
		u |= ^uint64(0) << (8 * uint(len(b)))
	}
	return int64(u)
}

func decodeFloat(b []byte, t *datatype) float64 {
	order := binary.ByteOrder(binary.LittleEndian)
	if t.bigEndian {
		order = binary.BigEndian
	}
	if len(b) == 4 {
		return float64(math.Float32frombits(order.Uint32(b)))
	}
	return math.Float64frombits(order.Uint64(b))
}

func (r *reader) dataspace(b []byte) ([]int, error) {
	c := &cursor{b: b}
	version := c.u8()
	rank := int(c.u8())
	flags := c.u8()
	switch version {
	case 1:
		c.skip(5)
	case 2:
		if kind := c.u8(); kind == 2 {
			return nil, fmt.Errorf("null dataspace (no elements) is not supported")
		}
	default:
		return nil, fmt.Errorf("dataspace version %d is not supported", version)
	}
	shape := make([]int, rank)
	for i := range shape {
		d := c.uint(r.lengthSize)
		if d > 1<<40 {
			return nil, fmt.Errorf("dataspace dimension %d is %d: the file is corrupt", i, d)
		}
		shape[i] = int(d)
	}
	_ = flags
	return shape, c.err
}

type layout struct {
	class   int // 0 compact, 1 contiguous, 2 chunked
	address uint64
	size    uint64
	compact []byte
	chunk   []int // chunk shape, including the trailing element-size dimension
}

func (r *reader) layout(b []byte) (layout, error) {
	c := &cursor{b: b}
	version := c.u8()
	var l layout
	switch version {
	case 1, 2:
		rank := int(c.u8())
		l.class = int(c.u8())
		c.skip(5)
		if l.class != 0 {
			l.address = c.uint(r.offsetSize)
		}
		dims := make([]int, rank)
		for i := range dims {
			dims[i] = int(c.u32())
		}
		switch l.class {
		case 0:
			n := int(c.u32())
			l.compact = c.take(n)
		case 1:
			l.size = 0 // computed from the dataspace
		case 2:
			l.chunk = dims
		}
	case 3:
		l.class = int(c.u8())
		switch l.class {
		case 0:
			n := int(c.u16())
			l.compact = c.take(n)
		case 1:
			l.address = c.uint(r.offsetSize)
			l.size = c.uint(r.lengthSize)
		case 2:
			rank := int(c.u8())
			l.address = c.uint(r.offsetSize)
			l.chunk = make([]int, rank)
			for i := range l.chunk {
				l.chunk[i] = int(c.u32())
			}
		default:
			return l, fmt.Errorf("layout class %d is not supported", l.class)
		}
	default:
		return l, fmt.Errorf("data layout message version %d is not supported (only 1 to 3); write the file with libver='earliest'", version)
	}
	return l, c.err
}

type filter struct {
	id     int
	name   string
	params []uint32
}

func parseFilters(b []byte) ([]filter, error) {
	c := &cursor{b: b}
	version := c.u8()
	n := int(c.u8())
	if version == 1 {
		c.skip(6)
	} else if version != 2 {
		return nil, fmt.Errorf("filter pipeline version %d is not supported", version)
	}
	fs := make([]filter, n)
	for i := range fs {
		f := &fs[i]
		f.id = int(c.u16())
		nameLen := 0
		if version == 1 || f.id >= 256 {
			nameLen = int(c.u16())
		}
		c.u16() // flags
		nparams := int(c.u16())
		if nameLen > 0 {
			if version == 1 {
				nameLen = (nameLen + 7) / 8 * 8
			}
			f.name = string(bytes.TrimRight(c.take(nameLen), "\x00"))
		}
		f.params = make([]uint32, nparams)
		for j := range f.params {
			f.params[j] = c.u32()
		}
		if version == 1 && nparams%2 == 1 {
			c.skip(4)
		}
	}
	return fs, c.err
}

func (r *reader) dataset(msgs []message) (*Dataset, error) {
	var (
		shape   []int
		dt      *datatype
		lay     *layout
		filters []filter
	)
	for _, m := range msgs {
		var err error
		switch m.typ {
		case msgDataspace:
			shape, err = r.dataspace(m.data)
		case msgDatatype:
			if m.flag&0x02 != 0 {
				return nil, fmt.Errorf("shared (committed) datatypes are not supported")
			}
			dt, _, err = parseDatatype(m.data)
		case msgLayout:
			var l layout
			l, err = r.layout(m.data)
			lay = &l
		case msgFilters:
			filters, err = parseFilters(m.data)
		}
		if err != nil {
			return nil, err
		}
	}
	if shape == nil || dt == nil || lay == nil {
		return nil, fmt.Errorf("object has no dataspace, datatype or layout message: not a dataset")
	}
	n := 1
	for _, s := range shape {
		n *= s
	}
	if uint64(n)*uint64(dt.size) > uint64(len(r.buf))*1024 {
		return nil, fmt.Errorf("dataset of shape %v is larger than the file can hold", shape)
	}
	raw, err := r.rawData(*lay, filters, shape, dt.size)
	if err != nil {
		return nil, err
	}
	d := &Dataset{DType: dt.dtype(), Shape: shape, ElemSize: dt.size}
	for _, f := range filters {
		d.Filters = append(d.Filters, filterName(f.id))
	}
	if err := r.decodeValues(d, dt, raw, n); err != nil {
		return nil, err
	}
	return d, nil
}

func filterName(id int) string {
	switch id {
	case 1:
		return "deflate"
	case 2:
		return "shuffle"
	case 3:
		return "fletcher32"
	}
	return fmt.Sprintf("filter%d", id)
}

func (r *reader) decodeValues(d *Dataset, dt *datatype, raw []byte, n int) error {
	switch dt.class {
	case 0, 8:
		d.Kind = Int
		it := dt
		if dt.class == 8 {
			d.Kind = Bool
			it = dt.base
		}
		d.Ints = make([]int64, n)
		for i := range d.Ints {
			d.Ints[i] = decodeInt(raw[i*dt.size:(i+1)*dt.size], it)
		}
	case 1:
		d.Kind = Float
		d.Floats = make([]float64, n)
		for i := range d.Floats {
			d.Floats[i] = decodeFloat(raw[i*dt.size:(i+1)*dt.size], dt)
		}
	case 3:
		d.Kind = String
		d.Strings = make([]string, n)
		for i := range d.Strings {
			s := raw[i*dt.size : (i+1)*dt.size]
			d.Strings[i] = string(bytes.TrimRight(s, "\x00 "))
		}
	case 9:
		d.Kind = String
		d.Strings = make([]string, n)
		for i := range d.Strings {
			c := &cursor{b: raw[i*dt.size : (i+1)*dt.size]}
			length := c.u32()
			coll := c.uint(r.offsetSize)
			index := c.u32()
			s, err := r.globalHeapObject(coll, index)
			if err != nil {
				return fmt.Errorf("variable-length string %d: %w", i, err)
			}
			if uint32(len(s)) < length {
				return fmt.Errorf("variable-length string %d: heap object has %d bytes, want %d", i, len(s), length)
			}
			d.Strings[i] = string(s[:length])
		}
	}
	return nil
}

func (r *reader) globalHeapObject(addr uint64, index uint32) ([]byte, error) {
	coll, ok := r.heaps[addr]
	if !ok {
		head, err := r.at(addr, 8+r.lengthSize)
		if err != nil {
			return nil, fmt.Errorf("global heap: %w", err)
		}
		if string(head[:4]) != "GCOL" {
			return nil, fmt.Errorf("global heap at %d: bad signature %q", addr, head[:4])
		}
		c := &cursor{b: head, off: 8}
		size := c.uint(r.lengthSize)
		if size > uint64(len(r.buf)) {
			return nil, fmt.Errorf("global heap at %d: size %d exceeds the file", addr, size)
		}
		coll, err = r.at(addr, int(size))
		if err != nil {
			return nil, fmt.Errorf("global heap: %w", err)
		}
		r.heaps[addr] = coll
	}
	c := &cursor{b: coll, off: 8 + r.lengthSize}
	for c.off+8+r.lengthSize <= len(coll) {
		idx := c.u16()
		c.skip(6) // reference count, reserved
		size := c.uint(r.lengthSize)
		if idx == 0 {
			break // free space runs to the end of the collection
		}
		if size > uint64(len(coll)) {
			return nil, fmt.Errorf("global heap at %d: object %d has size %d beyond the collection", addr, idx, size)
		}
		data := c.take(int(size))
		if c.err != nil {
			return nil, fmt.Errorf("global heap at %d: %w", addr, c.err)
		}
		if uint32(idx) == index {
			return data, nil
		}
		c.skip((8 - int(size)%8) % 8)
	}
	return nil, fmt.Errorf("global heap at %d has no object %d", addr, index)
}

// rawData returns the n·size bytes of a dataset in row-major order.
func (r *reader) rawData(l layout, filters []filter, shape []int, size int) ([]byte, error) {
	n := 1
	for _, s := range shape {
		n *= s
	}
	total := n * size
	switch l.class {
	case 0:
		if len(l.compact) < total {
			return nil, fmt.Errorf("compact data has %d bytes, want %d", len(l.compact), total)
		}
		return l.compact[:total], nil
	case 1:
		if l.address == undefinedAddress {
			return make([]byte, total), nil // never written: fill value zero
		}
		return r.at(l.address, total)
	case 2:
		return r.chunked(l, filters, shape, size)
	}
	return nil, fmt.Errorf("layout class %d is not supported", l.class)
}

func (r *reader) chunked(l layout, filters []filter, shape []int, size int) ([]byte, error) {
	rank := len(shape)
	if len(l.chunk) != rank+1 {
		return nil, fmt.Errorf("chunk rank %d does not match dataset rank %d", len(l.chunk)-1, rank)
	}
	total := size
	for _, s := range shape {
		total *= s
	}
	out := make([]byte, total)
	if l.address == undefinedAddress {
		return out, nil
	}
	chunk := l.chunk[:rank]
	chunkBytes := size
	for _, c := range chunk {
		if c <= 0 {
			return nil, fmt.Errorf("chunk dimension %d is not positive", c)
		}
		chunkBytes *= c
	}
	var visit func(addr uint64, depth int) error
	visit = func(addr uint64, depth int) error {
		if depth > 32 {
			return fmt.Errorf("chunk B-tree deeper than 32 levels: the file is corrupt")
		}
		head, err := r.at(addr, 8+2*r.offsetSize)
		if err != nil {
			return fmt.Errorf("chunk B-tree: %w", err)
		}
		if string(head[:4]) != "TREE" || head[4] != 1 {
			return fmt.Errorf("chunk B-tree node at %d: bad signature or node type", addr)
		}
		level := head[5]
		used := int(binary.LittleEndian.Uint16(head[6:]))
		keySize := 8 + 8*(rank+1)
		body, err := r.at(addr+uint64(len(head)), used*(keySize+r.offsetSize)+keySize)
		if err != nil {
			return fmt.Errorf("chunk B-tree node at %d: %w", addr, err)
		}
		c := &cursor{b: body}
		for i := 0; i < used; i++ {
			stored := int(c.u32())
			mask := c.u32()
			offsets := make([]int, rank+1)
			for k := range offsets {
				offsets[k] = int(c.u64())
			}
			child := c.uint(r.offsetSize)
			if c.err != nil {
				return fmt.Errorf("chunk B-tree node at %d: %w", addr, c.err)
			}
			if level > 0 {
				if err := visit(child, depth+1); err != nil {
					return err
				}
				continue
			}
			data, err := r.at(child, stored)
			if err != nil {
				return fmt.Errorf("chunk at %v: %w", offsets[:rank], err)
			}
			data, err = unfilter(data, filters, mask, size)
			if err != nil {
				return fmt.Errorf("chunk at %v: %w", offsets[:rank], err)
			}
			if len(data) < chunkBytes {
				return fmt.Errorf("chunk at %v has %d bytes after filtering, want %d", offsets[:rank], len(data), chunkBytes)
			}
			copyChunk(out, data, shape, chunk, offsets[:rank], size)
		}
		return nil
	}
	if err := visit(l.address, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// unfilter reverses the filter pipeline on one chunk. Bit i of mask set
// means filter i was skipped for this chunk.
func unfilter(data []byte, filters []filter, mask uint32, size int) ([]byte, error) {
	for i := len(filters) - 1; i >= 0; i-- {
		if mask&(1<<uint(i)) != 0 {
			continue
		}
		switch filters[i].id {
		case 1:
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("deflate: %w", err)
			}
			out, err := io.ReadAll(io.LimitReader(zr, 1<<31))
			if err != nil {
				return nil, fmt.Errorf("deflate: %w", err)
			}
			data = out
		case 2:
			out := make([]byte, len(data))
			n := len(data) / size
			for b := 0; b < size; b++ {
				for j := 0; j < n; j++ {
					out[j*size+b] = data[b*n+j]
				}
			}
			copy(out[n*size:], data[n*size:])
			data = out
		case 3:
			if len(data) < 4 {
				return nil, fmt.Errorf("fletcher32: chunk shorter than its checksum")
			}
			data = data[:len(data)-4]
		default:
			return nil, fmt.Errorf("filter %d (%s) is not supported (only deflate, shuffle and fletcher32)", filters[i].id, filters[i].name)
		}
	}
	return data, nil
}

// copyChunk copies a full chunk of shape chunk, whose first element sits at
// offsets in the dataset, into out, skipping parts beyond the dataset edge.
func copyChunk(out, data []byte, shape, chunk, offsets []int, size int) {
	rank := len(shape)
	if rank == 0 {
		copy(out, data[:size])
		return
	}
	idx := make([]int, rank)
	for {
		src, dst, inside := 0, 0, true
		for k := 0; k < rank; k++ {
			p := offsets[k] + idx[k]
			if p >= shape[k] {
				inside = false
				break
			}
			src = src*chunk[k] + idx[k]
			dst = dst*shape[k] + p
		}
		if inside {
			copy(out[dst*size:(dst+1)*size], data[src*size:(src+1)*size])
		}
		k := rank - 1
		for k >= 0 {
			idx[k]++
			if idx[k] < chunk[k] {
				break
			}
			idx[k] = 0
			k--
		}
		if k < 0 {
			return
		}
	}
}
