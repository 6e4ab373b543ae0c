// Package inceptionv3 is InceptionV3 exactly as torchvision's inception_v3 defines it (eval mode, no auxiliary
// head): the architecture is the table in arch.go, which package inception compiles into layers with
// preallocated buffers, whole or as one part of several for workers that run one image together.
package inceptionv3

import (
	"inceptionweb/nn"
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
}

// Inception is the configuration of the generic network builder.
func (c Config) Inception() inception.Config {
	cfg := inception.Config{Classes: c.Classes, Split: c.Split}
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

// transformInput is torchvision's transform_input: ImageNet-normalised channels become (x*std+mean-0.5)/0.5.
// The constants are torchvision's own expressions, evaluated exactly as it writes them (imagenet.Mean and Std,
// rounded to float32 first, would give other bits).
func transformInput(x *nn.Tensor) {
	scale := [3]float32{0.229 / 0.5, 0.224 / 0.5, 0.225 / 0.5}
	shift := [3]float32{(0.485 - 0.5) / 0.5, (0.456 - 0.5) / 0.5, (0.406 - 0.5) / 0.5}
	for i := 0; i < len(x.Data); i += 3 {
		for c := 0; c < 3; c++ {
			x.Data[i+c] = float32(x.Data[i+c]*scale[c]) + shift[c]
		}
	}
}
