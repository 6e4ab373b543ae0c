// Package quant runs quantized networks with TensorFlow Lite's integer
// semantics: uint8 per-tensor asymmetric and int8 per-channel symmetric
// weights, int32 biases. Rounding follows either TFLite's reference kernels
// or, op by op as the Graph's rules say, the XNNPACK kernels the TFLite
// runtime actually uses, bit for bit.
//
// It runs the graphs of package graph (constant tensors are referenced by
// name and supplied separately). Compile turns one into a Program that owns
// one activation arena and runs without allocating.
package quant

import (
	"errors"
	"fmt"
	"slices"

	"inceptionweb/nn/graph"
)

// The graph format's types and constants under the names this package's code
// and its tests have always used.
type (
	Graph  = graph.Graph
	Tensor = graph.Tensor
	Op     = graph.Op
	Params = graph.Params
	DType  = graph.DType
)

const (
	Uint8   = graph.Uint8
	Int8    = graph.Int8
	Int32   = graph.Int32
	Float32 = graph.Float32

	RequantizeGemmlowp = graph.RequantizeGemmlowp
	RequantizeFP32     = graph.RequantizeFP32
	AddTFLite          = graph.AddTFLite
	AddXNNPACK         = graph.AddXNNPACK
	MeanTFLite         = graph.MeanTFLite
	MeanFP32           = graph.MeanFP32
	SoftmaxFixedPoint  = graph.SoftmaxFixedPoint
	SoftmaxTable       = graph.SoftmaxTable
)

// checkRules rejects rounding rules this package does not know.
func checkRules(g *Graph) error {
	rules := []struct {
		field, value string
		known        []string
	}{
		{"requantize", g.Requantize, []string{RequantizeGemmlowp, RequantizeFP32}},
		{"add", g.Add, []string{AddTFLite, AddXNNPACK}},
		{"mean", g.Mean, []string{MeanTFLite, MeanFP32}},
		{"softmax", g.Softmax, []string{SoftmaxFixedPoint, SoftmaxTable}},
	}
	for _, r := range rules {
		if !slices.Contains(r.known, r.value) {
			return errorf("unknown %s rule %q (want one of %q)", r.field, r.value, r.known)
		}
	}
	return nil
}

func errorf(format string, args ...any) error {
	return errors.New("quant: " + fmt.Sprintf(format, args...))
}

func numElements(shape []int) int { return graph.NumElements(shape) }
