package model

import (
	"encoding/binary"
	"fmt"
	"slices"

	"inceptionweb/internal/jsontree"
	"inceptionweb/nn/graph"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

// A model file's graph and config are JSON that json.Marshal wrote; they are read here with jsontree, not
// encoding/json, because in the browser encoding/json's decoder is compiled on its first call in every worker
// (see internal/jsontree). Every key is known and given once; TestGraphDecodesLikeJSON holds these decoders
// to encoding/json's reading of every field.

// decodeGraph decodes a model file's graph (graph.Graph as json.Marshal writes it).
func decodeGraph(name string, raw []byte) (*graph.Graph, error) {
	var g graph.Graph
	doc, err := jsontree.Parse(raw)
	if err == nil {
		err = decodeGraphValue(doc, &g)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: bad graph: %w", name, err)
	}
	return &g, nil
}

// decodeInceptionConfig decodes an inception_v3 model's config.
func decodeInceptionConfig(name string, raw []byte) (InceptionConfig, error) {
	var c InceptionConfig
	doc, err := jsontree.Parse(raw)
	if err == nil {
		err = doc.Decode(jsontree.Fields{
			"transform_input": jsontree.Bool(&c.TransformInput),
			"classes":         jsontree.Int(&c.Classes),
		})
	}
	if err != nil {
		return c, fmt.Errorf("%s: bad inception_v3 config: %w", name, err)
	}
	return c, nil
}

func decodeGraphValue(v jsontree.Value, g *graph.Graph) error {
	return v.Decode(jsontree.Fields{
		"tensors":    jsontree.List(&g.Tensors, tensorDecoder),
		"ops":        jsontree.List(&g.Ops, opDecoder),
		"inputs":     jsontree.List(&g.Inputs, jsontree.Int),
		"outputs":    jsontree.List(&g.Outputs, jsontree.Int),
		"requantize": jsontree.String(&g.Requantize),
		"add":        jsontree.String(&g.Add),
		"mean":       jsontree.String(&g.Mean),
		"softmax":    jsontree.String(&g.Softmax),
	})
}

func tensorDecoder(t *graph.Tensor) func(jsontree.Value) error {
	return func(v jsontree.Value) error {
		return v.Decode(jsontree.Fields{
			"name":       jsontree.String(&t.Name),
			"type":       jsontree.String(&t.Type),
			"shape":      jsontree.List(&t.Shape, jsontree.Int),
			"scale":      jsontree.List(&t.Scale, jsontree.Float32),
			"zero_point": jsontree.List(&t.ZeroPoint, jsontree.Int32),
			"axis":       jsontree.Int(&t.Axis),
			"const":      jsontree.Bool(&t.Const),
			"bits":       jsontree.Int(&t.Bits),
		})
	}
}

func opDecoder(op *graph.Op) func(jsontree.Value) error {
	p := &op.Params
	params := func(v jsontree.Value) error {
		return v.Decode(jsontree.Fields{
			"padding":          jsontree.String(&p.Padding),
			"pads":             jsontree.List(&p.Pads, jsontree.Int),
			"stride_h":         jsontree.Int(&p.StrideH),
			"stride_w":         jsontree.Int(&p.StrideW),
			"dilation_h":       jsontree.Int(&p.DilationH),
			"dilation_w":       jsontree.Int(&p.DilationW),
			"filter_h":         jsontree.Int(&p.FilterH),
			"filter_w":         jsontree.Int(&p.FilterW),
			"depth_multiplier": jsontree.Int(&p.DepthMultiplier),
			"activation":       jsontree.String(&p.Activation),
			"axes":             jsontree.List(&p.Axes, jsontree.Int),
			"keep_dims":        jsontree.Bool(&p.KeepDims),
			"beta":             jsontree.Float32(&p.Beta),
			"count_padding":    jsontree.Bool(&p.CountPadding),
			"axis":             jsontree.Int(&p.Axis),
			"size":             jsontree.Int(&p.Size),
			"alpha":            jsontree.Float32(&p.Alpha),
			"bias":             jsontree.Float32(&p.Bias),
		})
	}
	return func(v jsontree.Value) error {
		return v.Decode(jsontree.Fields{
			"op":      jsontree.String(&op.Op),
			"inputs":  jsontree.List(&op.Inputs, jsontree.Int),
			"outputs": jsontree.List(&op.Outputs, jsontree.Int),
			"params":  params,
		})
	}
}

// Per-channel quantization (an int8 filter's scales, one per output channel, its bias's, and their zero
// points) is most of an int8 graph's description, and slow to read as JSON numbers in the browser (GoogLeNet
// int8: 280 of its 300 KB, 150-300 ms in a starting worker). writeGraph stores each such list as a tensor
// beside the constants, named by quantTensor, and readGraph puts it back; a description that still lists them
// (files of earlier builds) reads as before.

// quantTensor names the tensor holding field ("scale" or "zero_point") of graph tensor name.
func quantTensor(name, field string) string { return name + ":" + field }

// splitQuant returns a copy of g without its per-channel lists, and those lists as tensors.
func splitQuant(g *graph.Graph) (*graph.Graph, []safetensors.Tensor) {
	out := *g
	out.Tensors = slices.Clone(g.Tensors)
	var lists []safetensors.Tensor
	for i := range out.Tensors {
		t := &out.Tensors[i]
		if len(t.Scale) < 2 || len(t.ZeroPoint) != len(t.Scale) {
			continue
		}
		zp := make([]byte, 4*len(t.ZeroPoint))
		for k, z := range t.ZeroPoint {
			binary.LittleEndian.PutUint32(zp[4*k:], uint32(z))
		}
		lists = append(lists, safetensors.FromFloat32(quantTensor(t.Name, "scale"), []int{len(t.Scale)}, t.Scale),
			safetensors.Tensor{Name: quantTensor(t.Name, "zero_point"), DType: "I32", Shape: []int{len(t.ZeroPoint)}, Data: zp})
		t.Scale, t.ZeroPoint = nil, nil
	}
	return &out, lists
}

// readGraph reads a model file's graph, with the per-channel lists it keeps as tensors.
func readGraph(name string, mf *weights.Model) (*graph.Graph, error) {
	g, err := decodeGraph(name, mf.Config)
	if err != nil {
		return nil, err
	}
	for i := range g.Tensors {
		t := &g.Tensors[i]
		s, ok := mf.Tensor(quantTensor(t.Name, "scale"))
		if !ok {
			continue
		}
		z, zok := mf.Tensor(quantTensor(t.Name, "zero_point"))
		if len(t.Scale) > 0 || len(t.ZeroPoint) > 0 || !zok || s.DType != "F32" || z.DType != "I32" ||
			len(s.Shape) != 1 || !slices.Equal(s.Shape, z.Shape) {
			return nil, fmt.Errorf("%s: bad graph: tensor %q: its quantization is given twice, or its tensors %q and %q are not F32 and I32 lists of one length",
				name, t.Name, s.Name, quantTensor(t.Name, "zero_point"))
		}
		if t.Scale, err = s.Float32(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		t.ZeroPoint = make([]int32, len(z.Data)/4)
		for k := range t.ZeroPoint {
			t.ZeroPoint[k] = int32(binary.LittleEndian.Uint32(z.Data[4*k:]))
		}
	}
	return g, nil
}
