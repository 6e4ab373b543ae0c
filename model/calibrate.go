package model

import (
	"fmt"
	"image"

	"inceptionweb/nn"
	"inceptionweb/nn/calibrate"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

// Int8Compute names a model file whose activations are int8 too: an integer graph run by nn/quant.
const Int8Compute = "int8-compute"

// QuantizeActivations makes an int8-compute model file from a float model file: a network made of inception
// blocks (GoogLeNet, InceptionV3) or a float graph (MobileNetV2's float reference): its operator graph with int8
// weights and activation ranges calibrated, as o says, on the images (photographs of any size, preprocessed as
// the model says). An inception network's input stays its float preprocessing, quantized by the graph's first
// operator; a float graph's input stays the pixels.
func QuantizeActivations(name string, data []byte, images []image.Image, o calibrate.Options) ([]byte, *calibrate.Ranges, error) {
	mf, err := weights.Read(name, data)
	if err != nil {
		return nil, nil, err
	}
	g, consts, err := floatGraph(name, mf)
	if err != nil {
		return nil, nil, err
	}
	s := mf.Input.Size
	inputs := make([][]float32, len(images))
	in := g.Tensors[g.Inputs[0]]
	for i, img := range images {
		inputs[i] = make([]float32, s*s*3)
		rgba := mf.Input.CropResize(img)
		if mf.Input.Normalize == "pixels" {
			// A graph imported from TFLite: its input's quantization says what a pixel is.
			for p := 0; p < s*s; p++ {
				for c := 0; c < 3; c++ {
					inputs[i][p*3+c] = in.Scale[0] * (float32(rgba[p*4+c]) - float32(in.ZeroPoint[0]))
				}
			}
		} else {
			mf.Input.FloatInput(rgba, inputs[i])
		}
	}
	ranges, err := calibrate.Observe(g, consts, inputs, nn.KernelSet{})
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

// floatGraph is a float model file's network as an operator graph with its constants.
func floatGraph(name string, mf *weights.Model) (*graph.Graph, map[string][]float32, error) {
	if mf.Architecture == weights.FloatGraph {
		g, err := readGraph(name, mf)
		if err != nil {
			return nil, nil, err
		}
		consts := map[string][]float32{}
		for _, t := range g.Tensors {
			if !t.Const || !mf.Has(t.Name) {
				continue // a RESHAPE's shape became its output's
			}
			v, err := mf.Float32(t.Name, t.Shape)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", name, err)
			}
			consts[t.Name] = v
		}
		return g, consts, nil
	}
	arch, cfg, err := netConfig(name, mf.Meta, false, inception.Split{})
	if err != nil {
		return nil, nil, err
	}
	var g *graph.Graph
	var consts map[string][]float32
	if arch == inceptionv3.Arch {
		// Its transform_input folds into the first convolution.
		ic, err := decodeInceptionConfig(name, mf.Config)
		if err != nil {
			return nil, nil, err
		}
		g, consts, err = inceptionv3.Graph(mf, inceptionv3.Config{TransformInput: ic.TransformInput, Classes: ic.Classes})
	} else {
		g, consts, err = arch.Graph(mf, cfg)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return g, consts, nil
}
