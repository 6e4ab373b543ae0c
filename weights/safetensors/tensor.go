// Package safetensors reads and writes the safetensors container: an 8-byte
// little-endian header length, a JSON header describing each tensor, and the
// tensors' raw little-endian bytes.
package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Tensor is a named tensor whose elements are stored little-endian in Data,
// row-major. DType is a safetensors dtype name ("F32", "F16", "BF16", "F64",
// "I8", "U8", "I16", "I32", "I64", "BOOL").
type Tensor struct {
	Name  string
	DType string
	Shape []int
	Data  []byte
}

// dtypeSizes maps each supported dtype to its element size in bytes.
var dtypeSizes = map[string]int{
	"F64":  8,
	"F32":  4,
	"F16":  2,
	"BF16": 2,
	"I64":  8,
	"I32":  4,
	"I16":  2,
	"I8":   1,
	"U8":   1,
	"BOOL": 1,
}

// DTypeSize returns the element size in bytes of a dtype, or 0 if the dtype
// is unknown.
func DTypeSize(dtype string) int {
	return dtypeSizes[dtype]
}

// NumElements returns the product of the tensor's dimensions (1 for a scalar).
func (t *Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Float32 returns the tensor's elements converted to float32.
func (t *Tensor) Float32() ([]float32, error) {
	size := DTypeSize(t.DType)
	if size == 0 {
		return nil, fmt.Errorf("safetensors: tensor %q: unknown dtype %q", t.Name, t.DType)
	}
	n := t.NumElements()
	if n < 0 || len(t.Data) != n*size {
		return nil, fmt.Errorf("safetensors: tensor %q: %d bytes of data for shape %v of %s", t.Name, len(t.Data), t.Shape, t.DType)
	}
	out := make([]float32, n)
	d := t.Data
	le := binary.LittleEndian
	switch t.DType {
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(d[8*i:])))
		}
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(d[4*i:]))
		}
	case "F16":
		for i := range out {
			out[i] = Float16ToFloat32(le.Uint16(d[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(d[2*i:])) << 16)
		}
	case "I64":
		for i := range out {
			out[i] = float32(int64(le.Uint64(d[8*i:])))
		}
	case "I32":
		for i := range out {
			out[i] = float32(int32(le.Uint32(d[4*i:])))
		}
	case "I16":
		for i := range out {
			out[i] = float32(int16(le.Uint16(d[2*i:])))
		}
	case "I8":
		for i := range out {
			out[i] = float32(int8(d[i]))
		}
	case "U8":
		for i := range out {
			out[i] = float32(d[i])
		}
	case "BOOL":
		for i := range out {
			if d[i] != 0 {
				out[i] = 1
			}
		}
	}
	return out, nil
}

// FromFloat32 returns an F32 tensor holding a copy of v. The shape is copied.
func FromFloat32(name string, shape []int, v []float32) Tensor {
	data := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: "F32", Shape: append([]int{}, shape...), Data: data}
}

// Float16ToFloat32 converts an IEEE 754 half-precision value to float32
// exactly, including subnormals, infinities and NaNs.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise into float32's range
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	}
}
