package tflite

import (
	"encoding/binary"
	"fmt"

	"inceptionweb/nn/graph"
	"inceptionweb/nn/quant"
)

// FromTFLite turns a quantized TFLite model into a graph.Graph and its
// constant tensors, keyed by the names the graph gives them. Operator inputs
// that only parameterise the op (MEAN's axes, RESHAPE's shape) become Params.
func FromTFLite(m *Model) (*graph.Graph, map[string]graph.ConstTensor, error) {
	// The TFLite runtime hands convolutions, ADD and MEAN to XNNPACK and runs
	// SOFTMAX with its optimized kernel; these rules reproduce its outputs.
	g := &graph.Graph{Inputs: m.Inputs, Outputs: m.Outputs,
		Requantize: graph.RequantizeFP32, Add: graph.AddXNNPACK, Mean: graph.MeanFP32, Softmax: graph.SoftmaxTable}
	consts := map[string]graph.ConstTensor{}
	names := map[string]bool{}
	for i, t := range m.Tensors {
		qt, err := convertTensor(t)
		if err != nil {
			return nil, nil, fmt.Errorf("tflite: tensor %d %q: %w", i, t.Name, err)
		}
		// Names must be unique keys for the constant store.
		if names[qt.Name] {
			qt.Name = fmt.Sprintf("%s#%d", qt.Name, i)
		}
		names[qt.Name] = true
		if qt.Const {
			consts[qt.Name] = graph.ConstTensor{Type: qt.Type, Shape: qt.Shape, Data: t.Data}
		}
		g.Tensors = append(g.Tensors, qt)
	}
	for i, op := range m.Operators {
		qop, err := convertOp(m, op)
		if err != nil {
			return nil, nil, fmt.Errorf("tflite: operator %d %s: %w", i, op.Op, err)
		}
		g.Ops = append(g.Ops, qop)
	}
	return g, consts, nil
}

func convertTensor(t Tensor) (graph.Tensor, error) {
	qt := graph.Tensor{Name: t.Name, Shape: append([]int(nil), t.Shape...), Const: t.Data != nil}
	switch t.Type {
	case Uint8:
		qt.Type = graph.Uint8
	case Int8:
		qt.Type = graph.Int8
	case Int32:
		qt.Type = graph.Int32
	default:
		return qt, fmt.Errorf("type %v is not supported by the integer engine", t.Type)
	}
	if q := t.Quant; q != nil {
		qt.Scale = append([]float32(nil), q.Scale...)
		for _, z := range q.ZeroPoint {
			if z < -1<<31 || z >= 1<<31 {
				return qt, fmt.Errorf("zero point %d out of range", z)
			}
			qt.ZeroPoint = append(qt.ZeroPoint, int32(z))
		}
		if len(q.Scale) > 1 {
			qt.Axis = q.QuantizedDimension
		}
	}
	return qt, nil
}

func convertOp(m *Model, op Operator) (graph.Op, error) {
	q := graph.Op{Op: graph.Kind(op.Op), Inputs: op.Inputs, Outputs: op.Outputs}
	p := &q.Params
	switch o := op.Options.(type) {
	case *Conv2DOptions:
		p.Padding, p.StrideH, p.StrideW = graph.Padding(o.Padding.String()), o.StrideH, o.StrideW
		p.DilationH, p.DilationW, p.Activation = o.DilationH, o.DilationW, graph.Activation(o.Activation.String())
	case *DepthwiseConv2DOptions:
		p.Padding, p.StrideH, p.StrideW = graph.Padding(o.Padding.String()), o.StrideH, o.StrideW
		p.DilationH, p.DilationW, p.Activation = o.DilationH, o.DilationW, graph.Activation(o.Activation.String())
		p.DepthMultiplier = o.DepthMultiplier
	case *Pool2DOptions:
		p.Padding, p.StrideH, p.StrideW = graph.Padding(o.Padding.String()), o.StrideH, o.StrideW
		p.FilterH, p.FilterW, p.Activation = o.FilterHeight, o.FilterWidth, graph.Activation(o.Activation.String())
	case *AddOptions:
		p.Activation = graph.Activation(o.Activation.String())
	case *FullyConnectedOptions:
		if o.WeightsFormat != 0 {
			return q, fmt.Errorf("shuffled weights format %d is not supported", o.WeightsFormat)
		}
		p.Activation = graph.Activation(o.Activation.String())
	case *ConcatenationOptions:
		p.Axes, p.Activation = []int{o.Axis}, graph.Activation(o.Activation.String())
	case *SoftmaxOptions:
		p.Beta = o.Beta
	case *ReducerOptions:
		p.KeepDims = o.KeepDims
	}
	switch q.Op {
	case graph.Mean:
		if len(op.Inputs) != 2 || op.Inputs[1] < 0 {
			return q, fmt.Errorf("want input and axes")
		}
		axes, err := int32Data(m.Tensors[op.Inputs[1]])
		if err != nil {
			return q, fmt.Errorf("axes: %w", err)
		}
		p.Axes = axes
		q.Inputs = op.Inputs[:1]
	case graph.Reshape:
		// The output tensor's shape is the new shape.
		if len(op.Inputs) > 1 {
			q.Inputs = op.Inputs[:1]
		}
	}
	return q, nil
}

func int32Data(t Tensor) ([]int, error) {
	if t.Type != Int32 || t.Data == nil {
		return nil, fmt.Errorf("tensor %q is not a constant int32 tensor", t.Name)
	}
	out := make([]int, len(t.Data)/4)
	for i := range out {
		out[i] = int(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
	}
	return out, nil
}

// Compile reads a quantized TFLite file and compiles its graph for the kernel set k, with the constants from
// the file.
func Compile(data []byte, k quant.KernelSet) (*quant.Program, error) {
	m, err := Read(data)
	if err != nil {
		return nil, err
	}
	g, consts, err := FromTFLite(m)
	if err != nil {
		return nil, err
	}
	return quant.Compile(g, func(name string) ([]byte, error) {
		c, ok := consts[name]
		if !ok {
			return nil, fmt.Errorf("tflite: no constant %q", name)
		}
		return c.Data, nil
	}, quant.Options{Kernels: k})
}
