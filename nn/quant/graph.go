// Package quant runs quantized networks with TensorFlow Lite's integer
// semantics: uint8 per-tensor asymmetric and int8 per-channel symmetric
// weights, int32 biases. Rounding follows either TFLite's reference kernels
// or, op by op as the Graph's rules say, the XNNPACK kernels the TFLite
// runtime actually uses, bit for bit.
//
// A Graph is plain data (JSON-serialisable; constant tensors are referenced by
// name and supplied separately). Compile turns it into a Program that owns one
// activation arena and runs without allocating.
package quant

import (
	"errors"
	"fmt"
	"slices"
)

// DType is a tensor element type: "uint8", "int8", "int32" or "float32".
type DType string

const (
	Uint8   DType = "uint8"
	Int8    DType = "int8"
	Int32   DType = "int32"
	Float32 DType = "float32" // a float graph's tensors; in an integer graph only the input, which QUANTIZE reads
)

func (d DType) size() int {
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
	// Bits, when set (1..7), bounds a uint8 activation with zero point 0 to
	// [0, 2^Bits-1]: its producer clamps there, and a consumer may rely on the
	// top bit being clear (relaxed SIMD's i8 x i7 dot product needs that).
	Bits int `json:"bits,omitempty"`
}

// Op is one operator. Op names are TFLite's: CONV_2D, DEPTHWISE_CONV_2D, ADD,
// AVERAGE_POOL_2D, MAX_POOL_2D, CONCATENATION, LOCAL_RESPONSE_NORMALIZATION,
// MEAN, RESHAPE, SOFTMAX, QUANTIZE, FULLY_CONNECTED.
type Op struct {
	Op      string `json:"op"`
	Inputs  []int  `json:"inputs"`
	Outputs []int  `json:"outputs"`
	Params  Params `json:"params"`
}

// Params holds the options of every operator kind; each uses a few fields.
type Params struct {
	Padding         string  `json:"padding,omitempty"` // "SAME", "VALID" or "EXPLICIT"
	Pads            []int   `json:"pads,omitempty"`    // EXPLICIT: top, left, bottom, right (Caffe's pooling hangs its last window past the bottom/right)
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
	// CountPadding makes AVERAGE_POOL_2D divide by the whole window (PyTorch's count_include_pad).
	CountPadding bool `json:"count_padding,omitempty"`
	// Axis is CONCATENATION's; only the channel axis (3) is supported.
	Axis int `json:"axis,omitempty"`
	// LOCAL_RESPONSE_NORMALIZATION across Size channels, Caffe's definition:
	// y = x / (Bias + Alpha/Size * sum x^2)^Beta.
	Size  int     `json:"size,omitempty"`
	Alpha float32 `json:"alpha,omitempty"`
	Bias  float32 `json:"bias,omitempty"`
}

// Window is the output length of a convolution or pooling window along one
// dimension (0 = height, 1 = width) of an input of length in, and the padding
// before the first window.
func (p Params) Window(dim, in, filter, stride, dilation int) (out, pad int, err error) {
	eff := (filter-1)*dilation + 1
	switch p.Padding {
	case "SAME":
		out = (in + stride - 1) / stride
	case "VALID":
		out = (in - eff + stride) / stride
	case "EXPLICIT":
		if len(p.Pads) != 4 || p.Pads[dim] < 0 || p.Pads[dim+2] < 0 || p.Pads[dim] >= eff || p.Pads[dim+2] >= eff {
			return 0, 0, errorf("explicit padding %v for a window of %d", p.Pads, eff)
		}
		return (in+p.Pads[dim]+p.Pads[dim+2]-eff)/stride + 1, p.Pads[dim], nil
	default:
		return 0, 0, errorf("unsupported padding %q", p.Padding)
	}
	total := (out-1)*stride + eff - in
	return out, max(total, 0) / 2, nil
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
