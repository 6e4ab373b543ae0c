package safetensors

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

func sampleTensors() []Tensor {
	return []Tensor{
		FromFloat32("fc.weight", []int{2, 3}, []float32{1, 2, 3, -4, 0.5, 1e-30}),
		{Name: "fc.bias", DType: "F16", Shape: []int{2}, Data: []byte{0x00, 0x3c, 0x00, 0xc0}},
		{Name: "bn.num_batches_tracked", DType: "I64", Shape: nil, Data: binary.LittleEndian.AppendUint64(nil, 42)},
		{Name: "empty", DType: "F32", Shape: []int{0}, Data: []byte{}},
		{Name: "q<&>", DType: "I8", Shape: []int{1, 1, 1}, Data: []byte{0x80}},
	}
}

func TestRoundTrip(t *testing.T) {
	meta := map[string]string{"arch": "inception_v3", "labels": "a\nb", "z": ""}
	tensors := sampleTensors()
	var buf bytes.Buffer
	if err := Write(&buf, meta, tensors); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	n := binary.LittleEndian.Uint64(out)
	if (8+n)%8 != 0 {
		t.Errorf("data starts at %d, want a multiple of 8", 8+n)
	}
	f, err := Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata, meta) {
		t.Errorf("metadata = %v, want %v", f.Metadata, meta)
	}
	if len(f.Tensors) != len(tensors) {
		t.Fatalf("got %d tensors, want %d", len(f.Tensors), len(tensors))
	}
	for i, want := range tensors {
		got := f.Tensors[i]
		if got.Name != want.Name || got.DType != want.DType || !bytes.Equal(got.Data, want.Data) || got.NumElements() != want.NumElements() || len(got.Shape) != len(want.Shape) {
			t.Errorf("tensor %d = %+v, want %+v", i, got, want)
		}
	}
	w, _ := f.Tensor("fc.weight")
	vals, err := w.Float32()
	if err != nil || !reflect.DeepEqual(vals, []float32{1, 2, 3, -4, 0.5, 1e-30}) {
		t.Errorf("fc.weight = %v, %v", vals, err)
	}

	// Deterministic: writing again, or writing what was read, gives the same bytes.
	var again bytes.Buffer
	if err := Write(&again, f.Metadata, f.Tensors); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), out) {
		t.Error("writing the file read back gave different bytes")
	}
}

func TestWriteNoMetadata(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, nil, sampleTensors()[:1]); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), metadataKey) {
		t.Error("empty metadata was written")
	}
	if _, err := Read(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
	}{
		{"unknown dtype", []Tensor{{Name: "a", DType: "X", Shape: []int{1}, Data: []byte{0}}}, nil},
		{"short data", []Tensor{{Name: "a", DType: "F32", Shape: []int{2}, Data: make([]byte, 4)}}, nil},
		{"negative dim", []Tensor{{Name: "a", DType: "U8", Shape: []int{-1}}}, nil},
		{"duplicate", []Tensor{{Name: "a", DType: "U8", Shape: []int{1}, Data: []byte{0}}, {Name: "a", DType: "U8", Shape: []int{1}, Data: []byte{0}}}, nil},
		{"reserved name", []Tensor{{Name: metadataKey, DType: "U8", Shape: []int{1}, Data: []byte{0}}}, nil},
		{"bad utf8 name", []Tensor{{Name: "\xff", DType: "U8", Shape: []int{1}, Data: []byte{0}}}, nil},
		{"bad utf8 metadata", nil, map[string]string{"k": "\xff"}},
	}
	for _, tc := range tests {
		if err := Write(&bytes.Buffer{}, tc.meta, tc.tensors); err == nil {
			t.Errorf("%s: Write succeeded, want an error", tc.name)
		}
	}
}
