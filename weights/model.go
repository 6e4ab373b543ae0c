// Package weights is the product's model file: a safetensors container whose metadata carries everything the
// runtime needs (architecture, input size and preprocessing, labels, quantization, source and its sha256) and a
// digest of that metadata and of every tensor, so a corrupted or changed file is refused before anything is
// built from it.
package weights

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"inceptionweb/internal/jsontree"
	"inceptionweb/internal/limits"
	"inceptionweb/nn/imagenet"
	"inceptionweb/weights/safetensors"
)

// Format names the metadata layout; a reader refuses files of another format.
const Format = "inceptionweb-model/1"

// Architectures a model file can hold.
const (
	InceptionV3 = "inception_v3" // nn/inceptionv3, float32 compute; weights float32, float16 or int8
	GoogLeNet   = "googlenet"    // nn/googlenet (BVLC's Caffe model), the same compute and encodings
	QuantGraph  = "quant_graph"  // nn/quant integer graph imported from TFLite
	FloatGraph  = "float_graph"  // the same kind of graph in float32 (nn/float); weights float32, float16 or int8
)

// Meta is a model file's description of itself.
type Meta struct {
	Format       string          `json:"format"`
	Name         string          `json:"name"`
	Title        string          `json:"title"`
	Architecture string          `json:"architecture"`
	Config       json.RawMessage `json:"config,omitempty"` // the architecture's own settings
	Input        Input           `json:"input"`
	Labels       []string        `json:"labels"`
	LabelOffset  int             `json:"label_offset"` // output index of Labels[0] (1 when class 0 is "background")
	Quantization string          `json:"quantization"` // "float32", "float16", "int8" (per output channel), "tflite"
	Source       string          `json:"source"`
	SourceSHA256 string          `json:"source_sha256"`
}

// Input says how pixels become the network's input: the one description of preprocessing (nn/imagenet).
type Input = imagenet.Preprocess

const (
	metaKey   = "inceptionweb"
	digestKey = "model_sha256" // Digest of the metadata and the tensors
	oldDigest = "tensors_sha256"
)

// Errors a caller may want to tell apart. Each is wrapped, with the file's name; a malformed container wraps
// safetensors.ErrMalformed, and sizes over internal/limits wrap limits.ErrTooLarge.
var (
	ErrNotModel    = errors.New("not a model file of this product")
	ErrChecksum    = errors.New("checksum mismatch")
	ErrUnsupported = errors.New("unsupported model file")
	ErrMalformed   = errors.New("malformed model metadata")
)

var architectures = []string{InceptionV3, GoogLeNet, QuantGraph, FloatGraph}

// Compute is the arithmetic a model runs in: "int8" for an integer graph (nn/quant), else "float32" (whatever
// its weights are stored as).
func (m Meta) Compute() string {
	if m.Architecture == QuantGraph {
		return "int8"
	}
	return "float32"
}

// Model is a verified model file.
type Model struct {
	Meta
	file *safetensors.File
}

