package hdf5

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Group B-tree parameters written into the superblock. A group holds at
// most 2·groupInternalK symbol table nodes of 2·groupLeafK entries each.
const (
	groupLeafK     = 16
	groupInternalK = 16
	maxGroupSize   = 2 * groupLeafK * 2 * groupInternalK
)

// heapFreeNull is the "no free block" offset of a local heap, as libhdf5
// writes it.
const heapFreeNull = 1

// WriteFile encodes root as an HDF5 file at path.
func WriteFile(path string, root *Group) error {
	b, err := Encode(root)
	if err != nil {
		return fmt.Errorf("hdf5: %s: %w", path, err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("hdf5: %w", err)
	}
	return nil
}

// Encode returns root as the bytes of an HDF5 file: superblock version 0,
// symbol-table groups, contiguous datasets. A group may hold at most 1024
// members.
func Encode(root *Group) ([]byte, error) {
	w := &writer{}
	w.alloc(96) // superblock, filled in last
	hdr, btree, heap, err := w.group("/", root)
	if err != nil {
		return nil, err
	}
	sb := w.buf[:0:96]
	sb = append(sb, signature...)
	sb = append(sb, 0, 0, 0, 0, 0, 8, 8, 0) // versions, offset and length sizes
	sb = binary.LittleEndian.AppendUint16(sb, groupLeafK)
	sb = binary.LittleEndian.AppendUint16(sb, groupInternalK)
	sb = binary.LittleEndian.AppendUint32(sb, 0) // consistency flags
	sb = binary.LittleEndian.AppendUint64(sb, 0) // base address
	sb = binary.LittleEndian.AppendUint64(sb, undefinedAddress)
	sb = binary.LittleEndian.AppendUint64(sb, uint64(len(w.buf)))
	sb = binary.LittleEndian.AppendUint64(sb, undefinedAddress)
	appendEntry(w.buf[56:96], 0, hdr, btree, heap)
	return w.buf, nil
}

type writer struct {
	buf []byte
}

// alloc reserves n zero bytes at the next 8-byte boundary and returns
// their address.
func (w *writer) alloc(n int) uint64 {
	for len(w.buf)%8 != 0 {
		w.buf = append(w.buf, 0)
	}
	addr := uint64(len(w.buf))
	w.buf = append(w.buf, make([]byte, n)...)
	return addr
}

func (w *writer) put(addr uint64, b []byte) { copy(w.buf[addr:], b) }

// appendEntry writes a 40-byte symbol table entry into dst[:40]. btree and
// heap are the group's cached addresses, or 0 for a dataset.
func appendEntry(dst []byte, nameOffset, header, btree, heap uint64) {
	binary.LittleEndian.PutUint64(dst[0:], nameOffset)
	binary.LittleEndian.PutUint64(dst[8:], header)
	if btree != 0 {
		binary.LittleEndian.PutUint32(dst[16:], 1) // cache type 1: group
		binary.LittleEndian.PutUint64(dst[24:], btree)
		binary.LittleEndian.PutUint64(dst[32:], heap)
	}
}

// objectHeader writes a version 1 object header holding msgs and returns
// its address.
func (w *writer) objectHeader(msgs []message) uint64 {
	size := 0
	for _, m := range msgs {
		size += 8 + (len(m.data)+7)/8*8
	}
	addr := w.alloc(16 + size)
	h := make([]byte, 0, 16+size)
	h = append(h, 1, 0)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(msgs)))
	h = binary.LittleEndian.AppendUint32(h, 1) // reference count
	h = binary.LittleEndian.AppendUint32(h, uint32(size))
	h = append(h, 0, 0, 0, 0)
	for _, m := range msgs {
		padded := (len(m.data) + 7) / 8 * 8
		h = binary.LittleEndian.AppendUint16(h, m.typ)
		h = binary.LittleEndian.AppendUint16(h, uint16(padded))
		h = append(h, m.flag, 0, 0, 0)
		h = append(h, m.data...)
		h = append(h, make([]byte, padded-len(m.data))...)
	}
	w.put(addr, h)
	return addr
}

