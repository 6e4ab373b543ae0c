package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"inceptionweb/internal/limits"
)

// build assembles a safetensors file from a header string and a data area,
// exactly as the format documents it: u64 LE header length, header, data.
func build(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func le32(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// TestReadHandBuilt reads a file laid out as the Python safetensors library
// writes it: compact JSON, tensors sorted by alignment then name, header
// padded with spaces to a multiple of 8.
func TestReadHandBuilt(t *testing.T) {
	header := `{"__metadata__":{"format":"pt"},` +
		`"conv.weight":{"dtype":"F32","shape":[2,1,1,1],"data_offsets":[0,8]},` +
		`"counter":{"dtype":"I64","shape":[],"data_offsets":[8,16]},` +
		`"half":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},` +
		`"bf":{"dtype":"BF16","shape":[1],"data_offsets":[22,24]},` +
		`"mask":{"dtype":"BOOL","shape":[2],"data_offsets":[24,26]},` +
		`"q":{"dtype":"I8","shape":[2],"data_offsets":[26,28]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	var data []byte
	data = append(data, le32(1.5, -2)...)
	data = binary.LittleEndian.AppendUint64(data, 7)
	data = append(data, 0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00) // 1, -2, smallest subnormal
	data = append(data, 0x80, 0x3f)                         // bf16 1.0
	data = append(data, 1, 0)
	data = append(data, 0xff, 0x7f) // -1, 127
	file := build(header, data)

	f, err := Read(file)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" || len(f.Metadata) != 1 {
		t.Errorf("metadata = %v", f.Metadata)
	}
	want := []struct {
		name  string
		dtype string
		shape []int
		vals  []float32
	}{
		{"conv.weight", "F32", []int{2, 1, 1, 1}, []float32{1.5, -2}},
		{"counter", "I64", []int{}, []float32{7}},
		{"half", "F16", []int{3}, []float32{1, -2, float32(math.Ldexp(1, -24))}},
		{"bf", "BF16", []int{1}, []float32{1}},
		{"mask", "BOOL", []int{2}, []float32{1, 0}},
		{"q", "I8", []int{2}, []float32{-1, 127}},
	}
	if len(f.Tensors) != len(want) {
		t.Fatalf("got %d tensors, want %d", len(f.Tensors), len(want))
	}
	for i, w := range want {
		got := f.Tensors[i]
		if got.Name != w.name || got.DType != w.dtype || !reflect.DeepEqual(got.Shape, w.shape) {
			t.Errorf("tensor %d = %s %s %v, want %s %s %v", i, got.Name, got.DType, got.Shape, w.name, w.dtype, w.shape)
		}
		vals, err := got.Float32()
		if err != nil {
			t.Errorf("%s: %v", w.name, err)
		}
		if !reflect.DeepEqual(vals, w.vals) {
			t.Errorf("%s = %v, want %v", w.name, vals, w.vals)
		}
	}
	// Data aliases the input.
	tw, _ := f.Tensor("conv.weight")
	if &tw.Data[0] != &file[8+len(header)] {
		t.Error("tensor data was copied, want it to alias the input")
	}
	if _, ok := f.Tensor("missing"); ok {
		t.Error("Tensor found a name that is not in the file")
	}
}

func TestReadOrdersByOffset(t *testing.T) {
	header := `{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`
	f, err := Read(build(header, []byte{10, 20}))
	if err != nil {
		t.Fatal(err)
	}
	if f.Tensors[0].Name != "a" || f.Tensors[1].Name != "b" || f.Tensors[1].Data[0] != 20 {
		t.Errorf("tensors = %+v, want a then b", f.Tensors)
	}
}

func TestReadEmptyAndZeroSized(t *testing.T) {
	f, err := Read(build(`{}      `, nil))
	if err != nil || len(f.Tensors) != 0 {
		t.Fatalf("empty file: %v %v", f, err)
	}
	f, err = Read(build(`{"z":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}`, nil))
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Tensors[0].NumElements(); n != 0 {
		t.Errorf("NumElements = %d, want 0", n)
	}
}

func TestReadErrors(t *testing.T) {
	u8 := func(name, shape, offsets string) string {
		return `"` + name + `":{"dtype":"U8","shape":` + shape + `,"data_offsets":` + offsets + `}`
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"too short", []byte{1, 2, 3}, "too short"},
		{"header beyond file", build(`{}`, nil)[:9], "beyond the end"},
		{"huge header length", append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, '{', '}'), "beyond the end"},
		{"bad json", build(`{"a":`, nil), "bad JSON"},
		{"not an object", build(`[1]`, nil), "not an object"},
		{"data after object", build(`{} {}`, nil), "data after the value"},
		{"duplicate key", build(`{`+u8("a", "[1]", "[0,1]")+`,`+u8("a", "[1]", "[1,2]")+`}`, []byte{1, 2}), `"a" appears twice`},
		{"unknown dtype", build(`{"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}`, []byte{0}), `tensor "w": unknown dtype "F8"`},
		{"unknown field", build(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}}`, []byte{0}), `tensor "w": bad header entry`},
		{"missing shape", build(`{"w":{"dtype":"U8","data_offsets":[0,1]}}`, []byte{0}), `tensor "w": missing field "shape"`},
		{"bad offsets", build(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[0]}}`, []byte{0}), `tensor "w": field "data_offsets"`},
		{"negative dim", build(`{`+u8("w", "[-1]", "[0,1]")+`}`, []byte{0}), `tensor "w": negative dimension`},
		{"fractional dim", build(`{`+u8("w", "[1.5]", "[0,1]")+`}`, []byte{0}), `tensor "w": bad header entry`},
		{"huge shape", build(`{`+u8("w", "[4294967296,4294967296]", "[0,1]")+`}`, []byte{0}), `tensor "w": shape`},
		{"size mismatch", build(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "w": shape [2] of F32 needs 8 bytes`},
		{"reversed offsets", build(`{`+u8("w", "[1]", "[1,0]")+`}`, []byte{0}), `tensor "w": data_offsets [1, 0] end before`},
		{"offsets beyond data", build(`{`+u8("w", "[1]", "[4,5]")+`}`, []byte{0}), `tensor "w": data_offsets [4, 5] beyond`},
		{"overlap", build(`{`+u8("a", "[2]", "[0,2]")+`,`+u8("b", "[2]", "[1,3]")+`}`, []byte{1, 2, 3}), `tensor "b": data_offsets [1, 3] overlap`},
		{"gap", build(`{`+u8("a", "[1]", "[0,1]")+`,`+u8("b", "[1]", "[2,3]")+`}`, []byte{1, 2, 3}), `tensor "b": data_offsets [2, 3] leave a gap`},
		{"gap at start", build(`{`+u8("a", "[1]", "[1,2]")+`}`, []byte{1, 2}), `tensor "a": data_offsets [1, 2] leave a gap`},
		{"trailing garbage", build(`{`+u8("a", "[1]", "[0,1]")+`}`, []byte{1, 2}), "1 bytes of trailing data"},
		{"metadata not strings", build(`{"__metadata__":{"a":1}}`, nil), `"__metadata__": must map strings to strings`},
	}
	for _, tc := range tests {
		_, err := Read(tc.file)
		if err == nil {
			t.Errorf("%s: Read succeeded, want an error containing %q", tc.name, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.name, err, tc.want)
		}
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, limits.ErrTooLarge) {
			t.Errorf("%s: %v wraps neither ErrMalformed nor limits.ErrTooLarge", tc.name, err)
		}
	}
}

func TestReadLimits(t *testing.T) {
	padded := `{}` + strings.Repeat(" ", limits.HeaderBytes)
	many := make([]string, limits.Tensors+2) // one more than the tensors and the metadata
	for i := range many {
		many[i] = fmt.Sprintf(`"t%d":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}`, i)
	}
	for _, c := range []struct {
		name, header, want string
	}{
		{"header over the limit", padded, "the header is 16 MiB"},
		{"rank 9", `{"w":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}}`, "the rank is 9"},
		{"too many tensors", "{" + strings.Join(many, ",") + "}", "the number of tensors"},
	} {
		_, err := Read(build(c.header, []byte{0}))
		if !errors.Is(err, limits.ErrTooLarge) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrTooLarge and %q", c.name, err, c.want)
		}
	}
}

func TestFloat16ToFloat32(t *testing.T) {
	tests := []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x7bff, 65504},
		{0x0400, float32(math.Ldexp(1, -14))},    // smallest normal
		{0x03ff, float32(math.Ldexp(1023, -24))}, // largest subnormal
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
		{0x3555, 0.333251953125},
	}
	for _, tc := range tests {
		if got := Float16ToFloat32(tc.h); got != tc.want {
			t.Errorf("Float16ToFloat32(%#04x) = %v, want %v", tc.h, got, tc.want)
		}
	}
	if got := Float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("Float16ToFloat32(0x7e00) = %v, want NaN", got)
	}
	if got := Float16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("Float16ToFloat32(0x8000) = %v, want -0", got)
	}
}

func TestFloat32Errors(t *testing.T) {
	bad := Tensor{Name: "w", DType: "F32", Shape: []int{3}, Data: make([]byte, 8)}
	if _, err := bad.Float32(); err == nil || !strings.Contains(err.Error(), `"w"`) {
		t.Errorf("short data: err = %v", err)
	}
	unknown := Tensor{Name: "w", DType: "C64", Shape: []int{1}, Data: make([]byte, 8)}
	if _, err := unknown.Float32(); err == nil {
		t.Error("unknown dtype: no error")
	}
}
