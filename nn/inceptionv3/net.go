// Package inceptionv3 is InceptionV3 exactly as torchvision's inception_v3 defines it (eval mode, no auxiliary
// head): the architecture is the table in arch.go, which package inception compiles into layers with
// preallocated buffers, whole or as one part of several for workers that run one image together.
package inceptionv3

import (
	"fmt"
	"slices"

	"inceptionweb/nn"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/inception"
)

// Params gives the network its parameters by torchvision name, in PyTorch's layout (OIHW convolutions).
// A convolution comes either unfolded, as "<name>.conv.weight" plus "<name>.bn.{weight,bias,running_mean,
// running_var}", or with batch norm already folded in, as "<name>.conv.weight" plus "<name>.conv.bias".
type Params = inception.Params

// Net is a built InceptionV3 (or one part of it).
type Net = inception.Net

// Split names one part of a network run by several workers.
type Split = inception.Split

// ParamSpec is one parameter the network reads.
type ParamSpec = inception.ParamSpec

// Config selects the variant of the weights and the share of the work.
type Config struct {
	// TransformInput re-maps ImageNet-normalised input to [-1, 1] as torchvision does for Google's weights.
	TransformInput bool
	// Classes is the classifier's width (1000 for torchvision, 1001 for TF-slim's background class); 0 means 1000.
	Classes int
	// Split builds one part of a network run by several workers; the zero value is the whole network.
	Split Split
	// Kernels is the kernel set the network is built for; the zero value is pure Go.
	Kernels nn.KernelSet
}

// Inception is the configuration of the generic network builder.
func (c Config) Inception() inception.Config {
	cfg := inception.Config{Classes: c.Classes, Split: c.Split, Kernels: c.Kernels}
	if c.TransformInput {
		cfg.Input = transformInput
	}
	return cfg
}

// New builds the network (or the part cfg.Split names) from p, folding batch norm into the convolutions.
func New(p Params, cfg Config) (*Net, error) { return inception.New(Arch, p, cfg.Inception()) }

// ParamSpecs lists the parameters the network reads, unfolded, with torchvision's names and shapes.
func ParamSpecs(cfg Config) []ParamSpec { return Arch.ParamSpecs(cfg.Inception(), true) }

// FLOPs is the work of one whole forward pass (multiplies and adds).
func FLOPs() int64 { return Arch.FLOPs() }

func transformConstants() (scale, shift [3]float32) {
	return [3]float32{0.229 / 0.5, 0.224 / 0.5, 0.225 / 0.5}, [3]float32{(0.485 - 0.5) / 0.5, (0.456 - 0.5) / 0.5, (0.406 - 0.5) / 0.5}
}

// transformInput is torchvision's transform_input: ImageNet-normalised channels become (x*std+mean-0.5)/0.5.
// The constants are torchvision's own expressions, evaluated exactly as it writes them (imagenet.Mean and Std,
// rounded to float32 first, would give other bits).
func transformInput(x *nn.Tensor) {
	scale, shift := transformConstants()
	for i := 0; i < len(x.Data); i += 3 {
		for c := 0; c < 3; c++ {
			x.Data[i+c] = float32(x.Data[i+c]*scale[c]) + shift[c]
		}
	}
}

// Graph is the network as a float operator graph (see inception.Arch.Graph). transform_input becomes part of
// the first convolution: it is an affine map per input channel, and that convolution has no padding, so
// w*(x*scale+shift) = (w*scale)*x + w*shift exactly.
func Graph(p Params, cfg Config) (*graph.Graph, map[string][]float32, error) {
	g, consts, err := Arch.Graph(p, inception.Config{Classes: cfg.Classes})
	if err != nil || !cfg.TransformInput {
		return g, consts, err
	}
	scale, shift := transformConstants()
	for _, op := range g.Ops {
		if op.Op != graph.Conv2D || op.Inputs[0] != g.Inputs[0] {
			continue
		}
		if slices.Max(op.Params.Pads) != 0 {
			return nil, nil, fmt.Errorf("inceptionv3: the first convolution is padded: transform_input does not fold")
		}
		w, b := consts[g.Tensors[op.Inputs[1]].Name], consts[g.Tensors[op.Inputs[2]].Name]
		for o := range b {
			row := w[o*len(w)/len(b) : (o+1)*len(w)/len(b)]
			for i := range row {
				b[o] += row[i] * shift[i%3]
				row[i] *= scale[i%3]
			}
		}
	}
	return g, consts, nil
}
