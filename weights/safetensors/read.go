package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"inceptionweb/internal/jsontree"
	"inceptionweb/internal/limits"
)

// ErrMalformed is wrapped by every error about a file that breaks the format. Sizes over internal/limits wrap
// limits.ErrTooLarge instead.
var ErrMalformed = errors.New("malformed safetensors file")

type formatError struct{ msg string }

func (e *formatError) Error() string { return "safetensors: " + e.msg }
func (e *formatError) Unwrap() error { return ErrMalformed }

func malformed(format string, args ...any) error { return &formatError{fmt.Sprintf(format, args...)} }

// File is a parsed safetensors file.
type File struct {
	Metadata map[string]string
	Tensors  []Tensor // in data-offset order
}

// Tensor returns the tensor with the given name.
func (f *File) Tensor(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

const metadataKey = "__metadata__"

// Read parses a safetensors file. It is strict: the header must be valid JSON
// naming each tensor once, every dtype must be known, each tensor's byte span
// must match its shape, and the spans must tile the data area exactly, with
// nothing after it. Tensor data aliases data.
func Read(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, malformed("file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > uint64(len(data)-8) {
		return nil, malformed("header length %d is beyond the end of the %d-byte file", n, len(data))
	}
	if n > limits.HeaderBytes {
		return nil, fmt.Errorf("safetensors: %w", limits.Check("the header", int64(n), limits.HeaderBytes))
	}
	header := data[8 : 8+n]
	body := data[8+n:]

	f := &File{}
	names, vals, metaErr, err := splitHeader(header, &f.Metadata)
	if err != nil {
		return nil, err
	}
	if err := limits.CheckCount("the number of tensors", int64(len(names)), limits.Tensors+1); err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if metaErr != nil {
		return nil, malformed("header field %q: must map strings to strings: %v", metadataKey, metaErr)
	}

	type span struct{ start, end uint64 }
	var spans []span
	for i, name := range names {
		if name == metadataKey {
			continue
		}
		t, s, err := parseEntry(name, vals[i])
		if err != nil {
			return nil, err
		}
		if s.end > uint64(len(body)) {
			return nil, malformed("tensor %q: data_offsets [%d, %d] beyond the %d-byte data area", name, s.start, s.end, len(body))
		}
		t.Data = body[s.start:s.end:s.end]
		f.Tensors = append(f.Tensors, t)
		spans = append(spans, span(s))
	}

	order := make([]int, len(spans))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		sa, sb := spans[order[a]], spans[order[b]]
		if sa.start != sb.start {
			return sa.start < sb.start
		}
		return sa.end < sb.end
	})
	var end uint64
	sorted := make([]Tensor, len(order))
	for k, i := range order {
		s := spans[i]
		switch {
		case s.start < end:
			return nil, malformed("tensor %q: data_offsets [%d, %d] overlap the previous tensor, which ends at %d", f.Tensors[i].Name, s.start, s.end, end)
		case s.start > end:
			return nil, malformed("tensor %q: data_offsets [%d, %d] leave a gap after offset %d", f.Tensors[i].Name, s.start, s.end, end)
		}
		end = s.end
		sorted[k] = f.Tensors[i]
	}
	if end != uint64(len(body)) {
		return nil, malformed("%d bytes of trailing data after the last tensor (data area is %d bytes, tensors end at %d)", uint64(len(body))-end, len(body), end)
	}
	f.Tensors = sorted
	return f, nil
}

// splitHeader parses the header as one JSON object and returns its keys, in order, with their values. Duplicate
// keys are an error. The metadata's value is decoded into meta; metaErr says if it is JSON but not an object
// of strings, which Read reports after the header's syntax and size. (jsontree, not encoding/json: see its
// package comment.)
func splitHeader(header []byte, meta *map[string]string) (names []string, vals []jsontree.Value, metaErr, err error) {
	top, err := jsontree.Parse(header)
	if err != nil {
		return nil, nil, nil, malformed("bad JSON header: %v", err)
	}
	if top.Kind != jsontree.ObjectKind {
		return nil, nil, nil, malformed("bad JSON header: not an object")
	}
	seen := make(map[string]bool, len(top.Members))
	for _, m := range top.Members {
		if seen[m.Key] {
			return nil, nil, nil, malformed("bad JSON header: key %q appears twice", m.Key)
		}
		seen[m.Key] = true
		if m.Key == metadataKey {
			*meta, metaErr = stringMap(m.Value)
		}
		names = append(names, m.Key)
		vals = append(vals, m.Value)
	}
	return names, vals, metaErr, nil
}