// group writes g and its members and returns the addresses of its object
// header, B-tree and local heap.
func (w *writer) group(path string, g *Group) (uint64, uint64, uint64, error) {
	names := g.Names()
	if len(names) > maxGroupSize {
		return 0, 0, 0, fmt.Errorf("group %s has %d members; the writer supports at most %d", path, len(names), maxGroupSize)
	}
	type member struct {
		name             string
		header, bt, heap uint64
		nameOffset       uint64
	}
	members := make([]member, len(names))
	for i, name := range names {
		if name == "" || strings.ContainsAny(name, "/\x00") || name == "." {
			return 0, 0, 0, fmt.Errorf("group %s: invalid member name %q", path, name)
		}
		m := member{name: name}
		var err error
		if sub, ok := g.Groups[name]; ok {
			m.header, m.bt, m.heap, err = w.group(path+name+"/", sub)
		} else {
			m.header, err = w.dataset(path+name, g.Datasets[name])
		}
		if err != nil {
			return 0, 0, 0, err
		}
		members[i] = m
	}

	// Local heap: the empty string at offset 0, then the names, each
	// null-terminated and padded to 8 bytes.
	heapData := make([]byte, 8)
	for i := range members {
		members[i].nameOffset = uint64(len(heapData))
		heapData = append(heapData, members[i].name...)
		heapData = append(heapData, make([]byte, 8-len(members[i].name)%8)...)
	}
	heapAddr := w.alloc(32)
	dataAddr := w.alloc(len(heapData))
	w.put(dataAddr, heapData)
	head := append([]byte("HEAP"), 0, 0, 0, 0)
	head = binary.LittleEndian.AppendUint64(head, uint64(len(heapData)))
	head = binary.LittleEndian.AppendUint64(head, heapFreeNull)
	head = binary.LittleEndian.AppendUint64(head, dataAddr)
	w.put(heapAddr, head)

	// Symbol table nodes of up to 2·groupLeafK entries, in name order.
	var nodes []uint64
	var lastNames []uint64
	perNode := 2 * groupLeafK
	for start := 0; start < len(members); start += perNode {
		end := min(start+perNode, len(members))
		addr := w.alloc(8 + perNode*40)
		node := append([]byte("SNOD"), 1, 0)
		node = binary.LittleEndian.AppendUint16(node, uint16(end-start))
		node = append(node, make([]byte, (end-start)*40)...)
		for i, m := range members[start:end] {
			appendEntry(node[8+40*i:], m.nameOffset, m.header, m.bt, m.heap)
		}
		w.put(addr, node)
		nodes = append(nodes, addr)
		lastNames = append(lastNames, members[end-1].nameOffset)
	}

	// One B-tree leaf over the symbol table nodes. Key i+1 is the name of
	// the last entry in node i; key 0 is the empty string.
	btSize := 24 + (2*groupInternalK+1)*8 + 2*groupInternalK*8
	btAddr := w.alloc(btSize)
	bt := append([]byte("TREE"), 0, 0)
	bt = binary.LittleEndian.AppendUint16(bt, uint16(len(nodes)))
	bt = binary.LittleEndian.AppendUint64(bt, undefinedAddress)
	bt = binary.LittleEndian.AppendUint64(bt, undefinedAddress)
	bt = binary.LittleEndian.AppendUint64(bt, 0)
	for i, n := range nodes {
		bt = binary.LittleEndian.AppendUint64(bt, n)
		bt = binary.LittleEndian.AppendUint64(bt, lastNames[i])
	}
	w.put(btAddr, bt)

	table := binary.LittleEndian.AppendUint64(nil, btAddr)
	table = binary.LittleEndian.AppendUint64(table, heapAddr)
	hdr := w.objectHeader([]message{{typ: msgSymbolTable, data: table}})
	return hdr, btAddr, heapAddr, nil
}

// dataset writes d and returns the address of its object header.
func (w *writer) dataset(path string, d *Dataset) (uint64, error) {
	if d == nil {
		return 0, fmt.Errorf("dataset %s is nil", path)
	}
	n := d.Len()
	dt, raw, err := encodeValues(d, n)
	if err != nil {
		return 0, fmt.Errorf("dataset %s: %w", path, err)
	}

	space := []byte{1, byte(len(d.Shape)), 0, 0, 0, 0, 0, 0}
	for _, s := range d.Shape {
		if s < 0 {
			return 0, fmt.Errorf("dataset %s: negative dimension in shape %v", path, d.Shape)
		}
		space = binary.LittleEndian.AppendUint64(space, uint64(s))
	}
	// Fill value version 2: allocate late, write if set, default (zero) value.
	fill := []byte{2, 2, 2, 1, 0, 0, 0, 0}

	addr := undefinedAddress
	if len(raw) > 0 {
		addr = w.alloc(len(raw))
		w.put(addr, raw)
	}
	lay := []byte{3, 1}
	lay = binary.LittleEndian.AppendUint64(lay, addr)
	lay = binary.LittleEndian.AppendUint64(lay, uint64(len(raw)))

	return w.objectHeader([]message{
		{typ: msgDataspace, data: space},
		{typ: msgDatatype, flag: 1, data: dt},
		{typ: msgFill, flag: 1, data: fill},
		{typ: msgLayout, data: lay},
	}), nil
}

