package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"inceptionweb/nn/float"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/imagenet"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/weights"
	"inceptionweb/weights/caffejs"
	"inceptionweb/weights/safetensors"
	"inceptionweb/weights/tflite"
)

// QuantDTypes maps the integer graph's element types to safetensors dtypes.
var QuantDTypes = map[graph.DType]string{graph.Uint8: "U8", graph.Int8: "I8", graph.Int32: "I32"}

// FromTFLite converts a quantized TFLite ImageNet classifier into a model file running it with TFLite's
// integer semantics; its input is the raw RGB pixels of TensorFlow's central 87.5% crop.
func FromTFLite(meta weights.Meta, data []byte) ([]byte, error) {
	g, consts, err := readTFLite(data)
	if err != nil {
		return nil, err
	}
	if err := tfliteMeta(&meta, g); err != nil {
		return nil, err
	}
	tensors := make([]safetensors.Tensor, 0, len(consts))
	for _, n := range sortedKeys(consts) {
		c := consts[n]
		dt, ok := QuantDTypes[c.Type]
		if !ok {
			return nil, fmt.Errorf("constant %q has type %q", n, c.Type)
		}
		tensors = append(tensors, safetensors.Tensor{Name: n, DType: dt, Shape: c.Shape, Data: c.Data})
	}
	meta.Architecture, meta.Quantization = weights.QuantGraph, "tflite"
	return writeGraph(meta, g, tensors)
}

// FloatFromTFLite converts a quantized TFLite classifier into its float32 reference: the same graph with every
// constant dequantized, run by nn/float. The quantization tool measures int8 weights against it.
func FloatFromTFLite(meta weights.Meta, data []byte) ([]byte, error) {
	g, consts, err := readTFLite(data)
	if err != nil {
		return nil, err
	}
	if err := tfliteMeta(&meta, g); err != nil {
		return nil, err
	}
	fg, fc, err := float.Dequantize(g, consts)
	if err != nil {
		return nil, err
	}
	tensors := make([]safetensors.Tensor, 0, len(fc))
	for _, n := range sortedKeys(fc) {
		shape := fg.Tensors[slices.IndexFunc(fg.Tensors, func(t graph.Tensor) bool { return t.Name == n })].Shape
		tensors = append(tensors, safetensors.FromFloat32(n, shape, fc[n]))
	}
	meta.Architecture, meta.Quantization = weights.FloatGraph, "float32"
	return writeGraph(meta, fg, tensors)
}

func readTFLite(data []byte) (*graph.Graph, map[string]graph.ConstTensor, error) {
	m, err := tflite.Read(data)
	if err != nil {
		return nil, nil, err
	}
	return tflite.FromTFLite(m)
}

// tfliteMeta fills in what an ImageNet classifier from TFLite needs: input size, crop, labels.
func tfliteMeta(meta *weights.Meta, g *graph.Graph) error {
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return fmt.Errorf("want one input and one output, the graph has %d and %d", len(g.Inputs), len(g.Outputs))
	}
	in, out := g.Tensors[g.Inputs[0]], g.Tensors[g.Outputs[0]].Shape
	if len(in.Shape) != 4 || in.Shape[0] != 1 || in.Shape[1] != in.Shape[2] || in.Shape[3] != 3 || in.Type != graph.Uint8 {
		return fmt.Errorf("input %v of %s is not [1,N,N,3] uint8 pixels", in.Shape, in.Type)
	}
	classes := out[len(out)-1]
	if classes != len(imagenet.Labels) && classes != len(imagenet.Labels)+1 {
		return fmt.Errorf("%d outputs: not an ImageNet classifier", classes)
	}
	meta.Input = imagenet.Pixels(in.Shape[1], imagenet.CentralCrop)
	meta.Labels, meta.LabelOffset = imagenet.Labels, classes-len(imagenet.Labels)
	return nil
}

