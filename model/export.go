package model

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"inceptionweb/nn"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/nn/quant"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

// Weight encodings of an exported model file.
const (
	Float32 = "float32"
	Float16 = "float16"
	Int8    = "int8" // symmetric, per output channel, dequantized to float32 when the model is opened
)

// NetTensors reads the parameters of a network made of inception blocks, folds batch norm (where the weights
// have it) into the convolutions and encodes the weights as quant asks. Biases stay float32: they are tiny and
// carry the folded batch norm shift.
func NetTensors(arch *inception.Arch, p inception.Params, cfg inception.Config, encoding string) ([]safetensors.Tensor, error) {
	var out []safetensors.Tensor
	add := func(name string, shape []int, v []float32) error {
		switch encoding {
		case Int8:
			q, s := quant.QuantizeInt8(v, shape[0])
			out = append(out, safetensors.Tensor{Name: name, DType: "I8", Shape: shape, Data: q},
				safetensors.FromFloat32(name+"_scale", []int{shape[0]}, s))
		case Float16:
			out = append(out, weights.Float16Tensor(name, shape, v))
		case Float32:
			out = append(out, safetensors.FromFloat32(name, shape, v))
		default:
			return fmt.Errorf("unknown weight encoding %q", encoding)
		}
		return nil
	}
	// The specs come in pairs: a weight ([out][in][kh][kw] or the classifier's [out][in]) and its bias.
	specs := arch.ParamSpecs(cfg, false)
	for i := 0; i+1 < len(specs); i += 2 {
		ws, bs := specs[i], specs[i+1]
		o := ws.Shape[0]
		w, err := p.Float32(ws.Name, ws.Shape)
		if err != nil {
			return nil, err
		}
		layer := strings.TrimSuffix(strings.TrimSuffix(ws.Name, ".weight"), arch.ConvSuffix)
		var bias []float32
		if len(ws.Shape) == 4 && p.Has(layer+".bn.weight") {
			var bn [4][]float32
			for k, n := range []string{"weight", "bias", "running_mean", "running_var"} {
				if bn[k], err = p.Float32(layer+".bn."+n, []int{o}); err != nil {
					return nil, err
				}
			}
			w, bias = nn.FoldBatchNorm(w, o, bn[0], bn[1], bn[2], bn[3], arch.BatchNormEps)
		} else if bias, err = p.Float32(bs.Name, bs.Shape); err != nil {
			return nil, err
		}
		if err := add(ws.Name, ws.Shape, w); err != nil {
			return nil, err
		}
		out = append(out, safetensors.FromFloat32(bs.Name, bs.Shape, bias))
	}
	return out, nil
}

// WriteInception writes an InceptionV3 model file.
func WriteInception(w io.Writer, meta weights.Meta, p inception.Params, cfg InceptionConfig, quant string) error {
	icfg := inceptionv3.Config{TransformInput: cfg.TransformInput, Classes: cfg.Classes}.Inception()
	meta.Architecture = weights.InceptionV3
	return writeNet(w, meta, inceptionv3.Arch, p, icfg, cfg, quant)
}

// writeNet writes a model file of a network made of inception blocks; config is the architecture's own metadata.
func writeNet(w io.Writer, meta weights.Meta, arch *inception.Arch, p inception.Params, cfg inception.Config, config any, quant string) error {
	tensors, err := NetTensors(arch, p, cfg, quant)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(config)
	if err != nil {
		return err
	}
	meta.Config = raw
	meta.Quantization = quant
	return weights.Write(w, meta, tensors)
}
