package weights

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"inceptionweb/nn/quant"

	"inceptionweb/weights/safetensors"
)

// TensorError is how much one tensor changed when it was quantized.
type TensorError struct {
	Name     string
	RelRMS   float64 // RMS of the error over RMS of the weights
	MaxAbs   float64 // largest absolute error
	Elements int
}

// MinQuantizedElements is the size below which a weight tensor stays float32, as in TFLite's post-training
// quantization: small tensors (a first depthwise filter, a thin projection) are the most sensitive to rounding
// and save almost nothing when shrunk.
const MinQuantizedElements = 1024

// Quantize re-encodes the float weights of a model file: every float tensor of rank 2 or more (convolution and
// classifier weights, output channel first) with at least MinQuantizedElements values becomes int8 with
// per-output-channel scales ("int8") or float16 ("float16"); biases and small tensors stay float32. The model's architecture is untouched, so anything that
// reads weights through Float32 runs the result. It returns the new file and the error of each tensor.
func Quantize(name string, data []byte, to string) ([]byte, []TensorError, error) {
	m, err := Read(name, data)
	if err != nil {
		return nil, nil, err
	}
	if m.Quantization != "float32" {
		return nil, nil, fmt.Errorf("%s: weights are already %s; quantize a float32 model", name, m.Quantization)
	}
	var out []safetensors.Tensor
	var errs []TensorError
	for _, t := range m.Tensors() {
		if len(t.Shape) < 2 || !strings.HasPrefix(t.DType, "F") || t.NumElements() < MinQuantizedElements {
			out = append(out, t)
			continue
		}
		v, err := t.Float32()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: tensor %q: %w", name, t.Name, err)
		}
		var back []float32
		switch to {
		case "int8":
			q, s := quant.QuantizeInt8(v, t.Shape[0])
			out = append(out, safetensors.Tensor{Name: t.Name, DType: "I8", Shape: t.Shape, Data: q},
				safetensors.FromFloat32(t.Name+"_scale", []int{t.Shape[0]}, s))
			back = DequantizeInt8(q, s)
		case "float16":
			h := Float16Tensor(t.Name, t.Shape, v)
			out = append(out, h)
			back, _ = h.Float32()
		default:
			return nil, nil, fmt.Errorf("unknown weight encoding %q (int8 or float16)", to)
		}
		errs = append(errs, tensorError(t.Name, v, back))
	}
	meta := m.Meta
	meta.Quantization = to
	var buf bytes.Buffer
	if err := Write(&buf, meta, out); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), errs, nil
}

func tensorError(name string, v, q []float32) TensorError {
	var se, sv, mx float64
	for i := range v {
		d := float64(q[i] - v[i])
		se += d * d
		sv += float64(v[i]) * float64(v[i])
		mx = max(mx, math.Abs(d))
	}
	rel := 0.0
	if sv > 0 {
		rel = math.Sqrt(se / sv)
	}
	return TensorError{Name: name, RelRMS: rel, MaxAbs: mx, Elements: len(v)}
}
