package model

import (
	"encoding/json"
	"fmt"
	"image"

	"inceptionweb/nn/calibrate"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/nn/quant"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

// Int8Compute names a model file whose activations are int8 too: an integer graph run by nn/quant.
const Int8Compute = "int8-compute"

// QuantizeActivations makes an int8-compute model file from a float model file made of inception blocks
// (GoogLeNet, InceptionV3): its operator graph with int8 weights and activation ranges calibrated, as o says,
// on the images (photographs of any size, preprocessed as the model says). The input stays the model's
// float preprocessing, quantized by the graph's first operator.
func QuantizeActivations(name string, data []byte, images []image.Image, o calibrate.Options) ([]byte, *calibrate.Ranges, error) {
	mf, err := weights.Read(name, data)
	if err != nil {
		return nil, nil, err
	}
	arch, cfg, err := netConfig(name, mf.Meta, false, inception.Split{})
	if err != nil {
		return nil, nil, err
	}
	var g *quant.Graph
	var consts map[string][]float32
	if arch == inceptionv3.Arch {
		// Its transform_input folds into the first convolution.
		var ic InceptionConfig
		if err := json.Unmarshal(mf.Config, &ic); err != nil {
			return nil, nil, fmt.Errorf("%s: bad inception_v3 config: %w", name, err)
		}
		g, consts, err = inceptionv3.Graph(mf, inceptionv3.Config{TransformInput: ic.TransformInput, Classes: ic.Classes})
	} else {
		g, consts, err = arch.Graph(mf, cfg)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	s := mf.Input.Size
	inputs := make([][]float32, len(images))
	for i, img := range images {
		inputs[i] = make([]float32, s*s*3)
		mf.Input.FloatInput(mf.Input.CropResize(img), inputs[i])
	}
	ranges, err := calibrate.Observe(g, consts, inputs)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	q, qc, err := calibrate.Quantize(g, consts, ranges, o)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	tensors := make([]safetensors.Tensor, 0, len(qc))
	for _, n := range sortedKeys(qc) {
		c := qc[n]
		tensors = append(tensors, safetensors.Tensor{Name: n, DType: QuantDTypes[c.Type], Shape: c.Shape, Data: c.Data})
	}
	meta := mf.Meta
	meta.Architecture, meta.Quantization = weights.QuantGraph, Int8Compute
	file, err := writeGraph(meta, q, tensors)
	return file, ranges, err
}
