// Package npy reads and writes NumPy .npy files (format versions 1, 2 and
// 3) holding C-order arrays of little-endian float32, float64, int32, int64,
// int8 or uint8.
package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Array is an n-dimensional array as a .npy file stores it.
type Array struct {
	DType string // NumPy's descr: "<f4", "<f8", "<i4", "<i8", "|i1" or "|u1"
	Shape []int
	Data  []byte // little-endian, C order; aliases the file read
}

var dtypeSizes = map[string]int{"<f4": 4, "<f8": 8, "<i4": 4, "<i8": 8, "|i1": 1, "|u1": 1}

const magic = "\x93NUMPY"

// Read parses a .npy file. The data must hold exactly the array's bytes.
func Read(data []byte) (*Array, error) {
	if len(data) < 10 || string(data[:6]) != magic {
		return nil, fmt.Errorf("npy: not a .npy file (no \\x93NUMPY magic)")
	}
	major, minor := data[6], data[7]
	var hlen, start int
	switch major {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(data[8:])), 10
	case 2, 3:
		if len(data) < 12 {
			return nil, fmt.Errorf("npy: truncated: %d bytes", len(data))
		}
		n := binary.LittleEndian.Uint32(data[8:])
		if uint64(n) > uint64(len(data)) {
			return nil, fmt.Errorf("npy: header length %d is beyond the end of the %d-byte file", n, len(data))
		}
		hlen, start = int(n), 12
	default:
		return nil, fmt.Errorf("npy: format version %d.%d is not supported", major, minor)
	}
	if hlen > len(data)-start {
		return nil, fmt.Errorf("npy: header length %d is beyond the end of the %d-byte file", hlen, len(data))
	}
	h, err := parseHeader(data[start : start+hlen])
	if err != nil {
		return nil, err
	}
	if h.fortranOrder {
		return nil, fmt.Errorf("npy: fortran_order True is not supported (C order only)")
	}
	size, ok := dtypeSizes[h.descr]
	if !ok {
		return nil, fmt.Errorf("npy: dtype %q is not supported (want one of <f4 <f8 <i4 <i8 |i1 |u1)", h.descr)
	}
	body := data[start+hlen:]
	n := 1
	for _, d := range h.shape {
		if d == 0 {
			n = 0
			break
		}
	}
	for _, d := range h.shape {
		if n == 0 {
			break
		}
		if n > len(body)/d { // also keeps n from overflowing
			return nil, fmt.Errorf("npy: shape %v of %s needs more than the %d bytes of data", h.shape, h.descr, len(body))
		}
		n *= d
	}
	if n*size != len(body) {
		return nil, fmt.Errorf("npy: shape %v of %s needs %d bytes of data, the file has %d", h.shape, h.descr, n*size, len(body))
	}
	return &Array{DType: h.descr, Shape: h.shape, Data: body[:len(body):len(body)]}, nil
}

// NumElements returns the product of the array's dimensions.
func (a *Array) NumElements() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Float32 returns the array's elements converted to float32.
func (a *Array) Float32() ([]float32, error) {
	size, ok := dtypeSizes[a.DType]
	if !ok {
		return nil, fmt.Errorf("npy: dtype %q is not supported", a.DType)
	}
	n := a.NumElements()
	if len(a.Data) != n*size {
		return nil, fmt.Errorf("npy: %d bytes of data for shape %v of %s", len(a.Data), a.Shape, a.DType)
	}
	out := make([]float32, n)
	d, le := a.Data, binary.LittleEndian
	switch a.DType {
	case "<f4":
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(d[4*i:]))
		}
	case "<f8":
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(d[8*i:])))
		}
	case "<i4":
		for i := range out {
			out[i] = float32(int32(le.Uint32(d[4*i:])))
		}
	case "<i8":
		for i := range out {
			out[i] = float32(int64(le.Uint64(d[8*i:])))
		}
	case "|i1":
		for i := range out {
			out[i] = float32(int8(d[i]))
		}
	case "|u1":
		for i := range out {
			out[i] = float32(d[i])
		}
	}
	return out, nil
}

// Uint8 returns the elements of a uint8 array.
func (a *Array) Uint8() ([]uint8, error) {
	if a.DType != "|u1" {
		return nil, fmt.Errorf("npy: array of %s, want |u1", a.DType)
	}
	if len(a.Data) != a.NumElements() {
		return nil, fmt.Errorf("npy: %d bytes of data for shape %v", len(a.Data), a.Shape)
	}
	return a.Data, nil
}

// WriteFloat32 writes v as a '<f4' array of the given shape, byte for byte
// as numpy.save writes it.
func WriteFloat32(w io.Writer, shape []int, v []float32) error {
	if err := checkShape(shape, len(v)); err != nil {
		return err
	}
	data := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(x))
	}
	return write(w, "<f4", shape, data)
}

// WriteUint8 writes v as a '|u1' array of the given shape, byte for byte as
// numpy.save writes it.
func WriteUint8(w io.Writer, shape []int, v []uint8) error {
	if err := checkShape(shape, len(v)); err != nil {
		return err
	}
	return write(w, "|u1", shape, v)
}

func checkShape(shape []int, n int) error {
	want := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		want *= d
	}
	if want != n {
		return fmt.Errorf("npy: shape %v holds %d elements, got %d", shape, want, n)
	}
	return nil
}

// write writes a version 1.0 file (2.0 if the header needs it), padding
// the header with spaces so the data starts at a multiple of 64 bytes, as
// NumPy does.
func write(w io.Writer, descr string, shape []int, data []byte) error {
	var h bytes.Buffer
	fmt.Fprintf(&h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr)
	for i, d := range shape {
		if i > 0 {
			h.WriteString(", ")
		}
		fmt.Fprint(&h, d)
	}
	if len(shape) == 1 {
		h.WriteByte(',')
	}
	h.WriteString("), }")
	prefix := 10
	if h.Len()+1+prefix+63 > math.MaxUint16 {
		prefix = 12
	}
	for (prefix+h.Len()+1)%64 != 0 {
		h.WriteByte(' ')
	}
	h.WriteByte('\n')

	out := make([]byte, 0, prefix+h.Len())
	out = append(out, magic...)
	if prefix == 10 {
		out = append(out, 1, 0)
		out = binary.LittleEndian.AppendUint16(out, uint16(h.Len()))
	} else {
		out = append(out, 2, 0)
		out = binary.LittleEndian.AppendUint32(out, uint32(h.Len()))
	}
	out = append(out, h.Bytes()...)
	if _, err := w.Write(out); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}