func writeGraph(meta weights.Meta, g *graph.Graph, tensors []safetensors.Tensor) ([]byte, error) {
	g, lists := splitQuant(g) // see readGraph
	tensors = append(slices.Clip(tensors), lists...)
	raw, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	meta.Config = raw
	var buf bytes.Buffer
	if err := weights.Write(&buf, meta, tensors); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// FromTorch converts torchvision InceptionV3 weights (a state_dict or safetensors) into a model file, with its
// weights encoded as quant asks (Float32, Float16 or Int8).
func FromTorch(meta weights.Meta, data []byte, quant string) ([]byte, error) {
	tensors, err := ReadStateDict(data)
	if err != nil {
		return nil, err
	}
	tv := TorchvisionMeta(meta.Name)
	meta.Input, meta.Labels = tv.Input, tv.Labels
	// The file is about the state_dict's size in float32 (a quarter in int8): one allocation, not a doubling
	// buffer that would hold twice that in the browser.
	var buf bytes.Buffer
	if quant == Int8 {
		buf.Grow(len(data)/4 + 1<<20)
	} else {
		buf.Grow(len(data) + 1<<20)
	}
	err = WriteInception(&buf, meta, TensorParams(tensors), InceptionConfig{TransformInput: true, Classes: inceptionv3.Classes}, quant)
	return buf.Bytes(), err
}

// Synthetic is InceptionV3 with the deterministic weights of the parity tests, weights encoded as quant asks:
// the real network's shape and cost, with answers that mean nothing. Benchmarks use it.
func Synthetic(quant string) ([]byte, error) {
	meta := weights.Meta{Name: "inception_v3_synthetic", Title: "InceptionV3 (synthetic test weights)",
		Input:  imagenet.Torchvision(inceptionv3.InputSize, imagenet.InceptionCrop),
		Labels: imagenet.Labels, Source: "nn/inceptionv3.SyntheticParam"}
	var buf bytes.Buffer
	err := WriteInception(&buf, meta, inceptionv3.SyntheticParams{}, InceptionConfig{Classes: inceptionv3.Classes}, quant)
	return buf.Bytes(), err
}

// FromCaffeJS converts BVLC GoogLeNet in caffejs's layout (one float32 file per tensor, see weights/caffejs)
// into a float32 model file with Caffe's preprocessing. synsetWords is the model's class list
// (data/ilsvrc12/synset_words.txt): it must be ImageNet's, in the order of nn/imagenet.
func FromCaffeJS(meta weights.Meta, files caffejs.Files, synsetWords []byte) ([]byte, error) {
	if err := checkSynsets(synsetWords); err != nil {
		return nil, err
	}
	tensors := map[string]*safetensors.Tensor{}
	for _, s := range googlenet.ParamSpecs() {
		if !strings.HasSuffix(s.Name, ".weight") {
			continue // read with its weight
		}
		layer := strings.TrimSuffix(s.Name, ".weight")
		var w, b []float32
		var err error
		if len(s.Shape) == 4 {
			w, b, err = caffejs.Conv(files, layer, s.Shape[0], s.Shape[1], s.Shape[2], s.Shape[3])
		} else {
			w, b, err = caffejs.Linear(files, layer, s.Shape[0], s.Shape[1])
		}
		if err != nil {
			return nil, err
		}
		wt, bt := safetensors.FromFloat32(s.Name, s.Shape, w), safetensors.FromFloat32(layer+".bias", s.Shape[:1], b)
		tensors[wt.Name], tensors[bt.Name] = &wt, &bt
	}
	meta.Architecture = weights.GoogLeNet
	meta.Input, meta.Labels = imagenet.Caffe(), imagenet.Labels
	var buf bytes.Buffer
	err := writeNet(&buf, meta, googlenet.Arch, tensorMap(tensors), googlenet.Config{}, struct{}{}, Float32)
	return buf.Bytes(), err
}

// checkSynsets verifies that a "<wnid> <names>" class list is nn/imagenet's, line for line.
func checkSynsets(txt []byte) error {
	lines := strings.Split(strings.TrimRight(string(txt), "\n"), "\n")
	if len(lines) != imagenet.Classes {
		return fmt.Errorf("the class list has %d lines, want %d", len(lines), imagenet.Classes)
	}
	for i, l := range lines {
		if want := imagenet.WNIDs[i] + " " + imagenet.Labels[i]; strings.TrimRight(l, "\r") != want {
			return fmt.Errorf("class %d of the model is %q, ImageNet's is %q", i, l, want)
		}
	}
	return nil
}
