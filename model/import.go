package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"

	"inceptionweb/weights"
)

// Import turns a file a person has into a verified model file of this product, whatever the command line
// reads: a model file of this product passes through; a TFLite ImageNet classifier is converted to run with
// TFLite's integer semantics; torchvision InceptionV3 weights (a torch.save state_dict, zip or legacy, or
// safetensors with torchvision's names) are converted with batch norm folded, their weights quantized to int8
// when int8 is true, kept float32 otherwise. The result has been opened as a model before it is returned.
// name is the file's name, used in errors and in the model's title.
func Import(name string, data []byte, int8 bool) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", name)
	}
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	sum := sha256.Sum256(data)
	meta := weights.Meta{Name: base, Source: name, SourceSHA256: hex.EncodeToString(sum[:])}
	var out []byte
	var err error
	switch {
	case !LooksLikeModel(data):
		return nil, fmt.Errorf("%s: %w", name, ErrNotModel)
	case weights.IsModelFile(data):
		out = data
	case IsTFLite(data):
		meta.Title = "TFLite classifier (" + name + ")"
		out, err = FromTFLite(meta, data)
	default:
		quant := Float32
		if int8 {
			quant = Int8
		}
		meta.Title = "InceptionV3 (" + name + ")"
		out, err = FromTorch(meta, data, quant)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data = nil // the source's memory can go before the model is built to verify it
	if _, err := Open(name, out); err != nil {
		return nil, err
	}
	return out, nil
}

// IsTFLite reports a TFLite flatbuffer: its file identifier "TFL3" follows the 4-byte root offset.
func IsTFLite(data []byte) bool { return len(data) >= 8 && string(data[4:8]) == "TFL3" }

// HeadSize is how many leading bytes LooksLikeModel needs.
const HeadSize = 16

// LooksLikeModel tells from a file's first HeadSize bytes whether it is in a format Import reads (a TFLite
// flatbuffer, a zip archive or a legacy pickle of torch.save, a safetensors file), so that the page can route a
// dropped file to Import or to the image decoder before reading all of it. Import decides for certain.
func LooksLikeModel(head []byte) bool {
	switch {
	case IsTFLite(head), bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return true
	case len(head) >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5: // pickle protocol 2..5
		return true
	case len(head) >= 9: // safetensors: an 8-byte header length, then the JSON header
		n := binary.LittleEndian.Uint64(head)
		return n >= 2 && n < 1<<30 && head[8] == '{'
	}
	return false
}

// ErrNotModel is Import's answer to a file in none of the formats it reads.
var ErrNotModel = errors.New("not a model file: the page takes model files of this site, TFLite classifiers and torchvision InceptionV3 weights (.pth or .safetensors)")

// Summary is what the page knows of a model file before opening it: its network (its title up to " (",
// e.g. "MobileNetV2") and the precision of its weights (the dtype that holds most of its bytes: "uint8",
// "int8", "float16" or "float32"), as the model picker shows them, and its preprocessing, so that the page
// can crop a photo while the model is still loading.
type Summary struct {
	Network   string         `json:"network,omitempty"`
	Precision string         `json:"precision,omitempty"`
	Input     *weights.Input `json:"input,omitempty"`
}

// Summarize reads a model file's Summary.
func Summarize(name string, data []byte) (Summary, error) {
	m, err := weights.Read(name, data)
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Input: &m.Input}
	s.Network, _, _ = strings.Cut(m.Title, " (")
	bytesOf := map[string]int{}
	for _, t := range m.Tensors() {
		bytesOf[t.DType] += len(t.Data)
	}
	best := 0
	for dt, n := range bytesOf {
		if p, ok := precisions[dt]; ok && (n > best || n == best && p < s.Precision) {
			s.Precision, best = p, n
		}
	}
	return s, nil
}

var precisions = map[string]string{"U8": "uint8", "I8": "int8", "F16": "float16", "F32": "float32"}
