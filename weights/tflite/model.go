// Package tflite reads TensorFlow Lite flatbuffer models: the tensors, constant
// buffers, quantization parameters and operators of the main subgraph, with the
// builtin options of the operators that image classifiers use.
//
// Every offset, index and size in the file is checked; a truncated or corrupted
// file gives an error, never a panic.
package tflite

// TensorType is TFLite's tensor element type (schema enum TensorType).
type TensorType int8

const (
	Float32 TensorType = 0
	Float16 TensorType = 1
	Int32   TensorType = 2
	Uint8   TensorType = 3
	Int64   TensorType = 4
	Int16   TensorType = 7
	Int8    TensorType = 9
)

var typeNames = map[TensorType]string{
	Float32: "float32", Float16: "float16", Int32: "int32", Uint8: "uint8", Int64: "int64", Int16: "int16", Int8: "int8",
}

func (t TensorType) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "type" + itoa(int(t))
}

// Size is the element size in bytes, 0 for types this package does not size.
func (t TensorType) Size() int {
	switch t {
	case Uint8, Int8:
		return 1
	case Float16, Int16:
		return 2
	case Float32, Int32:
		return 4
	case Int64:
		return 8
	}
	return 0
}

// Model is the main subgraph of a TFLite file.
type Model struct {
	Version     uint32
	Description string
	Tensors     []Tensor
	Operators   []Operator
	Inputs      []int // tensor indices
	Outputs     []int
}

// Tensor is one tensor of the subgraph. Data is nil for activations and holds
// the little-endian constant contents otherwise (a slice of the file's bytes).
type Tensor struct {
	Name  string
	Type  TensorType
	Shape []int
	Data  []byte
	Quant *Quantization // nil when the tensor is not quantized
}

// Quantization holds affine quantization parameters: real = Scale*(q-ZeroPoint).
// With more than one scale they are per channel along QuantizedDimension.
type Quantization struct {
	Scale              []float32
	ZeroPoint          []int64
	QuantizedDimension int
}

// Operator is one node: Op is the builtin operator name ("CONV_2D"), Inputs and
// Outputs are tensor indices (-1 marks an omitted optional input), Options is one
// of the *Options types of this package or nil.
type Operator struct {
	Op         string
	CustomCode string
	Version    int
	Inputs     []int
	Outputs    []int
	Options    any
}

func itoa(v int) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}
