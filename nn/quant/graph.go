// Package quant runs quantized networks with TensorFlow Lite's integer
// semantics: uint8 per-tensor asymmetric and int8 per-channel symmetric
// weights, int32 biases, fixed-point requantization exactly as TFLite's
// reference kernels compute it.
//
// A Graph is plain data (JSON-serialisable; constant tensors are referenced by
// name and supplied separately). Compile turns it into a Program that owns one
// activation arena and runs without allocating.
package quant

import (
	"errors"
	"fmt"
)

// DType is a tensor element type: "uint8", "int8" or "int32".
type DType string

const (
	Uint8 DType = "uint8"
	Int8  DType = "int8"
	Int32 DType = "int32"
)

func (d DType) size() int {
	switch d {
	case Uint8, Int8:
		return 1
	case Int32:
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
	// Requantize is how convolutions rescale their int32 accumulators:
	// RequantizeGemmlowp (TFLite's reference kernels) or RequantizeFP32 (XNNPACK).
	Requantize string `json:"requantize,omitempty"`
}

const (
	RequantizeGemmlowp = "" // fixed-point multiplier, double rounding
	RequantizeFP32     = "fp32"
)

// Tensor describes one tensor. real = Scale*(q-ZeroPoint); with several scales
// the quantization is per channel along dimension Axis. Const tensors get their
// data from the consts function given to Compile, by Name.
type Tensor struct {
	Name      string    `json:"name"`
	Type      DType     `json:"type"`
	Shape     []int     `json:"shape"`
	Scale     []float32 `json:"scale,omitempty"`
	ZeroPoint []int32   `json:"zero_point,omitempty"`
	Axis      int       `json:"axis,omitempty"`
	Const     bool      `json:"const,omitempty"`
}

// Op is one operator. Op names are TFLite's: CONV_2D, DEPTHWISE_CONV_2D, ADD,
// AVERAGE_POOL_2D, MEAN, RESHAPE, SOFTMAX, QUANTIZE, FULLY_CONNECTED.
type Op struct {
	Op      string `json:"op"`
	Inputs  []int  `json:"inputs"`
	Outputs []int  `json:"outputs"`
	Params  Params `json:"params"`
}

// Params holds the options of every operator kind; each uses a few fields.
type Params struct {
	Padding         string  `json:"padding,omitempty"` // "SAME" or "VALID"
	StrideH         int     `json:"stride_h,omitempty"`
	StrideW         int     `json:"stride_w,omitempty"`
	DilationH       int     `json:"dilation_h,omitempty"`
	DilationW       int     `json:"dilation_w,omitempty"`
	FilterH         int     `json:"filter_h,omitempty"`
	FilterW         int     `json:"filter_w,omitempty"`
	DepthMultiplier int     `json:"depth_multiplier,omitempty"`
	Activation      string  `json:"activation,omitempty"` // NONE, RELU, RELU6, RELU_N1_TO_1
	Axes            []int   `json:"axes,omitempty"`
	KeepDims        bool    `json:"keep_dims,omitempty"`
	Beta            float32 `json:"beta,omitempty"`
}

// ConstTensor is the data of a constant tensor: little-endian elements of Type.
type ConstTensor struct {
	Type  DType
	Shape []int
	Data  []byte
}

func errorf(format string, args ...any) error {
	return errors.New("quant: " + fmt.Sprintf(format, args...))
}

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
