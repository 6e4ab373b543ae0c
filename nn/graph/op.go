package graph

import "math"

// Kind is an operator. The names are TFLite's, as a model file stores them.
type Kind string

const (
	Conv2D          Kind = "CONV_2D"
	DepthwiseConv2D Kind = "DEPTHWISE_CONV_2D"
	FullyConnected  Kind = "FULLY_CONNECTED"
	Add             Kind = "ADD"
	AveragePool2D   Kind = "AVERAGE_POOL_2D"
	MaxPool2D       Kind = "MAX_POOL_2D"
	Concatenation   Kind = "CONCATENATION"
	LRN             Kind = "LOCAL_RESPONSE_NORMALIZATION"
	Mean            Kind = "MEAN"
	Reshape         Kind = "RESHAPE"
	Softmax         Kind = "SOFTMAX"
	Quantize        Kind = "QUANTIZE"
)

// Op is one operator.
type Op struct {
	Op      Kind   `json:"op"`
	Inputs  []int  `json:"inputs"`
	Outputs []int  `json:"outputs"`
	Params  Params `json:"params"`
}

// Padding is how a window's padding is chosen.
type Padding string

const (
	Same     Padding = "SAME"     // TensorFlow's: ceil(in/stride) outputs, the odd pixel of padding after
	Valid    Padding = "VALID"    // no padding
	Explicit Padding = "EXPLICIT" // Params.Pads
)

// Activation is a fused activation: the output is clamped to its bounds.
type Activation string

const (
	None      Activation = "NONE" // as is the empty string
	ReLU      Activation = "RELU"
	ReLU6     Activation = "RELU6"
	ReLUN1To1 Activation = "RELU_N1_TO_1"
)

// Bounds is the range an activation clamps its real output to, infinite where it does not clamp.
func (a Activation) Bounds() (lo, hi float32, err error) {
	inf := float32(math.Inf(1))
	switch a {
	case "", None:
		return -inf, inf, nil
	case ReLU:
		return 0, inf, nil
	case ReLU6:
		return 0, 6, nil
	case ReLUN1To1:
		return -1, 1, nil
	}
	return 0, 0, errorf("unsupported fused activation %q", a)
}

// Params holds the options of every operator kind; each uses a few fields.
type Params struct {
	Padding         Padding    `json:"padding,omitempty"`
	Pads            []int      `json:"pads,omitempty"` // EXPLICIT: top, left, bottom, right (Caffe's pooling hangs its last window past the bottom/right)
	StrideH         int        `json:"stride_h,omitempty"`
	StrideW         int        `json:"stride_w,omitempty"`
	DilationH       int        `json:"dilation_h,omitempty"`
	DilationW       int        `json:"dilation_w,omitempty"`
	FilterH         int        `json:"filter_h,omitempty"`
	FilterW         int        `json:"filter_w,omitempty"`
	DepthMultiplier int        `json:"depth_multiplier,omitempty"`
	Activation      Activation `json:"activation,omitempty"`
	Axes            []int      `json:"axes,omitempty"`
	KeepDims        bool       `json:"keep_dims,omitempty"`
	Beta            float32    `json:"beta,omitempty"`
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

// Pad is the output length of a convolution or pooling window along one dimension (0 = height, 1 = width) of
// an input of length in, and the padding before the first window and after the last. SAME's odd pixel goes
// after; EXPLICIT's after may exceed what the last window reads (Caffe's pooling rounds its output size up).
func (p Params) Pad(dim, in, filter, stride, dilation int) (out, before, after int, err error) {
	eff := (filter-1)*dilation + 1
	switch p.Padding {
	case Same:
		out = (in + stride - 1) / stride
	case Valid:
		out = (in - eff + stride) / stride
	case Explicit:
		if len(p.Pads) != 4 || p.Pads[dim] < 0 || p.Pads[dim+2] < 0 || p.Pads[dim] >= eff || p.Pads[dim+2] >= eff {
			return 0, 0, 0, errorf("explicit padding %v for a window of %d", p.Pads, eff)
		}
		return (in+p.Pads[dim]+p.Pads[dim+2]-eff)/stride + 1, p.Pads[dim], p.Pads[dim+2], nil
	default:
		return 0, 0, 0, errorf("unsupported padding %q", p.Padding)
	}
	total := max((out-1)*stride+eff-in, 0)
	return out, total / 2, total - total/2, nil
}

// Window is Pad without the padding after the last window.
func (p Params) Window(dim, in, filter, stride, dilation int) (out, pad int, err error) {
	out, pad, _, err = p.Pad(dim, in, filter, stride, dilation)
	return out, pad, err
}