// Read parses and verifies a model file; name is used in errors. Nothing of a file that fails is returned.
func Read(name string, data []byte) (*Model, error) {
	m, err := read(data, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// ReadVerified is Read for a file whose bytes the caller has already matched, by a sha256 over the whole
// file, against a file that passed Read (the page checks a model against models.json, written by the site
// build after reading each model): it checks everything Read checks but the digest, which would hash the same
// bytes again (in wasm, Go's sha256 is ~30x slower than the browser's).
func ReadVerified(name string, data []byte) (*Model, error) {
	m, err := read(data, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

func read(data []byte, digest bool) (*Model, error) {
	if err := limits.Check("the model file", int64(len(data)), limits.ModelFileBytes); err != nil {
		return nil, err
	}
	f, err := safetensors.Read(data)
	if err != nil {
		return nil, err
	}
	raw, ok := f.Metadata[metaKey]
	if !ok {
		return nil, fmt.Errorf("%w: a safetensors file without %q metadata", ErrNotModel, metaKey)
	}
	// One strict decoding of the description serves a file of this format. Where it fails, or finds another
	// format, the format is read on its own first: a newer one may be hashed or described another way.
	m := &Model{file: f}
	// The config (a graph: most of the description) is checked here and read by the model's own reader.
	doc, err := jsontree.ParseSkipping([]byte(raw), "config")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	metaErr := decodeMeta(doc, &m.Meta)
	if metaErr != nil || m.Format != Format {
		if format := formatOf(doc); format != Format {
			return nil, fmt.Errorf("%w: model format %q, this build reads %q", ErrUnsupported, format, Format)
		}
	}
	for k := range f.Metadata {
		switch k {
		case metaKey, digestKey:
		case oldDigest:
			return nil, fmt.Errorf("%w: written by an older build, whose digest leaves out the metadata (rebuild it: make weights)", ErrUnsupported)
		default:
			return nil, fmt.Errorf("%w: metadata %q is not covered by the digest", ErrChecksum, k)
		}
	}
	want, ok := f.Metadata[digestKey]
	if !ok {
		return nil, fmt.Errorf("%w: the file has no digest", ErrChecksum)
	}
	if digest {
		if got := Digest([]byte(raw), f.Tensors); want != got {
			return nil, fmt.Errorf("%w: metadata and tensors hash to %s, the file says %q (corrupted or changed file?)", ErrChecksum, got, want)
		}
	}
	if metaErr != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, metaErr)
	}
	if !slices.Contains(architectures, m.Architecture) {
		return nil, fmt.Errorf("%w: architecture %q, this build runs %q", ErrUnsupported, m.Architecture, architectures)
	}
	if err := m.Input.Check(); err != nil {
		return nil, fmt.Errorf("%w: input description: %v", ErrMalformed, err)
	}
	if len(m.Labels) == 0 {
		return nil, fmt.Errorf("%w: no labels", ErrMalformed)
	}
	return m, nil
}

// formatOf is a description's format, "" if it names none.
func formatOf(doc jsontree.Value) string {
	var format string
	for _, m := range doc.Members {
		if m.Key == "format" && m.Value.Kind == jsontree.StringKind {
			format = m.Value.Text
		}
	}
	return format
}

// decodeMeta decodes a model's description, refusing keys it does not know or that repeat. It reads what
// json.Marshal wrote (Write), without encoding/json (see internal/jsontree); TestMetaDecodesLikeJSON holds
// the two the same for every field.
func decodeMeta(doc jsontree.Value, meta *Meta) error {
	return doc.Decode(jsontree.Fields{
		"format": jsontree.String(&meta.Format), "name": jsontree.String(&meta.Name),
		"title": jsontree.String(&meta.Title), "architecture": jsontree.String(&meta.Architecture),
		"config": func(v jsontree.Value) error { meta.Config = json.RawMessage(v.Raw); return nil },
		"input":  func(v jsontree.Value) error { return decodeInput(v, &meta.Input) },
		"labels": jsontree.List(&meta.Labels, jsontree.String[string]), "label_offset": jsontree.Int(&meta.LabelOffset),
		"quantization": jsontree.String(&meta.Quantization), "source": jsontree.String(&meta.Source),
		"source_sha256": jsontree.String(&meta.SourceSHA256),
	})
}

// decodeInput decodes a model's preprocessing (nn/imagenet.Preprocess, as json.Marshal writes it).
func decodeInput(v jsontree.Value, p *Input) error {
	three := func(dst *[3]float32) func(jsontree.Value) error {
		return func(v jsontree.Value) error {
			if v.Kind == jsontree.ArrayKind && len(v.Items) != 3 {
				return fmt.Errorf("%d values, want 3", len(v.Items))
			}
			return v.Each(func(i int, x jsontree.Value) error { return jsontree.Float32(&dst[i])(x) })
		}
	}
	return v.Decode(jsontree.Fields{
		"size": jsontree.Int(&p.Size), "crop_fraction": jsontree.Float64(&p.CropFraction),
		"resize": jsontree.String(&p.Resize), "normalize": jsontree.String(&p.Normalize),
		"channels": jsontree.String(&p.Channels), "range": jsontree.Float32(&p.Range),
		"mean": three(&p.Mean), "std": three(&p.Std),
	})
}

// Write stores a model file.
func Write(w io.Writer, meta Meta, tensors []safetensors.Tensor) error {
	meta.Format = Format
	raw, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	return safetensors.Write(w, map[string]string{metaKey: string(raw), digestKey: Digest(raw, tensors)}, tensors)
}

// Digest is a sha256 over the metadata's JSON bytes and every tensor's name, dtype, shape and data, in name
// order, so it does not depend on how a writer lays the tensors out. Each part is length-prefixed, so no bytes
// can move from one part to the next.
func Digest(meta []byte, tensors []safetensors.Tensor) string {
	ts := slices.Clone(tensors)
	slices.SortFunc(ts, func(a, b safetensors.Tensor) int { return strings.Compare(a.Name, b.Name) })
	h := sha256.New()
	var n [8]byte
	part := func(b []byte) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	part([]byte(Format))
	part(meta)
	for _, t := range ts {
		part(fmt.Appendf(nil, "%s\x00%s\x00%v", t.Name, t.DType, t.Shape))
		part(t.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Tensors are the file's tensors.
func (m *Model) Tensors() []safetensors.Tensor { return m.file.Tensors }

// Tensor finds a tensor by name.
func (m *Model) Tensor(name string) (*safetensors.Tensor, bool) { return m.file.Tensor(name) }

// Has reports whether the file holds a tensor (for nn/inceptionv3.Params).
func (m *Model) Has(name string) bool { _, ok := m.file.Tensor(name); return ok }

// Float32 returns a tensor as float32 values, checking its shape. int8 tensors are dequantized with their
// per-output-channel scales, stored beside them as "<name>_scale".
func (m *Model) Float32(name string, shape []int) ([]float32, error) {
	return Float32(m.file.Tensor, name, shape)
}

// Float32 reads a float tensor (or an int8 tensor with its "<name>_scale") through lookup, checking its shape.
func Float32(lookup func(string) (*safetensors.Tensor, bool), name string, shape []int) ([]float32, error) {
	t, ok := lookup(name)
	if !ok {
		return nil, fmt.Errorf("missing tensor %q", name)
	}
	if !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("tensor %q has shape %v, want %v", name, t.Shape, shape)
	}
	if t.DType != "I8" {
		v, err := t.Float32()
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		return v, nil
	}
	s, ok := lookup(name + "_scale")
	if !ok || len(s.Shape) != 1 || len(shape) == 0 || s.Shape[0] != shape[0] {
		return nil, fmt.Errorf("int8 tensor %q needs a per-output-channel %q of shape [%d]", name, name+"_scale", shape[0])
	}
	scales, err := s.Float32()
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", s.Name, err)
	}
	return DequantizeInt8(t.Data, scales), nil
}

// DequantizeInt8 is the inverse of quant.QuantizeInt8.
func DequantizeInt8(q []byte, scales []float32) []float32 {
	v := make([]float32, len(q))
	per := len(q) / len(scales)
	for i, b := range q {
		v[i] = float32(int8(b)) * scales[i/per]
	}
	return v
}

// IsModelFile reports whether data looks like a safetensors file carrying this product's metadata, without
// verifying it. A file cut inside its header still looks like one, so that Read names what is wrong with it.
func IsModelFile(data []byte) bool {
	if len(data) < 8 {
		return false
	}
	n := min(binary.LittleEndian.Uint64(data), uint64(len(data)-8))
	return bytes.Contains(data[8:8+n], []byte(`"`+metaKey+`"`))
}
