package tflite

import "fmt"

// Padding is a convolution or pooling padding scheme.
type Padding int8

const (
	Same  Padding = 0
	Valid Padding = 1
)

func (p Padding) String() string {
	switch p {
	case Same:
		return "SAME"
	case Valid:
		return "VALID"
	}
	return "padding" + itoa(int(p))
}

// Activation is a fused activation function.
type Activation int8

const (
	ActNone      Activation = 0
	ActRelu      Activation = 1
	ActReluN1To1 Activation = 2
	ActRelu6     Activation = 3
	ActTanh      Activation = 4
	ActSignBit   Activation = 5
)

func (a Activation) String() string {
	switch a {
	case ActNone:
		return "NONE"
	case ActRelu:
		return "RELU"
	case ActReluN1To1:
		return "RELU_N1_TO_1"
	case ActRelu6:
		return "RELU6"
	case ActTanh:
		return "TANH"
	case ActSignBit:
		return "SIGN_BIT"
	}
	return "activation" + itoa(int(a))
}

type Conv2DOptions struct {
	Padding              Padding
	StrideW, StrideH     int
	Activation           Activation
	DilationW, DilationH int
}

type DepthwiseConv2DOptions struct {
	Padding              Padding
	StrideW, StrideH     int
	DepthMultiplier      int
	Activation           Activation
	DilationW, DilationH int
}

type Pool2DOptions struct {
	Padding                   Padding
	StrideW, StrideH          int
	FilterWidth, FilterHeight int
	Activation                Activation
}

type AddOptions struct{ Activation Activation }

type ReshapeOptions struct{ NewShape []int }

type SoftmaxOptions struct{ Beta float32 }

// ReducerOptions are the options of MEAN, SUM and the other reductions.
type ReducerOptions struct{ KeepDims bool }

type FullyConnectedOptions struct {
	Activation    Activation
	WeightsFormat int8
	KeepNumDims   bool
}

type ConcatenationOptions struct {
	Axis       int
	Activation Activation
}

// Union type tags of schema union BuiltinOptions.
const (
	optConv2D          = 1
	optDepthwiseConv2D = 2
	optPool2D          = 5
	optFullyConnected  = 8
	optSoftmax         = 9
	optConcatenation   = 10
	optAdd             = 11
	optReshape         = 17
	optReducer         = 27
)

// fieldReader accumulates the first error of a run of field reads.
type fieldReader struct {
	t   table
	err error
}

func (r *fieldReader) i32(id int, def int32) int {
	v, err := r.t.int32(id, def)
	if r.err == nil {
		r.err = err
	}
	return int(v)
}

func (r *fieldReader) i8(id int, def int8) int8 {
	v, err := r.t.int8(id, def)
	if r.err == nil {
		r.err = err
	}
	return v
}

func (r *fieldReader) b(id int) bool {
	v, err := r.t.bool(id, false)
	if r.err == nil {
		r.err = err
	}
	return v
}

// readOptions decodes the builtin options table t whose union tag is kind.
// Unknown kinds give nil options: the operator's consumer decides whether it needs them.
func readOptions(kind uint8, t table) (any, error) {
	r := &fieldReader{t: t}
	var opt any
	switch kind {
	case optConv2D:
		opt = &Conv2DOptions{Padding: Padding(r.i8(0, 0)), StrideW: r.i32(1, 0), StrideH: r.i32(2, 0),
			Activation: Activation(r.i8(3, 0)), DilationW: r.i32(4, 1), DilationH: r.i32(5, 1)}
	case optDepthwiseConv2D:
		opt = &DepthwiseConv2DOptions{Padding: Padding(r.i8(0, 0)), StrideW: r.i32(1, 0), StrideH: r.i32(2, 0),
			DepthMultiplier: r.i32(3, 0), Activation: Activation(r.i8(4, 0)), DilationW: r.i32(5, 1), DilationH: r.i32(6, 1)}
	case optPool2D:
		opt = &Pool2DOptions{Padding: Padding(r.i8(0, 0)), StrideW: r.i32(1, 0), StrideH: r.i32(2, 0),
			FilterWidth: r.i32(3, 0), FilterHeight: r.i32(4, 0), Activation: Activation(r.i8(5, 0))}
	case optFullyConnected:
		opt = &FullyConnectedOptions{Activation: Activation(r.i8(0, 0)), WeightsFormat: r.i8(1, 0), KeepNumDims: r.b(2)}
	case optSoftmax:
		beta, err := t.float32(0, 0)
		opt, r.err = &SoftmaxOptions{Beta: beta}, err
	case optConcatenation:
		opt = &ConcatenationOptions{Axis: r.i32(0, 0), Activation: Activation(r.i8(1, 0))}
	case optAdd:
		opt = &AddOptions{Activation: Activation(r.i8(0, 0))}
	case optReshape:
		shape, err := t.int32s(0)
		opt, r.err = &ReshapeOptions{NewShape: ints(shape)}, err
	case optReducer:
		opt = &ReducerOptions{KeepDims: r.b(0)}
	default:
		return nil, nil
	}
	if r.err != nil {
		return nil, fmt.Errorf("builtin options: %w", r.err)
	}
	return opt, nil
}

func ints(v []int32) []int {
	if v == nil {
		return nil
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
