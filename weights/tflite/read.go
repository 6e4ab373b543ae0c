package tflite

import (
	"fmt"
	"math"
)

// opNames names the builtin operators (schema enum BuiltinOperator) that image
// models commonly use; others read as "BUILTIN_<code>".
var opNames = map[int32]string{
	0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
	6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL",
	19: "RELU", 21: "RELU6", 22: "RESHAPE", 23: "RESIZE_BILINEAR", 25: "SOFTMAX", 28: "TANH",
	32: "CUSTOM", 34: "PAD", 39: "TRANSPOSE", 40: "MEAN", 41: "SUB", 43: "SQUEEZE",
	60: "PADV2", 74: "SUM", 114: "QUANTIZE", 117: "HARD_SWISH",
}

func opName(code int32) string {
	if s, ok := opNames[code]; ok {
		return s
	}
	return "BUILTIN_" + itoa(int(code))
}

// Read parses a TFLite flatbuffer. Constant tensor data aliases data.
func Read(data []byte) (*Model, error) {
	m, err := read(data)
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	return m, nil
}

func read(data []byte) (*Model, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("file too short (%d bytes)", len(data))
	}
	if id := string(data[4:8]); id != "TFL3" {
		return nil, fmt.Errorf("file identifier %q, want \"TFL3\"", id)
	}
	root := uint32(data[0]) | uint32(data[1])<<8 | uint32(data[2])<<16 | uint32(data[3])<<24
	mt, err := openTable(data, root, "model")
	if err != nil {
		return nil, err
	}
	m := &Model{}
	if m.Version, err = mt.uint32(0, 0); err != nil {
		return nil, err
	}
	if m.Version != 3 {
		return nil, fmt.Errorf("schema version %d, want 3", m.Version)
	}
	if m.Description, err = mt.string(3); err != nil {
		return nil, err
	}

	opcodes, err := readOpcodes(mt)
	if err != nil {
		return nil, err
	}
	buffers, err := readBuffers(mt, data)
	if err != nil {
		return nil, err
	}
	subgraphs, err := mt.tables(2, "subgraph")
	if err != nil {
		return nil, err
	}
	if len(subgraphs) == 0 {
		return nil, fmt.Errorf("model has no subgraph")
	}
	sg := subgraphs[0]

	tensors, err := sg.tables(0, "tensor")
	if err != nil {
		return nil, err
	}
	m.Tensors = make([]Tensor, len(tensors))
	for i, tt := range tensors {
		if err := readTensor(tt, buffers, &m.Tensors[i]); err != nil {
			return nil, fmt.Errorf("tensor %d: %w", i, err)
		}
	}
	if m.Inputs, err = tensorList(sg, 1, len(tensors), false, "subgraph inputs"); err != nil {
		return nil, err
	}
	if m.Outputs, err = tensorList(sg, 2, len(tensors), false, "subgraph outputs"); err != nil {
		return nil, err
	}
	ops, err := sg.tables(3, "operator")
	if err != nil {
		return nil, err
	}
	m.Operators = make([]Operator, len(ops))
	for i, ot := range ops {
		if err := readOperator(ot, opcodes, len(tensors), &m.Operators[i]); err != nil {
			return nil, fmt.Errorf("operator %d: %w", i, err)
		}
	}
	return m, nil
}

type opcode struct {
	name    string
	custom  string
	version int
}

func readOpcodes(mt table) ([]opcode, error) {
	ts, err := mt.tables(1, "operator code")
	if err != nil {
		return nil, err
	}
	out := make([]opcode, len(ts))
	for i, t := range ts {
		dep, err := t.int8(0, 0)
		if err != nil {
			return nil, err
		}
		custom, err := t.string(1)
		if err != nil {
			return nil, err
		}
		version, err := t.int32(2, 1)
		if err != nil {
			return nil, err
		}
		code, err := t.int32(3, 0)
		if err != nil {
			return nil, err
		}
		// Files from before schema 3a write only deprecated_builtin_code; newer
		// ones write both (the deprecated one saturated at 127). TFLite takes the larger.
		code = max(code, int32(dep))
		if code < 0 {
			return nil, fmt.Errorf("operator code %d: negative builtin code %d", i, code)
		}
		out[i] = opcode{name: opName(code), custom: custom, version: int(version)}
	}
	return out, nil
}

// readBuffers returns the contents of every buffer: inline data, or for files
// over 2 GB an offset and size relative to the start of the file.
func readBuffers(mt table, file []byte) ([][]byte, error) {
	ts, err := mt.tables(4, "buffer")
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(ts))
	for i, t := range ts {
		if out[i], err = t.bytes(0); err != nil {
			return nil, err
		}
		off, err := t.uint64(1, 0)
		if err != nil {
			return nil, err
		}
		size, err := t.uint64(2, 0)
		if err != nil {
			return nil, err
		}
		if off > 1 {
			if off > uint64(len(file)) || size > uint64(len(file))-off {
				return nil, fmt.Errorf("buffer %d: offset %d size %d beyond end of file", i, off, size)
			}
			out[i] = file[off : off+size : off+size]
		}
	}
	return out, nil
}