func fixedType(size int, signed bool) []byte {
	var bits byte
	if signed {
		bits = 0x08
	}
	b := []byte{0x10, bits, 0, 0}
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint16(b, 0)
	return binary.LittleEndian.AppendUint16(b, uint16(8*size))
}

func floatType(size int) []byte {
	b := []byte{0x11, 0x20, byte(8*size - 1), 0}
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(8*size))
	if size == 4 {
		b = append(b, 23, 8, 0, 23)
		return binary.LittleEndian.AppendUint32(b, 127)
	}
	b = append(b, 52, 11, 0, 52)
	return binary.LittleEndian.AppendUint32(b, 1023)
}

// boolType is h5py's boolean: an enumeration over int8 with FALSE=0, TRUE=1.
func boolType() []byte {
	b := []byte{0x18, 2, 0, 0}
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = append(b, fixedType(1, true)...)
	b = append(b, "FALSE\x00\x00\x00TRUE\x00\x00\x00\x00"...)
	return append(b, 0, 1)
}

func encodeValues(d *Dataset, n int) ([]byte, []byte, error) {
	count := func(have int) error {
		if have != n {
			return fmt.Errorf("%d values for shape %v (%d elements)", have, d.Shape, n)
		}
		return nil
	}
	switch d.Kind {
	case Int:
		if err := count(len(d.Ints)); err != nil {
			return nil, nil, err
		}
		switch d.DType {
		case "int64":
			raw := make([]byte, 0, 8*n)
			for _, v := range d.Ints {
				raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
			}
			return fixedType(8, true), raw, nil
		case "int32":
			raw := make([]byte, 0, 4*n)
			for _, v := range d.Ints {
				if v != int64(int32(v)) {
					return nil, nil, fmt.Errorf("value %d does not fit int32", v)
				}
				raw = binary.LittleEndian.AppendUint32(raw, uint32(v))
			}
			return fixedType(4, true), raw, nil
		}
	case Float:
		if err := count(len(d.Floats)); err != nil {
			return nil, nil, err
		}
		switch d.DType {
		case "float32":
			raw := make([]byte, 0, 4*n)
			for _, v := range d.Floats {
				raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(float32(v)))
			}
			return floatType(4), raw, nil
		case "float64":
			raw := make([]byte, 0, 8*n)
			for _, v := range d.Floats {
				raw = binary.LittleEndian.AppendUint64(raw, math.Float64bits(v))
			}
			return floatType(8), raw, nil
		}
	case Bool:
		if err := count(len(d.Ints)); err != nil {
			return nil, nil, err
		}
		raw := make([]byte, n)
		for i, v := range d.Ints {
			if v != 0 {
				raw[i] = 1
			}
		}
		return boolType(), raw, nil
	case String:
		if err := count(len(d.Strings)); err != nil {
			return nil, nil, err
		}
		size := d.ElemSize
		if size == 0 && strings.HasPrefix(d.DType, "S") {
			size, _ = strconv.Atoi(d.DType[1:])
		}
		if size <= 0 {
			return nil, nil, fmt.Errorf("string dataset of type %q has no element size; use FixedStrings", d.DType)
		}
		raw := make([]byte, 0, size*n)
		for _, s := range d.Strings {
			if len(s) > size {
				return nil, nil, fmt.Errorf("string %q is longer than the element size %d", s, size)
			}
			for i := 0; i < len(s); i++ {
				if s[i] == 0 || s[i] > 127 {
					return nil, nil, fmt.Errorf("string %q is not plain ASCII", s)
				}
			}
			raw = append(raw, s...)
			raw = append(raw, make([]byte, size-len(s))...)
		}
		// Class 3 string, version 1, null-padded ASCII.
		dt := []byte{0x13, 0x01, 0, 0}
		return binary.LittleEndian.AppendUint32(dt, uint32(size)), raw, nil
	}
	return nil, nil, fmt.Errorf("writing %s values of type %q is not supported (int32, int64, float32, float64, fixed strings, bool)", kindName(d.Kind), d.DType)
}

func kindName(k Kind) string {
	switch k {
	case Int:
		return "integer"
	case Float:
		return "float"
	case String:
		return "string"
	case Bool:
		return "bool"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}
