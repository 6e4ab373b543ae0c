package model

import (
	"bytes"
	"encoding/json"
	"testing"

	"inceptionweb/nn/graph"
	"inceptionweb/nn/imagenet"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

// tinyGraph is a model file of a three-operator integer graph over 2x2 pixels: average pool, reshape, softmax.
func tinyGraph(t testing.TB, arch string) []byte {
	g := &graph.Graph{
		Tensors: []graph.Tensor{
			{Name: "input", Type: graph.Uint8, Shape: []int{1, 2, 2, 3}, Scale: []float32{1.0 / 255}, ZeroPoint: []int32{0}},
			{Name: "pool", Type: graph.Uint8, Shape: []int{1, 1, 1, 3}, Scale: []float32{1.0 / 255}, ZeroPoint: []int32{0}},
			{Name: "flat", Type: graph.Uint8, Shape: []int{1, 3}, Scale: []float32{1.0 / 255}, ZeroPoint: []int32{0}},
			{Name: "probs", Type: graph.Uint8, Shape: []int{1, 3}, Scale: []float32{1.0 / 256}, ZeroPoint: []int32{0}},
		},
		Ops: []graph.Op{
			{Op: "AVERAGE_POOL_2D", Inputs: []int{0}, Outputs: []int{1}, Params: graph.Params{Padding: "VALID", StrideH: 1, StrideW: 1, FilterH: 2, FilterW: 2}},
			{Op: "RESHAPE", Inputs: []int{1}, Outputs: []int{2}},
			{Op: "SOFTMAX", Inputs: []int{2}, Outputs: []int{3}, Params: graph.Params{Beta: 1}},
		},
		Inputs: []int{0}, Outputs: []int{3},
	}
	meta := weights.Meta{Name: "tiny", Title: "Tiny", Architecture: arch, Input: imagenet.Pixels(2, 1),
		Labels: []string{"a", "b", "c"}, Quantization: "tflite"}
	data, err := writeGraph(meta, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestTinyGraph(t *testing.T) {
	m, err := Open("tiny", tinyGraph(t, weights.QuantGraph))
	if err != nil {
		t.Fatal(err)
	}
	preds, err := m.ClassifyRGBA(make([]byte, 2*2*4), 2, 0)
	if err != nil || len(preds) != 3 {
		t.Fatalf("%v, %v", preds, err)
	}
}

// FuzzOpen feeds any bytes to the reader that the worker and the command line use: the safetensors container,
// the digest, the metadata, and the builders behind them. It must never panic.
func FuzzOpen(f *testing.F) {
	f.Add(tinyGraph(f, weights.QuantGraph))
	f.Add(tinyGraph(f, weights.FloatGraph))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := Open("fuzz", data); err == nil {
			classify(t, m)
		}
	})
}

// FuzzOpenMetadata changes a valid model file's metadata and signs it again, so that the digest, which random
// bytes almost never match, lets the metadata reach the graph builders.
func FuzzOpenMetadata(f *testing.F) {
	for _, arch := range []string{weights.QuantGraph, weights.FloatGraph} {
		file, err := safetensors.Read(tinyGraph(f, arch))
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(file.Metadata["inceptionweb"]))
	}
	f.Fuzz(func(t *testing.T, metaJSON []byte) {
		var meta weights.Meta
		if json.Unmarshal(metaJSON, &meta) != nil {
			return
		}
		var buf bytes.Buffer
		if weights.Write(&buf, meta, nil) != nil {
			return
		}
		if m, err := Open("fuzz", buf.Bytes()); err == nil {
			classify(t, m)
		}
	})
}

func classify(t *testing.T, m *Model) {
	s := m.Info().Input.Size
	if s > 64 {
		return // building it was the test; running a large input would only be slow
	}
	if _, err := m.ClassifyRGBA(make([]byte, s*s*4), s, 5); err != nil {
		t.Logf("classify: %v", err)
	}
}
