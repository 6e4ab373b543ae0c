package model

import (
	"errors"
	"fmt"

	"inceptionweb/nn"
	"inceptionweb/nn/graph"
	"inceptionweb/weights"
)

// GPU compiles float operator graphs for a graphics processor (nn/webgpu in the page's workers).
type GPU interface {
	Compile(g *graph.Graph, weight func(name string, shape []int) ([]float32, error)) (GPUProgram, error)
}

// GPUProgram is a graph compiled by a GPU: Run takes the graph's NHWC float32 input and returns its logits
// (the input of its final softmax), valid until the next Run; Release frees what it holds on the device.
type GPUProgram interface {
	Run(x []float32) ([]float32, error)
	Release()
}

// ErrNotFloat is returned by BuildGPU for models that compute in integers (Meta.Compute "int8"): they run on
// the CPU's int8 kernels.
var ErrNotFloat = errors.New("the model computes in int8, not on the GPU")

// BuildGPU builds the float network of a model file already read (weights.Read or ReadVerified) on gpu: an
// inception network's graph (transform_input folded into its first convolution) or a float graph file's.
// The model has no features or class activation maps (they stay on the device); Close releases it. An error
// of Run (a lost device) comes back from ClassifyRGBA, and the caller may build the model for the CPU instead.
func BuildGPU(gpu GPU, name string, mf *weights.Model) (*Model, error) {
	if mf.Compute() != "float32" {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFloat)
	}
	g, consts, err := floatGraph(name, mf)
	if err != nil {
		return nil, err
	}
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return nil, fmt.Errorf("%s: the graph needs one input and one output", name)
	}
	input := mf.Input
	s := input.Size
	x := make([]float32, s*s*3)
	// The network's input from the crop's pixels: an inception network takes its preprocessing, a float graph
	// file the real values its input's quantization gives the pixels.
	fill := func(rgba []byte) { input.FloatInput(rgba, x) }
	if mf.Architecture == weights.FloatGraph {
		values, err := pixelValues(name, g)
		if err != nil {
			return nil, err
		}
		fill = func(rgba []byte) { values(x, rgba) }
	}
	prog, err := gpu.Compile(g, func(n string, _ []int) ([]float32, error) {
		v, ok := consts[n]
		if !ok {
			return nil, fmt.Errorf("missing tensor %q", n)
		}
		return v, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m := &Model{meta: mf.Meta, classes: g.Tensors[g.Outputs[0]].Elements(), close: prog.Release}
	probs := make([]float32, m.classes)
	m.scores = func(rgba []byte) ([]float32, error) {
		fill(rgba)
		return prog.Run(x)
	}
	m.probs = func(rgba []byte) ([]float32, error) {
		l, err := m.scores(rgba)
		if err != nil {
			return nil, err
		}
		if len(l) != len(probs) {
			return nil, fmt.Errorf("%s: %d logits for %d classes", name, len(l), len(probs))
		}
		nn.Softmax(l, probs)
		return probs, nil
	}
	return m, nil
}

// Close releases what the model holds outside Go's memory (a GPU program's buffers); the model is not used
// afterwards.
func (m *Model) Close() {
	if m.close != nil {
		m.close()
		m.close = nil
	}
}
