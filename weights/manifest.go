package weights

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// Source is a model file the product knows how to convert, as listed in manifest.json.
type Source struct {
	Name   string `json:"name"`
	Title  string `json:"title"`
	Kind   string `json:"kind"` // "tflite" or "torch"
	File   string `json:"file"`
	Mirror string `json:"mirror,omitempty"` // path inside the local mirror folder
	URL    string `json:"url"`              // official address
	SHA256 string `json:"sha256,omitempty"`
	// SHA256Prefix is all that is published for some files: torch.hub names a file after the first hex
	// digits of its sha256.
	SHA256Prefix string `json:"sha256_prefix,omitempty"`
	License      string `json:"license"`
	Quantize     string `json:"quantize,omitempty"` // convert float weights to this ("int8")
	// Variants are further encodings of the converted model, each written as <name>_<encoding>: "int8" and
	// "float16" re-encode the weights; "int8-compute" (written as <name>_int8) is the integer graph with
	// calibrated activations (model.QuantizeActivations).
	Variants []string `json:"variants,omitempty"`
	// Files make a source of several files (File is then a description): their paths are relative to Mirror,
	// a folder, and to URL, a base address.
	Files []SourceFile `json:"files,omitempty"`
	// Default is the model the page starts with when Preferred is missing, and must convert; Preferred (the
	// most accurate network, InceptionV3) is the default whenever its weights can be had.
	Default   bool `json:"default,omitempty"`
	Preferred bool `json:"preferred,omitempty"`
}

// SourceFile is one file of a source of several files.
type SourceFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

//go:embed manifest.json
var manifestJSON []byte

// Manifest lists the known model sources.
func Manifest() ([]Source, error) {
	var s []Source
	if err := json.Unmarshal(manifestJSON, &s); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	return s, nil
}

// Verify checks data against the manifest's sha256 (or the published prefix of it).
func (s Source) Verify(where string, data []byte) error {
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	switch {
	case s.SHA256 != "" && got != s.SHA256:
		return fmt.Errorf("%s (%s): sha256 is %s, the manifest says %s: refusing a file that is not the published one", s.File, where, got, s.SHA256)
	case s.SHA256 == "" && s.SHA256Prefix == "":
		return fmt.Errorf("%s: the manifest has no checksum to verify it by", s.File)
	case s.SHA256Prefix != "" && !strings.HasPrefix(got, s.SHA256Prefix):
		return fmt.Errorf("%s (%s): sha256 is %s, the published prefix is %s: refusing it", s.File, where, got, s.SHA256Prefix)
	}
	return nil
}

// SHA256 is the hex sha256 of data.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
