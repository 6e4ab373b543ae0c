// Package graph is the operator graph format that both executors run: numbered tensors with their type, shape
// and quantization, TFLite-named operators with typed parameters, constants by name. nn/float runs a graph in
// float32, nn/quant in integers. A Graph is plain data (JSON in a model file); the rules every executor
// shares live here too: the window and padding formula (Params.Pad), fused activations (Activation.Bounds),
// the structural and shape checks (Check) and the arena planner (Plan).
package graph

import (
	"errors"
	"fmt"
)

// DType is a tensor element type.
type DType string

const (
	Uint8   DType = "uint8"
	Int8    DType = "int8"
	Int32   DType = "int32"
	Float32 DType = "float32" // a float graph's tensors; in an integer graph only the input, which QUANTIZE reads
)

// Size is the bytes of one element, 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case Uint8, Int8:
		return 1
	case Int32, Float32:
		return 4
	}
	return 0
}

// Graph is a network as a list of operators over numbered tensors.
type Graph struct {
	Tensors []Tensor `json:"tensors"`
	Ops     []Op     `json:"ops"`
	Inputs  []int    `json:"inputs"`
	Outputs []int    `json:"outputs"`
	// The rounding rules below choose which runtime the integer arithmetic
	// reproduces. Their zero values are TFLite's reference kernels; the TFLite
	// runtime hands most operators to XNNPACK, whose rules differ in the last bit.

	// Requantize is how CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED rescale
	// their int32 accumulators: RequantizeGemmlowp or RequantizeFP32.
	Requantize string `json:"requantize,omitempty"`
	// Add is ADD's rescaling: AddTFLite or AddXNNPACK.
	Add string `json:"add,omitempty"`
	// Mean is MEAN's rescaling: MeanTFLite or MeanFP32.
	Mean string `json:"mean,omitempty"`
	// Softmax is SOFTMAX's arithmetic: SoftmaxFixedPoint or SoftmaxTable.
	Softmax string `json:"softmax,omitempty"`
}

const (
	// RequantizeGemmlowp is TFLite's reference rule: a Q31 multiplier and
	// shift derived from input*filter/output scale in double, rounded twice.
	RequantizeGemmlowp = ""
	// RequantizeFP32 is XNNPACK's: the scale input*filter/output computed in
	// float32, acc*scale in float32, rounded to nearest even.
	RequantizeFP32 = "fp32"

	// AddTFLite shifts both inputs left 20 bits and rescales each and the sum
	// with Q31 multipliers.
	AddTFLite = ""
	// AddXNNPACK is XNNPACK's qs8/qu8 vadd: 21-bit multipliers for each
	// input/output scale ratio, one arithmetic shift rounding half up. XNNPACK
	// only takes ratios in [2^-10, 2^8); other ADDs keep TFLite's rule, as in
	// the runtime.
	AddXNNPACK = "xnnpack"

	// MeanTFLite is TFLite's reference integer mean: rescale the sum by the
	// input/output scale, divide by the count rounding half away from zero.
	MeanTFLite = ""
	// MeanFP32 is XNNPACK's global average pooling: the sum times
	// input/(output*count) in float32, rounded to nearest even.
	MeanFP32 = "fp32"

	// SoftmaxFixedPoint is TFLite's reference softmax with gemmlowp's
	// fixed-point exp.
	SoftmaxFixedPoint = ""
	// SoftmaxTable is TFLite's optimized softmax (the runtime's: XNNPACK has no
	// quantized softmax): a float32 table of exp, a float32 sum, float32 scaling.
	SoftmaxTable = "table"
)

// Tensor describes one tensor. real = Scale*(q-ZeroPoint); with several scales
// the quantization is per channel along dimension Axis. Const tensors get their
// data from the executor's caller, by Name.
type Tensor struct {
	Name      string    `json:"name"`
	Type      DType     `json:"type"`
	Shape     []int     `json:"shape"`
	Scale     []float32 `json:"scale,omitempty"`
	ZeroPoint []int32   `json:"zero_point,omitempty"`
	Axis      int       `json:"axis,omitempty"`
	Const     bool      `json:"const,omitempty"`
	// Bits, when set (1..7), bounds a uint8 activation with zero point 0 to
	// [0, 2^Bits-1]: its producer clamps there, and a consumer may rely on the
	// top bit being clear (relaxed SIMD's i8 x i7 dot product needs that).
	Bits int `json:"bits,omitempty"`
}

// Elements is the number of elements of the tensor.
func (t *Tensor) Elements() int { return NumElements(t.Shape) }

// ConstTensor is the data of a constant tensor: little-endian elements of Type.
type ConstTensor struct {
	Type  DType
	Shape []int
	Data  []byte
}

// NumElements is the product of the dimensions.
func NumElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// HWC reads an activation's shape, NHWC with batch 1 or [1, N] (N channels of one pixel), as the executors lay
// them out.
func HWC(shape []int) (h, w, c int, err error) {
	switch {
	case len(shape) == 4 && shape[0] == 1:
		return shape[1], shape[2], shape[3], nil
	case len(shape) == 2 && shape[0] == 1:
		return 1, 1, shape[1], nil
	}
	return 0, 0, 0, fmt.Errorf("shape %v is not [1,H,W,C] or [1,N]", shape)
}

func errorf(format string, args ...any) error {
	return errors.New("graph: " + fmt.Sprintf(format, args...))
}
