package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"
)

// Write writes a safetensors file. Tensors are laid out in the order given,
// the header lists "__metadata__" first (omitted when empty) and then the
// tensors in that same order, and the header is padded with spaces so that
// the data starts at a multiple of 8 bytes. The same input always gives the
// same bytes.
func Write(w io.Writer, metadata map[string]string, tensors []Tensor) error {
	var h bytes.Buffer
	h.WriteByte('{')
	first := true
	comma := func() {
		if !first {
			h.WriteByte(',')
		}
		first = false
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("safetensors: metadata %q is not valid UTF-8", k)
		}
	}
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata) // map keys come out sorted
		if err != nil {
			return fmt.Errorf("safetensors: metadata: %v", err)
		}
		comma()
		writeJSONString(&h, metadataKey)
		h.WriteByte(':')
		h.Write(m)
	}
	seen := map[string]bool{}
	var offset uint64
	for i := range tensors {
		t := &tensors[i]
		if err := checkTensor(t); err != nil {
			return err
		}
		if t.Name == metadataKey || seen[t.Name] {
			return fmt.Errorf("safetensors: tensor name %q is reserved or used twice", t.Name)
		}
		seen[t.Name] = true
		shape := t.Shape
		if shape == nil {
			shape = []int{} // a scalar: "shape":[] rather than null
		}
		entry, err := json.Marshal(struct {
			DType       string   `json:"dtype"`
			Shape       []int    `json:"shape"`
			DataOffsets []uint64 `json:"data_offsets"`
		}{t.DType, shape, []uint64{offset, offset + uint64(len(t.Data))}})
		if err != nil {
			return fmt.Errorf("safetensors: tensor %q: %v", t.Name, err)
		}
		offset += uint64(len(t.Data))
		comma()
		writeJSONString(&h, t.Name)
		h.WriteByte(':')
		h.Write(entry)
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}

	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(h.Len()))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(h.Bytes()); err != nil {
		return err
	}
	for i := range tensors {
		if _, err := w.Write(tensors[i].Data); err != nil {
			return err
		}
	}
	return nil
}

// checkTensor reports whether t's dtype is known and its data matches its shape.
func checkTensor(t *Tensor) error {
	if !utf8.ValidString(t.Name) {
		return fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
	}
	size := DTypeSize(t.DType)
	if size == 0 {
		return fmt.Errorf("safetensors: tensor %q: unknown dtype %q", t.Name, t.DType)
	}
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", t.Name, t.Shape)
		}
		n *= d
	}
	if len(t.Data) != n*size {
		return fmt.Errorf("safetensors: tensor %q: %d bytes of data for shape %v of %s (want %d)", t.Name, len(t.Data), t.Shape, t.DType, n*size)
	}
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}