// stringMap decodes an object of strings (null is none, as encoding/json decodes it).
func stringMap(v jsontree.Value) (map[string]string, error) {
	if v.Kind == jsontree.NullKind {
		return nil, nil
	}
	if v.Kind != jsontree.ObjectKind {
		return nil, fmt.Errorf("a JSON %s", v.Kind)
	}
	out := make(map[string]string, len(v.Members))
	for _, m := range v.Members {
		s, err := m.Value.Str()
		if err != nil {
			return nil, fmt.Errorf("key %q: %v", m.Key, err)
		}
		out[m.Key] = s // a repeated key: the last one, as encoding/json
	}
	return out, nil
}

// headerEntry is one tensor's description in the JSON header.
type headerEntry struct {
	DType       string
	Shape       []int64
	DataOffsets []uint64
}

// decodeEntry decodes a header entry; every key is known and given once.
func decodeEntry(v jsontree.Value) (headerEntry, error) {
	var e headerEntry
	err := v.Decode(jsontree.Fields{
		"dtype":        jsontree.String(&e.DType),
		"shape":        jsontree.List(&e.Shape, jsontree.Int64),
		"data_offsets": jsontree.List(&e.DataOffsets, jsontree.Uint64),
	})
	return e, err
}

// parseEntry validates one tensor's header entry and returns the tensor
// (without data) and its byte span within the data area.
func parseEntry(name string, raw jsontree.Value) (Tensor, struct{ start, end uint64 }, error) {
	var s struct{ start, end uint64 }
	e, err := decodeEntry(raw)
	if err != nil {
		return Tensor{}, s, malformed("tensor %q: bad header entry: %v", name, err)
	}
	size := DTypeSize(e.DType)
	if size == 0 {
		return Tensor{}, s, malformed("tensor %q: unknown dtype %q", name, e.DType)
	}
	if e.Shape == nil {
		return Tensor{}, s, malformed("tensor %q: missing field \"shape\"", name)
	}
	if len(e.Shape) > limits.TensorRank {
		return Tensor{}, s, fmt.Errorf("safetensors: tensor %q: %w", name, limits.CheckCount("the rank", int64(len(e.Shape)), limits.TensorRank))
	}
	if len(e.DataOffsets) != 2 {
		return Tensor{}, s, malformed("tensor %q: field \"data_offsets\" must hold 2 numbers, has %d", name, len(e.DataOffsets))
	}
	s.start, s.end = e.DataOffsets[0], e.DataOffsets[1]
	if s.end < s.start {
		return Tensor{}, s, malformed("tensor %q: data_offsets [%d, %d] end before they start", name, s.start, s.end)
	}
	shape := make([]int, len(e.Shape))
	nbytes := uint64(size)
	for i, d := range e.Shape {
		if d < 0 {
			return Tensor{}, s, malformed("tensor %q: negative dimension %d in shape %v", name, d, e.Shape)
		}
		if d > math.MaxInt32 || (d > 0 && nbytes > math.MaxInt64/uint64(d)) {
			return Tensor{}, s, malformed("tensor %q: shape %v is too large", name, e.Shape)
		}
		nbytes *= uint64(d)
		shape[i] = int(d)
	}
	if nbytes > limits.TensorBytes {
		return Tensor{}, s, fmt.Errorf("safetensors: tensor %q: %w", name, limits.Check("its data", int64(nbytes), limits.TensorBytes))
	}
	if nbytes != s.end-s.start {
		return Tensor{}, s, malformed("tensor %q: shape %v of %s needs %d bytes, data_offsets [%d, %d] span %d", name, e.Shape, e.DType, nbytes, s.start, s.end, s.end-s.start)
	}
	return Tensor{Name: name, DType: e.DType, Shape: shape}, s, nil
}
