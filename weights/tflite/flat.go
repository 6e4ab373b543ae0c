package tflite

import (
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"
)

// table is a flatbuffers table whose vtable and inline fields have been
// bounds-checked, so the flatbuffers accessors used on it cannot panic.
type table struct {
	t      flatbuffers.Table
	vtLen  uint32 // vtable size in bytes
	objLen uint32 // inline object size in bytes
	what   string // name used in errors, e.g. "tensor 12"
}

// openTable validates the table at pos: its vtable and its inline object must lie inside buf.
func openTable(buf []byte, pos uint32, what string) (table, error) {
	n := uint64(len(buf))
	if uint64(pos)+4 > n {
		return table{}, fmt.Errorf("%s: table offset %d beyond end of file (%d bytes)", what, pos, n)
	}
	vt := int64(pos) - int64(flatbuffers.GetInt32(buf[pos:]))
	if vt < 0 || uint64(vt)+4 > n {
		return table{}, fmt.Errorf("%s: vtable offset %d out of range", what, vt)
	}
	vtLen := uint32(flatbuffers.GetUint16(buf[vt:]))
	objLen := uint32(flatbuffers.GetUint16(buf[vt+2:]))
	if vtLen < 4 || vtLen%2 != 0 || uint64(vt)+uint64(vtLen) > n {
		return table{}, fmt.Errorf("%s: bad vtable size %d", what, vtLen)
	}
	if objLen < 4 || uint64(pos)+uint64(objLen) > n {
		return table{}, fmt.Errorf("%s: bad object size %d", what, objLen)
	}
	return table{t: flatbuffers.Table{Bytes: buf, Pos: flatbuffers.UOffsetT(pos)}, vtLen: vtLen, objLen: objLen, what: what}, nil
}

// field returns the absolute position of field id if it is present,
// checking that size bytes of it lie inside the object.
func (t table) field(id int, size uint32) (uint32, bool, error) {
	slot := uint32(4 + 2*id)
	if slot+2 > t.vtLen {
		return 0, false, nil
	}
	off := uint32(t.t.Offset(flatbuffers.VOffsetT(slot)))
	if off == 0 {
		return 0, false, nil
	}
	if off < 4 || off+size > t.objLen {
		return 0, false, fmt.Errorf("%s: field %d at offset %d lies outside its object (%d bytes)", t.what, id, off, t.objLen)
	}
	return uint32(t.t.Pos) + off, true, nil
}

func (t table) uint8(id int, def uint8) (uint8, error) {
	p, ok, err := t.field(id, 1)
	if !ok || err != nil {
		return def, err
	}
	return t.t.GetUint8(flatbuffers.UOffsetT(p)), nil
}

func (t table) int8(id int, def int8) (int8, error) {
	p, ok, err := t.field(id, 1)
	if !ok || err != nil {
		return def, err
	}
	return t.t.GetInt8(flatbuffers.UOffsetT(p)), nil
}

func (t table) int32(id int, def int32) (int32, error) {
	p, ok, err := t.field(id, 4)
	if !ok || err != nil {
		return def, err
	}
	return t.t.GetInt32(flatbuffers.UOffsetT(p)), nil
}

func (t table) uint32(id int, def uint32) (uint32, error) {
	p, ok, err := t.field(id, 4)
	if !ok || err != nil {
		return def, err
	}
	return t.t.GetUint32(flatbuffers.UOffsetT(p)), nil
}

func (t table) uint64(id int, def uint64) (uint64, error) {
	p, ok, err := t.field(id, 8)
	if !ok || err != nil {
		return def, err
	}
	return t.t.GetUint64(flatbuffers.UOffsetT(p)), nil
}

func (t table) float32(id int, def float32) (float32, error) {
	p, ok, err := t.field(id, 4)
	if !ok || err != nil {
		return def, err
	}
	return t.t.GetFloat32(flatbuffers.UOffsetT(p)), nil
}

func (t table) bool(id int, def bool) (bool, error) {
	p, ok, err := t.field(id, 1)
	if !ok || err != nil {
		return def, err
	}
	return t.t.GetBool(flatbuffers.UOffsetT(p)), nil
}

// ref follows the offset stored in field id and returns the position it points at.
func (t table) ref(id int) (uint32, bool, error) {
	p, ok, err := t.field(id, 4)
	if !ok || err != nil {
		return 0, ok, err
	}
	target := uint64(p) + uint64(t.t.GetUOffsetT(flatbuffers.UOffsetT(p)))
	if target+4 > uint64(len(t.t.Bytes)) {
		return 0, false, fmt.Errorf("%s: field %d points beyond end of file", t.what, id)
	}
	return uint32(target), true, nil
}

// child opens the table referenced by field id.
func (t table) child(id int, what string) (table, bool, error) {
	p, ok, err := t.ref(id)
	if !ok || err != nil {
		return table{}, false, err
	}
	c, err := openTable(t.t.Bytes, p, what)
	return c, err == nil, err
}

// vector returns the start and length of the vector in field id, whose elements are elem bytes each.
func (t table) vector(id int, elem uint32) (start uint32, n int, err error) {
	p, ok, err := t.ref(id)
	if !ok || err != nil {
		return 0, 0, err
	}
	count := uint64(flatbuffers.GetUint32(t.t.Bytes[p:]))
	end := uint64(p) + 4 + count*uint64(elem)
	if end > uint64(len(t.t.Bytes)) {
		return 0, 0, fmt.Errorf("%s: field %d: vector of %d elements runs past end of file", t.what, id, count)
	}
	return p + 4, int(count), nil
}

func (t table) bytes(id int) ([]byte, error) {
	start, n, err := t.vector(id, 1)
	if err != nil {
		return nil, err
	}
	return t.t.Bytes[start : start+uint32(n) : start+uint32(n)], nil
}

func (t table) string(id int) (string, error) {
	b, err := t.bytes(id)
	return string(b), err
}

func (t table) int32s(id int) ([]int32, error) {
	start, n, err := t.vector(id, 4)
	if err != nil || n == 0 {
		return nil, err
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = flatbuffers.GetInt32(t.t.Bytes[start+4*uint32(i):])
	}
	return out, nil
}

func (t table) int64s(id int) ([]int64, error) {
	start, n, err := t.vector(id, 8)
	if err != nil || n == 0 {
		return nil, err
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = flatbuffers.GetInt64(t.t.Bytes[start+8*uint32(i):])
	}
	return out, nil
}

func (t table) float32s(id int) ([]float32, error) {
	start, n, err := t.vector(id, 4)
	if err != nil || n == 0 {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = flatbuffers.GetFloat32(t.t.Bytes[start+4*uint32(i):])
	}
	return out, nil
}

// tables opens every table of the vector of tables in field id.
func (t table) tables(id int, what string) ([]table, error) {
	start, n, err := t.vector(id, 4)
	if err != nil {
		return nil, err
	}
	out := make([]table, n)
	for i := range out {
		p := start + 4*uint32(i)
		target := uint64(p) + uint64(flatbuffers.GetUint32(t.t.Bytes[p:]))
		if target > uint64(len(t.t.Bytes)) {
			return nil, fmt.Errorf("%s %d: offset beyond end of file", what, i)
		}
		out[i], err = openTable(t.t.Bytes, uint32(target), fmt.Sprintf("%s %d", what, i))
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
