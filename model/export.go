package model

import (
	"encoding/json"
	"fmt"
	"io"

	"inceptionweb/nn"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

// Weight encodings of an exported model file.
const (
	Float32 = "float32"
	Float16 = "float16"
	Int8    = "int8" // symmetric, per output channel, dequantized to float32 when the model is opened
)

// InceptionTensors reads InceptionV3 parameters, folds batch norm into the convolutions and encodes the
// weights as quant asks. Biases stay float32: they are tiny and carry the folded batch norm shift.
func InceptionTensors(p inceptionv3.Params, cfg inceptionv3.Config, quant string) ([]safetensors.Tensor, error) {
	var out []safetensors.Tensor
	specs := inceptionv3.ParamSpecs(cfg)
	add := func(name string, shape []int, v []float32, quantize bool) error {
		switch {
		case quantize && quant == Int8:
			q, s := weights.QuantizeInt8(v, shape[0])
			out = append(out, safetensors.Tensor{Name: name, DType: "I8", Shape: shape, Data: q},
				safetensors.FromFloat32(name+"_scale", []int{shape[0]}, s))
		case quantize && quant == Float16:
			out = append(out, weights.Float16Tensor(name, shape, v))
		case !quantize || quant == Float32:
			out = append(out, safetensors.FromFloat32(name, shape, v))
		default:
			return fmt.Errorf("unknown weight encoding %q", quant)
		}
		return nil
	}
	for _, s := range specs {
		if len(s.Shape) != 4 { // batch norm vectors are folded with their convolution; fc comes last
			continue
		}
		conv := s.Name[:len(s.Name)-len(".weight")]
		layer := conv[:len(conv)-len(".conv")]
		o := s.Shape[0]
		w, err := p.Float32(s.Name, s.Shape)
		if err != nil {
			return nil, err
		}
		var bias []float32
		if p.Has(layer + ".bn.weight") {
			var bn [4][]float32
			for k, n := range []string{"weight", "bias", "running_mean", "running_var"} {
				if bn[k], err = p.Float32(layer+".bn."+n, []int{o}); err != nil {
					return nil, err
				}
			}
			w, bias = nn.FoldBatchNorm(w, o, bn[0], bn[1], bn[2], bn[3], inceptionv3.BatchNormEps)
		} else if bias, err = p.Float32(conv+".bias", []int{o}); err != nil {
			return nil, err
		}
		if err := add(s.Name, s.Shape, w, true); err != nil {
			return nil, err
		}
		out = append(out, safetensors.FromFloat32(conv+".bias", []int{o}, bias))
	}
	classes := cfg.Classes
	if classes == 0 {
		classes = inceptionv3.Classes
	}
	fw, err := p.Float32("fc.weight", []int{classes, inceptionv3.Features})
	if err != nil {
		return nil, err
	}
	fb, err := p.Float32("fc.bias", []int{classes})
	if err != nil {
		return nil, err
	}
	if err := add("fc.weight", []int{classes, inceptionv3.Features}, fw, true); err != nil {
		return nil, err
	}
	out = append(out, safetensors.FromFloat32("fc.bias", []int{classes}, fb))
	return out, nil
}

// WriteInception writes an InceptionV3 model file.
func WriteInception(w io.Writer, meta weights.Meta, p inceptionv3.Params, cfg InceptionConfig, quant string) error {
	tensors, err := InceptionTensors(p, inceptionv3.Config{TransformInput: cfg.TransformInput, Classes: cfg.Classes}, quant)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	meta.Architecture = weights.InceptionV3
	meta.Config = raw
	meta.Quantization = quant
	return weights.Write(w, meta, tensors)
}