func readTensor(t table, buffers [][]byte, out *Tensor) error {
	var err error
	if out.Name, err = t.string(3); err != nil {
		return err
	}
	shape, err := t.int32s(0)
	if err != nil {
		return err
	}
	out.Shape = make([]int, len(shape))
	elems := int64(1)
	for i, d := range shape {
		if d < 0 {
			return fmt.Errorf("%q: dimension %d is %d", out.Name, i, d)
		}
		out.Shape[i] = int(d)
		elems *= int64(d)
		if elems > math.MaxInt32 {
			return fmt.Errorf("%q: shape %v too large", out.Name, shape)
		}
	}
	typ, err := t.int8(1, 0)
	if err != nil {
		return err
	}
	out.Type = TensorType(typ)
	buf, err := t.uint32(2, 0)
	if err != nil {
		return err
	}
	if int64(buf) >= int64(len(buffers)) {
		return fmt.Errorf("%q: buffer index %d out of range (%d buffers)", out.Name, buf, len(buffers))
	}
	if data := buffers[buf]; len(data) > 0 {
		size := out.Type.Size()
		if size == 0 {
			return fmt.Errorf("%q: constant data of unsupported type %v", out.Name, out.Type)
		}
		if int64(len(data)) != elems*int64(size) {
			return fmt.Errorf("%q: buffer %d holds %d bytes, shape %v of %v needs %d",
				out.Name, buf, len(data), out.Shape, out.Type, elems*int64(size))
		}
		out.Data = data
	}
	qt, ok, err := t.child(4, fmt.Sprintf("quantization of %q", out.Name))
	if err != nil {
		return err
	}
	if ok {
		if out.Quant, err = readQuantization(qt, out); err != nil {
			return fmt.Errorf("%q: %w", out.Name, err)
		}
	}
	return nil
}

func readQuantization(t table, tensor *Tensor) (*Quantization, error) {
	scale, err := t.float32s(2)
	if err != nil {
		return nil, err
	}
	zp, err := t.int64s(3)
	if err != nil {
		return nil, err
	}
	dim, err := t.int32(6, 0)
	if err != nil {
		return nil, err
	}
	if len(scale) == 0 {
		return nil, nil // min/max only: not quantized in the sense the runtime uses
	}
	if len(zp) != len(scale) {
		return nil, fmt.Errorf("%d scales but %d zero points", len(scale), len(zp))
	}
	if len(scale) > 1 {
		if dim < 0 || int(dim) >= len(tensor.Shape) || tensor.Shape[dim] != len(scale) {
			return nil, fmt.Errorf("%d per-channel scales do not match dimension %d of shape %v", len(scale), dim, tensor.Shape)
		}
	}
	for i, s := range scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return nil, fmt.Errorf("scale %d is %v", i, s)
		}
	}
	return &Quantization{Scale: scale, ZeroPoint: zp, QuantizedDimension: int(dim)}, nil
}

// tensorList reads a vector of tensor indices, allowing -1 (omitted) when optional.
func tensorList(t table, id, ntensors int, optional bool, what string) ([]int, error) {
	v, err := t.int32s(id)
	if err != nil {
		return nil, err
	}
	out := ints(v)
	for i, x := range out {
		if (x == -1 && optional) || (x >= 0 && x < ntensors) {
			continue
		}
		return nil, fmt.Errorf("%s[%d]: tensor index %d out of range (%d tensors)", what, i, x, ntensors)
	}
	if out == nil {
		out = []int{}
	}
	return out, nil
}

func readOperator(t table, opcodes []opcode, ntensors int, out *Operator) error {
	idx, err := t.uint32(0, 0)
	if err != nil {
		return err
	}
	if int64(idx) >= int64(len(opcodes)) {
		return fmt.Errorf("opcode index %d out of range (%d operator codes)", idx, len(opcodes))
	}
	oc := opcodes[idx]
	out.Op, out.CustomCode, out.Version = oc.name, oc.custom, oc.version
	if out.Inputs, err = tensorList(t, 1, ntensors, true, out.Op+" inputs"); err != nil {
		return err
	}
	if out.Outputs, err = tensorList(t, 2, ntensors, false, out.Op+" outputs"); err != nil {
		return err
	}
	kind, err := t.uint8(3, 0)
	if err != nil {
		return err
	}
	if kind == 0 {
		return nil
	}
	ot, ok, err := t.child(4, out.Op+" options")
	if err != nil || !ok {
		return err
	}
	out.Options, err = readOptions(kind, ot)
	if err != nil {
		return fmt.Errorf("%s: %w", out.Op, err)
	}
	return nil
}
