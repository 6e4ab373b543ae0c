package model

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"inceptionweb/internal/jsontree/jsontreetest"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/imagenet"
	"inceptionweb/weights"
)

// TestGraphDecodesLikeJSON: decodeGraph and decodeInceptionConfig read every field json.Marshal writes as
// encoding/json reads it back, for a graph with every field set and for MobileNetV2's real graph; and they
// refuse keys they do not know.
func TestGraphDecodesLikeJSON(t *testing.T) {
	var filled graph.Graph
	jsontreetest.Fill(&filled)
	graphs := []*graph.Graph{&filled}
	real, _, err := readTFLite(readShared(t, "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	graphs = append(graphs, real)
	for _, want := range graphs {
		raw, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		var viaJSON graph.Graph
		if err := json.Unmarshal(raw, &viaJSON); err != nil {
			t.Fatal(err)
		}
		got, err := decodeGraph("test", raw)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, viaJSON) {
			t.Errorf("decodeGraph differs from encoding/json on %.300s", raw)
		}
	}
	var ic InceptionConfig
	jsontreetest.Fill(&ic)
	raw, _ := json.Marshal(ic)
	if got, err := decodeInceptionConfig("test", raw); err != nil || got != ic {
		t.Errorf("inception config %s: %+v, %v", raw, got, err)
	}
	for _, bad := range []string{`{"tensors":[{"nmae":"x"}]}`, `{"ops":[{"op":"ADD","params":{"stride":1}}]}`,
		`{"inputs":[1.5]}`, `{"ops":[{"op":1}]}`, `{"tensors":[],"tensors":[]}`, `[]`} {
		if _, err := decodeGraph("test", []byte(bad)); err == nil {
			t.Errorf("%s: decoded without an error", bad)
		}
	}
}

// TestGraphQuantTensors: writeGraph keeps per-channel quantization as tensors and readGraph restores it, the
// same graph as the file of an earlier build with the lists in the description; a tensor quantized both ways
// is refused.
func TestGraphQuantTensors(t *testing.T) {
	g, _, err := readTFLite(readShared(t, "weights-source/mobilenet_v2/tf2_mobilenet_v2_1.0_224_ptq.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	perChannel := 0
	for _, x := range g.Tensors {
		if len(x.Scale) > 1 {
			perChannel++
		}
	}
	if perChannel == 0 {
		t.Fatal("the int8 MobileNetV2 has no per-channel tensors")
	}
	meta := weights.Meta{Name: "m", Architecture: weights.QuantGraph, Input: imagenet.Pixels(224, imagenet.CentralCrop), Labels: []string{"a"}}
	read := func(file []byte) (*graph.Graph, error) {
		mf, err := weights.Read("m", file)
		if err != nil {
			t.Fatal(err)
		}
		return readGraph("m", mf)
	}
	file, err := writeGraph(meta, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	mf, _ := weights.Read("m", file)
	if got := len(mf.Tensors()); got != 2*perChannel {
		t.Errorf("%d tensors in the file, want 2 for each of %d per-channel tensors", got, perChannel)
	}
	if described, err := decodeGraph("m", mf.Config); err == nil {
		for _, x := range described.Tensors {
			if len(x.Scale) > 1 || len(x.ZeroPoint) > 1 {
				t.Fatalf("tensor %q: its lists stayed in the description", x.Name)
			}
		}
	}
	if back, err := read(file); err != nil || !reflect.DeepEqual(back, g) {
		t.Errorf("read back: %v (equal: %v)", err, back != nil && reflect.DeepEqual(back, g))
	}
	// An earlier build's file: the lists in the description.
	raw, _ := json.Marshal(g)
	meta.Config = raw
	var buf bytes.Buffer
	if err := weights.Write(&buf, meta, nil); err != nil {
		t.Fatal(err)
	}
	if back, err := read(buf.Bytes()); err != nil || !reflect.DeepEqual(back, g) {
		t.Errorf("an earlier build's file: %v", err)
	}
	// Both at once.
	_, lists := splitQuant(g)
	buf.Reset()
	if err := weights.Write(&buf, meta, lists); err != nil {
		t.Fatal(err)
	}
	if _, err := read(buf.Bytes()); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("quantization given twice: %v", err)
	}
}
