// Package float is the float32 executor of operator graphs (nn/graph), the graphs nn/quant runs in integers.
// Dequantize turns an imported integer model into its float reference (real = scale*(q - zero point)); the
// quantization tool measures int8 weights against that reference, and any float graph can be run, or
// quantized, the same way.
package float

import (
	"fmt"
	"slices"

	"inceptionweb/nn/graph"
)

// Dequantize returns the float version of an integer graph: constants become real values, activations
// float32. Every weight tensor is stored output channel first (convolutions OHWI, fully connected [O,I],
// depthwise filters [C,KH,KW,1] instead of TFLite's [1,KH,KW,C]) so per-output-channel quantization applies to
// all of them alike. The input keeps its scale and zero point: they say how pixels map to real values.
func Dequantize(g *graph.Graph, consts map[string]graph.ConstTensor) (*graph.Graph, map[string][]float32, error) {
	fg := &graph.Graph{Inputs: g.Inputs, Outputs: g.Outputs, Ops: g.Ops}
	fc := map[string][]float32{}
	depthwise := map[int]bool{}
	weight := map[int]bool{} // constants that operators compute with (others, like RESHAPE's shape, became parameters)
	for _, op := range g.Ops {
		switch op.Op {
		case graph.Conv2D, graph.DepthwiseConv2D, graph.FullyConnected:
			for _, t := range op.Inputs[1:] {
				weight[t] = true
			}
			if op.Op == graph.DepthwiseConv2D && len(op.Inputs) > 1 {
				depthwise[op.Inputs[1]] = true
			}
		}
	}
	for i, t := range g.Tensors {
		ft := graph.Tensor{Name: t.Name, Type: graph.Float32, Shape: slices.Clone(t.Shape), Const: t.Const}
		if slices.Contains(g.Inputs, i) {
			ft.Scale, ft.ZeroPoint = t.Scale, t.ZeroPoint
		}
		if t.Const && weight[i] {
			c, ok := consts[t.Name]
			if !ok {
				return nil, nil, fmt.Errorf("float: constant %q has no data", t.Name)
			}
			v, err := dequantize(t, c)
			if err != nil {
				return nil, nil, err
			}
			if depthwise[i] {
				if len(t.Shape) != 4 || t.Shape[0] != 1 {
					return nil, nil, fmt.Errorf("float: depthwise filter %q has shape %v", t.Name, t.Shape)
				}
				v = transposeLast(v, t.Shape[1]*t.Shape[2], t.Shape[3])
				ft.Shape = []int{t.Shape[3], t.Shape[1], t.Shape[2], 1}
			}
			fc[t.Name] = v
		}
		fg.Tensors = append(fg.Tensors, ft)
	}
	return fg, fc, nil
}

func dequantize(t graph.Tensor, c graph.ConstTensor) ([]float32, error) {
	n := graph.NumElements(c.Shape)
	if len(t.Scale) == 0 {
		return nil, fmt.Errorf("float: constant %q has no quantization", t.Name)
	}
	// Per-channel parameters run along t.Axis; the index of an element's channel is (i / inner) % channels.
	inner := 1
	for _, d := range c.Shape[t.Axis+1:] {
		inner *= d
	}
	v := make([]float32, n)
	for i := range v {
		var q int32
		switch c.Type {
		case graph.Uint8:
			q = int32(c.Data[i])
		case graph.Int8:
			q = int32(int8(c.Data[i]))
		case graph.Int32:
			b := c.Data[4*i:]
			q = int32(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
		default:
			return nil, fmt.Errorf("float: constant %q of type %q", t.Name, c.Type)
		}
		ch := 0
		if len(t.Scale) > 1 {
			ch = (i / inner) % len(t.Scale)
		}
		zp := int32(0)
		if len(t.ZeroPoint) > ch {
			zp = t.ZeroPoint[ch]
		}
		v[i] = t.Scale[ch] * float32(q-zp)
	}
	return v, nil
}

// transposeLast turns [rows][cols] into [cols][rows].
func transposeLast(v []float32, rows, cols int) []float32 {
	out := make([]float32, len(v))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = v[r*cols+c]
		}
	}
	return out
}
