package inceptionv3

import (
	"math"
	"strings"

	"inceptionweb/nn/inception"
)

// SyntheticParam returns the deterministic value of every element of the named parameter, in PyTorch's layout
// (OIHW for conv weights), as ARCHITECTURE.md defines it. shape is PyTorch's shape.
//
// tools/torchref/gen_inception.py computes the same values with NumPy; every product and sum below is rounded to
// float32 on its own (the explicit conversions forbid fused multiply-adds), so both sides agree bit for bit.
func SyntheticParam(name string, shape []int) []float32 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	u := inception.Uniform(name, n)
	switch {
	case strings.HasSuffix(name, ".conv.weight"):
		if len(shape) != 4 {
			panic("inceptionv3: synthetic conv weight " + name + " needs a 4-d OIHW shape")
		}
		fanIn := shape[1] * shape[2] * shape[3]
		scale(u, float32(math.Sqrt(6/float64(fanIn))))
	case strings.HasSuffix(name, ".bn.weight"):
		for i, v := range u {
			u[i] = float32(1 + float32(0.1*v))
		}
	case strings.HasSuffix(name, ".bn.bias"), strings.HasSuffix(name, ".bn.running_mean"):
		scale(u, 0.1)
	case strings.HasSuffix(name, ".bn.running_var"):
		for i, v := range u {
			u[i] = float32(1 + float32(0.5*float32(v+1)))
		}
	case name == "fc.weight" || strings.HasSuffix(name, ".fc.weight"):
		scale(u, float32(math.Sqrt(3.0/2048)))
	case name == "fc.bias" || strings.HasSuffix(name, ".fc.bias"):
		scale(u, 0.01)
	default:
		panic("inceptionv3: no synthetic formula for parameter " + name)
	}
	return u
}

// SyntheticInput returns the deterministic NCHW input [1,3,299,299] (the name "input").
func SyntheticInput() []float32 {
	return inception.Uniform("input", 3*299*299)
}

func scale(u []float32, s float32) {
	for i, v := range u {
		u[i] = v * s
	}
}
